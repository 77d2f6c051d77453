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

// Bitwise operations on integers of any size, as Go's big.Int: two's complement with the sign
// extended forever. Magnitudes go to little-endian u32 words and back through decimal digits.

/** |v| as little-endian u32 words [ptr, count, neg], or 0 when v is not an integer. */
function wordsOf(v: usize): usize {
	const m = digitsOf(v, false);
	if (m == 0) return 0;
	const p = load<u32>(m);
	const n = load<u32>(m, 4);
	const cap = n / 9 + 2;
	const w = alloc(cap << 2);
	memory.fill(w, 0, cap << 2);
	let len: u32 = 1;
	for (let i: u32 = 0; i < n; i++) {
		// words = words * 10 + digit
		let carry: u64 = <u64>(load<u8>(p + i) - 48);
		for (let j: u32 = 0; j < len; j++) {
			const x = <u64>load<u32>(w + (j << 2)) * 10 + carry;
			store<u32>(w + (j << 2), <u32>x);
			carry = x >> 32;
		}
		if (carry != 0) {
			store<u32>(w + (len << 2), <u32>carry);
			len++;
		}
	}
	const r = alloc(12);
	store<u32>(r, w);
	store<u32>(r, len, 4);
	store<u32>(r, negA ? 1 : 0, 8);
	return r;
}

/** Two's complement of a magnitude in `n` words (n beyond its length: sign-extended). */
function twos(mag: usize, n: u32): usize {
	const src = load<u32>(mag);
	const len = load<u32>(mag, 4);
	const neg = load<u32>(mag, 8) != 0;
	const out = alloc(n << 2);
	let borrow: u64 = neg ? 1 : 0;
	for (let i: u32 = 0; i < n; i++) {
		let x: u64 = i < len ? <u64>load<u32>(src + (i << 2)) : 0;
		if (neg) {
			// ~(|v| - 1)
			const d = x - borrow;
			borrow = x < borrow ? 1 : 0;
			x = ~d & 0xffffffff;
		}
		store<u32>(out + (i << 2), <u32>x);
	}
	return out;
}

/** Two's complement words (the top word's high bit is the sign) → a number value. */
function fromTwos(t: usize, n: u32): usize {
	const neg = (load<u32>(t + ((n - 1) << 2)) & 0x80000000) != 0;
	const w = alloc(n << 2);
	let carry: u64 = neg ? 1 : 0;
	for (let i: u32 = 0; i < n; i++) {
		let x = <u64>load<u32>(t + (i << 2));
		if (neg) {
			x = (~x & 0xffffffff) + carry;
			carry = x >> 32;
		}
		store<u32>(w + (i << 2), <u32>x);
	}
	// Words → decimal digits, least significant first, by repeated division by 10.
	let len = n;
	const digits = alloc(n * 10 + 1);
	let nd: u32 = 0;
	while (len > 0 && load<u32>(w + ((len - 1) << 2)) == 0) len--;
	if (len == 0) store<u8>(digits + nd++, 0);
	while (len > 0) {
		let rem: u64 = 0;
		for (let i = <i32>len - 1; i >= 0; i--) {
			const x = (rem << 32) | <u64>load<u32>(w + ((<u32>i) << 2));
			store<u32>(w + ((<u32>i) << 2), <u32>(x / 10));
			rem = x % 10;
		}
		store<u8>(digits + nd++, <u8>rem);
		while (len > 0 && load<u32>(w + ((len - 1) << 2)) == 0) len--;
	}
	return finish(digits, nd, neg);
}

/** x op y for op 0 and, 1 or, 2 xor; 0 when an operand is not an integer. */
export function bigBitwise(x: usize, y: usize, op: i32): usize {
	const a = wordsOf(x);
	if (a == 0) return 0;
	const b = wordsOf(y);
	if (b == 0) return 0;
	const n = max(load<u32>(a, 4), load<u32>(b, 4)) + 1;
	const ta = twos(a, n);
	const tb = twos(b, n);
	const r = alloc(n << 2);
	for (let i: u32 = 0; i < n; i++) {
		const p = load<u32>(ta + (i << 2));
		const q = load<u32>(tb + (i << 2));
		store<u32>(r + (i << 2), op == 0 ? p & q : op == 1 ? p | q : p ^ q);
	}
	return fromTwos(r, n);
}

/** x >> s, rounding toward minus infinity (an arithmetic shift); 0 when x is not an integer. */
export function bigShiftRight(x: usize, s: u32): usize {
	const a = wordsOf(x);
	if (a == 0) return 0;
	const n = load<u32>(a, 4) + 1;
	const t = twos(a, n);
	const sign: u32 = (load<u32>(t + ((n - 1) << 2)) & 0x80000000) != 0 ? 0xffffffff : 0;
	const r = alloc(n << 2);
	const ws = s >> 5;
	const bs = s & 31;
	for (let i: u32 = 0; i < n; i++) {
		const at = i + ws;
		const lo: u64 = at < n ? <u64>load<u32>(t + (at << 2)) : <u64>sign;
		const hi: u64 = at + 1 < n ? <u64>load<u32>(t + ((at + 1) << 2)) : <u64>sign;
		store<u32>(r + (i << 2), <u32>(((hi << 32) | lo) >> <u64>bs));
	}
	return fromTwos(r, n);
}

/** Whether v is an integer Gavel holds as text (beyond int64, or written 1e30). */
export function isBigIntegral(v: usize): bool {
	return numRepr(v) == R_TEXT && digitsOf(v, false) != 0;
}
