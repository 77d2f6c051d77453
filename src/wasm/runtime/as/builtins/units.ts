// units.parse_bytes, units.parse, as OPA 1.22.3 reads them (checked with `opa eval`):
// quotes are dropped, a space anywhere is an error, the amount is the leading run of digits,
// dots and signs (an e/E belongs to it only before a digit or sign), then the unit. OPA's
// messages repeat the builtin's name ("units.parse: units.parse: …"); so do these.

import { bigMul } from "../bigint";
import { bufByte, bufData, bufLen, bufNew } from "../buffer";
import { builtinError, builtinErrorQuoting, operandError } from "../errors";
import { numberFromF64, numberFromText, parseF64 } from "../numbers";
import { makeInt, strLen, strPtr } from "../values";
import { isStr } from "./util";

// The string without quotes, its amount and its unit (unit bytes as OPA quotes them).
let text: usize = 0;
let textLen: u32 = 0;
let amountLen: u32 = 0;
let unit: usize = 0;
let unitLen: u32 = 0;

function isDigit(c: u32): bool {
	return c >= 48 && c <= 57;
}

function isAmountChar(c: u32): bool {
	return isDigit(c) || c == 46 || c == 43 || c == 45;
}

function lower(c: u32): u32 {
	return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Drops quotes and splits; false when a space is found. `lowerAll`: the unit fully lower-cased. */
function split(s: usize, lowerAll: bool): bool {
	const p = strPtr(s);
	const n = strLen(s);
	const w = bufNew(n + 1);
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 32) return false;
		if (c != 34) bufByte(w, c);
	}
	text = bufData(w);
	textLen = bufLen(w);
	let i: u32 = 0;
	while (i < textLen) {
		const c = <u32>load<u8>(text + i);
		if (isAmountChar(c)) {
			i++;
			continue;
		}
		const next = i + 1 < textLen ? <u32>load<u8>(text + i + 1) : 0;
		if ((c == 101 || c == 69) && (isDigit(next) || next == 43 || next == 45)) {
			i++;
			continue;
		}
		break;
	}
	amountLen = i;
	// The unit as OPA quotes it: units.parse keeps the first letter's case (m is milli, M
	// mega), units.parse_bytes lower-cases it all.
	const u = bufNew(textLen - i + 1);
	for (let j = i; j < textLen; j++) {
		const c = <u32>load<u8>(text + j);
		bufByte(u, lowerAll || j > i ? lower(c) : c);
	}
	unit = bufData(u);
	unitLen = bufLen(u);
	return true;
}

/** A Go float literal of decimal digits: sign, digits with at most one dot, exponent. */
function validAmount(): bool {
	let i: u32 = 0;
	if (i < amountLen && (load<u8>(text) == 43 || load<u8>(text) == 45)) i++;
	let digits = 0;
	let dots = 0;
	for (; i < amountLen; i++) {
		const c = <u32>load<u8>(text + i);
		if (isDigit(c)) digits++;
		else if (c == 46) dots++;
		else break;
	}
	if (digits == 0 || dots > 1) return false;
	if (i == amountLen) return true;
	const e = <u32>load<u8>(text + i);
	if (e != 101 && e != 69) return false;
	i++;
	if (i < amountLen && (load<u8>(text + i) == 43 || load<u8>(text + i) == 45)) i++;
	let expDigits = 0;
	for (; i < amountLen; i++) {
		if (!isDigit(<u32>load<u8>(text + i))) return false;
		expDigits++;
	}
	return expDigits > 0;
}

function unitIs(u: string): bool {
	// u is a static ASCII literal: charCodeAt does not allocate.
	if (<u32>u.length != unitLen) return false;
	for (let i: u32 = 0; i < unitLen; i++) {
		if (<u32>load<u8>(unit + i) != <u32>u.charCodeAt(<i32>i)) return false;
	}
	return true;
}

const PREFIXES = "kmgtpe";

/** k…e (decimal), ki…ei (binary), each optionally followed by `b` when `bytes`; 0 if none. */
function multiplier(bytes: bool): f64 {
	if (unitLen == 0) return 1;
	const c = lower(<u32>load<u8>(unit));
	let idx = -1;
	for (let i = 0; i < 6; i++) if (<u32>PREFIXES.charCodeAt(i) == c) idx = i;
	if (idx < 0) return 0;
	let rest = unitLen - 1;
	if (bytes && rest > 0 && load<u8>(unit + unitLen - 1) == 98) rest--;
	if (rest == 0) return 10 ** <f64>(3 * (idx + 1));
	if (rest == 1 && lower(<u32>load<u8>(unit + 1)) == 105) return 2 ** <f64>(10 * (idx + 1));
	return 0;
}

/** Plain digits (with a sign) times an integral multiplier: exact as int64 where it fits. */
function exactInt(m: f64, scaled: f64): usize {
	let i: u32 = 0;
	let neg = false;
	if (amountLen > 0 && (load<u8>(text) == 43 || load<u8>(text) == 45)) {
		neg = load<u8>(text) == 45;
		i = 1;
	}
	for (let j = i; j < amountLen; j++) if (!isDigit(<u32>load<u8>(text + j))) return 0;
	if (m == 1 && !neg && i == 0) return numberFromText(text, amountLen);
	if (Math.abs(scaled) < 9007199254740992.0) return makeInt(<i64>scaled);
	// Past 2^53 the float product is not exact: digits times the multiplier (an exact int64:
	// at most 2^60 or 10^18), however large, as OPA's big integers.
	const sign = load<u8>(text) == 43 ? 1 : 0;
	return bigMul(numberFromText(text + sign, amountLen - sign), makeInt(<i64>m));
}

export function b_units__parse_bytes(s: usize): usize {
	const name = "units.parse_bytes";
	if (!isStr(s)) return operandError(name, 1, "string", s);
	if (!split(s, true))
		return builtinError(name, "units.parse_bytes: spaces not allowed in resource strings");
	if (amountLen == 0) return builtinError(name, "units.parse_bytes: no byte amount provided");
	const m = multiplier(true);
	if (m == 0)
		return builtinErrorQuoting(
			name,
			"units.parse_bytes: byte unit ",
			unit,
			unitLen,
			" not recognized",
		);
	if (!validAmount())
		return builtinError(name, "units.parse_bytes: could not parse byte amount to a number");
	const start = load<u8>(text) == 43 ? 1 : 0;
	const v = parseF64(text + start, amountLen - start) * m;
	const exact = exactInt(m, v);
	if (exact != 0) return exact;
	if (!isFinite(v)) return 0;
	return makeInt(<i64>Math.trunc(v));
}

export function b_units__parse(s: usize): usize {
	const name = "units.parse";
	if (!isStr(s)) return operandError(name, 1, "string", s);
	if (!split(s, false))
		return builtinError(name, "units.parse: spaces not allowed in resource strings");
	if (amountLen == 0) return builtinError(name, "units.parse: no amount provided");
	const m = unitIs("m") ? 0.001 : multiplier(false);
	if (m == 0)
		return builtinErrorQuoting(name, "units.parse: unit ", unit, unitLen, " not recognized");
	if (!validAmount()) return builtinError(name, "units.parse: could not parse amount to a number");
	const start = load<u8>(text) == 43 ? 1 : 0;
	const v = parseF64(text + start, amountLen - start) * m;
	if (m >= 1) {
		const exact = exactInt(m, v);
		if (exact != 0) return exact;
	}
	return numberFromF64(v);
}
