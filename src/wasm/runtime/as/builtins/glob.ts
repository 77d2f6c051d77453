// glob.match(pattern, delimiters, match): *, **, ?, [classes], {alternatives}, \\ escapes.

import { bufAscii, bufByte, bufBytes, bufData, bufI64, bufLen, bufNew } from "../buffer";
import { builtinError, builtinErrorQuoting, operandError } from "../errors";
import {
	arrGet,
	collLen,
	K_ARR,
	K_NULL,
	kind,
	makeBool,
	makeString,
	strLen,
	strPtr,
} from "../values";
import { isStr } from "./util";

let delims: usize = 0; // array value of delimiter strings, or 0 for none

function cpLen(p: usize): u32 {
	const c = load<u8>(p);
	if (c < 0x80) return 1;
	if (c < 0xe0) return 2;
	if (c < 0xf0) return 3;
	return 4;
}

function cpAt(p: usize, l: u32): u32 {
	const c = <u32>load<u8>(p);
	if (l == 1) return c;
	let v = c & (l == 2 ? 0x1f : l == 3 ? 0x0f : 0x07);
	for (let i: u32 = 1; i < l; i++) v = (v << 6) | (<u32>load<u8>(p + i) & 0x3f);
	return v;
}

function isDelim(p: usize, l: u32): bool {
	if (delims == 0) return false;
	if (delims == 1) return l == 1 && load<u8>(p) == 46;
	for (let i: u32 = 0; i < collLen(delims); i++) {
		const d = arrGet(delims, i);
		if (strLen(d) == l && memory.compare(strPtr(d), p, l) == 0) return true;
	}
	return false;
}

/** End of a bracket or brace group starting at i (index of the closing char), or n. */
function groupEnd(p: usize, n: u32, i: u32, open: u8, close: u8): u32 {
	let depth = 0;
	for (let j = i; j < n; j++) {
		const c = load<u8>(p + j);
		if (c == 92) {
			j++;
			continue;
		}
		if (c == open) depth++;
		else if (c == close) {
			depth--;
			if (depth == 0) return j;
		}
	}
	return n;
}

function classMatch(p: usize, a: u32, b: u32, cp: u32): bool {
	let i = a + 1;
	let neg = false;
	if (i < b && (load<u8>(p + i) == 33 || load<u8>(p + i) == 94)) {
		neg = true;
		i++;
	}
	let hit = false;
	while (i < b) {
		if (load<u8>(p + i) == 92 && i + 1 < b) i++;
		const l = cpLen(p + i);
		const lo = cpAt(p + i, l);
		i += l;
		let hi = lo;
		if (i + 1 < b && load<u8>(p + i) == 45) {
			i++;
			if (load<u8>(p + i) == 92 && i + 1 < b) i++;
			const l2 = cpLen(p + i);
			hi = cpAt(p + i, l2);
			i += l2;
		}
		if (cp >= lo && cp <= hi) hit = true;
	}
	return hit != neg;
}

let steps: i32 = 0;

function match(p: usize, pn: u32, pi: u32, s: usize, sn: u32, si: u32): bool {
	if (++steps > 1000000) return false;
	while (pi < pn) {
		const c = load<u8>(p + pi);
		if (c == 42) {
			const superStar = pi + 1 < pn && load<u8>(p + pi + 1) == 42;
			const next = superStar ? pi + 2 : pi + 1;
			let k = si;
			while (true) {
				if (match(p, pn, next, s, sn, k)) return true;
				if (k >= sn) return false;
				const l = cpLen(s + k);
				if (!superStar && isDelim(s + k, l)) return false;
				k += l;
			}
		}
		if (c == 123) {
			const e = groupEnd(p, pn, pi, 123, 125);
			if (e >= pn) return false;
			// Try each top-level alternative followed by the rest of the pattern.
			let a = pi + 1;
			let depth = 0;
			for (let j = pi + 1; j <= e; j++) {
				const d = load<u8>(p + j);
				if (d == 92) {
					j++;
					continue;
				}
				if (d == 123 || d == 91) depth++;
				else if ((d == 125 || d == 93) && j < e) depth--;
				if ((d == 44 && depth == 0) || j == e) {
					const w = bufNew(pn);
					bufBytes(w, p + a, j - a);
					bufBytes(w, p + e + 1, pn - e - 1);
					if (match(bufData(w), bufLen(w), 0, s, sn, si)) return true;
					a = j + 1;
				}
			}
			return false;
		}
		if (si >= sn) return false;
		const l = cpLen(s + si);
		if (c == 63) {
			if (isDelim(s + si, l)) return false;
			pi++;
			si += l;
			continue;
		}
		if (c == 91) {
			const e = groupEnd(p, pn, pi, 91, 93);
			if (e >= pn) return false;
			if (isDelim(s + si, l) || !classMatch(p, pi, e, cpAt(s + si, l))) return false;
			pi = e + 1;
			si += l;
			continue;
		}
		let q = pi;
		if (c == 92 && pi + 1 < pn) q = pi + 1;
		const pl = cpLen(p + q);
		if (pl != l || memory.compare(p + q, s + si, l) != 0) return false;
		pi = q + pl;
		si += l;
	}
	return si == sn;
}

/** The message of the syntax error OPA's glob lexer reports, set by globSyntaxError. */
let syntaxMessage = "";

/**
 * Where OPA's glob compiler refuses a pattern (it lexes the whole pattern first), or -1:
 * an unclosed class or one ending in a range without its end is "unexpected end of input",
 * an empty class "could not parse range", plus an unclosed `{` and a trailing backslash.
 */
function globSyntaxError(p: usize, n: u32): i64 {
	let depth = 0;
	let i: u32 = 0;
	while (i < n) {
		const c = load<u8>(p + i);
		if (c == 92) {
			if (i + 1 >= n) {
				syntaxMessage = "trailing backslash";
				return <i64>n;
			}
			i += 2;
			continue;
		}
		if (c == 91) {
			i++;
			if (i < n && load<u8>(p + i) == 33) i++;
			if (i < n && load<u8>(p + i) == 93) {
				syntaxMessage = "could not parse range";
				return <i64>(i + 1);
			}
			let closed = false;
			while (i < n) {
				let ch = load<u8>(p + i);
				if (ch == 93) {
					closed = true;
					i++;
					break;
				}
				if (ch == 92 && i + 1 < n) i++;
				i++;
				if (i < n && load<u8>(p + i) == 45) {
					// A range: the next character is its end, whatever it is.
					i++;
					if (i >= n) break;
					ch = load<u8>(p + i);
					if (ch == 92 && i + 1 < n) i++;
					i++;
				}
			}
			if (!closed) {
				syntaxMessage = "unexpected end of input";
				return <i64>n;
			}
			continue;
		}
		if (c == 123) depth++;
		else if (c == 125 && depth > 0) depth--;
		i++;
	}
	if (depth > 0) {
		syntaxMessage = "unclosed `{`";
		return <i64>n;
	}
	return -1;
}

export function b_glob__match(pattern: usize, delimiters: usize, s: usize): usize {
	if (!isStr(pattern)) return operandError("glob.match", 1, "string", pattern);
	const kd = kind(delimiters);
	if (kd != K_ARR && kd != K_NULL)
		return operandError("glob.match", 2, "array of strings or null", delimiters);
	if (!isStr(s)) return operandError("glob.match", 3, "string", s);
	if (kd == K_NULL) delims = 0;
	else if (collLen(delimiters) == 0)
		delims = 1; // OPA's default: "."
	else {
		for (let i: u32 = 0; i < collLen(delimiters); i++) {
			if (!isStr(arrGet(delimiters, i)))
				return operandError("glob.match", 2, "array of strings", delimiters);
		}
		delims = delimiters;
	}
	const bad = globSyntaxError(strPtr(pattern), strLen(pattern));
	if (bad >= 0) return globError(bad);
	steps = 0;
	const ok = match(strPtr(pattern), strLen(pattern), 0, strPtr(s), strLen(s), 0);
	if (steps > 1000000) return builtinError("glob.match", "pattern too complex");
	return makeBool(ok);
}

function globError(at: i64): usize {
	const w = bufNew(64);
	bufAscii(w, "glob: syntax error at ");
	bufI64(w, at);
	bufAscii(w, ": ");
	bufAscii(w, syntaxMessage);
	return builtinErrorQuoting("glob.match", "", bufData(w), bufLen(w), "");
}

/** Escape the characters glob patterns treat specially. */
export function b_glob__quote_meta(s: usize): usize {
	if (!isStr(s)) return operandError("glob.quote_meta", 1, "string", s);
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(n + 8);
	for (let i: u32 = 0; i < n; i++) {
		const c = load<u8>(p + i);
		if (c == 42 || c == 63 || c == 91 || c == 93 || c == 123 || c == 125 || c == 92) bufByte(w, 92);
		bufByte(w, c);
	}
	return makeString(bufData(w), bufLen(w));
}
