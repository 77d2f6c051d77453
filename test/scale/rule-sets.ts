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
