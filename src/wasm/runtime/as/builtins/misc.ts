// walk, bits.*, print.

import { bufByte, bufFinish, bufNew } from "../buffer";
import { opa_println } from "../env";
import { operandError } from "../errors";
import {
	arrGet,
	arrPush,
	collClone,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeBool,
	makeInt,
	objKeyAt,
	objValAt,
} from "../values";
import { writeRego } from "./strings";
import { intOf, isInt } from "./util";

function walkInto(out: usize, path: usize, v: usize): void {
	const pair = makeArray(2);
	arrPush(pair, collClone(path));
	arrPush(pair, v);
	arrPush(out, pair);
	const k = kind(v);
	const n = k == K_ARR || k == K_OBJ || k == K_SET ? collLen(v) : 0;
	for (let i: u32 = 0; i < n; i++) {
		const key = k == K_ARR ? makeInt(i) : k == K_OBJ ? objKeyAt(v, i) : arrGet(v, i);
		const child = k == K_OBJ ? objValAt(v, i) : arrGet(v, i);
		arrPush(path, key);
		walkInto(out, path, child);
		store<u32>(path, collLen(path) - 1, 4);
	}
}

/** Every [path, value] pair of a document, parents before children (what `walk` iterates). */
export function b_walk(v: usize): usize {
	const out = makeArray(8);
	walkInto(out, makeArray(4), v);
	return out;
}

function ints(name: string, a: usize, b: usize): bool {
	if (!isInt(a)) {
		operandError(name, 1, "integer", a);
		return false;
	}
	if (!isInt(b)) {
		operandError(name, 2, "integer", b);
		return false;
	}
	return true;
}

export function b_bits__and(a: usize, b: usize): usize {
	return ints("bits.and", a, b) ? makeInt(intOf(a) & intOf(b)) : 0;
}

export function b_bits__or(a: usize, b: usize): usize {
	return ints("bits.or", a, b) ? makeInt(intOf(a) | intOf(b)) : 0;
}

export function b_bits__xor(a: usize, b: usize): usize {
	return ints("bits.xor", a, b) ? makeInt(intOf(a) ^ intOf(b)) : 0;
}

export function b_bits__negate(a: usize): usize {
	if (!isInt(a)) return operandError("bits.negate", 1, "integer", a);
	return makeInt(~intOf(a));
}

export function b_bits__lsh(a: usize, b: usize): usize {
	if (!ints("bits.lsh", a, b)) return 0;
	const s = intOf(b);
	if (s < 0) return operandError("bits.lsh", 2, "unsigned integer", b);
	return makeInt(s >= 64 ? 0 : intOf(a) << s);
}

export function b_bits__rsh(a: usize, b: usize): usize {
	if (!ints("bits.rsh", a, b)) return 0;
	const s = intOf(b);
	if (s < 0) return operandError("bits.rsh", 2, "unsigned integer", b);
	const x = intOf(a);
	return makeInt(s >= 64 ? (x < 0 ? -1 : 0) : x >> s);
}

/** print(args): the values separated by spaces through opa_println (an array holds the args). */
export function b_print(v: usize): usize {
	const w = bufNew(64);
	if (kind(v) == K_ARR) {
		for (let i: u32 = 0; i < collLen(v); i++) {
			if (i > 0) bufByte(w, 32);
			writeRego(w, arrGet(v, i), true);
		}
	} else {
		writeRego(w, v, true);
	}
	opa_println(bufFinish(w));
	return makeBool(true);
}
