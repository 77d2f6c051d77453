// count, sum, product, max, min, sort, all, any.

import { compare } from "../compare";
import { operandError } from "../errors";
import { charge } from "../meter";
import {
	arrGet,
	arrPush,
	boolOf,
	collClone,
	collLen,
	K_BOOL,
	K_SET,
	kind,
	makeArray,
	makeBool,
	makeInt,
	numInt,
	numRepr,
	R_INT,
	strLen,
	strPtr,
} from "../values";
import { b_mul, b_plus } from "./operators";
import { isArrOrSet, isColl, isNumber, isStr, runeCount } from "./util";

export function b_count(v: usize): usize {
	if (isStr(v)) return makeInt(runeCount(strPtr(v), strLen(v)));
	if (isColl(v)) return makeInt(collLen(v));
	return operandError("count", 1, "one of {array, object, set, string}", v);
}

function fold(name: string, v: usize, mul: bool): usize {
	if (!isArrOrSet(v)) return operandError(name, 1, "one of {set, array}", v);
	const n = collLen(v);
	// Builtins that pass over a collection without allocating are charged by its size.
	charge(n >> 2);
	let exact = true;
	let ai: i64 = mul ? 1 : 0;
	let acc: usize = 0;
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(v, i);
		if (!isNumber(x)) return operandError(name, 1, "array or set of numbers", v);
		if (!exact) {
			// Past int64 or into floats: the plus/mul builtins keep big integers exact.
			acc = acc == 0 ? 0 : mul ? b_mul(acc, x) : b_plus(acc, x);
			continue;
		}
		if (numRepr(x) == R_INT) {
			const y = numInt(x);
			if (mul) {
				const r = ai * y;
				if (ai != 0 && (r / ai != y || (ai == -1 && y == i64.MIN_VALUE))) exact = false;
				else ai = r;
			} else {
				const r = ai + y;
				if (((ai ^ r) & (y ^ r)) < 0) exact = false;
				else ai = r;
			}
		} else {
			exact = false;
		}
		if (!exact) acc = mul ? b_mul(makeInt(ai), x) : b_plus(makeInt(ai), x);
	}
	return exact ? makeInt(ai) : acc;
}

export function b_sum(v: usize): usize {
	return fold("sum", v, false);
}

export function b_product(v: usize): usize {
	return fold("product", v, true);
}

function extreme(name: string, v: usize, sign: i32): usize {
	if (!isArrOrSet(v)) return operandError(name, 1, "one of {set, array}", v);
	const n = collLen(v);
	if (n == 0) return 0;
	charge(n >> 2);
	let best = arrGet(v, 0);
	for (let i: u32 = 1; i < n; i++) {
		const x = arrGet(v, i);
		if (compare(x, best) * sign > 0) best = x;
	}
	return best;
}

export function b_max(v: usize): usize {
	return extreme("max", v, 1);
}

export function b_min(v: usize): usize {
	return extreme("min", v, -1);
}

export function b_sort(v: usize): usize {
	if (!isArrOrSet(v)) return operandError("sort", 1, "one of {set, array}", v);
	const n = collLen(v);
	const r = makeArray(n);
	if (kind(v) == K_SET) {
		for (let i: u32 = 0; i < n; i++) arrPush(r, arrGet(v, i));
		return r;
	}
	// Sorting an array keeps duplicates: sort a copy as a set-shaped buffer, stably.
	const c = collClone(v);
	sortKeepDuplicates(c);
	return c;
}

function sortKeepDuplicates(a: usize): void {
	// Insertion into a fresh order via merge sort on the slots (duplicates kept).
	const n = collLen(a);
	if (n < 2) return;
	const tmp = makeArray(n);
	mergeSortSlots(load<u32>(a, 12), n, load<u32>(tmp, 12));
}

function mergeSortSlots(e: usize, n: u32, tmp: usize): void {
	if (n < 2) return;
	// Each level of the sort passes over its n slots once.
	charge(n >> 2);
	const h = n >>> 1;
	mergeSortSlots(e, h, tmp);
	mergeSortSlots(e + (h << 2), n - h, tmp);
	let i: u32 = 0;
	let j: u32 = h;
	let k: u32 = 0;
	while (i < h && j < n) {
		const x = load<u32>(e + (i << 2));
		const y = load<u32>(e + (j << 2));
		if (compare(y, x) < 0) {
			store<u32>(tmp + (k << 2), y);
			j++;
		} else {
			store<u32>(tmp + (k << 2), x);
			i++;
		}
		k++;
	}
	while (i < h) store<u32>(tmp + (k++ << 2), load<u32>(e + (i++ << 2)));
	while (j < n) store<u32>(tmp + (k++ << 2), load<u32>(e + (j++ << 2)));
	memory.copy(e, tmp, n << 2);
}

function boolFold(name: string, v: usize, all: bool): usize {
	if (!isArrOrSet(v)) return operandError(name, 1, "one of {set, array}", v);
	const n = collLen(v);
	charge(n >> 2);
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(v, i);
		const t = kind(x) == K_BOOL && boolOf(x);
		if (all && !t) return makeBool(false);
		if (!all && t) return makeBool(true);
	}
	return makeBool(all);
}

export function b_all(v: usize): usize {
	return boolFold("all", v, true);
}

export function b_any(v: usize): usize {
	return boolFold("any", v, false);
}
