// Rego values in linear memory. Every value starts with a kind byte; the back end
// (src/wasm/layout.ts) lays constants out in exactly these shapes, so keep the two in step.
//
//   null    [kind]                                     8 bytes
//   boolean [kind, _, _, _, b:u32]                     8 bytes
//   number  [kind, repr, _, _, textLen:u32, num:i64|f64, textPtr:u32]   24 bytes
//   string  [kind, _, _, _, len:u32, bytes:u32]        16 bytes
//   array   [kind, _, _, _, len:u32, cap:u32, elems:u32]   elems: u32 value pointers
//   object  same as array; elems hold (key, value) pointer pairs sorted by key
//   set     same as array; elems sorted by Rego's order, no duplicates

import { alloc } from "./memory";

export const K_NULL: u8 = 1;
export const K_BOOL: u8 = 2;
export const K_NUM: u8 = 3;
export const K_STR: u8 = 4;
export const K_ARR: u8 = 5;
export const K_OBJ: u8 = 6;
export const K_SET: u8 = 7;

/** Number representations: exact int64, float64, or exact source text (big or decimal). */
export const R_INT: u8 = 0;
export const R_FLOAT: u8 = 1;
export const R_TEXT: u8 = 2;

export const NULL: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
export const TRUE: usize = memory.data<u8>([2, 0, 0, 0, 1, 0, 0, 0], 8);
export const FALSE: usize = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);

export function kind(v: usize): u8 {
	return load<u8>(v);
}

export function makeBool(b: bool): usize {
	return b ? TRUE : FALSE;
}

export function boolOf(v: usize): bool {
	return load<u32>(v, 4) != 0;
}

// numbers

export function numRepr(v: usize): u8 {
	return load<u8>(v, 1);
}

export function makeInt(i: i64): usize {
	const v = alloc(24);
	store<u32>(v, K_NUM);
	store<u8>(v, R_INT, 1);
	store<i64>(v, i, 8);
	return v;
}

export function makeFloat(f: f64): usize {
	const v = alloc(24);
	store<u32>(v, K_NUM);
	store<u8>(v, R_FLOAT, 1);
	store<f64>(v, f, 8);
	return v;
}

/** A number kept as its text (bytes are referenced, not copied); `approx` is its float value. */
export function makeNumText(ptr: usize, len: u32, approx: f64): usize {
	const v = alloc(24);
	store<u32>(v, K_NUM);
	store<u8>(v, R_TEXT, 1);
	store<u32>(v, len, 4);
	store<f64>(v, approx, 8);
	store<u32>(v, ptr, 16);
	return v;
}

export function numInt(v: usize): i64 {
	return load<i64>(v, 8);
}

export function numFloatRaw(v: usize): f64 {
	return load<f64>(v, 8);
}

export function numTextLen(v: usize): u32 {
	return load<u32>(v, 4);
}

export function numTextPtr(v: usize): usize {
	return load<u32>(v, 16);
}

/** The number as a float64 (exact for int64 up to 2^53, approximate beyond). */
export function numF64(v: usize): f64 {
	const r = numRepr(v);
	if (r == R_INT) return <f64>numInt(v);
	return load<f64>(v, 8);
}

const TWO63: f64 = 9223372036854775808.0;

/** True when the number is integral and fits int64; its value is then `numAsInt`. */
export function numIsInt(v: usize): bool {
	const r = numRepr(v);
	if (r == R_INT) return true;
	const f = load<f64>(v, 8);
	if (r == R_TEXT) {
		// Text numbers beyond int64 are not ints even when their float approximation is.
		if (!(f >= -TWO63 && f < TWO63)) return false;
	}
	return f == Math.trunc(f) && f >= -TWO63 && f < TWO63;
}

export function numAsInt(v: usize): i64 {
	if (numRepr(v) == R_INT) return numInt(v);
	return <i64>load<f64>(v, 8);
}

// strings

export function makeString(ptr: usize, len: u32): usize {
	const v = alloc(16);
	store<u32>(v, K_STR);
	store<u32>(v, len, 4);
	store<u32>(v, ptr, 8);
	return v;
}

/** A string whose bytes are copied into a fresh buffer. */
export function makeStringCopy(ptr: usize, len: u32): usize {
	const b = alloc(len);
	memory.copy(b, ptr, len);
	return makeString(b, len);
}

export function strLen(v: usize): u32 {
	return load<u32>(v, 4);
}

export function strPtr(v: usize): usize {
	return load<u32>(v, 8);
}

/** A string value from a static AssemblyScript string (ASCII only). */
export function makeStringAscii(s: string): usize {
	const n = <u32>s.length;
	const b = alloc(n);
	for (let i: u32 = 0; i < n; i++) store<u8>(b + i, <u8>s.charCodeAt(i));
	return makeString(b, n);
}

// collections: arrays, objects and sets share a header; objects use 8-byte slots

export function collLen(v: usize): u32 {
	return load<u32>(v, 4);
}

export function collCap(v: usize): u32 {
	return load<u32>(v, 8);
}

export function collElems(v: usize): usize {
	return load<u32>(v, 12);
}

function makeColl(k: u8, cap: u32, slot: u32): usize {
	const v = alloc(16);
	store<u32>(v, k);
	store<u32>(v, 0, 4);
	store<u32>(v, cap, 8);
	store<u32>(v, cap > 0 ? alloc(cap * slot) : 0, 12);
	return v;
}

export function makeArray(cap: u32): usize {
	return makeColl(K_ARR, cap, 4);
}

export function makeObject(cap: u32): usize {
	return makeColl(K_OBJ, cap, 8);
}

export function makeSet(cap: u32): usize {
	return makeColl(K_SET, cap, 4);
}

/** Make room for one more slot (bump allocation: copy to a buffer twice the size). */
export function collReserve(v: usize, slot: u32): void {
	const len = collLen(v);
	const cap = collCap(v);
	if (len < cap) return;
	const ncap = cap < 4 ? 4 : cap * 2;
	const ne = alloc(ncap * slot);
	if (len > 0) memory.copy(ne, collElems(v), len * slot);
	store<u32>(v, ncap, 8);
	store<u32>(v, ne, 12);
}

export function arrGet(a: usize, i: u32): usize {
	return load<u32>(collElems(a) + (i << 2));
}

export function arrPush(a: usize, x: usize): void {
	collReserve(a, 4);
	const n = collLen(a);
	store<u32>(collElems(a) + (n << 2), x);
	store<u32>(a, n + 1, 4);
}

export function objKeyAt(o: usize, i: u32): usize {
	return load<u32>(collElems(o) + (i << 3));
}

export function objValAt(o: usize, i: u32): usize {
	return load<u32>(collElems(o) + (i << 3), 4);
}

export function objSetValAt(o: usize, i: u32, x: usize): void {
	store<u32>(collElems(o) + (i << 3), x, 4);
}

/** Copy a collection's header and slots (the elements themselves are shared). */
export function collClone(v: usize): usize {
	const k = kind(v);
	const slot: u32 = k == K_OBJ ? 8 : 4;
	const n = collLen(v);
	const c = makeColl(k, n, slot);
	if (n > 0) memory.copy(collElems(c), collElems(v), n * slot);
	store<u32>(c, n, 4);
	return c;
}
