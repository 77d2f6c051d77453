// Number text: parsing, printing, and exact comparison of numbers kept as text.

import { bufBytes, bufData, bufF64, bufI64, bufLen, bufNew } from "./buffer";
import { alloc } from "./memory";
import {
	makeFloat,
	makeInt,
	makeNumText,
	numF64,
	numInt,
	numRepr,
	numTextLen,
	numTextPtr,
	R_FLOAT,
	R_INT,
	R_TEXT,
} from "./values";

const POW10: StaticArray<f64> = [
	1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
	1e18, 1e19, 1e20, 1e21, 1e22,
];

function isDigit(c: u32): bool {
	return c >= 48 && c <= 57;
}

/** Float value of a valid decimal number text (correctly rounded in the common cases). */
export function parseF64(p: usize, n: u32): f64 {
	let i: u32 = 0;
	let neg = false;
	if (i < n && load<u8>(p) == 45) {
		neg = true;
		i++;
	}
	let m: u64 = 0;
	let digits: i32 = 0;
	let e: i32 = 0;
	let seenDot = false;
	for (; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 46) {
			seenDot = true;
			continue;
		}
		if (!isDigit(c)) break;
		if (digits < 19) {
			if (m != 0 || c != 48) digits++;
			m = m * 10 + <u64>(c - 48);
			if (seenDot) e--;
		} else if (!seenDot) {
			e++;
		}
	}
	if (i < n && (load<u8>(p + i) | 32) == 101) {
		i++;
		let eneg = false;
		if (i < n && (load<u8>(p + i) == 45 || load<u8>(p + i) == 43)) {
			eneg = load<u8>(p + i) == 45;
			i++;
		}
		let x: i32 = 0;
		for (; i < n; i++) {
			const c = <u32>load<u8>(p + i);
			if (!isDigit(c)) break;
			if (x < 100000) x = x * 10 + <i32>(c - 48);
		}
		e += eneg ? -x : x;
	}
	let f = <f64>m;
	if (m == 0) {
		f = 0;
	} else if (e >= 0 && e <= 22) {
		f *= POW10[e];
	} else if (e < 0 && e >= -22) {
		f /= POW10[-e];
	} else if (e > 0) {
		f *= 10 ** <f64>e;
	} else if (e < -300) {
		f = f / 1e300 / 10 ** <f64>(-e - 300);
	} else {
		f /= 10 ** <f64>-e;
	}
	return neg ? -f : f;
}

/** An exact integer text (no fraction or exponent) that fits int64, parsed into `out`. */
function parseI64(p: usize, n: u32, out: usize): bool {
	let i: u32 = 0;
	let neg = false;
	if (n > 0 && load<u8>(p) == 45) {
		neg = true;
		i = 1;
	}
	if (i >= n || n - i > 19) return false;
	let acc: u64 = 0;
	for (; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (!isDigit(c)) return false;
		acc = acc * 10 + <u64>(c - 48);
	}
	// 19 digits may exceed int64.
	if (neg) {
		if (acc > 9223372036854775808) return false;
		store<i64>(out, -(<i64>acc));
	} else {
		if (acc > 9223372036854775807) return false;
		store<i64>(out, <i64>acc);
	}
	return true;
}

const i64Scratch: usize = memory.data(8, 8);

/** A number value from valid number text; the text is copied when kept. */
export function numberFromText(p: usize, n: u32): usize {
	if (parseI64(p, n, i64Scratch)) return makeInt(load<i64>(i64Scratch));
	const copy = alloc(n);
	memory.copy(copy, p, n);
	return makeNumText(copy, n, parseF64(copy, n));
}

/**
 * A float result: integral values that fit int64 become ints, as OPA prints them. Results
 * beyond float range are undefined (0): JSON has no infinities.
 */
export function numberFromF64(f: f64): usize {
	if (!isFinite(f)) return 0;
	if (f == Math.trunc(f) && f > -9223372036854775808.0 && f < 9223372036854775808.0) {
		return makeInt(<i64>f);
	}
	return makeFloat(f);
}

/** Append the number's text (OPA's form: ints plain, floats shortest, text as given). */
export function writeNumber(w: usize, v: usize): void {
	const r = numRepr(v);
	if (r == R_INT) {
		bufI64(w, numInt(v));
	} else if (r == R_FLOAT) {
		const f = numF64(v);
		if (f == Math.trunc(f) && Math.abs(f) < 1e21) {
			// Integral floats print without a fraction, like OPA's big.Float output.
			if (Math.abs(f) < 9223372036854775808.0) bufI64(w, <i64>f);
			else bufF64(w, f);
		} else {
			bufF64(w, f);
		}
	} else {
		bufBytes(w, numTextPtr(v), numTextLen(v));
	}
}

// Exact comparison through normalised decimals: value = 0.DIGITS × 10^exp.
// Layout of a normalised decimal: [neg:u32, ndigits:u32, exp:i32, digits:u32].
export function normalise(p: usize, n: u32): usize {
	const d = alloc(16);
	const digits = alloc(n + 1);
	let nd: u32 = 0;
	let i: u32 = 0;
	let neg: u32 = 0;
	if (i < n && load<u8>(p) == 45) {
		neg = 1;
		i++;
	}
	let pointPos: i32 = -1;
	let total: i32 = 0; // digits seen, including leading zeros
	let leading: i32 = 0;
	for (; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 46) {
			pointPos = total;
			continue;
		}
		if (!isDigit(c)) break;
		if (nd == 0 && c == 48) {
			leading++;
		} else {
			store<u8>(digits + nd, <u8>c);
			nd++;
		}
		total++;
	}
	if (pointPos < 0) pointPos = total;
	let e: i32 = 0;
	if (i < n && (load<u8>(p + i) | 32) == 101) {
		i++;
		let eneg = false;
		if (i < n && (load<u8>(p + i) == 45 || load<u8>(p + i) == 43)) {
			eneg = load<u8>(p + i) == 45;
			i++;
		}
		for (; i < n; i++) {
			const c = <u32>load<u8>(p + i);
			if (!isDigit(c)) break;
			if (e < 100000000) e = e * 10 + <i32>(c - 48);
		}
		if (eneg) e = -e;
	}
	while (nd > 0 && load<u8>(digits + nd - 1) == 48) nd--;
	store<u32>(d, nd == 0 ? 0 : neg);
	store<u32>(d, nd, 4);
	store<i32>(d, pointPos - leading + e, 8);
	store<u32>(d, digits, 12);
	return d;
}

function numberText(v: usize): usize {
	const w = bufNew(32);
	writeNumber(w, v);
	return w;
}

/** Exact three-way comparison of two numbers (used when floats cannot decide). */
export function numCompareExact(a: usize, b: usize): i32 {
	const wa = numberText(a);
	const wb = numberText(b);
	const da = normalise(bufData(wa), bufLen(wa));
	const db = normalise(bufData(wb), bufLen(wb));
	const na = load<u32>(da);
	const nb = load<u32>(db);
	const za = load<u32>(da, 4) == 0;
	const zb = load<u32>(db, 4) == 0;
	if (za && zb) return 0;
	// sign: negative < zero < positive
	const sa: i32 = za ? 0 : na ? -1 : 1;
	const sb: i32 = zb ? 0 : nb ? -1 : 1;
	if (sa != sb) return sa < sb ? -1 : 1;
	let c: i32 = 0;
	const ea = load<i32>(da, 8);
	const eb = load<i32>(db, 8);
	if (ea != eb) {
		c = ea < eb ? -1 : 1;
	} else {
		const la = load<u32>(da, 4);
		const lb = load<u32>(db, 4);
		const pa = load<u32>(da, 12);
		const pb = load<u32>(db, 12);
		const m = la < lb ? la : lb;
		for (let i: u32 = 0; i < m && c == 0; i++) {
			const x = load<u8>(pa + i);
			const y = load<u8>(pb + i);
			if (x != y) c = x < y ? -1 : 1;
		}
		if (c == 0 && la != lb) c = la < lb ? -1 : 1;
	}
	return sa < 0 ? -c : c;
}

const TWO53: f64 = 9007199254740992.0;

export function numCompare(a: usize, b: usize): i32 {
	const ra = numRepr(a);
	const rb = numRepr(b);
	if (ra == R_INT && rb == R_INT) {
		const x = numInt(a);
		const y = numInt(b);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	const fa = numF64(a);
	const fb = numF64(b);
	if (fa < fb) {
		if (fb - fa > Math.abs(fa) * 1e-15 + 1e-300 || (ra == R_FLOAT && rb == R_FLOAT)) return -1;
	} else if (fa > fb) {
		if (fa - fb > Math.abs(fb) * 1e-15 + 1e-300 || (ra == R_FLOAT && rb == R_FLOAT)) return 1;
	} else if (ra != R_TEXT && rb != R_TEXT && Math.abs(fa) < TWO53) {
		return 0;
	}
	// Close or equal as floats, and one side is exact text or a big int: decide exactly.
	return numCompareExact(a, b);
}

export { makeFloat, makeInt };
