// A growable byte buffer on the heap, for dumping values and building strings.
// Layout: [data:u32, len:u32, cap:u32].

import { dtoa_buffered, itoa_buffered } from "util/number";
import { alloc } from "./memory";

export function bufNew(cap: u32): usize {
	const w = alloc(12);
	const c = cap < 16 ? 16 : cap;
	store<u32>(w, alloc(c));
	store<u32>(w, 0, 4);
	store<u32>(w, c, 8);
	return w;
}

export function bufData(w: usize): usize {
	return load<u32>(w);
}

export function bufLen(w: usize): u32 {
	return load<u32>(w, 4);
}

export function bufTruncate(w: usize, len: u32): void {
	store<u32>(w, len, 4);
}

function ensure(w: usize, extra: u32): void {
	const len = bufLen(w);
	const cap = load<u32>(w, 8);
	if (len + extra <= cap) return;
	let nc = cap * 2;
	while (nc < len + extra) nc *= 2;
	const nd = alloc(nc);
	memory.copy(nd, bufData(w), len);
	store<u32>(w, nd);
	store<u32>(w, nc, 8);
}

export function bufByte(w: usize, b: u32): void {
	ensure(w, 1);
	const len = bufLen(w);
	store<u8>(bufData(w) + len, <u8>b);
	store<u32>(w, len + 1, 4);
}

export function bufBytes(w: usize, p: usize, n: u32): void {
	if (n == 0) return;
	ensure(w, n);
	const len = bufLen(w);
	memory.copy(bufData(w) + len, p, n);
	store<u32>(w, len + n, 4);
}

/** Append an ASCII AssemblyScript string (static literals: no allocation). */
export function bufAscii(w: usize, s: string): void {
	const n = <u32>s.length;
	ensure(w, n);
	const d = bufData(w) + bufLen(w);
	for (let i: u32 = 0; i < n; i++) store<u8>(d + i, <u8>s.charCodeAt(i));
	store<u32>(w, bufLen(w) + n, 4);
}

// Scratch space for AssemblyScript's UTF-16 number formatting (static, 64 chars).
const scratch: usize = memory.data(128, 8);

export function bufI64(w: usize, i: i64): void {
	const n = itoa_buffered<i64>(scratch, i);
	ensure(w, n);
	const d = bufData(w) + bufLen(w);
	for (let k: u32 = 0; k < n; k++) store<u8>(d + k, <u8>load<u16>(scratch + (k << 1)));
	store<u32>(w, bufLen(w) + n, 4);
}

/** Shortest round-trip decimal for a finite float, without a trailing ".0". */
export function bufF64(w: usize, f: f64): void {
	let n = dtoa_buffered<f64>(scratch, f);
	if (
		n >= 2 &&
		load<u16>(scratch + ((n - 1) << 1)) == 48 &&
		load<u16>(scratch + ((n - 2) << 1)) == 46
	) {
		n -= 2;
	}
	ensure(w, n);
	const d = bufData(w) + bufLen(w);
	for (let k: u32 = 0; k < n; k++) store<u8>(d + k, <u8>load<u16>(scratch + (k << 1)));
	store<u32>(w, bufLen(w) + n, 4);
}

/** The shortest decimal digits of a float64 (f64Decompose), its exponent and sign. */
export const F64_DIGITS: usize = memory.data(32, 8);
export let f64Exp: i32 = 0;
export let f64Neg = false;

export function setF64Exp(x: i32): void {
	f64Exp = x;
}

/**
 * Fills F64_DIGITS with the shortest significant digits of `f` (no trailing zeros) and sets
 * f64Exp to Go's decimal exponent (value = d.ddd × 10^f64Exp); returns the digit count (0 for 0).
 */
export function f64Decompose(f: f64): i32 {
	const n = dtoa_buffered<f64>(scratch, f);
	const digits = F64_DIGITS;
	let nd: i32 = 0;
	let pointAt: i32 = -1;
	let exp: i32 = 0;
	let i: u32 = 0;
	f64Neg = false;
	if (load<u16>(scratch) == 45) {
		f64Neg = true;
		i = 1;
	}
	let seenDigit = false;
	let lead: i32 = 0;
	for (; i < n; i++) {
		const c = <i32>load<u16>(scratch + (i << 1));
		if (c == 46) {
			pointAt = nd + lead;
			continue;
		}
		if (c == 101) {
			// e±NN
			i++;
			let esign = 1;
			const sc = <i32>load<u16>(scratch + (i << 1));
			if (sc == 45 || sc == 43) {
				if (sc == 45) esign = -1;
				i++;
			}
			let e = 0;
			for (; i < n; i++) e = e * 10 + (<i32>load<u16>(scratch + (i << 1)) - 48);
			exp = e * esign;
			break;
		}
		if (!seenDigit && c == 48) {
			lead++;
			continue;
		}
		seenDigit = true;
		if (nd < 32) store<u8>(digits + nd, <u8>c);
		nd++;
	}
	if (nd == 0) {
		f64Exp = 0;
		return 0;
	}
	if (pointAt < 0) pointAt = nd + lead;
	while (nd > 1 && load<u8>(digits + nd - 1) == 48) nd--;
	// Value = 0.DIGITS × 10^(pointAt - lead + exp); Go's exponent is one less.
	f64Exp = pointAt - lead + exp - 1;
	return nd;
}

/** Go's exponent suffix: a sign and at least two digits ("e-05", "e+21"). */
export function bufGoExp(w: usize, x: i32, upper: bool): void {
	bufByte(w, upper ? 69 : 101);
	bufByte(w, x < 0 ? 45 : 43);
	const ax = x < 0 ? -x : x;
	if (ax < 10) bufByte(w, 48);
	bufI64(w, ax);
}

/**
 * Go's %v for a float64 (strconv 'g', shortest): exponent form when the exponent is below -4
 * or at least `eprec` (21 as OPA prints numbers in messages, 6 in sprintf).
 */
export function bufF64Go(w: usize, f: f64, eprec: i32 = 21): void {
	const nd = f64Decompose(f);
	const digits = F64_DIGITS;
	if (nd == 0) {
		bufByte(w, 48);
		return;
	}
	const x = f64Exp;
	if (f64Neg) bufByte(w, 45);
	if (x < -4 || x >= eprec) {
		bufByte(w, load<u8>(digits));
		if (nd > 1) {
			bufByte(w, 46);
			for (let k = 1; k < nd; k++) bufByte(w, load<u8>(digits + k));
		}
		bufGoExp(w, x, false);
		return;
	}
	if (x < 0) {
		bufByte(w, 48);
		bufByte(w, 46);
		for (let k = 0; k < -x - 1; k++) bufByte(w, 48);
		for (let k = 0; k < nd; k++) bufByte(w, load<u8>(digits + k));
		return;
	}
	for (let k = 0; k <= x || k < nd; k++) {
		if (k == x + 1) bufByte(w, 46);
		bufByte(w, k < nd ? load<u8>(digits + k) : 48);
	}
}

/** NUL-terminate and return the data address. */
export function bufFinish(w: usize): usize {
	bufByte(w, 0);
	return bufData(w);
}
