// What emitted policy code calls: the IR statements' run-time halves, the result set, memo
// tables, and the route to host builtins.

import { newObject, newSet, objFind, objGet, objInsert, setAdd, setHas } from "./collections";
import { compare, equal } from "./compare";
import {
	opa_abort,
	opa_builtin0,
	opa_builtin1,
	opa_builtin2,
	opa_builtin3,
	opa_builtin4,
	opa_println,
} from "./env";
import { setLoc } from "./errors";
import { dumpJson } from "./json";
import { allocZero } from "./memory";
import { eval_plan } from "./policy";
import {
	arrGet,
	arrPush,
	boolOf,
	collClone,
	collLen,
	K_ARR,
	K_BOOL,
	K_NUM,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeInt,
	makeObject,
	makeSet,
	NULL,
	numAsInt,
	numIsInt,
	objKeyAt,
	objValAt,
} from "./values";

/** Number of memoised functions (set by the back end). */
export let cfg_memo_slots: i32 = 0;

let resultSet: usize = 0;
let memoTable: usize = 0;

const MEMO_UNDEFINED: usize = 1;

/** Run plan `plan` and return its result set. */
export function runPlan(plan: i32, input: usize, data: usize): usize {
	resultSet = newSet();
	memoTable = allocZero((<usize>cfg_memo_slots) << 2);
	eval_plan(plan, input, data);
	return resultSet;
}

export function rt_result_add(v: usize): void {
	if (v != 0) setAdd(resultSet, v);
}

export function rt_memo_get(slot: i32): usize {
	return load<u32>(memoTable + ((<usize>slot) << 2));
}

/** 0 = not evaluated yet; 1 = evaluated to undefined; otherwise the value. */
export function rt_memo_set(slot: i32, v: usize): void {
	store<u32>(memoTable + ((<usize>slot) << 2), v == 0 ? MEMO_UNDEFINED : v);
}

export function rt_memo_push(): usize {
	const saved = memoTable;
	memoTable = allocZero((<usize>cfg_memo_slots) << 2);
	return saved;
}

export function rt_memo_pop(saved: usize): void {
	memoTable = saved;
}

export function rt_dot(src: usize, key: usize): usize {
	if (src == 0 || key == 0) return 0;
	const k = kind(src);
	if (k == K_OBJ) return objGet(src, key);
	if (k == K_ARR) {
		if (kind(key) != K_NUM || !numIsInt(key)) return 0;
		const i = numAsInt(key);
		if (i < 0 || i >= <i64>collLen(src)) return 0;
		return arrGet(src, <u32>i);
	}
	if (k == K_SET) return setHas(src, key) ? key : 0;
	return 0;
}

export function rt_equal(a: usize, b: usize): i32 {
	return a != 0 && b != 0 && equal(a, b) ? 1 : 0;
}

export function rt_not_equal(a: usize, b: usize): i32 {
	return a != 0 && b != 0 && !equal(a, b) ? 1 : 0;
}

export function rt_not_false(v: usize): i32 {
	if (v == 0) return 0;
	return kind(v) == K_BOOL && !boolOf(v) ? 0 : 1;
}

export function rt_is_type(v: usize, k: i32): i32 {
	return v != 0 && <i32>kind(v) == k ? 1 : 0;
}

/** Elements a scan visits (0 for scalars and undefined). */
export function rt_len(v: usize): i32 {
	if (v == 0) return 0;
	const k = kind(v);
	return k == K_ARR || k == K_OBJ || k == K_SET ? <i32>collLen(v) : 0;
}

export function rt_scan_key(v: usize, i: i32): usize {
	const k = kind(v);
	if (k == K_ARR) return makeInt(i);
	if (k == K_OBJ) return objKeyAt(v, <u32>i);
	return arrGet(v, <u32>i);
}

export function rt_scan_val(v: usize, i: i32): usize {
	if (kind(v) == K_OBJ) return objValAt(v, <u32>i);
	return arrGet(v, <u32>i);
}

export function rt_make_null(): usize {
	return NULL;
}

export function rt_make_array(cap: i32): usize {
	return makeArray(<u32>cap);
}

export function rt_make_object(): usize {
	return makeObject(0);
}

export function rt_make_set(): usize {
	return makeSet(0);
}

export function rt_array_append(a: usize, v: usize): void {
	if (a != 0 && v != 0) arrPush(a, v);
}

export function rt_object_insert(o: usize, k: usize, v: usize): void {
	if (o != 0 && k != 0 && v != 0) objInsert(o, k, v);
}

/** 1 on conflict (the key holds a different value). */
export function rt_object_insert_once(o: usize, k: usize, v: usize): i32 {
	if (o == 0 || k == 0 || v == 0) return 0;
	const i = objFind(o, k);
	if (i >= 0) return equal(objValAt(o, <u32>i), v) ? 0 : 1;
	objInsert(o, k, v);
	return 0;
}

let mergeConflict = false;

/** Objects merge key by key, sets unite; anything else must be equal. */
function merge(a: usize, b: usize): usize {
	if (kind(a) == K_OBJ && kind(b) == K_OBJ) {
		const r = collClone(a);
		const n = collLen(b);
		for (let i: u32 = 0; i < n; i++) {
			const k = objKeyAt(b, i);
			const bv = objValAt(b, i);
			const av = objGet(r, k);
			objInsert(r, k, av == 0 ? bv : merge(av, bv));
		}
		return r;
	}
	if (kind(a) == K_SET && kind(b) == K_SET) {
		// Multi-value ref-head rules fill one set leaf from several bodies.
		const r = collClone(a);
		const n = collLen(b);
		for (let i: u32 = 0; i < n; i++) setAdd(r, arrGet(b, i));
		return r;
	}
	if (!equal(a, b)) mergeConflict = true;
	return a;
}

export function rt_object_merge(o: usize, k: usize, v: usize): i32 {
	if (o == 0 || k == 0 || v == 0) return 0;
	const old = objGet(o, k);
	if (old == 0) {
		objInsert(o, k, v);
		return 0;
	}
	mergeConflict = false;
	const m = merge(old, v);
	if (mergeConflict) return 1;
	objInsert(o, k, m);
	return 0;
}

export function rt_set_add(s: usize, v: usize): void {
	if (s != 0 && v != 0) setAdd(s, v);
}

function upsertAt(src: usize, path: usize, i: u32, value: usize): usize {
	if (i == collLen(path)) return value;
	const key = arrGet(path, i);
	const isObj = src != 0 && kind(src) == K_OBJ;
	const o = isObj ? collClone(src) : newObject();
	const child = isObj ? objGet(src, key) : 0;
	objInsert(o, key, upsertAt(child, path, i + 1, value));
	return o;
}

/** A copy of src with the value at path (an array of keys) replaced by value. */
export function rt_upsert(src: usize, path: usize, value: usize): usize {
	if (value == 0) return src;
	return upsertAt(src, path, 0, value);
}

export function rt_abort(msg: usize): void {
	opa_abort(msg);
}

export function rt_set_loc(addr: usize): void {
	setLoc(addr);
}

export function rt_print(v: usize): void {
	opa_println(dumpJson(v));
}

export function rt_compare(a: usize, b: usize): i32 {
	return compare(a, b);
}

export function rt_host0(id: i32): usize {
	return opa_builtin0(id, 0);
}

export function rt_host1(id: i32, a: usize): usize {
	return opa_builtin1(id, 0, a);
}

export function rt_host2(id: i32, a: usize, b: usize): usize {
	return opa_builtin2(id, 0, a, b);
}

export function rt_host3(id: i32, a: usize, b: usize, c: usize): usize {
	return opa_builtin3(id, 0, a, b, c);
}

export function rt_host4(id: i32, a: usize, b: usize, c: usize, d: usize): usize {
	return opa_builtin4(id, 0, a, b, c, d);
}
