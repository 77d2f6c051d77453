// OPA's Wasm ABI 1.3: the exports the official SDK (and OPA's own SDKs) call.

import { objFind, objGet, objInsert } from "./collections";
import { opa_abort } from "./env";
import { runPlan } from "./eval";
import { dumpJson, dumpRego, parseJsonInPlace, parseRegoValue } from "./json";
import { alloc, heapGet, heapSet, limitStart, limitStop } from "./memory";
import { meterStart, meterStop } from "./meter";
import { builtins_value, entrypoints_value } from "./policy";
import { arrGet, collElems, collLen, K_OBJ, kind, makeObject } from "./values";

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

export function builtins(): usize {
	return builtins_value();
}

export function entrypoints(): usize {
	return entrypoints_value();
}

export function opa_malloc(size: usize): usize {
	return alloc(size);
}

/** Nothing is freed one by one: the heap is reset per evaluation. */
export function opa_free(_ptr: usize): void {}

export function opa_json_parse(p: usize, n: usize): usize {
	return parseJsonInPlace(p, n);
}

export function opa_value_parse(p: usize, n: usize): usize {
	return parseRegoValue(p, n);
}

export function opa_json_dump(v: usize): usize {
	return dumpJson(v);
}

export function opa_value_dump(v: usize): usize {
	return dumpRego(v);
}

export function opa_heap_ptr_get(): usize {
	return heapGet();
}

/** The host resets the heap to load data or begin an evaluation: nothing is limited then. */
export function opa_heap_ptr_set(p: usize): void {
	limitStop();
	meterStop();
	heapSet(p);
}

/** An evaluation's budget and memory allowance run from here to limitsEnd. */
function limitsBegin(): void {
	meterStart();
	limitStart();
}

function limitsEnd(): void {
	limitStop();
	meterStop();
}

// Evaluation context: [input:u32, data:u32, entrypoint:i32, result:u32].

export function opa_eval_ctx_new(): usize {
	const c = alloc(16);
	store<u32>(c, 0);
	store<u32>(c, 0, 4);
	store<i32>(c, 0, 8);
	store<u32>(c, 0, 12);
	return c;
}

export function opa_eval_ctx_set_input(c: usize, v: usize): void {
	store<u32>(c, v);
}

export function opa_eval_ctx_set_data(c: usize, v: usize): void {
	store<u32>(c, v, 4);
}

export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void {
	store<i32>(c, e, 8);
}

export function opa_eval_ctx_get_result(c: usize): usize {
	return load<u32>(c, 12);
}

export function evalCtx(c: usize): i32 {
	limitsBegin();
	store<u32>(c, runPlan(load<i32>(c, 8), load<u32>(c), load<u32>(c, 4)), 12);
	limitsEnd();
	return 0;
}

export { evalCtx as eval };

const invalidInput = memory.data<u8>([
	105, 110, 118, 97, 108, 105, 100, 32, 105, 110, 112, 117, 116, 0,
]); // "invalid input"

/** One-shot evaluation (ABI 1.2): input JSON at inputAddr, heap from heapPtr. */
export function opa_eval(
	_reserved: usize,
	entrypoint: i32,
	data: usize,
	inputAddr: usize,
	inputLen: usize,
	heapPtr: usize,
	format: i32,
): usize {
	heapSet(heapPtr);
	limitsBegin();
	let input: usize = 0;
	if (inputLen > 0) {
		input = parseJsonInPlace(inputAddr, inputLen);
		if (input == 0) opa_abort(invalidInput);
	}
	const rs = runPlan(entrypoint, input, data);
	// Format 0 is JSON; 1 is Rego value syntax (sets stay sets). The result is bounded too.
	const out = format == 1 ? dumpRego(rs) : dumpJson(rs);
	limitsEnd();
	return out;
}

/** Set base[path…] = value in place, creating objects along the path. 0 on success. */
export function opa_value_add_path(base: usize, path: usize, value: usize): i32 {
	if (base == 0 || path == 0 || kind(base) != K_OBJ) return 1;
	const n = collLen(path);
	if (n == 0) return 2;
	let cur = base;
	for (let i: u32 = 0; i + 1 < n; i++) {
		const key = arrGet(path, i);
		let next = objGet(cur, key);
		if (next == 0 || kind(next) != K_OBJ) {
			next = makeObject(0);
			objInsert(cur, key, next);
		}
		cur = next;
	}
	objInsert(cur, arrGet(path, n - 1), value);
	return 0;
}

/** Delete base[path…] in place. 0 on success (also when absent). */
export function opa_value_remove_path(base: usize, path: usize): i32 {
	if (base == 0 || path == 0) return 1;
	const n = collLen(path);
	if (n == 0) return 2;
	let cur = base;
	for (let i: u32 = 0; i + 1 < n; i++) {
		cur = objGet(cur, arrGet(path, i));
		if (cur == 0 || kind(cur) != K_OBJ) return 0;
	}
	const at = objFind(cur, arrGet(path, n - 1));
	if (at < 0) return 0;
	const len = collLen(cur);
	const e = collElems(cur);
	memory.copy(e + ((<usize>at) << 3), e + ((<usize>at + 1) << 3), (len - <u32>at - 1) << 3);
	store<u32>(cur, len - 1, 4);
	return 0;
}
