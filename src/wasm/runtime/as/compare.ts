// Rego's total order (null < boolean < number < string < array < object < set) and equality.

import { charge } from "./meter";
import { numCompare } from "./numbers";
import {
	arrGet,
	boolOf,
	collLen,
	K_ARR,
	K_BOOL,
	K_NULL,
	K_NUM,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "./values";

export function compareBytes(pa: usize, la: u32, pb: usize, lb: u32): i32 {
	const m = la < lb ? la : lb;
	let i: u32 = 0;
	// Eight bytes at a time while they agree, then byte by byte.
	while (i + 8 <= m && load<u64>(pa + i) == load<u64>(pb + i)) i += 8;
	for (; i < m; i++) {
		const x = load<u8>(pa + i);
		const y = load<u8>(pb + i);
		if (x != y) return x < y ? -1 : 1;
	}
	return la < lb ? -1 : la > lb ? 1 : 0;
}

/** Byte equality of two ranges of the same length. */
export function bytesEqual(pa: usize, pb: usize, n: u32): bool {
	let i: u32 = 0;
	while (i + 8 <= n) {
		if (load<u64>(pa + i) != load<u64>(pb + i)) return false;
		i += 8;
	}
	for (; i < n; i++) if (load<u8>(pa + i) != load<u8>(pb + i)) return false;
	return true;
}

export function compareStrings(a: usize, b: usize): i32 {
	return compareBytes(strPtr(a), strLen(a), strPtr(b), strLen(b));
}

export function compare(a: usize, b: usize): i32 {
	if (a == b) return 0;
	const ka = kind(a);
	const kb = kind(b);
	if (ka != kb) return ka < kb ? -1 : 1;
	switch (ka) {
		case K_NULL:
			return 0;
		case K_BOOL: {
			const x = boolOf(a);
			const y = boolOf(b);
			return x == y ? 0 : x ? 1 : -1;
		}
		case K_NUM:
			return numCompare(a, b);
		case K_STR:
			return compareStrings(a, b);
		case K_ARR:
		case K_SET: {
			const la = collLen(a);
			const lb = collLen(b);
			const m = la < lb ? la : lb;
			// Comparing big collections in a loop is work no loop counter sees: charge it.
			charge(m >> 3);
			for (let i: u32 = 0; i < m; i++) {
				const c = compare(arrGet(a, i), arrGet(b, i));
				if (c != 0) return c;
			}
			return la < lb ? -1 : la > lb ? 1 : 0;
		}
		case K_OBJ: {
			const la = collLen(a);
			const lb = collLen(b);
			const m = la < lb ? la : lb;
			charge(m >> 3);
			for (let i: u32 = 0; i < m; i++) {
				let c = compare(objKeyAt(a, i), objKeyAt(b, i));
				if (c != 0) return c;
				c = compare(objValAt(a, i), objValAt(b, i));
				if (c != 0) return c;
			}
			return la < lb ? -1 : la > lb ? 1 : 0;
		}
	}
	return 0;
}

export function equal(a: usize, b: usize): bool {
	if (a == b) return true;
	if (a == 0 || b == 0) return false;
	const ka = kind(a);
	if (ka != kind(b)) return false;
	if (ka == K_STR) {
		const n = strLen(a);
		return n == strLen(b) && bytesEqual(strPtr(a), strPtr(b), n);
	}
	if ((ka == K_ARR || ka == K_OBJ || ka == K_SET) && collLen(a) != collLen(b)) return false;
	return compare(a, b) == 0;
}
