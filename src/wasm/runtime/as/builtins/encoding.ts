// json.*, base64.*, base64url.*, hex.*, urlquery.*.

import { bufByte, bufNew } from "../buffer";
import { newObject, objGet, objInsert } from "../collections";
import { builtinError, builtinErrorAt, builtinErrorQuoted, operandError } from "../errors";
import { parseJson, writeValue } from "../json";
import {
	arrGet,
	arrPush,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeBool,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "../values";
import { bufString, isStr } from "./util";

export function b_json__marshal(v: usize): usize {
	const w = bufNew(64);
	writeValue(w, v, false);
	return bufString(w);
}

export function b_json__unmarshal(s: usize): usize {
	if (!isStr(s)) return operandError("json.unmarshal", 1, "string", s);
	const v = parseJson(strPtr(s), strLen(s));
	if (v == 0) return builtinError("json.unmarshal", "invalid JSON");
	return v;
}

export function b_json__is_valid(s: usize): usize {
	if (!isStr(s)) return makeBool(false);
	return makeBool(parseJson(strPtr(s), strLen(s)) != 0);
}

// base64

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function b64encode(s: usize, alphabet: string, padding: bool): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(((n + 2) / 3) * 4);
	let i: u32 = 0;
	while (i + 2 < n) {
		const x =
			((<u32>load<u8>(p + i)) << 16) | ((<u32>load<u8>(p + i + 1)) << 8) | <u32>load<u8>(p + i + 2);
		bufByte(w, alphabet.charCodeAt(x >> 18));
		bufByte(w, alphabet.charCodeAt((x >> 12) & 63));
		bufByte(w, alphabet.charCodeAt((x >> 6) & 63));
		bufByte(w, alphabet.charCodeAt(x & 63));
		i += 3;
	}
	const rest = n - i;
	if (rest > 0) {
		let x = (<u32>load<u8>(p + i)) << 16;
		if (rest == 2) x |= (<u32>load<u8>(p + i + 1)) << 8;
		bufByte(w, alphabet.charCodeAt(x >> 18));
		bufByte(w, alphabet.charCodeAt((x >> 12) & 63));
		if (rest == 2) bufByte(w, alphabet.charCodeAt((x >> 6) & 63));
		else if (padding) bufByte(w, 61);
		if (padding) bufByte(w, 61);
	}
	return bufString(w);
}

function b64val(c: u32, url: bool): i32 {
	if (c >= 65 && c <= 90) return <i32>(c - 65);
	if (c >= 97 && c <= 122) return <i32>(c - 71);
	if (c >= 48 && c <= 57) return <i32>(c + 4);
	if (c == (url ? 45 : 43)) return 62;
	if (c == (url ? 95 : 47)) return 63;
	return -1;
}

/** Where the last failed decode found illegal data (Go reports the input byte). */
export let b64ErrorAt: u32 = 0;

/** Decode; `padded`: padding required (Go's StdEncoding/URLEncoding) or forbidden (Raw…). 0 on error. */
export function b64decode(p: usize, n: u32, url: bool, padded: bool): usize {
	b64ErrorAt = 0;
	if (padded && n % 4 != 0) {
		b64ErrorAt = n - (n % 4);
		return 0;
	}
	let end = n;
	if (padded) {
		if (end > 0 && load<u8>(p + end - 1) == 61) end--;
		if (end > 0 && load<u8>(p + end - 1) == 61) end--;
	}
	const rem = end % 4;
	if (rem == 1) {
		b64ErrorAt = end - 1;
		return 0;
	}
	if (padded && n - end != (rem == 0 ? 0 : 4 - rem)) return 0;
	const w = bufNew((end * 3) / 4 + 3);
	let acc: u32 = 0;
	let bits: u32 = 0;
	for (let i: u32 = 0; i < end; i++) {
		const v = b64val(load<u8>(p + i), url);
		if (v < 0) {
			b64ErrorAt = i;
			return 0;
		}
		acc = (acc << 6) | <u32>v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bufByte(w, (acc >> bits) & 0xff);
		}
	}
	// Leftover bits must be zero (Go rejects non-canonical endings only in strict mode; accept).
	return w;
}

/**
 * Where Go's base64 decoder reports a CorruptInputError (line breaks skipped, padding checked
 * quantum by quantum); -1 when it reports none.
 */
function goB64ErrorAt(p: usize, n: u32, url: bool, padded: bool): i64 {
	let si: u32 = 0;
	while (si <= n) {
		let j: u32 = 0;
		for (; j < 4; j++) {
			if (si == n) {
				if (j == 0) return -1;
				if (j == 1 || padded) return <i64>(si - j);
				return -1;
			}
			const c = load<u8>(p + si);
			si++;
			if (b64val(c, url) >= 0) continue;
			if (c == 10 || c == 13) {
				j--;
				continue;
			}
			if (c != 61 || !padded) return <i64>(si - 1);
			// Padding: at least two symbols before it, "==" after two.
			if (j < 2) return <i64>(si - 1);
			if (j == 2) {
				while (si < n && (load<u8>(p + si) == 10 || load<u8>(p + si) == 13)) si++;
				if (si == n) return <i64>n;
				if (load<u8>(p + si) != 61) return <i64>(si - 1);
				si++;
			}
			while (si < n && (load<u8>(p + si) == 10 || load<u8>(p + si) == 13)) si++;
			return si < n ? <i64>si : -1;
		}
	}
	return -1;
}

function b64Failure(name: string, p: usize, n: u32, url: bool, padded: bool): usize {
	const at = goB64ErrorAt(p, n, url, padded);
	return builtinErrorAt(name, "illegal base64 data at input byte ", at < 0 ? 0 : at);
}

export function b_base64__encode(s: usize): usize {
	if (!isStr(s)) return operandError("base64.encode", 1, "string", s);
	return b64encode(s, STD, true);
}

export function b_base64__decode(s: usize): usize {
	if (!isStr(s)) return operandError("base64.decode", 1, "string", s);
	const w = b64decode(strPtr(s), strLen(s), false, true);
	if (w == 0) return b64Failure("base64.decode", strPtr(s), strLen(s), false, true);
	return bufString(w);
}

export function b_base64__is_valid(s: usize): usize {
	if (!isStr(s)) return operandError("base64.is_valid", 1, "string", s);
	return makeBool(b64decode(strPtr(s), strLen(s), false, true) != 0);
}

export function b_base64url__encode(s: usize): usize {
	if (!isStr(s)) return operandError("base64url.encode", 1, "string", s);
	return b64encode(s, URL, true);
}

export function b_base64url__encode_no_pad(s: usize): usize {
	if (!isStr(s)) return operandError("base64url.encode_no_pad", 1, "string", s);
	return b64encode(s, URL, false);
}

export function b_base64url__decode(s: usize): usize {
	if (!isStr(s)) return operandError("base64url.decode", 1, "string", s);
	// Padded first, then unpadded, as OPA does.
	let w = b64decode(strPtr(s), strLen(s), true, true);
	if (w == 0) w = b64decode(strPtr(s), strLen(s), true, false);
	// OPA reports the padded decoder's error.
	if (w == 0) return b64Failure("base64url.decode", strPtr(s), strLen(s), true, true);
	return bufString(w);
}

// hex

const HEX = "0123456789abcdef";

export function b_hex__encode(s: usize): usize {
	if (!isStr(s)) return operandError("hex.encode", 1, "string", s);
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(n * 2);
	for (let i: u32 = 0; i < n; i++) {
		const b = <i32>load<u8>(p + i);
		bufByte(w, HEX.charCodeAt(b >> 4));
		bufByte(w, HEX.charCodeAt(b & 15));
	}
	return bufString(w);
}

function hexVal(c: u32): i32 {
	if (c >= 48 && c <= 57) return <i32>(c - 48);
	if (c >= 97 && c <= 102) return <i32>(c - 87);
	if (c >= 65 && c <= 70) return <i32>(c - 55);
	return -1;
}

export function b_hex__decode(s: usize): usize {
	if (!isStr(s)) return operandError("hex.decode", 1, "string", s);
	const p = strPtr(s);
	const n = strLen(s);
	if (n % 2 != 0) return builtinError("hex.decode", "encoding/hex: odd length hex string");
	const w = bufNew(n / 2);
	for (let i: u32 = 0; i < n; i += 2) {
		const a = hexVal(load<u8>(p + i));
		const b = hexVal(load<u8>(p + i + 1));
		if (a < 0 || b < 0) return builtinError("hex.decode", "encoding/hex: invalid byte");
		bufByte(w, <u32>((a << 4) | b));
	}
	return bufString(w);
}

// urlquery: Go's url.QueryEscape / QueryUnescape.

function unreserved(c: u32): bool {
	return (
		(c >= 65 && c <= 90) ||
		(c >= 97 && c <= 122) ||
		(c >= 48 && c <= 57) ||
		c == 45 ||
		c == 95 ||
		c == 46 ||
		c == 126
	);
}

function escapeInto(w: usize, p: usize, n: u32): void {
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (unreserved(c)) bufByte(w, c);
		else if (c == 32) bufByte(w, 43);
		else {
			bufByte(w, 37);
			bufByte(w, <u32>"0123456789ABCDEF".charCodeAt(<i32>(c >> 4)));
			bufByte(w, <u32>"0123456789ABCDEF".charCodeAt(<i32>(c & 15)));
		}
	}
}

export function b_urlquery__encode(s: usize): usize {
	if (!isStr(s)) return operandError("urlquery.encode", 1, "string", s);
	const w = bufNew(strLen(s));
	escapeInto(w, strPtr(s), strLen(s));
	return bufString(w);
}

/** Where the malformed escape queryUnescape met starts (Go's EscapeError quotes it). */
let badEscapeAt: u32 = 0;
let badEscapeLen: u32 = 0;

/** 0 when the escape sequence is malformed (badEscapeAt says where). */
function queryUnescape(p: usize, n: u32): usize {
	const w = bufNew(n);
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 43) bufByte(w, 32);
		else if (c == 37) {
			badEscapeAt = <u32>(p + i);
			if (i + 2 >= n) {
				badEscapeLen = n - i;
				return 0;
			}
			badEscapeLen = 3;
			const a = hexVal(load<u8>(p + i + 1));
			const b = hexVal(load<u8>(p + i + 2));
			if (a < 0 || b < 0) return 0;
			bufByte(w, <u32>((a << 4) | b));
			i += 2;
		} else bufByte(w, c);
	}
	return w;
}

function escapeFailure(name: string): usize {
	return builtinErrorQuoted(name, "invalid URL escape ", badEscapeAt, badEscapeLen, "");
}

export function b_urlquery__decode(s: usize): usize {
	if (!isStr(s)) return operandError("urlquery.decode", 1, "string", s);
	const w = queryUnescape(strPtr(s), strLen(s));
	if (w == 0) return escapeFailure("urlquery.decode");
	return bufString(w);
}

export function b_urlquery__encode_object(o: usize): usize {
	if (kind(o) != K_OBJ) return operandError("urlquery.encode_object", 1, "object", o);
	const w = bufNew(64);
	const n = collLen(o);
	let first = true;
	for (let i: u32 = 0; i < n; i++) {
		const k = objKeyAt(o, i);
		const v = objValAt(o, i);
		if (!isStr(k))
			return operandError(
				"urlquery.encode_object",
				1,
				"object[string: any<string, array[string], set[string]>]",
				o,
			);
		const kv = kind(v);
		const many = kv == K_ARR || kv == K_SET;
		const m: u32 = many ? collLen(v) : 1;
		for (let j: u32 = 0; j < m; j++) {
			const x = many ? arrGet(v, j) : v;
			if (!isStr(x))
				return operandError(
					"urlquery.encode_object",
					1,
					"object[string: any<string, array[string], set[string]>]",
					o,
				);
			if (!first) bufByte(w, 38);
			first = false;
			escapeInto(w, strPtr(k), strLen(k));
			bufByte(w, 61);
			escapeInto(w, strPtr(x), strLen(x));
		}
	}
	return bufString(w);
}

export function b_urlquery__decode_object(s: usize): usize {
	if (!isStr(s)) return operandError("urlquery.decode_object", 1, "string", s);
	const p = strPtr(s);
	const n = strLen(s);
	const r = newObject();
	let start: u32 = 0;
	while (start <= n) {
		let end = start;
		while (end < n && load<u8>(p + end) != 38 && load<u8>(p + end) != 59) end++;
		if (end > start) {
			let eq = start;
			while (eq < end && load<u8>(p + eq) != 61) eq++;
			const kw = queryUnescape(p + start, eq - start);
			const vw = eq < end ? queryUnescape(p + eq + 1, end - eq - 1) : bufNew(0);
			if (kw == 0 || vw == 0) return escapeFailure("urlquery.decode_object");
			const key = bufString(kw);
			let arr = objGet(r, key);
			if (arr == 0) {
				arr = makeArray(1);
				objInsert(r, key, arr);
			}
			arrPush(arr, bufString(vw));
		}
		start = end + 1;
	}
	return r;
}
