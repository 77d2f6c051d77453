// A unified diff of two texts, line by line (for `gavel fmt --diff`): a longest-common-
// subsequence table is plenty for policy files, which are small.

type Op = { kind: " " | "-" | "+"; line: string };

/** Beyond this many table cells the diff is one replacement: still correct, just coarse. */
const MAX_CELLS = 16_000_000;

function lines(text: string): string[] {
	const out = text.split("\n");
	if (out.at(-1) === "") out.pop();
	return out;
}

function edits(a: string[], b: string[]): Op[] {
	const n = a.length;
	const m = b.length;
	if (n * m > MAX_CELLS) {
		return [
			...a.map((line) => ({ kind: "-" as const, line })),
			...b.map((line) => ({ kind: "+" as const, line })),
		];
	}
	// lcs[i][j]: the common subsequence length of a[i..] and b[j..].
	const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
	for (let i = n - 1; i >= 0; i--) {
		for (let j = m - 1; j >= 0; j--) {
			lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
		}
	}
	const ops: Op[] = [];
	let i = 0;
	let j = 0;
	while (i < n && j < m) {
		if (a[i] === b[j]) {
			ops.push({ kind: " ", line: a[i] });
			i++;
			j++;
		} else if (lcs[i + 1][j] >= lcs[i][j + 1]) ops.push({ kind: "-", line: a[i++] });
		else ops.push({ kind: "+", line: b[j++] });
	}
	while (i < n) ops.push({ kind: "-", line: a[i++] });
	while (j < m) ops.push({ kind: "+", line: b[j++] });
	return ops;
}

/** `diff -u` style output with 3 lines of context; "" when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, name: string, context = 3): string {
	if (oldText === newText) return "";
	const ops = edits(lines(oldText), lines(newText));
	const out = [`--- ${name}`, `+++ ${name} (formatted)`];
	// Line numbers before each op, in the old and new text.
	const oldAt: number[] = [];
	const newAt: number[] = [];
	let o = 1;
	let w = 1;
	for (const op of ops) {
		oldAt.push(o);
		newAt.push(w);
		if (op.kind !== "+") o++;
		if (op.kind !== "-") w++;
	}
	const changed = ops.map((op, k) => (op.kind !== " " ? k : -1)).filter((k) => k >= 0);
	let k = 0;
	while (k < changed.length) {
		const start = Math.max(0, changed[k] - context);
		let end = Math.min(ops.length, changed[k] + context + 1);
		while (k + 1 < changed.length && changed[k + 1] - context <= end) {
			k++;
			end = Math.min(ops.length, changed[k] + context + 1);
		}
		const hunk = ops.slice(start, end);
		const oldLen = hunk.filter((op) => op.kind !== "+").length;
		const newLen = hunk.filter((op) => op.kind !== "-").length;
		out.push(`@@ -${oldAt[start]},${oldLen} +${newAt[start]},${newLen} @@`);
		for (const op of hunk) out.push(`${op.kind}${op.line}`);
		k++;
	}
	return `${out.join("\n")}\n`;
}
