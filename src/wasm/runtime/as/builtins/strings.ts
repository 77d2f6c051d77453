// String builtins. Indexes and lengths count code points, as OPA's do.

import {
	bufAscii,
	bufByte,
	bufBytes,
	bufF64Go,
	bufGoExp,
	bufI64,
	bufLen,
	bufNew,
	bufTruncate,
	F64_DIGITS,
	f64Decompose,
	f64Exp,
	f64Neg,
} from "../buffer";
import { LOWER_RANGES, LOWER_RANGES_LEN, UPPER_RANGES, UPPER_RANGES_LEN } from "../casemap-data";
import { builtinError, operandError, typeError, typeErrorGot, typeName } from "../errors";
import { utf8SeqLen, writeJsonString, writeUtf8, writeValue } from "../json";
import {
	arrGet,
	arrPush,
	collLen,
	K_ARR,
	K_BOOL,
	K_NULL,
	K_NUM,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeBool,
	makeInt,
	makeString,
	numAsInt,
	numF64,
	numIsInt,
	numRepr,
	numTextLen,
	numTextPtr,
	objKeyAt,
	objValAt,
	R_FLOAT,
	R_INT,
	R_TEXT,
	strLen,
	strPtr,
} from "../values";
import {
	allStrings,
	bufString,
	findBytes,
	intOf,
	isArrOrSet,
	isInt,
	isNumber,
	isStr,
	runeCount,
	runeOffset,
} from "./util";

/** OPA's "array containing number" for a collection holding a value of the wrong type. */
function collContaining(set: bool, x: usize): string {
	const k = kind(x);
	if (set) {
		if (k == K_NULL) return "set containing null";
		if (k == K_BOOL) return "set containing boolean";
		if (k == K_NUM) return "set containing number";
		if (k == K_ARR) return "set containing array";
		if (k == K_OBJ) return "set containing object";
		return "set containing set";
	}
	if (k == K_NULL) return "array containing null";
	if (k == K_BOOL) return "array containing boolean";
	if (k == K_NUM) return "array containing number";
	if (k == K_ARR) return "array containing array";
	if (k == K_OBJ) return "array containing object";
	return "array containing set";
}

export function b_concat(d: usize, c: usize): usize {
	if (!isStr(d)) return operandError("concat", 1, "string", d);
	if (!isArrOrSet(c)) return operandError("concat", 2, "one of {set, array}", c);
	for (let i: u32 = 0; i < collLen(c); i++) {
		const x = arrGet(c, i);
		if (!isStr(x)) {
			const set = kind(c) == K_SET;
			return typeErrorGot(
				"concat",
				2,
				set ? "set of strings" : "array of strings",
				collContaining(set, x),
			);
		}
	}
	const w = bufNew(64);
	const n = collLen(c);
	for (let i: u32 = 0; i < n; i++) {
		if (i > 0) bufBytes(w, strPtr(d), strLen(d));
		const s = arrGet(c, i);
		bufBytes(w, strPtr(s), strLen(s));
	}
	return bufString(w);
}

function strPair(name: string, a: usize, b: usize): bool {
	if (!isStr(a)) {
		operandError(name, 1, "string", a);
		return false;
	}
	if (!isStr(b)) {
		operandError(name, 2, "string", b);
		return false;
	}
	return true;
}

export function b_contains(a: usize, b: usize): usize {
	if (!strPair("contains", a, b)) return 0;
	return makeBool(findBytes(strPtr(a), strLen(a), strPtr(b), strLen(b), 0) >= 0);
}

export function b_startswith(a: usize, b: usize): usize {
	if (!strPair("startswith", a, b)) return 0;
	const n = strLen(b);
	return makeBool(n <= strLen(a) && memory.compare(strPtr(a), strPtr(b), n) == 0);
}

export function b_endswith(a: usize, b: usize): usize {
	if (!strPair("endswith", a, b)) return 0;
	const n = strLen(b);
	const m = strLen(a);
	return makeBool(n <= m && memory.compare(strPtr(a) + m - n, strPtr(b), n) == 0);
}

/**
 * Unicode simple case mapping, as Go's unicode.ToUpper/ToLower (what OPA's upper() and lower()
 * apply rune by rune): a binary search over generated ranges (casemap-data.ts).
 */
function mapCase(cp: u32, upper: bool): u32 {
	if (cp < 0x80) {
		if (upper && cp >= 97 && cp <= 122) return cp - 32;
		if (!upper && cp >= 65 && cp <= 90) return cp + 32;
		return cp;
	}
	const table = upper ? UPPER_RANGES : LOWER_RANGES;
	let lo: i32 = 0;
	let hi: i32 = <i32>(upper ? UPPER_RANGES_LEN : LOWER_RANGES_LEN) - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const row = table + ((<usize>mid) << 4);
		if (cp < load<u32>(row)) hi = mid - 1;
		else if (cp > load<u32>(row, 4)) lo = mid + 1;
		else {
			const step = load<u32>(row, 12);
			return (cp - load<u32>(row)) % step == 0 ? <u32>(<i32>cp + load<i32>(row, 8)) : cp;
		}
	}
	return cp;
}

function changeCase(s: usize, upper: bool): usize {
	const n = strLen(s);
	const p = strPtr(s);
	const w = bufNew(n);
	let i: u32 = 0;
	while (i < n) {
		const l = utf8SeqLen(p + i, p + n);
		if (l == 0) {
			bufByte(w, load<u8>(p + i));
			i++;
			continue;
		}
		let cp = <u32>load<u8>(p + i);
		if (l > 1) {
			cp &= l == 2 ? 0x1f : l == 3 ? 0x0f : 0x07;
			for (let k: u32 = 1; k < l; k++) cp = (cp << 6) | (<u32>load<u8>(p + i + k) & 0x3f);
		}
		writeUtf8(w, mapCase(cp, upper));
		i += l;
	}
	return bufString(w);
}

export function b_lower(s: usize): usize {
	if (!isStr(s)) return operandError("lower", 1, "string", s);
	return changeCase(s, false);
}

export function b_upper(s: usize): usize {
	if (!isStr(s)) return operandError("upper", 1, "string", s);
	return changeCase(s, true);
}

function utf8Len(p: usize): u32 {
	const c = load<u8>(p);
	if (c < 0x80) return 1;
	if (c < 0xe0) return 2;
	if (c < 0xf0) return 3;
	return 4;
}

export function b_split(s: usize, d: usize): usize {
	if (!strPair("split", s, d)) return 0;
	const p = strPtr(s);
	const n = strLen(s);
	const dp = strPtr(d);
	const dn = strLen(d);
	const r = makeArray(4);
	if (dn == 0) {
		// Split into code points, as Go's strings.Split does.
		let i: u32 = 0;
		while (i < n) {
			const l = min(utf8Len(p + i), n - i);
			arrPush(r, makeString(p + i, l));
			i += l;
		}
		return r;
	}
	let start: u32 = 0;
	while (true) {
		const at = findBytes(p, n, dp, dn, start);
		if (at < 0) break;
		arrPush(r, makeString(p + start, <u32>at - start));
		start = <u32>at + dn;
	}
	arrPush(r, makeString(p + start, n - start));
	return r;
}

/**
 * strings.split_n(s, delimiter, n): the first n parts of split(s, delimiter) when n > 0, the
 * last -n parts when n < 0, none when n = 0 (unlike Go's SplitN, the rest is dropped).
 */
export function b_strings__split_n(s: usize, d: usize, n: usize): usize {
	if (!strPair("strings.split_n", s, d)) return 0;
	if (!isNumber(n)) return operandError("strings.split_n", 3, "number", n);
	if (!numIsInt(n)) {
		return typeError(
			"strings.split_n",
			"operand 3 must be integer number but got floating-point number",
		);
	}
	const parts = b_split(s, d);
	const total = <i64>collLen(parts);
	const want = numAsInt(n);
	let from: i64 = 0;
	let to: i64 = total;
	if (want >= 0) to = want < total ? want : total;
	else from = -want < total ? total + want : 0;
	const r = makeArray(<u32>(to - from));
	for (let i = from; i < to; i++) arrPush(r, arrGet(parts, <u32>i));
	return r;
}

function replaceAll(s: usize, old: usize, nw: usize, limit: i64): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const op = strPtr(old);
	const on = strLen(old);
	const w = bufNew(n);
	let done: i64 = 0;
	if (on == 0) {
		// OPA's replace (Go's strings.Replacer) inserts the replacement before every byte, a
		// multi-byte character's included, and at the end.
		let i: u32 = 0;
		while (i <= n && (limit < 0 || done < limit)) {
			bufBytes(w, strPtr(nw), strLen(nw));
			done++;
			if (i == n) {
				i++;
				break;
			}
			const l: u32 = 1;
			bufBytes(w, p + i, l);
			i += l;
		}
		if (i < n) bufBytes(w, p + i, n - i);
		return bufString(w);
	}
	let start: u32 = 0;
	while (limit < 0 || done < limit) {
		const at = findBytes(p, n, op, on, start);
		if (at < 0) break;
		bufBytes(w, p + start, <u32>at - start);
		bufBytes(w, strPtr(nw), strLen(nw));
		start = <u32>at + on;
		done++;
	}
	bufBytes(w, p + start, n - start);
	return bufString(w);
}

export function b_replace(s: usize, old: usize, nw: usize): usize {
	if (!isStr(s)) return operandError("replace", 1, "string", s);
	if (!isStr(old)) return operandError("replace", 2, "string", old);
	if (!isStr(nw)) return operandError("replace", 3, "string", nw);
	return replaceAll(s, old, nw, -1);
}

/** Replace several patterns at once; at each position the first matching key (sorted) wins. */
export function b_strings__replace_n(pat: usize, s: usize): usize {
	if (kind(pat) != K_OBJ) return operandError("strings.replace_n", 1, "object", pat);
	if (!isStr(s)) return operandError("strings.replace_n", 2, "string", s);
	const m = collLen(pat);
	for (let k: u32 = 0; k < m; k++) {
		if (!isStr(objKeyAt(pat, k))) {
			return typeError("strings.replace_n", "operand 1 non-string key found in pattern object");
		}
		if (!isStr(objValAt(pat, k))) {
			return typeError("strings.replace_n", "operand 1 non-string value found in pattern object");
		}
	}
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(n);
	// Go's strings.Replacer over the keys in sorted order (the first that matches wins): an
	// empty key matches at every byte position, but not twice in a row.
	let i: u32 = 0;
	let prevEmpty = false;
	while (i <= n) {
		let matched = false;
		for (let k: u32 = 0; k < m; k++) {
			const key = objKeyAt(pat, k);
			const kn = strLen(key);
			if (kn == 0 ? !prevEmpty : i + kn <= n && memory.compare(p + i, strPtr(key), kn) == 0) {
				const v = objValAt(pat, k);
				bufBytes(w, strPtr(v), strLen(v));
				i += kn;
				prevEmpty = kn == 0;
				matched = true;
				break;
			}
		}
		if (!matched) {
			prevEmpty = false;
			if (i == n) break;
			bufByte(w, load<u8>(p + i));
			i++;
		}
	}
	return bufString(w);
}

/** Does code point at p (length l) occur in cutset? */
function inCutset(p: usize, l: u32, cut: usize): bool {
	const cp = strPtr(cut);
	const cn = strLen(cut);
	let i: u32 = 0;
	while (i < cn) {
		const cl = min(utf8Len(cp + i), cn - i);
		if (cl == l && memory.compare(cp + i, p, l) == 0) return true;
		i += cl;
	}
	return false;
}

function prevRuneStart(p: usize, end: u32): u32 {
	let i = end - 1;
	while (i > 0 && (load<u8>(p + i) & 0xc0) == 0x80) i--;
	return i;
}

function trimCut(s: usize, cut: usize, left: bool, right: bool): usize {
	const p = strPtr(s);
	let a: u32 = 0;
	let b = strLen(s);
	if (left) {
		while (a < b) {
			const l = min(utf8Len(p + a), b - a);
			if (!inCutset(p + a, l, cut)) break;
			a += l;
		}
	}
	if (right) {
		while (b > a) {
			const st = prevRuneStart(p, b);
			if (!inCutset(p + st, b - st, cut)) break;
			b = st;
		}
	}
	return makeString(p + a, b - a);
}

export function b_trim(s: usize, c: usize): usize {
	if (!strPair("trim", s, c)) return 0;
	return trimCut(s, c, true, true);
}

export function b_trim_left(s: usize, c: usize): usize {
	if (!strPair("trim_left", s, c)) return 0;
	return trimCut(s, c, true, false);
}

export function b_trim_right(s: usize, c: usize): usize {
	if (!strPair("trim_right", s, c)) return 0;
	return trimCut(s, c, false, true);
}

export function b_trim_prefix(s: usize, pre: usize): usize {
	if (!strPair("trim_prefix", s, pre)) return 0;
	const n = strLen(pre);
	if (n <= strLen(s) && memory.compare(strPtr(s), strPtr(pre), n) == 0) {
		return makeString(strPtr(s) + n, strLen(s) - n);
	}
	return s;
}

export function b_trim_suffix(s: usize, suf: usize): usize {
	if (!strPair("trim_suffix", s, suf)) return 0;
	const n = strLen(suf);
	const m = strLen(s);
	if (n <= m && memory.compare(strPtr(s) + m - n, strPtr(suf), n) == 0) {
		return makeString(strPtr(s), m - n);
	}
	return s;
}

/** Unicode white space in the ASCII and Latin-1 ranges, plus the common wide spaces. */
function spaceLen(p: usize, n: u32): u32 {
	const c = <u32>load<u8>(p);
	if (c == 32 || (c >= 9 && c <= 13)) return 1;
	if (c == 0xc2 && n >= 2) {
		const d = <u32>load<u8>(p + 1);
		if (d == 0x85 || d == 0xa0) return 2;
	}
	if (c == 0xe2 && n >= 3) {
		const d = <u32>load<u8>(p + 1);
		const e = <u32>load<u8>(p + 2);
		if (d == 0x80 && ((e >= 0x80 && e <= 0x8a) || e == 0xa8 || e == 0xa9 || e == 0xaf)) return 3;
		if (d == 0x81 && e == 0x9f) return 3;
	}
	if (c == 0xe3 && n >= 3 && load<u8>(p + 1) == 0x80 && load<u8>(p + 2) == 0x80) return 3;
	if (c == 0xe1 && n >= 3 && load<u8>(p + 1) == 0x9a && load<u8>(p + 2) == 0x80) return 3;
	return 0;
}

export function b_trim_space(s: usize): usize {
	if (!isStr(s)) return operandError("trim_space", 1, "string", s);
	const p = strPtr(s);
	let a: u32 = 0;
	let b = strLen(s);
	while (a < b) {
		const l = spaceLen(p + a, b - a);
		if (l == 0) break;
		a += l;
	}
	while (b > a) {
		const st = prevRuneStart(p, b);
		if (spaceLen(p + st, b - st) != b - st) break;
		b = st;
	}
	return makeString(p + a, b - a);
}

export function b_indexof(s: usize, sub: usize): usize {
	if (!strPair("indexof", s, sub)) return 0;
	if (strLen(sub) == 0) return builtinError("indexof", "empty search character");
	const at = findBytes(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0);
	if (at < 0) return makeInt(-1);
	return makeInt(runeCount(strPtr(s), <u32>at));
}

export function b_indexof_n(s: usize, sub: usize): usize {
	if (!strPair("indexof_n", s, sub)) return 0;
	if (strLen(sub) == 0) return builtinError("indexof_n", "empty search character");
	const r = makeArray(0);
	const p = strPtr(s);
	const n = strLen(s);
	let from: u32 = 0;
	while (from <= n) {
		const at = findBytes(p, n, strPtr(sub), strLen(sub), from);
		if (at < 0) break;
		arrPush(r, makeInt(runeCount(p, <u32>at)));
		from = <u32>at + 1;
		if (strLen(sub) == 0 && from > n) break;
	}
	return r;
}

export function b_substring(s: usize, start: usize, len: usize): usize {
	if (!isStr(s)) return operandError("substring", 1, "string", s);
	if (!isInt(start)) return operandError("substring", 2, "integer", start);
	if (!isInt(len)) return operandError("substring", 3, "integer", len);
	const st = intOf(start);
	if (st < 0) return builtinError("substring", "negative offset");
	const p = strPtr(s);
	const n = strLen(s);
	const total = runeCount(p, n);
	if (st >= <i64>total) return makeString(p, 0);
	const a = runeOffset(p, n, <u32>st);
	const l = intOf(len);
	if (l < 0 || st + l >= <i64>total) return makeString(p + a, n - a);
	const b = runeOffset(p, n, <u32>(st + l));
	return makeString(p + a, b - a);
}

export function b_strings__reverse(s: usize): usize {
	if (!isStr(s)) return operandError("strings.reverse", 1, "string", s);
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(n);
	let b = n;
	while (b > 0) {
		const st = prevRuneStart(p, b);
		bufBytes(w, p + st, b - st);
		b = st;
	}
	return bufString(w);
}

export function b_strings__count(s: usize, sub: usize): usize {
	if (!strPair("strings.count", s, sub)) return 0;
	const p = strPtr(s);
	const n = strLen(s);
	const sn = strLen(sub);
	if (sn == 0) return makeInt(runeCount(p, n) + 1);
	let c: i64 = 0;
	let from: u32 = 0;
	while (true) {
		const at = findBytes(p, n, strPtr(sub), sn, from);
		if (at < 0) break;
		c++;
		from = <u32>at + sn;
	}
	return makeInt(c);
}

/** "array containing number": the kind of the first non-string element. */
function containing(c: usize): string {
	for (let i: u32 = 0; i < collLen(c); i++) {
		const x = arrGet(c, i);
		if (!isStr(x)) {
			const t = typeName(x);
			if (t == "number") return "array containing number";
			if (t == "boolean") return "array containing boolean";
			if (t == "null") return "array containing null";
			if (t == "array") return "array containing array";
			if (t == "object") return "array containing object";
			return "array containing set";
		}
	}
	return "array";
}

function anyMatch(name: string, a: usize, b: usize, suffix: bool): usize {
	if (!isStr(a) && !isArrOrSet(a))
		return typeErrorGot(name, 1, "one of {string, set, array}", typeName(a));
	if (isArrOrSet(a) && !allStrings(a))
		return typeErrorGot(name, 1, "array of strings", containing(a));
	if (!isStr(b) && !isArrOrSet(b))
		return typeErrorGot(name, 2, "one of {string, set, array}", typeName(b));
	if (isArrOrSet(b) && !allStrings(b))
		return typeErrorGot(name, 2, "array of strings", containing(b));
	const na: u32 = isStr(a) ? 1 : collLen(a);
	const nb: u32 = isStr(b) ? 1 : collLen(b);
	for (let i: u32 = 0; i < na; i++) {
		const x = isStr(a) ? a : arrGet(a, i);
		for (let j: u32 = 0; j < nb; j++) {
			const y = isStr(b) ? b : arrGet(b, j);
			const yn = strLen(y);
			const xn = strLen(x);
			if (yn > xn) continue;
			const off = suffix ? xn - yn : 0;
			if (memory.compare(strPtr(x) + off, strPtr(y), yn) == 0) return makeBool(true);
		}
	}
	return makeBool(false);
}

export function b_strings__any_prefix_match(a: usize, b: usize): usize {
	return anyMatch("strings.any_prefix_match", a, b, false);
}

export function b_strings__any_suffix_match(a: usize, b: usize): usize {
	return anyMatch("strings.any_suffix_match", a, b, true);
}

const DIGITS = "0123456789abcdef";

function writeIntBase(w: usize, x: i64, base: i32): void {
	if (x < 0) {
		bufByte(w, 45);
		x = -x;
	}
	if (x == 0) {
		bufByte(w, 48);
		return;
	}
	const start = bufLen(w);
	let u = <u64>x;
	while (u > 0) {
		bufByte(w, <u32>DIGITS.charCodeAt(<i32>(u % <u64>base)));
		u /= <u64>base;
	}
	// Digits came out least significant first.
	const d = load<u32>(w);
	let i = start;
	let j = bufLen(w) - 1;
	while (i < j) {
		const t = load<u8>(d + i);
		store<u8>(d + i, load<u8>(d + j));
		store<u8>(d + j, t);
		i++;
		j--;
	}
}

export function b_format_int(n: usize, base: usize): usize {
	if (kind(n) != 3) return operandError("format_int", 1, "number", n);
	if (!isInt(base)) return typeError("format_int", "operand 2 must be one of {2, 8, 10, 16}");
	const b = <i32>intOf(base);
	if (b != 2 && b != 8 && b != 10 && b != 16)
		return typeError("format_int", "operand 2 must be one of {2, 8, 10, 16}");
	const w = bufNew(24);
	writeIntBase(w, <i64>Math.trunc(numF64(n)), b);
	return bufString(w);
}

// sprintf: Go's fmt verbs (%v %s %d %f %e %g %x %X %o %b %c %q %U %%) on OPA's Go operands.

/** Rego's printed form of a value (strings quoted inside collections). */
export function writeRego(w: usize, v: usize, top: bool): void {
	const k = kind(v);
	if (k == 4) {
		if (top) bufBytes(w, strPtr(v), strLen(v));
		else writeJsonString(w, strPtr(v), strLen(v));
		return;
	}
	if (k == K_ARR || k == K_SET) {
		const n = collLen(v);
		if (k == K_SET && n == 0) {
			bufAscii(w, "set()");
			return;
		}
		bufByte(w, k == K_ARR ? 91 : 123);
		for (let i: u32 = 0; i < n; i++) {
			if (i > 0) bufAscii(w, ", ");
			writeRego(w, arrGet(v, i), false);
		}
		bufByte(w, k == K_ARR ? 93 : 125);
		return;
	}
	if (k == K_OBJ) {
		bufByte(w, 123);
		const n = collLen(v);
		for (let i: u32 = 0; i < n; i++) {
			if (i > 0) bufAscii(w, ", ");
			writeRego(w, objKeyAt(v, i), false);
			bufAscii(w, ": ");
			writeRego(w, objValAt(v, i), false);
		}
		bufByte(w, 125);
		return;
	}
	writeValueJson(w, v);
}

function writeValueJson(w: usize, v: usize): void {
	// A number kept as its text prints as written (OPA prints a term's number so: [1e3, 2.50]);
	// a computed non-integer as Go's %v prints a float64; everything else as JSON.
	if (kind(v) == 3 && numRepr(v) == R_TEXT) bufBytes(w, numTextPtr(v), numTextLen(v));
	else if (kind(v) == 3 && numRepr(v) != R_INT) bufF64Go(w, numF64(v));
	else writeValue(w, v, false);
}

function pad(w: usize, start: u32, width: i32, left: bool, zero: bool): void {
	const len = <i32>runeCount(load<u32>(w) + start, bufLen(w) - start);
	if (width <= len) return;
	const fill = width - len;
	if (left) {
		for (let i = 0; i < fill; i++) bufByte(w, 32);
		return;
	}
	// Shift the written text right and fill in front.
	const text = bufNew(bufLen(w) - start);
	bufBytes(text, load<u32>(w) + start, bufLen(w) - start);
	bufTruncate(w, start);
	const d = load<u32>(text);
	let i: u32 = 0;
	if (zero && bufLen(text) > 0 && load<u8>(d) == 45) {
		bufByte(w, 45);
		i = 1;
	}
	for (let k = 0; k < fill; k++) bufByte(w, zero ? 48 : 32);
	bufBytes(w, d + i, bufLen(text) - i);
}

function writeHexBytes(w: usize, p: usize, n: u32, upper: bool): void {
	for (let i: u32 = 0; i < n; i++) {
		const b = <u32>load<u8>(p + i);
		const hi = DIGITS.charCodeAt(<i32>(b >> 4));
		const lo = DIGITS.charCodeAt(<i32>(b & 15));
		bufByte(w, upper && hi >= 97 ? hi - 32 : hi);
		bufByte(w, upper && lo >= 97 ? lo - 32 : lo);
	}
}

// OPA hands sprintf's operands to Go's fmt as Go values: a number as int64, *big.Int or
// float64 by how it is written (a computed whole float is an int64), a string as a string, and
// anything else as its Rego text (so true is the string "true"). Each verb then does what
// Go's fmt does with that type, and a verb the type lacks prints %!v(type=value).
const G_INT: i32 = 0;
const G_BIG: i32 = 1;
const G_FLOAT: i32 = 2;
const G_STR: i32 = 3;

function goKind(v: usize): i32 {
	if (kind(v) == 4) return G_STR;
	if (kind(v) != 3) return G_STR;
	const t = goNumType(v);
	if (t == "int64") return G_INT;
	if (t == "*big.Int") return G_BIG;
	return G_FLOAT;
}

/** The operand as Go's %v writes it. */
function writeGoValue(w: usize, v: usize, g: i32): void {
	if (g == G_INT) bufI64(w, numAsInt(v));
	else if (g == G_BIG) bufBytes(w, numTextPtr(v), numTextLen(v));
	else if (g == G_FLOAT) bufF64Go(w, numF64(v), 6);
	else writeRego(w, v, true);
}

/**
 * %!verb(type=value): Go's fmt prints the operand as %v with the verb's flags, width and
 * precision (%.2f of "abcdef" is %!f(string=ab), %5d of "x" pads inside the parentheses).
 */
function badVerb(
	w: usize,
	verb: u32,
	v: usize,
	prec: i32,
	plus: bool,
	width: i32,
	left: bool,
	zero: bool,
): void {
	const g = goKind(v);
	bufAscii(w, "%!");
	bufByte(w, verb);
	bufByte(w, 40);
	bufAscii(
		w,
		g == G_INT ? "int64=" : g == G_BIG ? "big.Int=" : g == G_FLOAT ? "float64=" : "string=",
	);
	const start = bufLen(w);
	if (!writeVerb(w, 118, v, prec, plus)) {
		bufTruncate(w, start);
		writeGoValue(w, v, g);
	}
	if (width >= 0) pad(w, start, width, left, zero);
	bufByte(w, 41);
}

/** %g: %e for large and small exponents, else the plain digits (`prec` significant ones). */
function writeGoG(w: usize, f: f64, prec: i32, upper: bool): void {
	let nd = f64Decompose(f);
	if (nd == 0) {
		if (f64Neg) bufByte(w, 45);
		bufByte(w, 48);
		return;
	}
	let d = F64_DIGITS;
	let x = f64Exp;
	let eprec: i32 = 6;
	if (prec >= 0) {
		const p = prec == 0 ? 1 : prec;
		const digs = exactDigits(f, false, p);
		d = load<u32>(digs);
		nd = <i32>bufLen(digs);
		while (nd > 1 && load<u8>(d + <u32>nd - 1) == 48) nd--;
		x = exactExp;
		eprec = p;
		if (eprec > nd && nd >= x + 1) eprec = nd;
	}
	if (isNegative(f)) bufByte(w, 45);
	if (x < -4 || x >= eprec) {
		bufByte(w, load<u8>(d));
		if (nd > 1) {
			bufByte(w, 46);
			for (let k = 1; k < nd; k++) bufByte(w, load<u8>(d + k));
		}
		bufGoExp(w, x, upper);
		return;
	}
	if (x < 0) {
		bufByte(w, 48);
		bufByte(w, 46);
		for (let k = 0; k < -x - 1; k++) bufByte(w, 48);
		for (let k = 0; k < nd; k++) bufByte(w, load<u8>(d + k));
		return;
	}
	for (let k = 0; k <= x || k < nd; k++) {
		if (k == x + 1) bufByte(w, 46);
		bufByte(w, k < nd ? load<u8>(d + k) : 48);
	}
}

/** A decimal digit string in another base (an integer past int64), by long division. */
function writeBigBase(w: usize, p: usize, n: u32, base: u32, upper: bool): void {
	let i: u32 = 0;
	if (n > 0 && load<u8>(p) == 45) {
		bufByte(w, 45);
		i = 1;
	}
	const num = bufNew(n);
	bufBytes(num, p + i, n - i);
	let len = n - i;
	const out = bufNew(n * 4);
	const d = load<u32>(num);
	while (len > 0) {
		let rem: u32 = 0;
		let o: u32 = 0;
		for (let k: u32 = 0; k < len; k++) {
			const cur = rem * 10 + (<u32>load<u8>(d + k) - 48);
			const q = cur / base;
			rem = cur % base;
			if (o > 0 || q > 0) store<u8>(d + o++, <u8>(48 + q));
		}
		const c = <u32>DIGITS.charCodeAt(<i32>rem);
		bufByte(out, upper && c >= 97 ? c - 32 : c);
		len = o;
	}
	const od = load<u32>(out);
	for (let k = <i32>bufLen(out) - 1; k >= 0; k--) bufByte(w, load<u8>(od + k));
}

/** Decimal exponent of the first digit exactDigits returned. */
let exactExp: i32 = 0;

/**
 * The exact decimal digits of |f| (a float64 is mant × 2^e2, so its decimal expansion is
 * finite), rounded half to even as Go's strconv rounds: to `n` significant digits, or with
 * `fixed` to `n` digits after the point. Returns a buffer of ASCII digits, no leading zeros,
 * empty when the value rounds to zero; exactExp is the first digit's decimal exponent.
 */
function exactDigits(f: f64, fixed: bool, n: i32): usize {
	const bits = reinterpret<u64>(f);
	const be = <i32>((bits >> 52) & 0x7ff);
	let mant = bits & 0xfffffffffffff;
	let e2: i32 = -1074;
	if (be != 0) {
		mant |= 0x10000000000000;
		e2 = be - 1075;
	}
	const out = bufNew(32);
	exactExp = 0;
	if (mant == 0) return out;
	// Little-endian decimal digits of mant × 2^e2 × 10^k, k = max(-e2, 0): ×2 or ×5 per step.
	const le = bufNew(800);
	let len: u32 = 0;
	for (let m = mant; m > 0; m /= 10) bufByte(le, <u32>(m % 10));
	len = bufLen(le);
	const d = load<u32>(le);
	const factor: u32 = e2 >= 0 ? 2 : 5;
	const steps = e2 >= 0 ? e2 : -e2;
	const k = e2 >= 0 ? 0 : -e2;
	for (let s = 0; s < steps; s++) {
		let carry: u32 = 0;
		for (let i: u32 = 0; i < len; i++) {
			const v = <u32>load<u8>(d + i) * factor + carry;
			store<u8>(d + i, <u8>(v % 10));
			carry = v / 10;
		}
		while (carry > 0) {
			bufByte(le, carry % 10);
			carry /= 10;
			len++;
		}
	}
	const dd = load<u32>(le);
	const total = <i32>len;
	const e10 = total - 1 - k;
	const keep = fixed ? e10 + 1 + n : n;
	exactExp = e10;
	if (keep >= total) {
		for (let i = 0; i < total; i++) bufByte(out, 48 + leDigit(dd, total, i));
		return out;
	}
	if (keep < 0) return out;
	let up = false;
	const next = leDigit(dd, total, keep);
	if (next > 5) up = true;
	else if (next == 5) {
		let rest = false;
		for (let i = keep + 1; i < total; i++) {
			if (leDigit(dd, total, i) != 0) {
				rest = true;
				break;
			}
		}
		up = rest || (keep > 0 && (leDigit(dd, total, keep - 1) & 1) == 1);
	}
	for (let i = 0; i < keep; i++) bufByte(out, 48 + leDigit(dd, total, i));
	if (up) {
		const o = load<u32>(out);
		let i = keep - 1;
		while (i >= 0 && load<u8>(o + <u32>i) == 57) {
			store<u8>(o + <u32>i, 48);
			i--;
		}
		if (i >= 0) store<u8>(o + <u32>i, load<u8>(o + <u32>i) + 1);
		else {
			// 9…9 rounded up: a 1 in front, one place higher.
			const shifted = bufNew(<u32>keep + 1);
			bufByte(shifted, 49);
			bufBytes(shifted, o, <u32>keep);
			exactExp = e10 + 1;
			return fixed ? shifted : truncated(shifted, keep);
		}
	}
	return out;
}

/** Digit i (0 = most significant) of a little-endian digit array of `total` digits. */
function leDigit(dd: usize, total: i32, i: i32): u32 {
	return <u32>load<u8>(dd + <u32>(total - 1 - i));
}

/** Digit i of an ASCII digit buffer, '0' outside it. */
function digitOr0(p: usize, m: i32, i: i32): u32 {
	return i >= 0 && i < m ? <u32>load<u8>(p + <u32>i) : 48;
}

function truncated(w: usize, n: i32): usize {
	if (<i32>bufLen(w) > n) bufTruncate(w, <u32>n);
	return w;
}

function isNegative(f: f64): bool {
	return f < 0 || (f == 0 && 1 / f < 0);
}

/** %f: `prec` digits after the point, the value rounded exactly. */
function writeGoF(w: usize, f: f64, prec: i32): void {
	if (isNegative(f)) bufByte(w, 45);
	const digs = exactDigits(f, true, prec);
	const m = <i32>bufLen(digs);
	const p = load<u32>(digs);
	const e = m == 0 ? -1 : exactExp;
	if (e < 0) bufByte(w, 48);
	for (let i = 0; i <= e; i++) bufByte(w, digitOr0(p, m, i));
	if (prec > 0) {
		bufByte(w, 46);
		for (let j = 1; j <= prec; j++) bufByte(w, digitOr0(p, m, e + j));
	}
}

/** %e with a precision: d.ddd…e±XX, `prec` digits after the point, rounded exactly. */
function writeGoEPrec(w: usize, f: f64, prec: i32, upper: bool): void {
	if (isNegative(f)) bufByte(w, 45);
	const digs = exactDigits(f, false, prec + 1);
	const m = <i32>bufLen(digs);
	const p = load<u32>(digs);
	bufByte(w, m == 0 ? 48 : load<u8>(p));
	if (prec > 0) {
		bufByte(w, 46);
		for (let j = 1; j <= prec; j++) bufByte(w, j < m ? load<u8>(p + <u32>j) : 48);
	}
	bufGoExp(w, m == 0 ? 0 : exactExp, upper);
}

/** Writes one operand for one verb as Go's fmt would; false when the type lacks the verb. */
function writeVerb(w: usize, verb: u32, v: usize, prec: i32, plus: bool): bool {
	const g = goKind(v);
	if (g == G_INT) {
		const x = numAsInt(v);
		if (verb == 118 || verb == 100) {
			if (plus && x >= 0) bufByte(w, 43);
			bufI64(w, x);
		} else if (verb == 98) writeIntBase(w, x, 2);
		else if (verb == 111) writeIntBase(w, x, 8);
		else if (verb == 120 || verb == 88) {
			const start = bufLen(w);
			writeIntBase(w, x, 16);
			if (verb == 88) upperAscii(w, start);
		} else if (verb == 99) writeUtf8(w, validRune(x));
		else if (verb == 113) {
			bufByte(w, 39);
			writeUtf8(w, validRune(x));
			bufByte(w, 39);
		} else if (verb == 85) {
			bufAscii(w, "U+");
			const start = bufLen(w);
			writeIntBase(w, x < 0 ? 0xfffd : x, 16);
			upperAscii(w, start);
			const len = bufLen(w) - start;
			if (len < 4) {
				// Go pads the code point to four hex digits.
				const text = bufNew(len);
				bufBytes(text, load<u32>(w) + start, len);
				bufTruncate(w, start);
				for (let k: u32 = len; k < 4; k++) bufByte(w, 48);
				bufBytes(w, load<u32>(text), len);
			}
		} else return false;
		return true;
	}
	if (g == G_BIG) {
		if (verb == 118 || verb == 100 || verb == 115) writeGoValue(w, v, g);
		else if (verb == 120 || verb == 88)
			writeBigBase(w, numTextPtr(v), numTextLen(v), 16, verb == 88);
		else if (verb == 111) writeBigBase(w, numTextPtr(v), numTextLen(v), 8, false);
		else if (verb == 98) writeBigBase(w, numTextPtr(v), numTextLen(v), 2, false);
		else return false;
		return true;
	}
	if (g == G_FLOAT) {
		const f = numF64(v);
		if (plus && f >= 0) bufByte(w, 43);
		if (verb == 118 || verb == 103 || verb == 71) writeGoG(w, f, prec, verb == 71);
		else if (verb == 101 || verb == 69) writeGoEPrec(w, f, prec < 0 ? 6 : prec, verb == 69);
		else if (verb == 102 || verb == 70) writeGoF(w, f, prec < 0 ? 6 : prec);
		else return false;
		return true;
	}
	// A string (or a value's Rego text).
	if (verb == 118 || verb == 115) {
		const start = bufLen(w);
		writeRego(w, v, true);
		if (prec >= 0) {
			// %.Ns keeps the first N characters.
			const d = load<u32>(w) + start;
			const len = bufLen(w) - start;
			if (runeCount(d, len) > <u32>prec) bufTruncate(w, start + runeOffset(d, len, prec));
		}
	} else if (verb == 113) {
		if (kind(v) == 4) writeGoQuoted(w, strPtr(v), strLen(v));
		else {
			const text = bufNew(16);
			writeRego(text, v, true);
			writeGoQuoted(w, load<u32>(text), bufLen(text));
		}
	} else if ((verb == 120 || verb == 88) && kind(v) == 4) {
		writeHexBytes(w, strPtr(v), strLen(v), verb == 88);
	} else return false;
	return true;
}

function validRune(x: i64): u32 {
	return x < 0 || x > 0x10ffff || (x >= 0xd800 && x <= 0xdfff) ? 0xfffd : <u32>x;
}

function upperAscii(w: usize, start: u32): void {
	const d = load<u32>(w);
	for (let j = start; j < bufLen(w); j++) {
		const ch = load<u8>(d + j);
		if (ch >= 97 && ch <= 122) store<u8>(d + j, ch - 32);
	}
}

export function b_sprintf(f: usize, args: usize): usize {
	if (!isStr(f)) return operandError("sprintf", 1, "string", f);
	if (kind(args) != K_ARR) return operandError("sprintf", 2, "array", args);
	const p = strPtr(f);
	const n = strLen(f);
	const w = bufNew(n + 16);
	let ai: u32 = 0;
	let i: u32 = 0;
	while (i < n) {
		const c = <u32>load<u8>(p + i);
		if (c != 37) {
			bufByte(w, c);
			i++;
			continue;
		}
		i++;
		if (i >= n) {
			bufAscii(w, "%!(NOVERB)");
			break;
		}
		let left = false;
		let zero = false;
		let plus = false;
		while (i < n) {
			const fc = load<u8>(p + i);
			if (fc == 45) left = true;
			else if (fc == 48) zero = true;
			else if (fc == 43) plus = true;
			else if (fc != 32 && fc != 35) break;
			i++;
		}
		let width: i32 = -1;
		while (i < n && load<u8>(p + i) >= 48 && load<u8>(p + i) <= 57) {
			width = (width < 0 ? 0 : width * 10) + <i32>(load<u8>(p + i) - 48);
			i++;
		}
		let prec: i32 = -1;
		if (i < n && load<u8>(p + i) == 46) {
			i++;
			prec = 0;
			while (i < n && load<u8>(p + i) >= 48 && load<u8>(p + i) <= 57) {
				prec = prec * 10 + <i32>(load<u8>(p + i) - 48);
				i++;
			}
		}
		if (i >= n) {
			bufAscii(w, "%!(NOVERB)");
			break;
		}
		const verb = <u32>load<u8>(p + i);
		i++;
		if (verb == 37) {
			bufByte(w, 37);
			continue;
		}
		if (ai >= collLen(args)) {
			bufAscii(w, "%!");
			bufByte(w, verb);
			bufAscii(w, "(MISSING)");
			continue;
		}
		const v = arrGet(args, ai++);
		const start = bufLen(w);
		if (writeVerb(w, verb, v, prec, plus)) {
			if (width >= 0) pad(w, start, width, left, zero && !left);
		} else {
			bufTruncate(w, start);
			badVerb(w, verb, v, prec, plus, width, left, zero && !left);
		}
	}
	if (ai < collLen(args)) {
		bufAscii(w, "%!(EXTRA ");
		for (let j = ai; j < collLen(args); j++) {
			if (j > ai) bufAscii(w, ", ");
			const v = arrGet(args, j);
			bufAscii(w, kind(v) == 3 ? goNumType(v) : "string");
			bufByte(w, 61);
			writeGoValue(w, v, goKind(v));
		}
		bufByte(w, 41);
	}
	return bufString(w);
}

/** The Go type OPA's sprintf gives a number operand. */
function goNumType(v: usize): string {
	const r = numRepr(v);
	if (r == R_INT) return "int64";
	if (r == R_FLOAT) return numIsInt(v) ? "int64" : "float64";
	const p = numTextPtr(v);
	const n = numTextLen(v);
	for (let i: u32 = 0; i < n; i++) {
		const c = load<u8>(p + i);
		if (!(c >= 48 && c <= 57) && !(i == 0 && c == 45)) return "float64";
	}
	return "*big.Int";
}

/** Go's %q: double-quoted with Go escapes (non-printable as \x / \u). */
function writeGoQuoted(w: usize, p: usize, n: u32): void {
	bufByte(w, 34);
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 34) bufAscii(w, '\\"');
		else if (c == 92) bufAscii(w, "\\\\");
		else if (c == 10) bufAscii(w, "\\n");
		else if (c == 13) bufAscii(w, "\\r");
		else if (c == 9) bufAscii(w, "\\t");
		else if (c < 0x20 || c == 0x7f) {
			bufAscii(w, "\\x");
			bufByte(w, <u32>DIGITS.charCodeAt(<i32>(c >> 4)));
			bufByte(w, <u32>DIGITS.charCodeAt(<i32>(c & 15)));
		} else bufByte(w, c);
	}
	bufByte(w, 34);
}
