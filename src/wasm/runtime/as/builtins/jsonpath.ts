// json.filter, json.remove: keep or drop the documents at "a/b/c" paths (or key arrays).

import { bufData, bufI64, bufLen, bufNew } from "../buffer";
import { newObject, newSet, objGet, objInsert, setAdd } from "../collections";
import { operandError } from "../errors";
import { alloc } from "../memory";
import {
	arrGet,
	arrPush,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeString,
	NULL,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "../values";

// A path tree is an object: key → subtree, or key → null when the whole value is selected.

/** Path segments of "a/b/c" (leading "/" ignored, ~1 → "/", ~0 → "~") or of an array. */
function segments(p: usize): usize {
	if (kind(p) == K_ARR) return p;
	const r = makeArray(4);
	const s = strPtr(p);
	const n = strLen(p);
	let a: u32 = 0;
	if (n > 0 && load<u8>(s) == 47) a = 1;
	if (a == n) return r;
	for (let i = a; i <= n; i++) {
		if (i == n || load<u8>(s + i) == 47) {
			arrPush(r, unescapeSegment(s + a, i - a));
			a = i + 1;
		}
	}
	return r;
}

function unescapeSegment(p: usize, n: u32): usize {
	let esc = false;
	for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 126) esc = true;
	if (!esc) return makeString(p, n);
	const b = copyBytes(p, n);
	let o: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		const c = load<u8>(p + i);
		if (c == 126 && i + 1 < n && (load<u8>(p + i + 1) == 48 || load<u8>(p + i + 1) == 49)) {
			store<u8>(b + o++, load<u8>(p + i + 1) == 48 ? 126 : 47);
			i++;
		} else store<u8>(b + o++, c);
	}
	return makeString(b, o);
}

function copyBytes(p: usize, n: u32): usize {
	const b = alloc(n);
	memory.copy(b, p, n);
	return b;
}

function buildTree(name: string, paths: usize): usize {
	const k = kind(paths);
	if (k != K_ARR && k != K_SET) return operandError(name, 2, "one of {set, array}", paths);
	const root = newObject();
	for (let i: u32 = 0; i < collLen(paths); i++) {
		const p = arrGet(paths, i);
		if (kind(p) != K_STR && kind(p) != K_ARR)
			return operandError(
				name,
				2,
				"one of {set, array} containing string paths or array of path segments",
				p,
			);
		const segs = segments(p);
		let node = root;
		for (let j: u32 = 0; j < collLen(segs); j++) {
			const key = arrGet(segs, j);
			const last = j + 1 == collLen(segs);
			const existing = objGet(node, key);
			if (existing != 0 && kind(existing) != K_OBJ) break; // a shorter path already selects all
			if (last) {
				objInsert(node, key, NULL);
				break;
			}
			if (existing == 0) {
				const child = newObject();
				objInsert(node, key, child);
				node = child;
			} else node = existing;
		}
	}
	return root;
}

/** The tree entry for an object key or set member: the segment equal to it. */
function lookup(tree: usize, key: usize): usize {
	return objGet(tree, key);
}

/** The tree entry for array index i: only a string segment ("0") selects an index, as in OPA. */
function lookupIndex(tree: usize, i: u32): usize {
	const w = bufNew(12);
	bufI64(w, <i64>i);
	return objGet(tree, makeString(bufData(w), bufLen(w)));
}

function filter(v: usize, tree: usize): usize {
	if (kind(tree) != K_OBJ) return v; // selected whole
	const k = kind(v);
	if (k == K_OBJ) {
		const r = newObject();
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookup(tree, objKeyAt(v, i));
			if (t != 0) objInsert(r, objKeyAt(v, i), filter(objValAt(v, i), t));
		}
		return r;
	}
	if (k == K_ARR) {
		const r = makeArray(0);
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookupIndex(tree, i);
			if (t != 0) arrPush(r, filter(arrGet(v, i), t));
		}
		return r;
	}
	if (k == K_SET) {
		const r = newSet();
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookup(tree, arrGet(v, i));
			if (t != 0) setAdd(r, filter(arrGet(v, i), t));
		}
		return r;
	}
	return v;
}

function remove(v: usize, tree: usize): usize {
	const k = kind(v);
	if (k == K_OBJ) {
		const r = newObject();
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookup(tree, objKeyAt(v, i));
			if (t == 0) objInsert(r, objKeyAt(v, i), objValAt(v, i));
			else if (kind(t) == K_OBJ) objInsert(r, objKeyAt(v, i), remove(objValAt(v, i), t));
		}
		return r;
	}
	if (k == K_ARR) {
		const r = makeArray(0);
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookupIndex(tree, i);
			if (t == 0) arrPush(r, arrGet(v, i));
			else if (kind(t) == K_OBJ) arrPush(r, remove(arrGet(v, i), t));
		}
		return r;
	}
	if (k == K_SET) {
		const r = newSet();
		for (let i: u32 = 0; i < collLen(v); i++) {
			const t = lookup(tree, arrGet(v, i));
			if (t == 0) setAdd(r, arrGet(v, i));
			else if (kind(t) == K_OBJ) setAdd(r, remove(arrGet(v, i), t));
		}
		return r;
	}
	return v;
}

export function b_json__filter(o: usize, paths: usize): usize {
	if (kind(o) != K_OBJ) return operandError("json.filter", 1, "object", o);
	const t = buildTree("json.filter", paths);
	return t == 0 ? 0 : filter(o, t);
}

export function b_json__remove(o: usize, paths: usize): usize {
	if (kind(o) != K_OBJ) return operandError("json.remove", 1, "object", o);
	const t = buildTree("json.remove", paths);
	return t == 0 ? 0 : remove(o, t);
}
