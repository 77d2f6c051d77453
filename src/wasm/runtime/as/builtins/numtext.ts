// Numbers from strings (to_number, units.*): Go's ParseFloat syntax for decimals.

import { alloc } from "../memory";
import { numberFromText } from "../numbers";

function digitAt(p: usize, i: u32, n: u32): bool {
	if (i >= n) return false;
	const c = load<u8>(p + i);
	return c >= 48 && c <= 57;
}

/** A number value when p[0..n) is a decimal number (leading "+", ".5" and "5." allowed). */
export function parseJsonNumberText(p: usize, n: u32): usize {
	// "+5": drop the sign; the rest must be a number.
	if (n > 0 && load<u8>(p) == 43) return parseCanonical(p + 1, n - 1);
	return parseCanonical(p, n);
}

function parseCanonical(p: usize, n: u32): usize {
	let i: u32 = 0;
	if (i < n && load<u8>(p) == 45) i++;
	let intDigits: u32 = 0;
	while (digitAt(p, i, n)) {
		i++;
		intDigits++;
	}
	let fracDigits: u32 = 0;
	let dot = false;
	if (i < n && load<u8>(p + i) == 46) {
		dot = true;
		i++;
		while (digitAt(p, i, n)) {
			i++;
			fracDigits++;
		}
	}
	if (intDigits + fracDigits == 0) return 0;
	if (i < n && (load<u8>(p + i) | 32) == 101) {
		i++;
		if (i < n && (load<u8>(p + i) == 43 || load<u8>(p + i) == 45)) i++;
		if (!digitAt(p, i, n)) return 0;
		while (digitAt(p, i, n)) i++;
	}
	if (i != n) return 0;
	if (dot && (intDigits == 0 || fracDigits == 0)) {
		// Normalise ".5" / "5." to a valid JSON text so the value prints as JSON.
		const q = withZeros(p, n, intDigits == 0, fracDigits == 0);
		return numberFromText(q, n + 1);
	}
	return numberFromText(p, n);
}

function withZeros(p: usize, n: u32, addZeroBefore: bool, addZeroAfter: bool): usize {
	const q = alloc(n + 1);
	let o: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		const c = load<u8>(p + i);
		if (c == 46 && addZeroBefore) {
			store<u8>(q + o++, 48);
			store<u8>(q + o++, 46);
			continue;
		}
		store<u8>(q + o++, c);
		if (c == 46 && addZeroAfter) store<u8>(q + o++, 48);
	}
	return q;
}
