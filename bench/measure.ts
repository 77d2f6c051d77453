// Shared by the evaluation benchmarks: the RBAC data set both measure, and the side-by-side
// timing that compares a policy with the SDK's floor in one run.

export const ROLES = 1000;
export const PERMS_PER_ROLE = 10;
const USERS = 1000;

/** 1,000 roles of 10 permissions each; 1,000 users with 3 roles each. */
export function rbacData() {
	const roles: Record<string, { permissions: { action: string; resource: string }[] }> = {};
	for (let i = 0; i < ROLES; i++) {
		roles[`role${i}`] = {
			permissions: Array.from({ length: PERMS_PER_ROLE }, (_, j) => ({
				action: j % 2 === 0 ? "read" : "write",
				resource: `doc${(i * PERMS_PER_ROLE + j) % 5000}`,
			})),
		};
	}
	const user_roles: Record<string, string[]> = {};
	for (let u = 0; u < USERS; u++)
		user_roles[`user${u}`] = [`role${u}`, `role${(u * 7) % ROLES}`, `role${(u * 13) % ROLES}`];
	return { roles, user_roles };
}

export const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
};

/**
 * Median µs per call over alternating rounds of the two functions, and the median of the
 * per-round ratios (paired rounds cancel out load that drifts during the run).
 */
export function sideBySide(a: () => void, b: () => void, rounds: number, perRound: number) {
	const ta: number[] = [];
	const tb: number[] = [];
	const ratios: number[] = [];
	const time = (f: () => void) => {
		const t = performance.now();
		for (let i = 0; i < perRound; i++) f();
		return ((performance.now() - t) * 1000) / perRound;
	};
	for (let r = 0; r < rounds; r++) {
		let x: number;
		let y: number;
		if (r % 2 === 0) {
			x = time(a);
			y = time(b);
		} else {
			y = time(b);
			x = time(a);
		}
		ta.push(x);
		tb.push(y);
		ratios.push(x / y);
	}
	return { a: median(ta), b: median(tb), ratio: median(ratios) };
}
