// array.* and set builtins (intersection, union).

import { operandError } from "../errors";
import { arrGet, arrPush, collLen, K_ARR, K_SET, kind, makeArray, makeSet } from "../values";
import { setIntersect, setUnion } from "./operators";
import { intOf, isInt } from "./util";

export function b_array__concat(a: usize, b: usize): usize {
	if (kind(a) != K_ARR) return operandError("array.concat", 1, "array", a);
	if (kind(b) != K_ARR) return operandError("array.concat", 2, "array", b);
	const r = makeArray(collLen(a) + collLen(b));
	for (let i: u32 = 0; i < collLen(a); i++) arrPush(r, arrGet(a, i));
	for (let i: u32 = 0; i < collLen(b); i++) arrPush(r, arrGet(b, i));
	return r;
}

/** array.flatten(a): elements that are arrays are spliced in, one level deep. */
export function b_array__flatten(a: usize): usize {
	if (kind(a) != K_ARR) return operandError("array.flatten", 1, "array", a);
	const n = collLen(a);
	const r = makeArray(n);
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(a, i);
		if (kind(x) != K_ARR) {
			arrPush(r, x);
			continue;
		}
		for (let j: u32 = 0; j < collLen(x); j++) arrPush(r, arrGet(x, j));
	}
	return r;
}

export function b_array__slice(a: usize, start: usize, stop: usize): usize {
	if (kind(a) != K_ARR) return operandError("array.slice", 1, "array", a);
	if (!isInt(start)) return operandError("array.slice", 2, "number", start);
	if (!isInt(stop)) return operandError("array.slice", 3, "number", stop);
	const n = <i64>collLen(a);
	let s = intOf(start);
	let e = intOf(stop);
	if (s < 0) s = 0;
	if (e > n) e = n;
	if (s >= e) return makeArray(0);
	const r = makeArray(<u32>(e - s));
	for (let i = s; i < e; i++) arrPush(r, arrGet(a, <u32>i));
	return r;
}

export function b_array__reverse(a: usize): usize {
	if (kind(a) != K_ARR) return operandError("array.reverse", 1, "array", a);
	const n = collLen(a);
	const r = makeArray(n);
	for (let i = n; i > 0; i--) arrPush(r, arrGet(a, i - 1));
	return r;
}

function setOfSets(name: string, s: usize): bool {
	if (kind(s) != K_SET) {
		operandError(name, 1, "set", s);
		return false;
	}
	for (let i: u32 = 0; i < collLen(s); i++) {
		if (kind(arrGet(s, i)) != K_SET) {
			operandError(name, 1, "set", arrGet(s, i));
			return false;
		}
	}
	return true;
}

export function b_intersection(s: usize): usize {
	if (!setOfSets("intersection", s)) return 0;
	const n = collLen(s);
	if (n == 0) return makeSet(0);
	let r = arrGet(s, 0);
	for (let i: u32 = 1; i < n; i++) r = setIntersect(r, arrGet(s, i));
	return r;
}

export function b_union(s: usize): usize {
	if (!setOfSets("union", s)) return 0;
	let r = makeSet(0);
	for (let i: u32 = 0; i < collLen(s); i++) r = setUnion(r, arrGet(s, i));
	return r;
}
