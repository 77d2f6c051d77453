// object.* builtins.

import { newObject, newSet, objFind, objGet, objInsert, setAdd, setHas } from "../collections";
import { equal } from "../compare";
import { operandError, typeError } from "../errors";
import { rt_dot } from "../eval";
import {
	arrGet,
	collClone,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	kind,
	makeBool,
	objKeyAt,
	objValAt,
} from "../values";

export function b_object__get(o: usize, key: usize, dflt: usize): usize {
	if (kind(o) != K_OBJ) return operandError("object.get", 1, "object", o);
	if (kind(key) == K_ARR) {
		// A path: walk it through objects (and arrays/sets, as dot does).
		let cur = o;
		const n = collLen(key);
		for (let i: u32 = 0; i < n; i++) {
			cur = rt_dot(cur, arrGet(key, i));
			if (cur == 0) return dflt;
		}
		return cur;
	}
	const v = objGet(o, key);
	return v != 0 ? v : dflt;
}

export function b_object__keys(o: usize): usize {
	if (kind(o) != K_OBJ) return operandError("object.keys", 1, "object", o);
	const s = newSet();
	const n = collLen(o);
	for (let i: u32 = 0; i < n; i++) setAdd(s, objKeyAt(o, i));
	return s;
}

/** Keys named by an array, set or object (its keys). */
function keySet(name: string, k: usize): usize {
	const kk = kind(k);
	const s = newSet();
	if (kk == K_ARR || kk == K_SET) {
		const n = collLen(k);
		for (let i: u32 = 0; i < n; i++) setAdd(s, arrGet(k, i));
		return s;
	}
	if (kk == K_OBJ) {
		const n = collLen(k);
		for (let i: u32 = 0; i < n; i++) setAdd(s, objKeyAt(k, i));
		return s;
	}
	return operandError(name, 2, "one of {object, set, array}", k);
}

export function b_object__remove(o: usize, k: usize): usize {
	if (kind(o) != K_OBJ) return operandError("object.remove", 1, "object", o);
	const ks = keySet("object.remove", k);
	if (ks == 0) return 0;
	const r = newObject();
	const n = collLen(o);
	for (let i: u32 = 0; i < n; i++) {
		const key = objKeyAt(o, i);
		if (!setHas(ks, key)) objInsert(r, key, objValAt(o, i));
	}
	return r;
}

export function b_object__filter(o: usize, k: usize): usize {
	if (kind(o) != K_OBJ) return operandError("object.filter", 1, "object", o);
	const ks = keySet("object.filter", k);
	if (ks == 0) return 0;
	const r = newObject();
	const n = collLen(o);
	for (let i: u32 = 0; i < n; i++) {
		const key = objKeyAt(o, i);
		if (setHas(ks, key)) objInsert(r, key, objValAt(o, i));
	}
	return r;
}

/** Recursive merge, b winning on conflicts (object.union). */
function unionObjects(a: usize, b: usize): usize {
	const r = collClone(a);
	const n = collLen(b);
	for (let i: u32 = 0; i < n; i++) {
		const key = objKeyAt(b, i);
		const bv = objValAt(b, i);
		const av = objGet(r, key);
		if (av != 0 && kind(av) == K_OBJ && kind(bv) == K_OBJ) objInsert(r, key, unionObjects(av, bv));
		else objInsert(r, key, bv);
	}
	return r;
}

export function b_object__union(a: usize, b: usize): usize {
	if (kind(a) != K_OBJ) return operandError("object.union", 1, "object", a);
	if (kind(b) != K_OBJ) return operandError("object.union", 2, "object", b);
	return unionObjects(a, b);
}

export function b_object__union_n(arr: usize): usize {
	if (kind(arr) != K_ARR) return operandError("object.union_n", 1, "array", arr);
	let r = newObject();
	const n = collLen(arr);
	for (let i: u32 = 0; i < n; i++) {
		const o = arrGet(arr, i);
		if (kind(o) != K_OBJ) return operandError("object.union_n", 1, "array of objects", arr);
		r = unionObjects(r, o);
	}
	return r;
}

function isSubset(sup: usize, sub: usize): bool {
	const ks = kind(sup);
	const kb = kind(sub);
	if (ks == K_OBJ && kb == K_OBJ) {
		const n = collLen(sub);
		for (let i: u32 = 0; i < n; i++) {
			const i2 = objFind(sup, objKeyAt(sub, i));
			if (i2 < 0) return false;
			if (!isSubset(objValAt(sup, <u32>i2), objValAt(sub, i))) return false;
		}
		return true;
	}
	if (ks == K_SET && kb == K_SET) {
		const n = collLen(sub);
		for (let i: u32 = 0; i < n; i++) if (!setHas(sup, arrGet(sub, i))) return false;
		return true;
	}
	if (ks == K_ARR && kb == K_ARR) {
		// The sub array appears in the super array as a contiguous run.
		const n = collLen(sub);
		const m = collLen(sup);
		if (n == 0) return true;
		for (let s: u32 = 0; s + n <= m; s++) {
			let ok = true;
			for (let j: u32 = 0; j < n && ok; j++) ok = equal(arrGet(sup, s + j), arrGet(sub, j));
			if (ok) return true;
		}
		return false;
	}
	if (ks == K_ARR && kb == K_SET) {
		const n = collLen(sub);
		for (let i: u32 = 0; i < n; i++) {
			let found = false;
			for (let j: u32 = 0; j < collLen(sup) && !found; j++)
				found = equal(arrGet(sup, j), arrGet(sub, i));
			if (!found) return false;
		}
		return true;
	}
	return equal(sup, sub);
}

export function b_object__subset(sup: usize, sub: usize): usize {
	const ks = kind(sup);
	const kb = kind(sub);
	// OPA: objects, sets or arrays of one kind, or a set within an array.
	const coll = ks == K_OBJ || ks == K_SET || ks == K_ARR;
	if (!coll || (ks != kb && !(ks == K_ARR && kb == K_SET))) {
		return typeError(
			"object.subset",
			"both arguments object.subset must be of the same type or array and set",
		);
	}
	return makeBool(isSubset(sup, sub));
}
