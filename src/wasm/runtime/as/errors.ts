// Run-time errors: aborts carry OPA's error codes; builtin type errors are undefined unless the
// policy asked for strict builtin errors.

import { bufAscii, bufByte, bufBytes, bufFinish, bufI64, bufNew } from "./buffer";
import { opa_abort } from "./env";
import { K_ARR, K_BOOL, K_NULL, K_NUM, K_OBJ, K_SET, K_STR, kind } from "./values";

/** 1 when the policy wants builtin errors to abort (set by the back end). */
export let cfg_strict: i32 = 0;
/** NUL-terminated "file:row:col" of the builtin call running now (strict mode only). */
let curLoc: usize = 0;

export function setLoc(addr: usize): void {
	curLoc = addr;
}

export function typeName(v: usize): string {
	const k = kind(v);
	if (k == K_NULL) return "null";
	if (k == K_BOOL) return "boolean";
	if (k == K_NUM) return "number";
	if (k == K_STR) return "string";
	if (k == K_ARR) return "array";
	if (k == K_OBJ) return "object";
	if (k == K_SET) return "set";
	return "unknown";
}

function startMessage(code: string): usize {
	const w = bufNew(128);
	if (curLoc != 0) {
		let n: u32 = 0;
		while (load<u8>(curLoc + n) != 0) n++;
		bufBytes(w, curLoc, n);
		bufAscii(w, ": ");
	}
	bufAscii(w, code);
	bufAscii(w, ": ");
	return w;
}

/** `name: operand N must be EXPECTED but got TYPE` (eval_type_error) → undefined or abort. */
export function operandError(name: string, n: i32, expected: string, got: usize): usize {
	if (cfg_strict == 0) return 0;
	const w = startMessage("eval_type_error");
	bufAscii(w, name);
	bufAscii(w, ": operand ");
	bufI64(w, n);
	bufAscii(w, " must be ");
	bufAscii(w, expected);
	bufAscii(w, " but got ");
	bufAscii(w, typeName(got));
	opa_abort(bufFinish(w));
	return 0;
}

/** `name: operand N must be EXPECTED but got GOT` with a free-form GOT (eval_type_error). */
export function typeErrorGot(name: string, n: i32, expected: string, got: string): usize {
	if (cfg_strict == 0) return 0;
	const w = startMessage("eval_type_error");
	bufAscii(w, name);
	bufAscii(w, ": operand ");
	bufI64(w, n);
	bufAscii(w, " must be ");
	bufAscii(w, expected);
	bufAscii(w, " but got ");
	bufAscii(w, got);
	opa_abort(bufFinish(w));
	return 0;
}

/** `name: message` (eval_type_error) → undefined or abort. */
export function typeError(name: string, message: string): usize {
	return cfg_strict == 0 ? 0 : hardError("eval_type_error", name, message);
}

/** `name: message` (eval_builtin_error) → undefined or abort. */
export function builtinError(name: string, message: string): usize {
	return cfg_strict == 0 ? 0 : hardError("eval_builtin_error", name, message);
}

/**
 * `name: before"TEXT"after` (eval_builtin_error) → undefined or abort, TEXT quoted as Go's
 * strconv.Quote does for the ASCII range (Go's error messages quote their input so).
 */
export function builtinErrorQuoted(
	name: string,
	before: string,
	p: usize,
	n: u32,
	after: string,
): usize {
	if (cfg_strict == 0) return 0;
	const w = startMessage("eval_builtin_error");
	bufAscii(w, name);
	bufAscii(w, ": ");
	bufAscii(w, before);
	bufByte(w, 34);
	for (let i: u32 = 0; i < n; i++) {
		const c = <u32>load<u8>(p + i);
		if (c == 34 || c == 92) {
			bufByte(w, 92);
			bufByte(w, c);
		} else if (c == 10) bufAscii(w, "\\n");
		else if (c == 13) bufAscii(w, "\\r");
		else if (c == 9) bufAscii(w, "\\t");
		else if (c < 0x20 || c == 0x7f) {
			bufAscii(w, "\\x");
			bufByte(w, HEXDIGITS.charCodeAt(<i32>(c >> 4)));
			bufByte(w, HEXDIGITS.charCodeAt(<i32>(c & 15)));
		} else bufByte(w, c);
	}
	bufByte(w, 34);
	bufAscii(w, after);
	opa_abort(bufFinish(w));
	return 0;
}

const HEXDIGITS = "0123456789abcdef";

/** `name: message<n>` (eval_builtin_error) → undefined or abort; message ends before a number. */
export function builtinErrorAt(name: string, message: string, n: i64): usize {
	if (cfg_strict == 0) return 0;
	const w = startMessage("eval_builtin_error");
	bufAscii(w, name);
	bufAscii(w, ": ");
	bufAscii(w, message);
	bufI64(w, n);
	opa_abort(bufFinish(w));
	return 0;
}

/** `name: before<bytes>after` (eval_builtin_error) → undefined or abort: a message quoting input. */
export function builtinErrorQuoting(
	name: string,
	before: string,
	p: usize,
	n: u32,
	after: string,
): usize {
	if (cfg_strict == 0) return 0;
	const w = startMessage("eval_builtin_error");
	bufAscii(w, name);
	bufAscii(w, ": ");
	bufAscii(w, before);
	bufBytes(w, p, n);
	bufAscii(w, after);
	opa_abort(bufFinish(w));
	return 0;
}

/** Errors OPA raises whatever the mode (e.g. division by zero is a builtin error in OPA). */
export function hardError(code: string, name: string, message: string): usize {
	const w = startMessage(code);
	bufAscii(w, name);
	bufAscii(w, ": ");
	bufAscii(w, message);
	opa_abort(bufFinish(w));
	return 0;
}
