// io.jwt.decode: header, payload and signature (hex) of a compact JWS, without verifying it.

import { bufByte, bufData, bufLen, bufNew } from "../buffer";
import { objGetBytes } from "../collections";
import { builtinError, builtinErrorAt, operandError } from "../errors";
import { parseJson } from "../json";
import { arrPush, K_OBJ, kind, makeArray, strLen, strPtr } from "../values";
import { b64decode, b64ErrorAt } from "./encoding";
import { bufString, isStr } from "./util";

const HEX = "0123456789abcdef";
const ENC = memory.data<u8>([101, 110, 99]); // "enc"

function part(p: usize, n: u32): usize {
	// JWS uses unpadded base64url (padding is tolerated).
	let end = n;
	while (end > 0 && load<u8>(p + end - 1) == 61) end--;
	return b64decode(p, end, true, false);
}

export function b_io__jwt__decode(t: usize): usize {
	if (!isStr(t)) return operandError("io.jwt.decode", 1, "string", t);
	const p = strPtr(t);
	const n = strLen(t);
	let d1: i32 = -1;
	let d2: i32 = -1;
	let dots = 0;
	for (let i: u32 = 0; i < n; i++) {
		if (load<u8>(p + i) == 46) {
			dots++;
			if (d1 < 0) d1 = <i32>i;
			else if (d2 < 0) d2 = <i32>i;
		}
	}
	if (dots != 2) return builtinError("io.jwt.decode", "encoded JWT had no period separators");
	const h = part(p, <u32>d1);
	if (h == 0)
		return builtinErrorAt(
			"io.jwt.decode",
			"JWT header had invalid encoding: illegal base64 data at input byte ",
			b64ErrorAt,
		);
	const b = part(p + <u32>d1 + 1, <u32>(d2 - d1 - 1));
	if (b == 0)
		return builtinErrorAt(
			"io.jwt.decode",
			"JWT payload had invalid encoding: illegal base64 data at input byte ",
			b64ErrorAt,
		);
	const s = part(p + <u32>d2 + 1, n - <u32>d2 - 1);
	if (s == 0)
		return builtinErrorAt(
			"io.jwt.decode",
			"JWT signature had invalid encoding: illegal base64 data at input byte ",
			b64ErrorAt,
		);
	const header = parseJson(bufData(h), bufLen(h));
	if (header == 0 || kind(header) != K_OBJ)
		return builtinError("io.jwt.decode", "JWT header had invalid encoding: invalid JSON");
	// An encrypted token (a JWE header names "enc") is refused, as OPA does.
	if (objGetBytes(header, ENC, 3) != 0)
		return builtinError("io.jwt.decode", "JWT is a JWE object, which is not supported");
	const payload = parseJson(bufData(b), bufLen(b));
	if (payload == 0 || kind(payload) != K_OBJ)
		return builtinError("io.jwt.decode", "JWT payload had invalid encoding: invalid JSON");
	const hex = bufNew(bufLen(s) * 2);
	for (let i: u32 = 0; i < bufLen(s); i++) {
		const x = <i32>load<u8>(bufData(s) + i);
		bufByte(hex, HEX.charCodeAt(x >> 4));
		bufByte(hex, HEX.charCodeAt(x & 15));
	}
	const r = makeArray(3);
	arrPush(r, header);
	arrPush(r, payload);
	arrPush(r, bufString(hex));
	return r;
}
