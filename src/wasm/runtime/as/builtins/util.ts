// Helpers shared by the builtin families.

import { bufData, bufLen } from "../buffer";
import { utf8SeqLen } from "../json";
import {
	arrGet,
	collLen,
	K_ARR,
	K_NUM,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeString,
	numAsInt,
	numIsInt,
} from "../values";

export function isStr(v: usize): bool {
	return kind(v) == K_STR;
}

export function isNumber(v: usize): bool {
	return kind(v) == K_NUM;
}

export function isInt(v: usize): bool {
	return kind(v) == K_NUM && numIsInt(v);
}

export function intOf(v: usize): i64 {
	return numAsInt(v);
}

export function isColl(v: usize): bool {
	const k = kind(v);
	return k == K_ARR || k == K_SET || k == K_OBJ;
}

/** Arrays and sets (what aggregates accept). */
export function isArrOrSet(v: usize): bool {
	const k = kind(v);
	return k == K_ARR || k == K_SET;
}

/** A string value holding a buffer's bytes (no copy: the buffer is not reused). */
export function bufString(w: usize): usize {
	return makeString(bufData(w), bufLen(w));
}

/** Number of code points in bytes p[0..n); each invalid byte counts as one, as in Go. */
export function runeCount(p: usize, n: u32): u32 {
	let c: u32 = 0;
	let i: u32 = 0;
	while (i < n) {
		const l = utf8SeqLen(p + i, p + n);
		i += l == 0 ? 1 : l;
		c++;
	}
	return c;
}

/** Byte offset of code point index `idx` (n when beyond the end). */
export function runeOffset(p: usize, n: u32, idx: u32): u32 {
	let c: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		if ((load<u8>(p + i) & 0xc0) != 0x80) {
			if (c == idx) return i;
			c++;
		}
	}
	return n;
}

/** Index of needle in haystack (bytes) from `from`, or -1. */
export function findBytes(h: usize, hn: u32, nd: usize, nn: u32, from: u32): i32 {
	if (nn == 0) return <i32>from;
	if (nn > hn) return -1;
	for (let i = from; i + nn <= hn; i++) {
		if (load<u8>(h + i) == load<u8>(nd) && memory.compare(h + i, nd, nn) == 0) return <i32>i;
	}
	return -1;
}

/** Every element of an array or set is a string. */
export function allStrings(c: usize): bool {
	const n = collLen(c);
	for (let i: u32 = 0; i < n; i++) if (!isStr(arrGet(c, i))) return false;
	return true;
}
