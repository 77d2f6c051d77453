// walk, bits.*, print.

import { bigAdd, bigBitwise, bigMul, bigNeg, bigShiftRight, isBigIntegral } from "../bigint";
import { bufByte, bufFinish, bufNew } from "../buffer";
import { opa_println } from "../env";
import { operandError, typeError } from "../errors";
import {
	arrGet,
	arrPush,
	collClone,
	collLen,
	K_ARR,
	K_NUM,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeBool,
	makeInt,
	numRepr,
	objKeyAt,
	objValAt,
	R_INT,
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

/** OPA's wording for bits.* operands: floats are rejected as "floating-point number". */
function intOperand(name: string, n: i32, v: usize): bool {
	if (isInt(v) || isBigIntegral(v)) return true;
	if (kind(v) == K_NUM) {
		typeError(
			name,
			n == 1
				? "operand 1 must be integer number but got floating-point number"
				: "operand 2 must be integer number but got floating-point number",
		);
	} else {
		operandError(name, n, "number", v);
	}
	return false;
}

function ints(name: string, a: usize, b: usize): bool {
	return intOperand(name, 1, a) && intOperand(name, 2, b);
}

// OPA's integers have no size limit: operands beyond int64 take the exact big-integer path.

export function b_bits__and(a: usize, b: usize): usize {
	if (!ints("bits.and", a, b)) return 0;
	return isInt(a) && isInt(b) ? makeInt(intOf(a) & intOf(b)) : bigBitwise(a, b, 0);
}

export function b_bits__or(a: usize, b: usize): usize {
	if (!ints("bits.or", a, b)) return 0;
	return isInt(a) && isInt(b) ? makeInt(intOf(a) | intOf(b)) : bigBitwise(a, b, 1);
}

export function b_bits__xor(a: usize, b: usize): usize {
	if (!ints("bits.xor", a, b)) return 0;
	return isInt(a) && isInt(b) ? makeInt(intOf(a) ^ intOf(b)) : bigBitwise(a, b, 2);
}

export function b_bits__negate(a: usize): usize {
	if (!intOperand("bits.negate", 1, a)) return 0;
	// ~x = -(x + 1)
	return isInt(a) ? makeInt(~intOf(a)) : bigNeg(bigAdd(a, makeInt(1)));
}

export function b_bits__lsh(a: usize, b: usize): usize {
	if (!ints("bits.lsh", a, b)) return 0;
	const s = intOf(b);
	if (s < 0)
		return typeError(
			"bits.lsh",
			"operand 2 must be an unsigned integer number but got a negative integer",
		);
	if (numRepr(a) == R_INT && s < 63) {
		const x = intOf(a);
		const y = x << s;
		if (y >> s == x) return makeInt(y);
	}
	// OPA shifts big integers: exact, however far (x * 2^s, 62 bits at a time).
	let r = a;
	let left = s;
	while (left > 0) {
		const step = left > 62 ? 62 : left;
		r = bigMul(r, makeInt((<i64>1) << step));
		left -= step;
	}
	return r;
}

export function b_bits__rsh(a: usize, b: usize): usize {
	if (!ints("bits.rsh", a, b)) return 0;
	const s = intOf(b);
	if (s < 0)
		return typeError(
			"bits.rsh",
			"operand 2 must be an unsigned integer number but got a negative integer",
		);
	if (!isInt(a)) return bigShiftRight(a, s > 0x7fffffff ? 0x7fffffff : <u32>s);
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
