// Arithmetic, comparison and set operators: the builtins every planned policy calls.
// Naming: `b_` + the Rego name with "." written "__" (the back end maps names this way).

import { bigAdd, bigMul, bigNeg, bigRem, bigSub } from "../bigint";
import { objFind, setAdd, setHas } from "../collections";
import { compare, equal } from "../compare";
import { builtinError, operandError } from "../errors";
import { failOutOfMemory } from "../memory";
import { charge } from "../meter";
import { numberFromF64 } from "../numbers";
import {
	arrGet,
	arrPush,
	collLen,
	K_ARR,
	K_NUM,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeBool,
	makeInt,
	makeSet,
	numAsInt,
	numF64,
	numInt,
	numIsInt,
	numRepr,
	objValAt,
	R_FLOAT,
	R_INT,
	R_TEXT,
} from "../values";

export function isNum(v: usize): bool {
	return kind(v) == K_NUM;
}

/** Both integers (int64 or exact integer text): big-integer arithmetic applies. */
function exactInts(a: usize, b: usize): bool {
	return (
		(numRepr(a) == R_INT || numRepr(a) == R_TEXT) && (numRepr(b) == R_INT || numRepr(b) == R_TEXT)
	);
}

function bothInt(a: usize, b: usize): bool {
	return numRepr(a) == R_INT && numRepr(b) == R_INT;
}

function setDiff(a: usize, b: usize): usize {
	const r = makeSet(collLen(a));
	const n = collLen(a);
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(a, i);
		if (!setHas(b, x)) setAdd(r, x);
	}
	return r;
}

export function setIntersect(a: usize, b: usize): usize {
	const r = makeSet(0);
	const n = collLen(a);
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(a, i);
		if (setHas(b, x)) setAdd(r, x);
	}
	return r;
}

export function setUnion(a: usize, b: usize): usize {
	const r = makeSet(collLen(a) + collLen(b));
	let n = collLen(a);
	for (let i: u32 = 0; i < n; i++) setAdd(r, arrGet(a, i));
	n = collLen(b);
	for (let i: u32 = 0; i < n; i++) setAdd(r, arrGet(b, i));
	return r;
}

export function b_plus(a: usize, b: usize): usize {
	if (!isNum(a)) return operandError("plus", 1, "number", a);
	if (!isNum(b)) return operandError("plus", 2, "number", b);
	if (bothInt(a, b)) {
		const x = numInt(a);
		const y = numInt(b);
		const s = x + y;
		// Overflow when both operands share a sign the sum does not.
		if (((x ^ s) & (y ^ s)) >= 0) return makeInt(s);
	}
	// Integers beyond int64 stay exact, as in OPA.
	if (exactInts(a, b)) {
		const r = bigAdd(a, b);
		if (r != 0) return r;
	}
	return numberFromF64(numF64(a) + numF64(b));
}

export function b_minus(a: usize, b: usize): usize {
	if (kind(a) == K_SET && kind(b) == K_SET) return setDiff(a, b);
	// OPA names the second operand's expected type after the first operand's.
	if (kind(a) == K_SET) return operandError("minus", 2, "set", b);
	if (!isNum(a)) return operandError("minus", 1, "number or set", a);
	if (!isNum(b)) return operandError("minus", 2, "number", b);
	if (bothInt(a, b)) {
		const x = numInt(a);
		const y = numInt(b);
		const s = x - y;
		if (((x ^ y) & (x ^ s)) >= 0) return makeInt(s);
	}
	if (exactInts(a, b)) {
		const r = bigSub(a, b);
		if (r != 0) return r;
	}
	return numberFromF64(numF64(a) - numF64(b));
}

export function b_mul(a: usize, b: usize): usize {
	if (!isNum(a)) return operandError("mul", 1, "number", a);
	if (!isNum(b)) return operandError("mul", 2, "number", b);
	if (bothInt(a, b)) {
		const x = numInt(a);
		const y = numInt(b);
		const ax = x < 0 ? -x : x;
		const ay = y < 0 ? -y : y;
		if (ax < 3037000499 && ay < 3037000499) return makeInt(x * y);
	}
	if (exactInts(a, b)) {
		const r = bigMul(a, b);
		if (r != 0) return r;
	}
	return numberFromF64(numF64(a) * numF64(b));
}

export function b_div(a: usize, b: usize): usize {
	if (!isNum(a)) return operandError("div", 1, "number", a);
	if (!isNum(b)) return operandError("div", 2, "number", b);
	const y = numF64(b);
	if (y == 0) return builtinError("div", "divide by zero");
	if (bothInt(a, b)) {
		const xi = numInt(a);
		const yi = numInt(b);
		if (yi != -1 && xi % yi == 0) return makeInt(xi / yi);
	}
	return numberFromF64(numF64(a) / y);
}

export function b_rem(a: usize, b: usize): usize {
	if (!isNum(a)) return operandError("rem", 1, "number", a);
	if (!isNum(b)) return operandError("rem", 2, "number", b);
	if (exactInts(a, b) && !bothInt(a, b)) {
		// An operand beyond int64: exact remainder on its digits.
		if (numF64(b) == 0) return builtinError("rem", "modulo by zero");
		const r = bigRem(a, b);
		if (r != 0) return r;
	}
	if (!numIsInt(a) || !numIsInt(b)) {
		return builtinError("rem", "modulo on floating-point number");
	}
	const y = numAsInt(b);
	if (y == 0) return builtinError("rem", "modulo by zero");
	if (y == -1) return makeInt(0);
	return makeInt(numAsInt(a) % y);
}

export function b_and(a: usize, b: usize): usize {
	if (kind(a) != K_SET) return operandError("and", 1, "set", a);
	if (kind(b) != K_SET) return operandError("and", 2, "set", b);
	return setIntersect(a, b);
}

export function b_or(a: usize, b: usize): usize {
	if (kind(a) != K_SET) return operandError("or", 1, "set", a);
	if (kind(b) != K_SET) return operandError("or", 2, "set", b);
	return setUnion(a, b);
}

export function b_eq(a: usize, b: usize): usize {
	return makeBool(equal(a, b));
}

export function b_equal(a: usize, b: usize): usize {
	return makeBool(equal(a, b));
}

export function b_neq(a: usize, b: usize): usize {
	return makeBool(!equal(a, b));
}

export function b_lt(a: usize, b: usize): usize {
	return makeBool(compare(a, b) < 0);
}

export function b_lte(a: usize, b: usize): usize {
	return makeBool(compare(a, b) <= 0);
}

export function b_gt(a: usize, b: usize): usize {
	return makeBool(compare(a, b) > 0);
}

export function b_gte(a: usize, b: usize): usize {
	return makeBool(compare(a, b) >= 0);
}

/** `x in coll`: array elements, object values, set members. */
export function b_internal__member_2(x: usize, c: usize): usize {
	const k = kind(c);
	if (k == K_SET) return makeBool(setHas(c, x));
	if (k == K_ARR) {
		const n = collLen(c);
		// `x in array` scans: charged by length (a loop over it is metered per element too).
		charge(n >> 2);
		for (let i: u32 = 0; i < n; i++) if (equal(arrGet(c, i), x)) return makeBool(true);
		return makeBool(false);
	}
	if (k == K_OBJ) {
		const n = collLen(c);
		charge(n >> 2);
		for (let i: u32 = 0; i < n; i++) if (equal(objValAt(c, i), x)) return makeBool(true);
		return makeBool(false);
	}
	return makeBool(false);
}

/** `k, v in coll`: coll[k] == v for arrays and objects. */
export function b_internal__member_3(key: usize, x: usize, c: usize): usize {
	const k = kind(c);
	if (k == K_OBJ) {
		const i = objFind(c, key);
		return makeBool(i >= 0 && equal(objValAt(c, <u32>i), x));
	}
	if (k == K_ARR) {
		if (!isNum(key) || !numIsInt(key)) return makeBool(false);
		const i = numAsInt(key);
		return makeBool(i >= 0 && i < <i64>collLen(c) && equal(arrGet(c, <u32>i), x));
	}
	if (k == K_SET) return makeBool(equal(key, x) && setHas(c, x));
	return makeBool(false);
}

export function b_abs(a: usize): usize {
	if (!isNum(a)) return operandError("abs", 1, "number", a);
	if (numRepr(a) == R_INT) {
		const x = numInt(a);
		if (x != i64.MIN_VALUE) return makeInt(x < 0 ? -x : x);
	}
	// int64's minimum and integers beyond int64 negate exactly.
	if (numRepr(a) != R_FLOAT && numF64(a) < 0) {
		const r = bigNeg(a);
		if (r != 0) return r;
	}
	return numberFromF64(Math.abs(numF64(a)));
}

export function b_round(a: usize): usize {
	if (!isNum(a)) return operandError("round", 1, "number", a);
	if (numRepr(a) == R_INT) return a;
	const f = numF64(a);
	// Half away from zero, as Go's math.Round.
	const r = f < 0 ? -Math.floor(-f + 0.5) : Math.floor(f + 0.5);
	return numberFromF64(r);
}

export function b_ceil(a: usize): usize {
	if (!isNum(a)) return operandError("ceil", 1, "number", a);
	if (numRepr(a) == R_INT) return a;
	return numberFromF64(Math.ceil(numF64(a)));
}

export function b_floor(a: usize): usize {
	if (!isNum(a)) return operandError("floor", 1, "number", a);
	if (numRepr(a) == R_INT) return a;
	return numberFromF64(Math.floor(numF64(a)));
}

export function b_numbers__range(a: usize, b: usize): usize {
	if (!isNum(a) || !numIsInt(a)) return operandError("numbers.range", 1, "integer", a);
	if (!isNum(b) || !numIsInt(b)) return operandError("numbers.range", 2, "integer", b);
	const x = numAsInt(a);
	const y = numAsInt(b);
	const n = x <= y ? y - x + 1 : x - y + 1;
	// Charged before anything is built: a range past the budget fails at once, and a length
	// beyond u32 never reaches makeArray.
	charge(n);
	// Unmetered, it still cannot be built: 4-byte slots for 2^30 elements fill a wasm32 memory.
	if (n >= 1 << 30) failOutOfMemory();
	const r = makeArray(<u32>n);
	if (x <= y) for (let i = x; i <= y; i++) arrPush(r, makeInt(i));
	else for (let i = x; i >= y; i--) arrPush(r, makeInt(i));
	return r;
}

export function b_numbers__range_step(a: usize, b: usize, step: usize): usize {
	if (!isNum(a) || !numIsInt(a)) return operandError("numbers.range_step", 1, "integer", a);
	if (!isNum(b) || !numIsInt(b)) return operandError("numbers.range_step", 2, "integer", b);
	if (!isNum(step) || !numIsInt(step))
		return operandError("numbers.range_step", 3, "integer", step);
	const s = numAsInt(step);
	if (s <= 0)
		// OPA's message names the builtin twice.
		return builtinError(
			"numbers.range_step",
			"numbers.range_step: step must be a positive integer",
		);
	const x = numAsInt(a);
	const y = numAsInt(b);
	const r = makeArray(0);
	if (x <= y) for (let i = x; i <= y; i += s) arrPush(r, makeInt(i));
	else for (let i = x; i >= y; i -= s) arrPush(r, makeInt(i));
	return r;
}

/** `:=` as a builtin (the planner lowers it; kept for completeness): equality. */
export function b_assign(a: usize, b: usize): usize {
	return makeBool(equal(a, b));
}

/** Deprecated set difference. */
export function b_set_diff(a: usize, b: usize): usize {
	if (kind(a) != K_SET) return operandError("set_diff", 1, "set", a);
	if (kind(b) != K_SET) return operandError("set_diff", 2, "set", b);
	return setDiff(a, b);
}

/** trace(note): notes go to OPA's tracer; a Wasm module has none, so it is just true. */
export function b_trace(s: usize): usize {
	if (kind(s) != 4) return operandError("trace", 1, "string", s);
	return makeBool(true);
}
