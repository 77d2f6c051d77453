// Sorted objects and sets: binary search by Rego's order, insertion in place (a collection is
// only mutated while the statement that made it is still filling it).

import { bytesEqual, compare, compareBytes } from "./compare";
import { alloc } from "./memory";
import { charge } from "./meter";
import {
	arrGet,
	collElems,
	collLen,
	collReserve,
	K_STR,
	kind,
	makeObject,
	makeSet,
	objKeyAt,
	objSetValAt,
	objValAt,
	strLen,
	strPtr,
} from "./values";

/** Index of key in object o, or -(insertion point) - 1. */
export function objFind(o: usize, key: usize): i32 {
	let lo: i32 = 0;
	let hi: i32 = <i32>collLen(o) - 1;
	const e = collElems(o);
	const isStr = kind(key) == K_STR;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const k = load<u32>(e + ((<usize>mid) << 3));
		const c =
			isStr && kind(k) == K_STR
				? compareBytes(strPtr(k), strLen(k), strPtr(key), strLen(key))
				: compare(k, key);
		if (c == 0) return mid;
		if (c < 0) lo = mid + 1;
		else hi = mid - 1;
	}
	return -lo - 1;
}

export function objGet(o: usize, key: usize): usize {
	const n = collLen(o);
	if (n <= 8 && kind(key) == K_STR) {
		// Small objects: an equality scan beats a binary search by order.
		const kl = strLen(key);
		const kp = strPtr(key);
		const e = collElems(o);
		for (let i: u32 = 0; i < n; i++) {
			const k = load<u32>(e + (i << 3));
			if (kind(k) == K_STR && strLen(k) == kl && bytesEqual(strPtr(k), kp, kl)) {
				return load<u32>(e + (i << 3), 4);
			}
		}
		return 0;
	}
	const i = objFind(o, key);
	return i >= 0 ? objValAt(o, <u32>i) : 0;
}

/** Look a key up by raw bytes (for static names). */
export function objGetBytes(o: usize, p: usize, n: u32): usize {
	let lo: i32 = 0;
	let hi: i32 = <i32>collLen(o) - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const k = objKeyAt(o, <u32>mid);
		const c = kind(k) < K_STR ? -1 : kind(k) > K_STR ? 1 : compareBytes(strPtr(k), strLen(k), p, n);
		if (c == 0) return objValAt(o, <u32>mid);
		if (c < 0) lo = mid + 1;
		else hi = mid - 1;
	}
	return 0;
}

/** Insert or overwrite. */
export function objInsert(o: usize, key: usize, val: usize): void {
	const n = collLen(o);
	// Fast path: keys arriving in order append.
	if (n > 0 && compare(objKeyAt(o, n - 1), key) < 0) {
		collReserve(o, 8);
		store<u32>(collElems(o) + (n << 3), key);
		store<u32>(collElems(o) + (n << 3), val, 4);
		store<u32>(o, n + 1, 4);
		return;
	}
	const i = objFind(o, key);
	if (i >= 0) {
		objSetValAt(o, <u32>i, val);
		return;
	}
	const at = <u32>(-i - 1);
	collReserve(o, 8);
	const e = collElems(o);
	if (at < n) {
		// Out-of-order inserts move the tail: charge it, or building a big object is quadratic
		// and free.
		charge((n - at) >> 6);
		memory.copy(e + ((at + 1) << 3), e + (at << 3), (n - at) << 3);
	}
	store<u32>(e + (at << 3), key);
	store<u32>(e + (at << 3), val, 4);
	store<u32>(o, n + 1, 4);
}

/** Index of x in set s, or -(insertion point) - 1. */
export function setFind(s: usize, x: usize): i32 {
	let lo: i32 = 0;
	let hi: i32 = <i32>collLen(s) - 1;
	const e = collElems(s);
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const c = compare(load<u32>(e + ((<usize>mid) << 2)), x);
		if (c == 0) return mid;
		if (c < 0) lo = mid + 1;
		else hi = mid - 1;
	}
	return -lo - 1;
}

export function setHas(s: usize, x: usize): bool {
	return setFind(s, x) >= 0;
}

export function setAdd(s: usize, x: usize): void {
	const n = collLen(s);
	if (n > 0) {
		const c = compare(arrGet(s, n - 1), x);
		if (c == 0) return;
		if (c < 0) {
			collReserve(s, 4);
			store<u32>(collElems(s) + (n << 2), x);
			store<u32>(s, n + 1, 4);
			return;
		}
	}
	const i = setFind(s, x);
	if (i >= 0) return;
	const at = <u32>(-i - 1);
	collReserve(s, 4);
	const e = collElems(s);
	if (at < n) {
		charge((n - at) >> 6);
		memory.copy(e + ((at + 1) << 2), e + (at << 2), (n - at) << 2);
	}
	store<u32>(e + (at << 2), x);
	store<u32>(s, n + 1, 4);
}

// Bulk construction: sort unsorted slots once (stable merge sort), instead of n insertions.

function mergeSort(e: usize, n: u32, slot: u32, tmp: usize): void {
	if (n < 2) return;
	// Each level of the sort passes over its n slots once.
	charge(n >> 2);
	const h = n >>> 1;
	mergeSort(e, h, slot, tmp);
	mergeSort(e + h * slot, n - h, slot, tmp);
	let i: u32 = 0;
	let j: u32 = h;
	let k: u32 = 0;
	while (i < h && j < n) {
		const a = load<u32>(e + i * slot);
		const b = load<u32>(e + j * slot);
		if (compare(b, a) < 0) {
			memory.copy(tmp + k * slot, e + j * slot, slot);
			j++;
		} else {
			memory.copy(tmp + k * slot, e + i * slot, slot);
			i++;
		}
		k++;
	}
	if (i < h) memory.copy(tmp + k * slot, e + i * slot, (h - i) * slot);
	else if (j < n) memory.copy(tmp + k * slot, e + j * slot, (n - j) * slot);
	memory.copy(e, tmp, n * slot);
}

/** Collections up to this size are sorted in place by insertion: no scratch memory. */
const SMALL_SORT: u32 = 12;

/** Stable in-place insertion sort of n slots (8-byte pairs or 4-byte elements). */
function insertionSort(e: usize, n: u32, slot: u32): void {
	charge(n >> 2);
	for (let i: u32 = 1; i < n; i++) {
		if (slot == 8) {
			const x = load<u64>(e + (i << 3));
			const k = <usize>(<u32>x);
			let j = i;
			while (j > 0 && compare(load<u32>(e + ((j - 1) << 3)), k) > 0) {
				store<u64>(e + (j << 3), load<u64>(e + ((j - 1) << 3)));
				j--;
			}
			store<u64>(e + (j << 3), x);
		} else {
			const x = load<u32>(e + (i << 2));
			let j = i;
			while (j > 0 && compare(load<u32>(e + ((j - 1) << 2)), x) > 0) {
				store<u32>(e + (j << 2), load<u32>(e + ((j - 1) << 2)));
				j--;
			}
			store<u32>(e + (j << 2), x);
		}
	}
}

function sortSlots(e: usize, n: u32, slot: u32): void {
	if (n <= SMALL_SORT) insertionSort(e, n, slot);
	else mergeSort(e, n, slot, alloc(n * slot));
}

/** Sort an object's pairs and drop duplicate keys, the last one winning (as Go's JSON does). */
export function objNormalise(o: usize): void {
	const n = collLen(o);
	if (n < 2) return;
	const e = collElems(o);
	let sorted = true;
	for (let i: u32 = 1; i < n && sorted; i++) {
		if (compare(load<u32>(e + ((i - 1) << 3)), load<u32>(e + (i << 3))) >= 0) sorted = false;
	}
	if (sorted) return;
	sortSlots(e, n, 8);
	let out: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		if (i + 1 < n && compare(load<u32>(e + (i << 3)), load<u32>(e + ((i + 1) << 3))) == 0) continue;
		if (out != i) memory.copy(e + (out << 3), e + (i << 3), 8);
		out++;
	}
	store<u32>(o, out, 4);
}

/** Sort a set's elements and drop duplicates. */
export function setNormalise(s: usize): void {
	const n = collLen(s);
	if (n < 2) return;
	const e = collElems(s);
	sortSlots(e, n, 4);
	let out: u32 = 1;
	for (let i: u32 = 1; i < n; i++) {
		if (compare(load<u32>(e + ((out - 1) << 2)), load<u32>(e + (i << 2))) == 0) continue;
		store<u32>(e + (out << 2), load<u32>(e + (i << 2)));
		out++;
	}
	store<u32>(s, out, 4);
}

/** Append without ordering (call objNormalise / setNormalise afterwards). */
export function collAppendRaw(c: usize, a: usize, b: usize, slot: u32): void {
	collReserve(c, slot);
	const n = collLen(c);
	store<u32>(collElems(c) + n * slot, a);
	if (slot == 8) store<u32>(collElems(c) + n * slot, b, 4);
	store<u32>(c, n + 1, 4);
}

export function newObject(): usize {
	return makeObject(0);
}

export function newSet(): usize {
	return makeSet(0);
}
