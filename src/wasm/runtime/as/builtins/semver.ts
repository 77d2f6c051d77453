// semver.is_valid, semver.compare (Semantic Versioning 2.0.0; one leading "v" allowed, as OPA does).

import { compareBytes } from "../compare";
import { builtinErrorQuoted, operandError } from "../errors";
import { alloc } from "../memory";
import { makeBool, makeInt, strLen, strPtr } from "../values";
import { isStr } from "./util";

// Parsed: [major:i64, minor:i64, patch:i64, preStart:u32, preLen:u32]

function isDigit(c: u32): bool {
	return c >= 48 && c <= 57;
}

function identOk(p: usize, n: u32, numericNoLeadingZero: bool): bool {
	if (n == 0) return false;
	let allDigits = true;
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		const alnum = isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45;
		if (!alnum) return false;
		if (!isDigit(c)) allDigits = false;
	}
	if (numericNoLeadingZero && allDigits && n > 1 && load<u8>(p) == 48) return false;
	return true;
}

function parse(s: usize): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const r = alloc(40);
	// OPA's parser drops one leading "v" ("v1.2.3"), not "V" or "vv".
	let i: u32 = n > 0 && load<u8>(p) == 118 ? 1 : 0;
	for (let part = 0; part < 3; part++) {
		const start = i;
		let v: i64 = 0;
		while (i < n && isDigit(load<u8>(p + i))) {
			v = v * 10 + <i64>(load<u8>(p + i) - 48);
			i++;
		}
		if (i == start || (i - start > 1 && load<u8>(p + start) == 48)) return 0;
		store<i64>(r + ((<usize>part) << 3), v);
		if (part < 2) {
			if (i >= n || load<u8>(p + i) != 46) return 0;
			i++;
		}
	}
	store<u32>(r, 0, 24);
	store<u32>(r, 0, 28);
	if (i < n && load<u8>(p + i) == 45) {
		i++;
		const start = i;
		while (i < n && load<u8>(p + i) != 43) i++;
		// Dot-separated identifiers, numeric ones without leading zeros.
		let a = start;
		for (let j = start; j <= i; j++) {
			if (j == i || load<u8>(p + j) == 46) {
				if (!identOk(p + a, j - a, true)) return 0;
				a = j + 1;
			}
		}
		store<u32>(r, <u32>(p + start), 24);
		store<u32>(r, i - start, 28);
	}
	if (i < n && load<u8>(p + i) == 43) {
		i++;
		let a = i;
		for (let j = i; j <= n; j++) {
			if (j == n || load<u8>(p + j) == 46) {
				if (!identOk(p + a, j - a, false)) return 0;
				a = j + 1;
			}
		}
		i = n;
	}
	return i == n ? r : 0;
}

function allDigits(p: usize, n: u32): bool {
	for (let i: u32 = 0; i < n; i++) if (!isDigit(load<u8>(p + i))) return false;
	return true;
}

function comparePre(a: usize, an: u32, b: usize, bn: u32): i32 {
	// A version without pre-release ranks higher.
	if (an == 0 && bn == 0) return 0;
	if (an == 0) return 1;
	if (bn == 0) return -1;
	let i: u32 = 0;
	let j: u32 = 0;
	while (i < an && j < bn) {
		let ie = i;
		while (ie < an && load<u8>(a + ie) != 46) ie++;
		let je = j;
		while (je < bn && load<u8>(b + je) != 46) je++;
		const x = a + i;
		const y = b + j;
		const xn = ie - i;
		const yn = je - j;
		const xd = allDigits(x, xn);
		const yd = allDigits(y, yn);
		let c: i32 = 0;
		if (xd && yd) c = xn != yn ? (xn < yn ? -1 : 1) : compareBytes(x, xn, y, yn);
		else if (xd) c = -1;
		else if (yd) c = 1;
		else c = compareBytes(x, xn, y, yn);
		if (c != 0) return c;
		i = ie + 1;
		j = je + 1;
	}
	const ai = i < an ? 1 : 0;
	const bj = j < bn ? 1 : 0;
	if (i >= an && j >= bn) return 0;
	return ai - bj > 0 ? 1 : -1;
}

export function b_semver__is_valid(v: usize): usize {
	return makeBool(isStr(v) && parse(v) != 0);
}

export function b_semver__compare(a: usize, b: usize): usize {
	if (!isStr(a)) return operandError("semver.compare", 1, "string", a);
	if (!isStr(b)) return operandError("semver.compare", 2, "string", b);
	const x = parse(a);
	if (x == 0) {
		return builtinErrorQuoted(
			"semver.compare",
			"operand 1: string ",
			strPtr(a),
			strLen(a),
			" is not a valid SemVer",
		);
	}
	const y = parse(b);
	if (y == 0) {
		return builtinErrorQuoted(
			"semver.compare",
			"operand 2: string ",
			strPtr(b),
			strLen(b),
			" is not a valid SemVer",
		);
	}
	for (let k = 0; k < 3; k++) {
		const u = load<i64>(x + ((<usize>k) << 3));
		const v = load<i64>(y + ((<usize>k) << 3));
		if (u != v) return makeInt(u < v ? -1 : 1);
	}
	return makeInt(
		comparePre(load<u32>(x, 24), load<u32>(x, 28), load<u32>(y, 24), load<u32>(y, 28)),
	);
}
