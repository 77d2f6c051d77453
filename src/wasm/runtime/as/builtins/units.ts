// units.parse_bytes, units.parse.

import { builtinError, operandError } from "../errors";
import { numberFromF64, parseF64 } from "../numbers";
import { makeInt, strLen, strPtr } from "../values";
import { isStr } from "./util";

/** Split "<number><unit>" (quotes and spaces ignored) into number text and unit, or false. */
let numStart: usize = 0;
let numLen: u32 = 0;
let unitStart: usize = 0;
let unitLen: u32 = 0;

function split(s: usize): bool {
	const p = strPtr(s);
	const n = strLen(s);
	let a: u32 = 0;
	let b = n;
	while (a < b && (load<u8>(p + a) == 34 || load<u8>(p + a) == 32)) a++;
	while (b > a && (load<u8>(p + b - 1) == 34 || load<u8>(p + b - 1) == 32)) b--;
	let i = a;
	let digits: u32 = 0;
	while (i < b && ((load<u8>(p + i) >= 48 && load<u8>(p + i) <= 57) || load<u8>(p + i) == 46)) {
		if (load<u8>(p + i) != 46) digits++;
		i++;
	}
	if (digits == 0) return false;
	numStart = p + a;
	numLen = i - a;
	while (i < b && load<u8>(p + i) == 32) i++;
	unitStart = p + i;
	unitLen = b - i;
	return true;
}

function unitIs(u: string, caseless: bool): bool {
	// u is a static ASCII literal: charCodeAt does not allocate.
	if (<u32>u.length != unitLen) return false;
	for (let i: u32 = 0; i < unitLen; i++) {
		let c = <u32>load<u8>(unitStart + i);
		let d = <u32>u.charCodeAt(<i32>i);
		if (caseless) {
			if (c >= 65 && c <= 90) c += 32;
			if (d >= 65 && d <= 90) d += 32;
		}
		if (c != d) return false;
	}
	return true;
}

const DEC: StaticArray<f64> = [1, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18];
const LOWER = "kmgtpe";
const UPPER = "KMGTPE";

function isB(x: i32, caseless: bool): bool {
	return x == 98 || (caseless && x == 66);
}

function isI(x: i32, caseless: bool): bool {
	return x == 105 || (caseless && x == 73);
}

/** Multiplier for decimal and binary prefixes (k, kb, ki, kib, …); 0 when unknown. */
function prefixMultiplier(caseless: bool): f64 {
	if (unitLen == 0) return 1;
	const c = <i32>load<u8>(unitStart);
	let idx = -1;
	for (let i = 0; i < 6; i++) {
		const lo = LOWER.charCodeAt(i);
		const up = UPPER.charCodeAt(i);
		// Case-sensitive: only "k" may be lower case ("m" is milli, handled by the caller).
		if (caseless ? c == lo || c == up : c == up || (i == 0 && c == lo)) idx = i;
	}
	if (idx < 0) return 0;
	const rest = unitLen - 1;
	const r1 = rest >= 1 ? <i32>load<u8>(unitStart + 1) : 0;
	const r2 = rest >= 2 ? <i32>load<u8>(unitStart + 2) : 0;
	if (rest == 0 || (caseless && rest == 1 && isB(r1, caseless))) return DEC[idx + 1];
	if (
		(rest == 1 && isI(r1, caseless)) ||
		(caseless && rest == 2 && isI(r1, caseless) && isB(r2, caseless))
	) {
		return 1024 ** <f64>(idx + 1);
	}
	return 0;
}

export function b_units__parse_bytes(s: usize): usize {
	if (!isStr(s)) return operandError("units.parse_bytes", 1, "string", s);
	if (!split(s)) return builtinError("units.parse_bytes", "no byte amount provided");
	let m: f64 = 0;
	if (unitIs("b", true)) m = 1;
	else m = prefixMultiplier(true);
	if (m == 0) return builtinError("units.parse_bytes", "byte unit not recognized");
	const v = parseF64(numStart, numLen) * m;
	return makeInt(<i64>Math.trunc(v));
}

export function b_units__parse(s: usize): usize {
	if (!isStr(s)) return operandError("units.parse", 1, "string", s);
	if (!split(s)) return builtinError("units.parse", "no amount provided");
	let m: f64 = 0;
	if (unitIs("m", false)) m = 0.001;
	else m = prefixMultiplier(false);
	if (m == 0) return builtinError("units.parse", "unit not recognized");
	return numberFromF64(parseF64(numStart, numLen) * m);
}
