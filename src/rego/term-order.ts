// OPA's order of terms (as its formatter shows sets and objects whose elements it has no
// locations for): by kind first — null, booleans, numbers, strings, vars, refs, arrays,
// objects, sets, array/object/set comprehensions, calls — then by value. Measured on opa fmt
// 1.22.3: numbers by value, strings by code point, refs/arrays/calls element by element then
// by length, objects by their sorted (key, value) pairs, sets by their sorted elements.

import type { Term } from "./ast.ts";

const RANK: Record<Term["type"], number> = {
	null: 0,
	boolean: 1,
	number: 2,
	string: 3,
	var: 4,
	ref: 5,
	array: 6,
	object: 7,
	set: 8,
	arrayCompr: 9,
	objectCompr: 10,
	setCompr: 11,
	call: 12,
};

function codePoints(a: string, b: string): number {
	const x = [...a];
	const y = [...b];
	for (let i = 0; i < Math.min(x.length, y.length); i++) {
		const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
		if (d !== 0) return d;
	}
	return x.length - y.length;
}

function numbers(a: string, b: string): number {
	const int = /^-?\d+$/;
	if (int.test(a) && int.test(b)) {
		const x = BigInt(a);
		const y = BigInt(b);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	return Math.sign(Number(a) - Number(b));
}

function lists(a: Term[], b: Term[]): number {
	for (let i = 0; i < Math.min(a.length, b.length); i++) {
		const d = compareTerms(a[i], b[i]);
		if (d !== 0) return d;
	}
	return a.length - b.length;
}

export const sortTerms = (ts: Term[]): Term[] => [...ts].sort(compareTerms);

export function compareTerms(a: Term, b: Term): number {
	const rank = RANK[a.type] - RANK[b.type];
	if (rank !== 0) return rank;
	switch (a.type) {
		case "null":
			return 0;
		case "boolean":
			return Number(a.value) - Number((b as typeof a).value);
		case "number":
			return numbers(a.text, (b as typeof a).text);
		case "string":
			return codePoints(a.value, (b as typeof a).value);
		case "var":
			return codePoints(a.name, (b as typeof a).name);
		case "ref": {
			const r = b as typeof a;
			return lists([a.head, ...a.path], [r.head, ...r.path]);
		}
		case "array":
			return lists(a.items, (b as typeof a).items);
		case "set":
			return lists(sortTerms(a.items), sortTerms((b as typeof a).items));
		case "object": {
			const byKey = (es: [Term, Term][]) => [...es].sort(([x], [y]) => compareTerms(x, y));
			const x = byKey(a.entries);
			const y = byKey((b as typeof a).entries);
			for (let i = 0; i < Math.min(x.length, y.length); i++) {
				const d = compareTerms(x[i][0], y[i][0]) || compareTerms(x[i][1], y[i][1]);
				if (d !== 0) return d;
			}
			return x.length - y.length;
		}
		case "call": {
			const c = b as typeof a;
			return lists([a.fn, ...a.args], [c.fn, ...c.args]);
		}
		default:
			// Comprehensions: not ordered further here (kept as written).
			return 0;
	}
}
