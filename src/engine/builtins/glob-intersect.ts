// regex.globs_match: do two "glob-style" regexes share a non-empty matching string? Only
// `.`, `*`, `+`, `[…]` (with ranges) and `\` escapes are special, as OPA documents. Each
// glob becomes a small NFA over character classes; we search their product for a path of
// at least one character that ends in both accepting states.

type Range = [number, number];
interface Item {
	cls: Range[];
	repeat: boolean; // `*`: zero or more of cls
}

const ANY: Range[] = [[0, 0x10ffff]];

function parseGlob(glob: string): Item[] {
	const items: Item[] = [];
	const chars = Array.from(glob);
	let i = 0;
	const single = (cp: number): Range[] => [[cp, cp]];
	while (i < chars.length) {
		const c = chars[i];
		let cls: Range[];
		if (c === "\\") {
			const n = chars[i + 1];
			if (n === undefined) throw new Error(`trailing escape in ${glob}`);
			cls = single(n.codePointAt(0) as number);
			i += 2;
		} else if (c === ".") {
			cls = ANY;
			i++;
		} else if (c === "[") {
			cls = [];
			i++;
			while (i < chars.length && chars[i] !== "]") {
				let lo = chars[i];
				if (lo === "\\") lo = chars[++i] ?? "";
				let hi = lo;
				if (chars[i + 1] === "-" && chars[i + 2] !== undefined && chars[i + 2] !== "]") {
					hi = chars[i + 2] === "\\" ? (chars[i + 3] ?? "") : chars[i + 2];
					i += chars[i + 2] === "\\" ? 3 : 2;
				}
				const a = lo.codePointAt(0) as number;
				const b = hi.codePointAt(0) as number;
				if (a > b) throw new Error(`invalid range ${lo}-${hi} in ${glob}`);
				cls.push([a, b]);
				i++;
			}
			if (chars[i] !== "]") throw new Error(`unclosed [ in ${glob}`);
			i++;
		} else if (c === "*" || c === "+") {
			throw new Error(`${c} without a preceding symbol in ${glob}`);
		} else {
			cls = single(c.codePointAt(0) as number);
			i++;
		}
		const q = chars[i];
		if (q === "*") {
			items.push({ cls, repeat: true });
			i++;
		} else if (q === "+") {
			items.push({ cls, repeat: false }, { cls, repeat: true });
			i++;
		} else items.push({ cls, repeat: false });
	}
	return items;
}

function overlaps(a: Range[], b: Range[]): boolean {
	return a.some(([alo, ahi]) => b.some(([blo, bhi]) => alo <= bhi && blo <= ahi));
}

/** States reachable from i without consuming input (skipping `*` items). */
function closure(items: Item[], i: number): number[] {
	const out = [i];
	while (i < items.length && items[i].repeat) out.push(++i);
	return out;
}

export function globsIntersect(glob1: string, glob2: string): boolean {
	const a = parseGlob(glob1);
	const b = parseGlob(glob2);
	// State: position in a, position in b, whether a character was consumed yet.
	const seen = new Set<string>();
	const queue: [number, number, boolean][] = [];
	const push = (i: number, j: number, consumed: boolean) => {
		for (const ci of closure(a, i)) {
			for (const cj of closure(b, j)) {
				const key = `${ci},${cj},${consumed}`;
				if (!seen.has(key)) {
					seen.add(key);
					queue.push([ci, cj, consumed]);
				}
			}
		}
	};
	push(0, 0, false);
	while (queue.length > 0) {
		const [i, j, consumed] = queue.shift() as [number, number, boolean];
		if (consumed && i === a.length && j === b.length) return true;
		if (i === a.length || j === b.length) continue;
		if (!overlaps(a[i].cls, b[j].cls)) continue;
		// Consuming one character moves past a plain item and stays on a repeated one.
		push(a[i].repeat ? i : i + 1, b[j].repeat ? j : j + 1, true);
	}
	return false;
}
