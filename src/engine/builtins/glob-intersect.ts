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

/** OPA's report of a malformed glob: the glob, the position (in code points), the reason. */
export class GlobSyntaxError extends Error {
	constructor(glob: string[], pos: number, reason: string) {
		super(`input:${glob.join("")}, pos:${pos}, ${reason}: the input provided is invalid`);
	}
}

/**
 * Checks a glob as OPA's tokenizer reads it, so a malformed one fails with OPA's words and
 * position: a position is the index just past the character at fault (past the end for an
 * unclosed set; at the backslash for a trailing escape).
 */
function checkGlob(chars: string[]): void {
	const fail = (pos: number, reason: string): never => {
		throw new GlobSyntaxError(chars, pos, reason);
	};
	/** The character at i: [next index, char, escaped], or undefined at the end. */
	const next = (i: number): [number, string, boolean] | undefined => {
		if (i >= chars.length) return undefined;
		if (chars[i] !== "\\") return [i + 1, chars[i], false];
		if (i === chars.length - 1) fail(i, "input ends with a \\ (escape) character");
		return [i + 2, chars[i + 1], true];
	};
	let i = 0;
	for (let r = next(i); r !== undefined; r = next(i)) {
		const [after, c, escaped] = r;
		i = after;
		if (!escaped && c === "]") fail(i, "set-close ']' with no preceding '['");
		if (!escaped && (c === "*" || c === "+")) fail(i, `flag '${c}' must be preceded by a non-flag`);
		if (!escaped && c === "[") {
			let complete = false;
			let prev: string | undefined;
			for (let s = next(i); s !== undefined; s = next(i)) {
				const [sAfter, sc, sEscaped] = s;
				i = sAfter;
				if (!sEscaped && sc === "]") {
					complete = true;
					break;
				}
				if (sEscaped || sc !== "-") {
					prev = sc;
					continue;
				}
				if (prev === undefined)
					fail(i, "range character '-' must be preceded by a Unicode character");
				if (i >= chars.length - 1)
					fail(i, "range character '-' must be followed by a Unicode character");
				const [hAfter, hi, hEscaped] = next(i) as [number, string, boolean];
				i = hAfter;
				if (!hEscaped && (hi === "]" || hi === "-"))
					fail(i, "range character '-' cannot be followed by a special symbol");
				if ((hi.codePointAt(0) as number) < ((prev as string).codePointAt(0) as number))
					fail(i, `range is out of order: '${hi}' comes before '${prev}' in Unicode`);
				prev = undefined;
			}
			if (!complete) fail(i, "found [ without matching ]");
		}
		// One flag may follow a token; a second is read as a token and refused above.
		const f = next(i);
		if (f !== undefined && !f[2] && (f[1] === "*" || f[1] === "+")) i = f[0];
	}
}

function parseGlob(glob: string): Item[] {
	const items: Item[] = [];
	const chars = Array.from(glob);
	checkGlob(chars);
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
