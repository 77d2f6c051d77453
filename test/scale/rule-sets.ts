// The large policy of issue 12, shared by the scale test and bench/rules-scale.ts: n rules at
// one path, each an equality test on the method, the path (one per rule) and a role.

export function ruleSetSource(n: number): string {
	const parts = ["package rules\n\ndefault allow := false\n"];
	for (let i = 0; i < n; i++) {
		parts.push(
			`allow if {\n\tinput.method == "GET"\n\tinput.path == "/api/v${i}/items"\n\tinput.role == "r${i % 7}"\n}\n`,
		);
	}
	return parts.join("\n");
}

/**
 * A policy holding about `bytes` of literal data (`users := {…}`), shared by the scale test and
 * bench/rules-scale.ts; `count` is the number of users, user<i> is admin when i % 100 == 0.
 */
export function literalSource(bytes = 1_050_000): { source: string; count: number } {
	const users: Record<string, unknown> = {};
	let i = 0;
	let size = 2;
	while (size < bytes) {
		const user = { name: `User number ${i}`, roles: [`r${i % 7}`, "reader"], admin: i % 100 === 0 };
		users[`user${i}`] = user;
		size += JSON.stringify(`user${i}`).length + JSON.stringify(user).length + 2;
		i++;
	}
	const source = `package big\n\nusers := ${JSON.stringify(users)}\n\nallow if users[input.user].admin\n\nn := count(users)\n`;
	return { source, count: i };
}
