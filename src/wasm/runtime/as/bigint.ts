// Exact integer arithmetic on decimal digits, for integers beyond int64 (OPA keeps them exact).

import { bufByte, bufData, bufI64, bufLen, bufNew } from "./buffer";
import { alloc } from "./memory";
import { normalise, numberFromText } from "./numbers";
import { numInt, numRepr, numTextLen, numTextPtr, R_INT, R_TEXT } from "./values";

// A magnitude: [digits ptr, length] with most significant digit first, no leading zeros.
let negA = false;
let negB = false;

/** Digits of an integral number (int or integer text), or 0 when it is not one. */
function digitsOf(v: usize, second: bool): usize {
	const w = bufNew(24);
	const r = numRepr(v);
	if (r == R_INT) {
		bufI64(w, numInt(v));
	} else if (r == R_TEXT) {
		const p = numTextPtr(v);
		const n = numTextLen(v);
		let plain = true;
		for (let i: u32 = 0; i < n; i++) {
			const c = load<u8>(p + i);
			if (!(c == 45 || (c >= 48 && c <= 57))) plain = false;
		}
		if (plain) {
			for (let i: u32 = 0; i < n; i++) bufByte(w, load<u8>(p + i));
		} else if (!integralText(w, p, n)) return 0;
	} else return 0;
	let p = bufData(w);
	let n = bufLen(w);
	const neg = n > 0 && load<u8>(p) == 45;
	if (neg) {
		p++;
		n--;
	}
	while (n > 1 && load<u8>(p) == 48) {
		p++;
		n--;
	}
	if (second) negB = neg;
	else negA = neg;
	const m = alloc(8);
	store<u32>(m, p);
	store<u32>(m, n, 4);
	return m;
}

// Integral literals written with a fraction or exponent (1e30, 10.00) are integers to OPA,
// which does exact big-number arithmetic on them. Exponents are capped so a literal like
// 1e999999 cannot ask for a megabyte of digits; beyond the cap, float arithmetic applies.
const MAX_EXPANDED_DIGITS: i32 = 4096;

/** Append the integer digits of decimal text `p[0..n)`, or false when it is not integral. */
function integralText(w: usize, p: usize, n: u32): bool {
	const d = normalise(p, n);
	const nd = <i32>load<u32>(d, 4);
	const e = load<i32>(d, 8);
	if (nd == 0) {
		bufByte(w, 48);
		return true;
	}
	if (e < nd || e > MAX_EXPANDED_DIGITS) return false;
	if (load<u32>(d) != 0) bufByte(w, 45);
	const digits = load<u32>(d, 12);
	for (let i: i32 = 0; i < nd; i++) bufByte(w, load<u8>(digits + i));
	for (let i: i32 = nd; i < e; i++) bufByte(w, 48);
	return true;
}

function cmpMag(a: usize, b: usize): i32 {
	const la = load<u32>(a, 4);
	const lb = load<u32>(b, 4);
	if (la != lb) return la < lb ? -1 : 1;
	const pa = load<u32>(a);
	const pb = load<u32>(b);
	for (let i: u32 = 0; i < la; i++) {
		const x = load<u8>(pa + i);
		const y = load<u8>(pb + i);
		if (x != y) return x < y ? -1 : 1;
	}
	return 0;
}

function digit(m: usize, fromRight: u32): u32 {
	const n = load<u32>(m, 4);
	return fromRight < n ? <u32>load<u8>(load<u32>(m) + n - 1 - fromRight) - 48 : 0;
}

/** Digits written least significant first into `out` (length n) → a number value. */
function finish(out: usize, n: u32, neg: bool): usize {
	let len = n;
	while (len > 1 && load<u8>(out + len - 1) == 0) len--;
	const t = alloc(len + 1);
	let o: u32 = 0;
	const zero = len == 1 && load<u8>(out) == 0;
	if (neg && !zero) store<u8>(t + o++, 45);
	for (let i: u32 = 0; i < len; i++) store<u8>(t + o++, load<u8>(out + len - 1 - i) + 48);
	return numberFromText(t, o);
}

function addMag(a: usize, b: usize, neg: bool): usize {
	const n = max(load<u32>(a, 4), load<u32>(b, 4)) + 1;
	const out = alloc(n);
	let carry: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		const s = digit(a, i) + digit(b, i) + carry;
		store<u8>(out + i, <u8>(s % 10));
		carry = s / 10;
	}
	return finish(out, n, neg);
}

/** |a| - |b| with |a| >= |b|. */
function subMag(a: usize, b: usize, neg: bool): usize {
	const n = load<u32>(a, 4);
	const out = alloc(n);
	let borrow: i32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		let d = <i32>digit(a, i) - <i32>digit(b, i) - borrow;
		borrow = d < 0 ? 1 : 0;
		if (d < 0) d += 10;
		store<u8>(out + i, <u8>d);
	}
	return finish(out, n, neg);
}

function signedAdd(a: usize, b: usize, na: bool, nb: bool): usize {
	if (na == nb) return addMag(a, b, na);
	const c = cmpMag(a, b);
	if (c >= 0) return subMag(a, b, na);
	return subMag(b, a, nb);
}

/** a + b exactly, or 0 when an operand is not an integer. */
export function bigAdd(x: usize, y: usize): usize {
	const a = digitsOf(x, false);
	const b = digitsOf(y, true);
	if (a == 0 || b == 0) return 0;
	return signedAdd(a, b, negA, negB);
}

export function bigSub(x: usize, y: usize): usize {
	const a = digitsOf(x, false);
	const b = digitsOf(y, true);
	if (a == 0 || b == 0) return 0;
	return signedAdd(a, b, negA, !negB);
}

export function bigMul(x: usize, y: usize): usize {
	const a = digitsOf(x, false);
	const b = digitsOf(y, true);
	if (a == 0 || b == 0) return 0;
	const la = load<u32>(a, 4);
	const lb = load<u32>(b, 4);
	const n = la + lb;
	const acc = alloc(n << 2);
	memory.fill(acc, 0, n << 2);
	for (let i: u32 = 0; i < la; i++) {
		for (let j: u32 = 0; j < lb; j++) {
			const at = acc + ((i + j) << 2);
			store<u32>(at, load<u32>(at) + digit(a, i) * digit(b, j));
		}
	}
	const out = alloc(n);
	let carry: u32 = 0;
	for (let k: u32 = 0; k < n; k++) {
		const s = load<u32>(acc + (k << 2)) + carry;
		store<u8>(out + k, <u8>(s % 10));
		carry = s / 10;
	}
	return finish(out, n, negA != negB);
}

/** |r| -= |b| in place on ASCII digits (|r| >= |b|), leading zeros stripped. */
function subInPlace(r: usize, b: usize): void {
	const pr = load<u32>(r);
	const lr = load<u32>(r, 4);
	const pb = load<u32>(b);
	const lb = load<u32>(b, 4);
	let borrow: i32 = 0;
	for (let i: u32 = 0; i < lr; i++) {
		const y: i32 = i < lb ? <i32>load<u8>(pb + lb - 1 - i) - 48 : 0;
		let d = <i32>load<u8>(pr + lr - 1 - i) - 48 - y - borrow;
		borrow = d < 0 ? 1 : 0;
		if (d < 0) d += 10;
		store<u8>(pr + lr - 1 - i, <u8>(d + 48));
	}
	let skip: u32 = 0;
	while (skip + 1 < lr && load<u8>(pr + skip) == 48) skip++;
	store<u32>(r, pr + skip);
	store<u32>(r, lr - skip, 4);
}

/**
 * a % b exactly (sign of the dividend, as Go's big.Int Rem), or 0 when an operand is not an
 * integer. The caller rules out b == 0. Schoolbook long division, one decimal digit at a time.
 */
export function bigRem(x: usize, y: usize): usize {
	const a = digitsOf(x, false);
	const b = digitsOf(y, true);
	if (a == 0 || b == 0) return 0;
	const la = load<u32>(a, 4);
	const lb = load<u32>(b, 4);
	const pa = load<u32>(a);
	// The running remainder never exceeds lb + 1 digits; it is written at the buffer's start.
	const buf = alloc(la + lb + 2);
	const r = alloc(8);
	store<u32>(r, buf);
	store<u32>(r, 0, 4);
	for (let i: u32 = 0; i < la; i++) {
		let p = load<u32>(r);
		let n = load<u32>(r, 4);
		if (p != buf) {
			memory.copy(buf, p, n);
			p = buf;
		}
		if (n == 1 && load<u8>(p) == 48) n = 0;
		store<u8>(p + n, load<u8>(pa + i));
		store<u32>(r, p);
		store<u32>(r, n + 1, 4);
		while (cmpMag(r, b) >= 0) subInPlace(r, b);
	}
	const n = load<u32>(r, 4);
	const p = load<u32>(r);
	const zero = n == 1 && load<u8>(p) == 48;
	const t = alloc(n + 1);
	let o: u32 = 0;
	if (negA && !zero) store<u8>(t + o++, 45);
	memory.copy(t + o, p, n);
	return numberFromText(t, o + n);
}

/** -v exactly for an integer, or 0 when it is not one. */
export function bigNeg(v: usize): usize {
	const a = digitsOf(v, false);
	if (a == 0) return 0;
	const zero = load<u32>(a, 4);
	const b = alloc(8);
	store<u32>(b, load<u32>(a));
	store<u32>(b, zero, 4);
	// 0 - |v| or |v| by sign: reuse the signed adder with an empty (zero) left operand.
	const z = alloc(9);
	store<u8>(z + 8, 48);
	store<u32>(z, z + 8);
	store<u32>(z, 1, 4);
	return signedAdd(z, b, false, !negA);
}
