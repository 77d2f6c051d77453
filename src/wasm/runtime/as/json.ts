// Strict JSON parsing (and Rego value syntax, which adds sets) and dumping with OPA's
// conventions: object keys sorted, sets as sorted arrays (or `{…}` / `set()` in Rego syntax),
// strings escaped as Go's encoding/json does by default.

import { bufAscii, bufByte, bufBytes, bufFinish, bufNew } from "./buffer";
import { collAppendRaw, objNormalise, setNormalise } from "./collections";
import { numberFromText, writeNumber } from "./numbers";
import {
	arrGet,
	arrPush,
	boolOf,
	collLen,
	FALSE,
	K_ARR,
	K_BOOL,
	K_NULL,
	K_NUM,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeInt,
	makeObject,
	makeSet,
	makeString,
	makeStringCopy,
	NULL,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
	TRUE,
} from "./values";

let pos: usize = 0;
let end: usize = 0;
let failed = false;
let regoSyntax = false;
let depth: i32 = 0;
/** Strings without escapes point into the text instead of copying it (see parseJsonInPlace). */
let borrow = false;

const MAX_DEPTH: i32 = 10000;

function peek(): u32 {
	return pos < end ? <u32>load<u8>(pos) : 0xffffffff;
}

// The scanning loops below keep the position in a local and store it back once: `pos` and
// `end` are wasm globals, which the engine reads and writes through memory on every access.

function skipWs(): void {
	let p = pos;
	const e = end;
	while (p < e) {
		const c = load<u8>(p);
		if (c > 32 || (c != 32 && c != 9 && c != 10 && c != 13)) break;
		p++;
	}
	pos = p;
}

function fail(): usize {
	failed = true;
	return 0;
}

function expectWord(w: string): bool {
	const n = <usize>w.length;
	if (end - pos < n) return false;
	for (let i: usize = 0; i < n; i++) {
		if (<u32>load<u8>(pos + i) != <u32>w.charCodeAt(<i32>i)) return false;
	}
	pos += n;
	return true;
}

// "null", "true" and "fals" as little-endian u32s: a literal is one load and compare.
const W_NULL: u32 = 0x6c6c756e;
const W_TRUE: u32 = 0x65757274;
const W_FALS: u32 = 0x736c6166;

/** Whether the bytes at pos are the four of `w` (then `fifth`, when n is 5); consumes them. */
function word(w: u32, n: usize, fifth: u8 = 0): bool {
	if (end - pos < n || load<u32>(pos) != w || (n == 5 && load<u8>(pos + 4) != fifth)) return false;
	pos += n;
	return true;
}

function hexVal(c: u32): i32 {
	if (c >= 48 && c <= 57) return <i32>(c - 48);
	if (c >= 97 && c <= 102) return <i32>(c - 87);
	if (c >= 65 && c <= 70) return <i32>(c - 55);
	return -1;
}

function read4Hex(): i32 {
	if (end - pos < 4) return -1;
	let x: i32 = 0;
	for (let i: usize = 0; i < 4; i++) {
		const h = hexVal(load<u8>(pos + i));
		if (h < 0) return -1;
		x = (x << 4) | h;
	}
	pos += 4;
	return x;
}

/** Append code point cp as UTF-8. */
export function writeUtf8(w: usize, cp: u32): void {
	if (cp < 0x80) {
		bufByte(w, cp);
	} else if (cp < 0x800) {
		bufByte(w, 0xc0 | (cp >> 6));
		bufByte(w, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		bufByte(w, 0xe0 | (cp >> 12));
		bufByte(w, 0x80 | ((cp >> 6) & 0x3f));
		bufByte(w, 0x80 | (cp & 0x3f));
	} else {
		bufByte(w, 0xf0 | (cp >> 18));
		bufByte(w, 0x80 | ((cp >> 12) & 0x3f));
		bufByte(w, 0x80 | ((cp >> 6) & 0x3f));
		bufByte(w, 0x80 | (cp & 0x3f));
	}
}

function parseString(): usize {
	// Fast path: no escapes, copy nothing but the slice.
	const start = pos + 1; // past the opening quote
	const e = end;
	let p = start;
	while (p < e) {
		const c = load<u8>(p);
		if (c == 34) {
			pos = p + 1;
			const n = <u32>(p - start);
			return borrow ? makeString(start, n) : makeStringCopy(start, n);
		}
		if (c == 92) break;
		if (c < 0x20) return fail();
		p++;
	}
	pos = p;
	const w = bufNew(<u32>(pos - start) + 16);
	bufBytes(w, start, <u32>(pos - start));
	while (pos < end) {
		const c = <u32>load<u8>(pos);
		if (c == 34) {
			pos++;
			return makeString(load<u32>(w), load<u32>(w, 4));
		}
		if (c < 0x20) return fail();
		if (c != 92) {
			bufByte(w, c);
			pos++;
			continue;
		}
		pos++;
		if (pos >= end) return fail();
		const e = <u32>load<u8>(pos);
		pos++;
		if (e == 34 || e == 92 || e == 47) bufByte(w, e);
		else if (e == 98) bufByte(w, 8);
		else if (e == 102) bufByte(w, 12);
		else if (e == 110) bufByte(w, 10);
		else if (e == 114) bufByte(w, 13);
		else if (e == 116) bufByte(w, 9);
		else if (e == 117) {
			let cp = read4Hex();
			if (cp < 0) return fail();
			if (cp >= 0xd800 && cp < 0xdc00) {
				// A high surrogate pairs with a following \uDC00-\uDFFF; alone it is U+FFFD.
				const save = pos;
				let lo: i32 = -1;
				if (end - pos >= 6 && load<u8>(pos) == 92 && load<u8>(pos + 1) == 117) {
					pos += 2;
					lo = read4Hex();
				}
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else {
					pos = save;
					cp = 0xfffd;
				}
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				cp = 0xfffd;
			}
			writeUtf8(w, <u32>cp);
		} else return fail();
	}
	return fail();
}

/** The digit's value at p (below `e`), or a value above 9 when there is none. */
function digitAt(p: usize, e: usize): u32 {
	return p < e ? <u32>load<u8>(p) - 48 : 10;
}

/** Past the digits from p (below `e`). */
function skipDigits(p: usize, e: usize): usize {
	while (digitAt(p, e) <= 9) p++;
	return p;
}

function parseNumber(): usize {
	const start = pos;
	const e = end;
	let p = start;
	const neg = load<u8>(p) == 45;
	if (neg) p++;
	let d = digitAt(p, e);
	if (d > 9) return fail();
	// The integer part is read as it is scanned: most numbers in an input are small ints.
	let acc: u64 = <u64>d;
	p++;
	if (d != 0) {
		d = digitAt(p, e);
		while (d <= 9) {
			acc = acc * 10 + <u64>d;
			p++;
			d = digitAt(p, e);
		}
	}
	const digits = p - start - (neg ? 1 : 0);
	let integral = true;
	if (p < e && load<u8>(p) == 46) {
		integral = false;
		p++;
		if (digitAt(p, e) > 9) return fail();
		p = skipDigits(p, e);
	}
	if (p < e && (load<u8>(p) | 32) == 101) {
		integral = false;
		p++;
		if (p < e && (load<u8>(p) == 43 || load<u8>(p) == 45)) p++;
		if (digitAt(p, e) > 9) return fail();
		p = skipDigits(p, e);
	}
	pos = p;
	// Up to 18 digits cannot overflow int64; longer ones take the general path.
	if (integral && digits <= 18) return makeInt(neg ? -(<i64>acc) : <i64>acc);
	return numberFromText(start, <u32>(p - start));
}

function parseValue(): usize {
	skipWs();
	if (pos >= end) return fail();
	if (++depth > MAX_DEPTH) return fail();
	const c = peek();
	let v: usize = 0;
	if (c == 123) v = parseObjectOrSet();
	else if (c == 91) v = parseArray();
	else if (c == 34) v = parseString();
	else if (c == 45 || (c >= 48 && c <= 57)) v = parseNumber();
	else if (c == 110 && word(W_NULL, 4)) v = NULL;
	else if (c == 116 && word(W_TRUE, 4)) v = TRUE;
	else if (c == 102 && word(W_FALS, 5, 101)) v = FALSE;
	else if (regoSyntax && expectWord("set()")) v = makeSet(0);
	else v = fail();
	depth--;
	return v;
}

function parseArray(): usize {
	pos++;
	const a = makeArray(4);
	skipWs();
	if (peek() == 93) {
		pos++;
		return a;
	}
	while (true) {
		const x = parseValue();
		if (failed) return 0;
		arrPush(a, x);
		skipWs();
		const c = peek();
		pos++;
		if (c == 44) continue;
		if (c == 93) return a;
		return fail();
	}
}

function parseObjectOrSet(): usize {
	pos++;
	skipWs();
	if (peek() == 125) {
		pos++;
		return makeObject(0);
	}
	let o: usize = 0;
	let isSet = false;
	while (true) {
		skipWs();
		if (!regoSyntax && peek() != 34) return fail();
		const k = parseValue();
		if (failed) return 0;
		skipWs();
		if (o == 0) {
			isSet = regoSyntax && peek() != 58;
			o = isSet ? makeSet(4) : makeObject(4);
		}
		if (isSet) {
			collAppendRaw(o, k, 0, 4);
		} else {
			if (peek() != 58) return fail();
			pos++;
			const v = parseValue();
			if (failed) return 0;
			collAppendRaw(o, k, v, 8);
		}
		skipWs();
		const c = peek();
		pos++;
		if (c == 44) continue;
		if (c == 125) break;
		return fail();
	}
	if (isSet) setNormalise(o);
	else objNormalise(o);
	return o;
}

function parseTop(p: usize, n: usize, rego: bool, inPlace: bool = false): usize {
	borrow = inPlace;
	pos = p;
	end = p + n;
	failed = false;
	depth = 0;
	regoSyntax = rego;
	const v = parseValue();
	if (failed) return 0;
	skipWs();
	if (pos != end) return 0;
	return v;
}

/** Parse JSON text; 0 when it is not valid JSON. */
export function parseJson(p: usize, n: usize): usize {
	return parseTop(p, n, false);
}

/**
 * parseJson for text the host wrote into memory and never writes again while the value lives
 * (the input of one evaluation, data and builtin results loaded through opa_json_parse): its
 * strings keep pointing into the text, saving a copy of every string. Text a builtin builds
 * in a buffer it may reuse goes through parseJson.
 */
export function parseJsonInPlace(p: usize, n: usize): usize {
	return parseTop(p, n, false, true);
}

/** Parse Rego value syntax (JSON plus sets); 0 when invalid. */
export function parseRegoValue(p: usize, n: usize): usize {
	return parseTop(p, n, true);
}

// dumping

const HEX = "0123456789abcdef";

function escU(w: usize, cp: u32): void {
	bufAscii(w, "\\u");
	bufByte(w, <u32>HEX.charCodeAt((cp >> 12) & 15));
	bufByte(w, <u32>HEX.charCodeAt((cp >> 8) & 15));
	bufByte(w, <u32>HEX.charCodeAt((cp >> 4) & 15));
	bufByte(w, <u32>HEX.charCodeAt(cp & 15));
}

/** Length of a valid UTF-8 sequence at p (limit e), or 0 when invalid. */
export function utf8SeqLen(p: usize, e: usize): u32 {
	const c = <u32>load<u8>(p);
	if (c < 0x80) return 1;
	let n: u32 = 0;
	let min: u32 = 0;
	let cp: u32 = 0;
	if (c >= 0xc2 && c < 0xe0) {
		n = 2;
		min = 0x80;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c < 0xf0) {
		n = 3;
		min = 0x800;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c < 0xf5) {
		n = 4;
		min = 0x10000;
		cp = c & 0x07;
	} else return 0;
	if (p + n > e) return 0;
	for (let i: u32 = 1; i < n; i++) {
		const d = <u32>load<u8>(p + i);
		if ((d & 0xc0) != 0x80) return 0;
		cp = (cp << 6) | (d & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return 0;
	return n;
}

/** Append a JSON string literal, escaped as Go's encoding/json does (HTML-safe). */
export function writeJsonString(w: usize, p: usize, n: u32): void {
	bufByte(w, 34);
	const e = p + n;
	let i = p;
	while (i < e) {
		const c = <u32>load<u8>(i);
		if (c < 0x80) {
			if (c == 34) bufAscii(w, '\\"');
			else if (c == 92) bufAscii(w, "\\\\");
			else if (c == 10) bufAscii(w, "\\n");
			else if (c == 13) bufAscii(w, "\\r");
			else if (c == 9) bufAscii(w, "\\t");
			else if (c < 0x20 || c == 60 || c == 62 || c == 38) escU(w, c);
			else bufByte(w, c);
			i++;
			continue;
		}
		const len = utf8SeqLen(i, e);
		if (len == 0) {
			bufAscii(w, "\\ufffd");
			i++;
			continue;
		}
		// U+2028 and U+2029 are escaped for JavaScript's sake, as Go does.
		if (
			len == 3 &&
			c == 0xe2 &&
			load<u8>(i + 1) == 0x80 &&
			(load<u8>(i + 2) == 0xa8 || load<u8>(i + 2) == 0xa9)
		) {
			escU(w, load<u8>(i + 2) == 0xa8 ? 0x2028 : 0x2029);
		} else {
			bufBytes(w, i, len);
		}
		i += len;
	}
	bufByte(w, 34);
}

/** Append v as JSON (rego = false) or Rego value syntax (rego = true). */
export function writeValue(w: usize, v: usize, rego: bool): void {
	const k = kind(v);
	if (k == K_NULL) {
		bufAscii(w, "null");
	} else if (k == K_BOOL) {
		bufAscii(w, boolOf(v) ? "true" : "false");
	} else if (k == K_NUM) {
		writeNumber(w, v);
	} else if (k == K_STR) {
		writeJsonString(w, strPtr(v), strLen(v));
	} else if (k == K_ARR || (k == K_SET && !rego)) {
		bufByte(w, 91);
		const n = collLen(v);
		for (let i: u32 = 0; i < n; i++) {
			if (i > 0) bufByte(w, 44);
			writeValue(w, arrGet(v, i), rego);
		}
		bufByte(w, 93);
	} else if (k == K_SET) {
		const n = collLen(v);
		if (n == 0) {
			bufAscii(w, "set()");
			return;
		}
		bufByte(w, 123);
		for (let i: u32 = 0; i < n; i++) {
			if (i > 0) bufByte(w, 44);
			writeValue(w, arrGet(v, i), rego);
		}
		bufByte(w, 125);
	} else if (k == K_OBJ) {
		bufByte(w, 123);
		const n = collLen(v);
		for (let i: u32 = 0; i < n; i++) {
			if (i > 0) bufByte(w, 44);
			const key = objKeyAt(v, i);
			if (kind(key) == K_STR || rego) {
				writeValue(w, key, rego);
			} else {
				// JSON keys must be strings: non-string keys are written as their JSON text.
				const kw = bufNew(16);
				writeValue(kw, key, false);
				writeJsonString(w, load<u32>(kw), load<u32>(kw, 4));
			}
			bufByte(w, 58);
			writeValue(w, objValAt(v, i), rego);
		}
		bufByte(w, 125);
	}
}

/** NUL-terminated JSON text of v. */
export function dumpJson(v: usize): usize {
	const w = bufNew(64);
	writeValue(w, v, false);
	return bufFinish(w);
}

export function dumpRego(v: usize): usize {
	const w = bufNew(64);
	writeValue(w, v, true);
	return bufFinish(w);
}
