// json.patch (RFC 6902) and json.marshal_with_options.

import { bufAscii, bufByte, bufBytes, bufData, bufLen, bufNew } from "../buffer";
import { newObject, newSet, objGet, objGetBytes, objInsert, setAdd, setFind } from "../collections";
import { equal } from "../compare";
import { builtinErrorQuoting, operandError, typeName } from "../errors";
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
	K_NULL,
	K_NUM,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeString,
	numAsInt,
	numIsInt,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "../values";
import { writeRego } from "./strings";
import { bufString } from "./util";

// Paths as OPA reads them: a string "/a/b/0" (the leading "/" optional, "~1" for "/", "~0"
// for "~") or an array of segments, which may be any value (a set element is addressed by
// itself: [["x"], 1] reaches into the set member ["x"]).

/** Segments of a string path; "" is the document itself. */
export function pathSegments(s: usize): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const r = makeArray(4);
	if (n == 0) return r;
	let a: u32 = load<u8>(p) == 47 ? 1 : 0;
	for (let i: u32 = a; i <= n; i++) {
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

let failed = false;

/** Raise `json.patch: <message>` from a buffer; marks the patch failed. */
function fail(w: usize): usize {
	failed = true;
	builtinErrorQuoting("json.patch", "", bufData(w), bufLen(w), "");
	return 0;
}

function failText(m: string): usize {
	const w = bufNew(64);
	bufAscii(w, m);
	return fail(w);
}

function goTypeName(v: usize): string {
	const k = kind(v);
	if (k == K_NULL) return "ast.Null";
	if (k == K_BOOL) return "ast.Boolean";
	if (k == K_NUM) return "ast.Number";
	return "ast.String";
}

function notComposite(v: usize): usize {
	const w = bufNew(64);
	bufAscii(w, "expected composite type, found value: ");
	writeRego(w, v, false);
	bufAscii(w, " (type: ");
	bufAscii(w, goTypeName(v));
	bufAscii(w, ")");
	return fail(w);
}

const IDX_APPEND: i64 = -1;
const IDX_BAD: i64 = -2;

/** An array index from a segment: a number, or a decimal string ("-" is IDX_APPEND). */
function index(seg: usize): i64 {
	const k = kind(seg);
	if (k == K_NUM) {
		if (!numIsInt(seg)) {
			failText("invalid number for indexing");
			return IDX_BAD;
		}
		const v = numAsInt(seg);
		return v < 0 ? -3 : v;
	}
	if (k != K_STR) {
		failText("invalid type for indexing");
		return IDX_BAD;
	}
	const p = strPtr(seg);
	const n = strLen(seg);
	if (n == 1 && load<u8>(p) == 45) return IDX_APPEND;
	let neg = false;
	let i: u32 = 0;
	if (n > 1 && load<u8>(p) == 45) {
		neg = true;
		i = 1;
	}
	if (i == n) {
		failText("invalid string for indexing");
		return IDX_BAD;
	}
	let v: i64 = 0;
	for (let j = i; j < n; j++) {
		const c = load<u8>(p + j);
		if (c < 48 || c > 57) {
			failText("invalid string for indexing");
			return IDX_BAD;
		}
		v = v * 10 + <i64>(c - 48);
		if (v > 0x7fffffff) v = 0x7fffffff;
	}
	if (n - i > 1 && load<u8>(p + i) == 48) {
		failText("leading zeros are not allowed in JSON paths");
		return IDX_BAD;
	}
	// A negative index is out of bounds: -3 stands for all of them.
	return neg ? -3 : v;
}

/** `path K does not exist in <kind> term T`: K quoted as a term, but bare inside a set. */
function missing(container: usize, seg: usize): usize {
	const k = kind(container);
	const w = bufNew(64);
	bufAscii(w, "path ");
	writeRego(w, seg, k == K_SET);
	bufAscii(
		w,
		k == K_OBJ
			? " does not exist in object term "
			: k == K_ARR
				? " does not exist in array term "
				: " does not exist in set term ",
	);
	writeRego(w, container, false);
	return fail(w);
}

/** The child of a composite at seg, or 0 after raising OPA's error. */
function child(doc: usize, seg: usize): usize {
	const k = kind(doc);
	if (k == K_OBJ) {
		const c = objGet(doc, seg);
		return c != 0 ? c : missing(doc, seg);
	}
	if (k == K_SET) {
		const at = setFind(doc, seg);
		return at >= 0 ? arrGet(doc, <u32>at) : missing(doc, seg);
	}
	if (k == K_ARR) {
		const at = index(seg);
		if (at == IDX_BAD) return 0;
		if (at < 0 || at >= <i64>collLen(doc)) {
			const w = bufNew(64);
			bufAscii(w, "path ");
			if (kind(seg) == K_STR) bufBytes(w, strPtr(seg), strLen(seg));
			else writeRego(w, seg, false);
			bufAscii(w, " does not exist in array term ");
			writeRego(w, doc, false);
			return fail(w);
		}
		return arrGet(doc, <u32>at);
	}
	return notComposite(doc);
}

/** The value at path, or 0 after raising OPA's error. */
function get(doc: usize, path: usize): usize {
	let cur = doc;
	for (let i: u32 = 0; i < collLen(path); i++) {
		cur = child(cur, arrGet(path, i));
		if (cur == 0) return 0;
	}
	return cur;
}

function keyError(before: string, key: usize, after: string): usize {
	const w = bufNew(64);
	bufAscii(w, before);
	writeRego(w, key, false);
	bufAscii(w, after);
	return fail(w);
}

const OP_ADD = 0;
const OP_REMOVE = 1;

/** A copy of doc with seg added (value) or removed in it; 0 after raising OPA's error. */
function edit(doc: usize, seg: usize, op: i32, value: usize): usize {
	const k = kind(doc);
	if (k == K_OBJ) {
		if (op == OP_REMOVE) {
			if (objGet(doc, seg) == 0)
				return keyError("cannot delete child key ", seg, " that does not exist");
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
	if (k == K_SET) {
		if (op == OP_REMOVE) {
			if (setFind(doc, seg) < 0)
				return keyError("cannot delete child key ", seg, " that does not exist");
			const r = newSet();
			for (let j: u32 = 0; j < collLen(doc); j++) {
				if (!equal(arrGet(doc, j), seg)) setAdd(r, arrGet(doc, j));
			}
			return r;
		}
		if (!equal(seg, value)) {
			const w = bufNew(64);
			bufAscii(w, "set key ");
			writeRego(w, seg, false);
			bufAscii(w, " does not equal value to be inserted ");
			writeRego(w, value, false);
			return fail(w);
		}
		const r = collClone(doc);
		setAdd(r, value);
		return r;
	}
	if (k == K_ARR) {
		const n = collLen(doc);
		let at = index(seg);
		if (at == IDX_BAD) return 0;
		if (op == OP_ADD && at == IDX_APPEND) at = <i64>n;
		if (at < 0 || at > <i64>n || (op == OP_REMOVE && at == <i64>n)) {
			return failText(
				op == OP_ADD
					? "index for array insertion out of bounds"
					: "index for array delete out of bounds",
			);
		}
		const pos = <u32>at;
		const r = makeArray(n + 1);
		for (let j: u32 = 0; j < n; j++) {
			if (j == pos && op == OP_ADD) arrPush(r, value);
			if (j == pos && op == OP_REMOVE) continue;
			arrPush(r, arrGet(doc, j));
		}
		if (pos == n && op == OP_ADD) arrPush(r, value);
		return r;
	}
	return notComposite(doc);
}

/** A copy of doc with the edit made at path[i…]; 0 after raising OPA's error. */
function apply(doc: usize, path: usize, i: u32, op: i32, value: usize): usize {
	const n = collLen(path);
	if (i == n) {
		if (op == OP_REMOVE) return failText("cannot delete the root document");
		return value;
	}
	const seg = arrGet(path, i);
	if (i + 1 == n) return edit(doc, seg, op, value);
	const c = child(doc, seg);
	if (c == 0) return 0;
	const inner = apply(c, path, i + 1, op, value);
	if (inner == 0) return 0;
	const k = kind(doc);
	if (k == K_OBJ) {
		const r = collClone(doc);
		objInsert(r, seg, inner);
		return r;
	}
	if (k == K_SET) {
		const r = newSet();
		for (let j: u32 = 0; j < collLen(doc); j++) {
			if (!equal(arrGet(doc, j), seg)) setAdd(r, arrGet(doc, j));
		}
		setAdd(r, inner);
		return r;
	}
	const at = <u32>index(seg);
	const r = makeArray(collLen(doc));
	for (let j: u32 = 0; j < collLen(doc); j++) arrPush(r, j == at ? inner : arrGet(doc, j));
	return r;
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

/** A patch's path or from: a string or an array of segments; 0 after the type error. */
function patchPath(v: usize): usize {
	const k = kind(v);
	if (k == K_STR) return pathSegments(v);
	if (k == K_ARR) return v;
	return operandError(
		"json.patch",
		2,
		"one of {set, array} containing string paths or array of path segments",
		v,
	);
}

function missingAttr(name: string): usize {
	const w = bufNew(48);
	bufAscii(w, "missing required attribute '");
	bufAscii(w, name);
	bufAscii(w, "'");
	return fail(w);
}

export function b_json__patch(doc: usize, patches: usize): usize {
	if (kind(patches) != K_ARR) return operandError("json.patch", 2, "array", patches);
	let cur = doc;
	failed = false;
	for (let i: u32 = 0; i < collLen(patches); i++) {
		const p = arrGet(patches, i);
		if (kind(p) != K_OBJ)
			return failText(
				"must be an array of JSON-Patch objects, but at least one element is not an object",
			);
		const opName = field(p, "op");
		if (opName == 0) return missingAttr("op");
		if (kind(opName) != K_STR) {
			const w = bufNew(48);
			bufAscii(w, "attribute 'op' must be a string but found: ");
			bufAscii(w, typeName(opName));
			return fail(w);
		}
		const pathVal = field(p, "path");
		if (pathVal == 0) return missingAttr("path");
		const path = patchPath(pathVal);
		if (path == 0) return 0;
		const add = isOp(opName, "add");
		const replace = isOp(opName, "replace");
		const test = isOp(opName, "test");
		const move = isOp(opName, "move");
		const copy = isOp(opName, "copy");
		if (add || replace || test) {
			const v = field(p, "value");
			if (v == 0) return missingAttr("value");
			if (test) {
				const at = get(cur, path);
				if (at == 0) return 0;
				if (!equal(v, at)) {
					const w = bufNew(64);
					bufAscii(w, "value from EditTree != patch value.\n\nExpected: ");
					writeRego(w, v, false);
					bufAscii(w, "\n\nFound: ");
					writeRego(w, at, false);
					return fail(w);
				}
				continue;
			}
			if (replace) {
				cur = apply(cur, path, 0, OP_REMOVE, 0);
				if (cur == 0) return 0;
			}
			cur = apply(cur, path, 0, OP_ADD, v);
		} else if (isOp(opName, "remove")) {
			cur = apply(cur, path, 0, OP_REMOVE, 0);
		} else if (move || copy) {
			const fromVal = field(p, "from");
			if (fromVal == 0) return missingAttr("from");
			const from = patchPath(fromVal);
			if (from == 0) return 0;
			const v = get(cur, from);
			if (v == 0) return 0;
			if (move) cur = apply(cur, from, 0, OP_REMOVE, 0);
			if (cur != 0) cur = apply(cur, path, 0, OP_ADD, v);
		} else {
			const w = bufNew(48);
			bufAscii(w, "unrecognized op: '");
			if (kind(opName) == K_STR) bufBytes(w, strPtr(opName), strLen(opName));
			else writeRego(w, opName, false);
			bufAscii(w, "'");
			return fail(w);
		}
		if (cur == 0 || failed) return 0;
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
