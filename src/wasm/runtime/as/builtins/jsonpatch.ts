// json.patch (RFC 6902) and json.marshal_with_options.

import { bufAscii, bufByte, bufBytes, bufNew } from "../buffer";
import { newObject, objGet, objGetBytes, objInsert } from "../collections";
import { equal } from "../compare";
import { builtinError, operandError } from "../errors";
import { writeJsonString, writeValue } from "../json";
import { alloc } from "../memory";
import {
	arrGet,
	arrPush,
	boolOf,
	collClone,
	collLen,
	K_ARR,
	K_BOOL,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeString,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "../values";
import { bufString } from "./util";

// JSON pointers: "/a/b/0", "~1" for "/", "~0" for "~".

function pointer(s: usize): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const r = makeArray(4);
	if (n == 0) return r;
	if (load<u8>(p) != 47) return 0;
	let a: u32 = 1;
	for (let i: u32 = 1; i <= n; i++) {
		if (i == n || load<u8>(p + i) == 47) {
			const b = alloc(i - a);
			let o: u32 = 0;
			for (let j = a; j < i; j++) {
				const c = load<u8>(p + j);
				if (c == 126 && j + 1 < i && (load<u8>(p + j + 1) == 48 || load<u8>(p + j + 1) == 49)) {
					store<u8>(b + o++, load<u8>(p + j + 1) == 48 ? 126 : 47);
					j++;
				} else store<u8>(b + o++, c);
			}
			arrPush(r, makeString(b, o));
			a = i + 1;
		}
	}
	return r;
}

/** Array index from a pointer segment; -1 for "-" (append), -2 when invalid. */
function index(seg: usize, len: u32, forAdd: bool): i64 {
	const p = strPtr(seg);
	const n = strLen(seg);
	if (n == 1 && load<u8>(p) == 45) return forAdd ? -1 : -2;
	if (n == 0 || (n > 1 && load<u8>(p) == 48)) return -2;
	let v: i64 = 0;
	for (let i: u32 = 0; i < n; i++) {
		const c = load<u8>(p + i);
		if (c < 48 || c > 57) return -2;
		v = v * 10 + <i64>(c - 48);
		if (v > 0x7fffffff) return -2;
	}
	const max = forAdd ? <i64>len : <i64>len - 1;
	return v <= max ? v : -2;
}

let failed = false;

function get(doc: usize, path: usize, from: u32): usize {
	let cur = doc;
	for (let i = from; i < collLen(path); i++) {
		const seg = arrGet(path, i);
		const k = kind(cur);
		if (k == K_OBJ) cur = objGet(cur, seg);
		else if (k == K_ARR) {
			const at = index(seg, collLen(cur), false);
			cur = at < 0 ? 0 : arrGet(cur, <u32>at);
		} else return 0;
		if (cur == 0) return 0;
	}
	return cur;
}

/** A copy of doc with the op applied at path[i…]; op 0 add, 1 remove, 2 replace. */
function apply(doc: usize, path: usize, i: u32, op: i32, value: usize): usize {
	if (i == collLen(path)) {
		if (op == 1) {
			failed = true;
			return doc;
		}
		return value;
	}
	const seg = arrGet(path, i);
	const last = i + 1 == collLen(path);
	const k = kind(doc);
	if (k == K_OBJ) {
		const child = objGet(doc, seg);
		if (last) {
			if (op != 0 && child == 0) {
				failed = true;
				return doc;
			}
			if (op == 1) {
				const r = newObject();
				for (let j: u32 = 0; j < collLen(doc); j++) {
					if (!equal(objKeyAt(doc, j), seg)) objInsert(r, objKeyAt(doc, j), objValAt(doc, j));
				}
				return r;
			}
			const r = collClone(doc);
			objInsert(r, seg, value);
			return r;
		}
		if (child == 0) {
			failed = true;
			return doc;
		}
		const r = collClone(doc);
		objInsert(r, seg, apply(child, path, i + 1, op, value));
		return r;
	}
	if (k == K_ARR) {
		const n = collLen(doc);
		const at = index(seg, n, last && op == 0);
		if (at == -2) {
			failed = true;
			return doc;
		}
		const r = makeArray(n + 1);
		if (last) {
			const pos = at == -1 ? n : <u32>at;
			for (let j: u32 = 0; j < n; j++) {
				if (j == pos && op == 0) arrPush(r, value);
				if (j == pos && op == 1) continue;
				arrPush(r, j == pos && op == 2 ? value : arrGet(doc, j));
			}
			if (pos == n && op == 0) arrPush(r, value);
			return r;
		}
		for (let j: u32 = 0; j < n; j++) {
			arrPush(r, j == <u32>at ? apply(arrGet(doc, j), path, i + 1, op, value) : arrGet(doc, j));
		}
		return r;
	}
	failed = true;
	return doc;
}

function field(op: usize, name: string): usize {
	// Static ASCII names: compare against the object's keys without allocating.
	const n = <u32>name.length;
	const b = alloc(n);
	for (let i: u32 = 0; i < n; i++) store<u8>(b + i, <u8>name.charCodeAt(<i32>i));
	return objGetBytes(op, b, n);
}

function isOp(s: usize, name: string): bool {
	if (kind(s) != K_STR || strLen(s) != <u32>name.length) return false;
	for (let i: u32 = 0; i < strLen(s); i++) {
		if (<u32>load<u8>(strPtr(s) + i) != <u32>name.charCodeAt(<i32>i)) return false;
	}
	return true;
}

export function b_json__patch(doc: usize, patches: usize): usize {
	if (kind(patches) != K_ARR) return operandError("json.patch", 2, "array", patches);
	let cur = doc;
	for (let i: u32 = 0; i < collLen(patches); i++) {
		const p = arrGet(patches, i);
		if (kind(p) != K_OBJ) return builtinError("json.patch", "patch must be an object");
		const opName = field(p, "op");
		const pathStr = field(p, "path");
		if (opName == 0 || pathStr == 0 || kind(pathStr) != K_STR)
			return builtinError("json.patch", "invalid patch");
		const path = pointer(pathStr);
		if (path == 0) return builtinError("json.patch", "invalid JSON pointer");
		failed = false;
		if (isOp(opName, "add") || isOp(opName, "replace")) {
			const v = field(p, "value");
			if (v == 0) return builtinError("json.patch", "missing value");
			cur = apply(cur, path, 0, isOp(opName, "add") ? 0 : 2, v);
		} else if (isOp(opName, "remove")) {
			cur = apply(cur, path, 0, 1, 0);
		} else if (isOp(opName, "move") || isOp(opName, "copy")) {
			const fromStr = field(p, "from");
			if (fromStr == 0 || kind(fromStr) != K_STR) return builtinError("json.patch", "missing from");
			const from = pointer(fromStr);
			if (from == 0) return builtinError("json.patch", "invalid JSON pointer");
			const v = get(cur, from, 0);
			if (v == 0) return builtinError("json.patch", "from path does not exist");
			if (isOp(opName, "move")) cur = apply(cur, from, 0, 1, 0);
			if (!failed) cur = apply(cur, path, 0, 0, v);
		} else if (isOp(opName, "test")) {
			const v = field(p, "value");
			const at = get(cur, path, 0);
			if (v == 0 || at == 0 || !equal(v, at)) return builtinError("json.patch", "test failed");
		} else {
			return builtinError("json.patch", "unknown op");
		}
		if (failed) return builtinError("json.patch", "path does not exist");
	}
	return cur;
}

// json.marshal_with_options: {"pretty": bool, "indent": string, "prefix": string}.

function writeIndented(w: usize, v: usize, prefix: usize, indent: usize, depth: u32): void {
	const k = kind(v);
	const isArr = k == K_ARR || k == K_SET;
	if ((!isArr && k != K_OBJ) || collLen(v) == 0) {
		writeValue(w, v, false);
		return;
	}
	bufByte(w, isArr ? 91 : 123);
	const n = collLen(v);
	for (let i: u32 = 0; i < n; i++) {
		if (i > 0) bufByte(w, 44);
		newline(w, prefix, indent, depth + 1);
		if (isArr) {
			writeIndented(w, arrGet(v, i), prefix, indent, depth + 1);
		} else {
			const key = objKeyAt(v, i);
			if (kind(key) == K_STR) writeJsonString(w, strPtr(key), strLen(key));
			else {
				const kw = bufNew(16);
				writeValue(kw, key, false);
				writeJsonString(w, load<u32>(kw), load<u32>(kw, 4));
			}
			bufAscii(w, ": ");
			writeIndented(w, objValAt(v, i), prefix, indent, depth + 1);
		}
	}
	newline(w, prefix, indent, depth);
	bufByte(w, isArr ? 93 : 125);
}

function newline(w: usize, prefix: usize, indent: usize, depth: u32): void {
	bufByte(w, 10);
	bufBytes(w, strPtr(prefix), strLen(prefix));
	for (let i: u32 = 0; i < depth; i++) bufBytes(w, strPtr(indent), strLen(indent));
}

const TAB: usize = memory.data<u8>([9]);

export function b_json__marshal_with_options(v: usize, opts: usize): usize {
	if (kind(opts) != K_OBJ) return operandError("json.marshal_with_options", 2, "object", opts);
	const pretty = field(opts, "pretty");
	let indent = field(opts, "indent");
	let prefix = field(opts, "prefix");
	if (pretty != 0 && kind(pretty) != K_BOOL)
		return operandError("json.marshal_with_options", 2, "object with boolean pretty", opts);
	if ((indent != 0 && kind(indent) != K_STR) || (prefix != 0 && kind(prefix) != K_STR)) {
		return operandError(
			"json.marshal_with_options",
			2,
			"object with string indent and prefix",
			opts,
		);
	}
	const wantPretty = pretty != 0 ? boolOf(pretty) : indent != 0 || prefix != 0;
	const w = bufNew(64);
	if (!wantPretty) {
		writeValue(w, v, false);
		return bufString(w);
	}
	if (indent == 0) indent = makeString(TAB, 1);
	if (prefix == 0) prefix = makeString(0, 0);
	writeIndented(w, v, prefix, indent, 0);
	return bufString(w);
}
