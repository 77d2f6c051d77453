// Type checks, type_name and to_number.

import { setAdd } from "../collections";
import { builtinErrorQuoted, operandError, typeName } from "../errors";
import {
	arrGet,
	arrPush,
	boolOf,
	collLen,
	K_ARR,
	K_BOOL,
	K_NULL,
	K_NUM,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeBool,
	makeInt,
	makeSet,
	makeStringAscii,
	numF64,
	strLen,
	strPtr,
} from "../values";
import { parseJsonNumberText } from "./numtext";

export function b_is_number(v: usize): usize {
	return makeBool(kind(v) == K_NUM);
}

export function b_is_string(v: usize): usize {
	return makeBool(kind(v) == K_STR);
}

export function b_is_boolean(v: usize): usize {
	return makeBool(kind(v) == K_BOOL);
}

export function b_is_array(v: usize): usize {
	return makeBool(kind(v) == K_ARR);
}

export function b_is_set(v: usize): usize {
	return makeBool(kind(v) == K_SET);
}

export function b_is_object(v: usize): usize {
	return makeBool(kind(v) == K_OBJ);
}

export function b_is_null(v: usize): usize {
	return makeBool(kind(v) == K_NULL);
}

export function b_type_name(v: usize): usize {
	return makeStringAscii(typeName(v));
}

export function b_to_number(v: usize): usize {
	const k = kind(v);
	if (k == K_NUM) return v;
	if (k == K_NULL) return makeInt(0);
	if (k == K_BOOL) return makeInt(boolOf(v) ? 1 : 0);
	if (k == K_STR) {
		// OPA parses with Go's strconv.ParseFloat and passes its error on.
		const r = parseJsonNumberText(strPtr(v), strLen(v));
		if (r == 0) {
			return builtinErrorQuoted(
				"to_number",
				"strconv.ParseFloat: parsing ",
				strPtr(v),
				strLen(v),
				": invalid syntax",
			);
		}
		if (!isFinite(numF64(r))) {
			return builtinErrorQuoted(
				"to_number",
				"strconv.ParseFloat: parsing ",
				strPtr(v),
				strLen(v),
				": value out of range",
			);
		}
		return r;
	}
	return operandError("to_number", 1, "one of {boolean, null, number, string}", v);
}

// Deprecated casts, still in OPA's builtin set.

export function b_cast_array(v: usize): usize {
	const k = kind(v);
	if (k == K_ARR) return v;
	if (k == K_SET) {
		const r = makeArray(collLen(v));
		for (let i: u32 = 0; i < collLen(v); i++) arrPush(r, arrGet(v, i));
		return r;
	}
	return operandError("cast_array", 1, "one of {array, set}", v);
}

export function b_cast_set(v: usize): usize {
	const k = kind(v);
	if (k == K_SET) return v;
	if (k == K_ARR) {
		const r = makeSet(collLen(v));
		for (let i: u32 = 0; i < collLen(v); i++) setAdd(r, arrGet(v, i));
		return r;
	}
	return operandError("cast_set", 1, "one of {array, set}", v);
}

export function b_cast_null(v: usize): usize {
	return kind(v) == K_NULL ? v : operandError("cast_null", 1, "null", v);
}

export function b_cast_boolean(v: usize): usize {
	return kind(v) == K_BOOL ? v : operandError("cast_boolean", 1, "boolean", v);
}

export function b_cast_string(v: usize): usize {
	return kind(v) == K_STR ? v : operandError("cast_string", 1, "string", v);
}

export function b_cast_object(v: usize): usize {
	return kind(v) == K_OBJ ? v : operandError("cast_object", 1, "object", v);
}

export function b_to_array(v: usize): usize {
	return b_cast_array(v);
}

export function b_to_set(v: usize): usize {
	return b_cast_set(v);
}
