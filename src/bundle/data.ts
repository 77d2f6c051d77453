// Building the `data` document from data files placed in directories: a file at a/b/data.json
// holds the value of data.a.b, as OPA loads bundles and `opa build` inputs.

import { BundleError } from "./errors.ts";

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Merge `value` into `root` at `path`. Objects merge key by key; anything else meeting an
 * existing value is a conflict (two files defining the same document), reported with `source`.
 */
export function mergeAt(root: JsonObject, path: string[], value: unknown, source: string): void {
	if (path.length === 0) {
		if (!isObject(value)) throw new BundleError(`${source}: top-level data must be a JSON object`);
		mergeObjects(root, value, source, []);
		return;
	}
	let node = root;
	for (const [i, key] of path.slice(0, -1).entries()) {
		const existing = own(node, key);
		if (existing === undefined) put(node, key, {});
		else if (!isObject(existing)) {
			throw new BundleError(
				`${source}: data path ${path.slice(0, i + 1).join("/")} is already a non-object value`,
			);
		}
		node = own(node, key) as JsonObject;
	}
	const last = path[path.length - 1];
	const existing = own(node, last);
	if (existing === undefined) put(node, last, value);
	else if (isObject(existing) && isObject(value)) mergeObjects(existing, value, source, path);
	else throw new BundleError(`${source}: data path ${path.join("/")} is defined twice`);
}

function mergeObjects(into: JsonObject, from: JsonObject, source: string, at: string[]) {
	for (const [k, v] of Object.entries(from)) {
		const existing = own(into, k);
		if (existing === undefined) put(into, k, v);
		else if (isObject(existing) && isObject(v)) mergeObjects(existing, v, source, [...at, k]);
		else throw new BundleError(`${source}: data path ${[...at, k].join("/")} is defined twice`);
	}
}

// Keys are data, never property machinery: "__proto__" (a directory or a JSON key) read through
// `o[k]` is Object.prototype, and assigned so it would merge into every object's prototype.
function own(o: JsonObject, k: string): unknown {
	return Object.hasOwn(o, k) ? o[k] : undefined;
}

function put(o: JsonObject, k: string, v: unknown): void {
	Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/** The directory segments of a data file path ("a/b/data.json" → ["a", "b"]). */
export function dataPathOf(file: string): string[] {
	const parts = file.split("/").filter((p) => p !== "" && p !== ".");
	return parts.slice(0, -1);
}

export const DATA_FILE_NAMES = new Set(["data.json", "data.yaml", "data.yml"]);

export function isDataFile(name: string): boolean {
	const base = name.slice(name.lastIndexOf("/") + 1);
	return DATA_FILE_NAMES.has(base);
}

export interface DataFileText {
	/** Directory segments: the file holds data.<dir...>. */
	dir: string[];
	/** The file's bytes: JSON that JSON.parse accepted. */
	bytes: Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * The JSON text of the merged document, spliced from the files' own bytes, when splicing is
 * enough: every file is JSON and no file's path is at or under another's (those need their
 * objects merged key by key). Undefined otherwise, or with no files. The Wasm module parses this
 * text directly, saving a JSON.stringify of the whole parsed document on every activation.
 */
export function spliceDataJson(files: readonly DataFileText[]): Uint8Array | undefined {
	if (files.length === 0) return undefined;
	const sorted = [...files].sort((a, b) => compareDirs(a.dir, b.dir));
	for (let i = 1; i < sorted.length; i++) {
		const prev = sorted[i - 1].dir;
		// Sorted, a path at or under another comes right after it (or after one under it).
		if (prev.length <= sorted[i].dir.length && prev.every((s, j) => s === sorted[i].dir[j]))
			return undefined;
	}
	if (sorted.length === 1 && sorted[0].dir.length === 0) return withoutBom(sorted[0].bytes);
	const parts: Uint8Array[] = [];
	let open: string[] = [];
	for (const [n, f] of sorted.entries()) {
		let common = 0;
		while (common < open.length && common < f.dir.length - 1 && open[common] === f.dir[common])
			common++;
		let text = "}".repeat(open.length - common);
		text += n === 0 ? "{" : ",";
		for (let j = common; j < f.dir.length - 1; j++) text += `${JSON.stringify(f.dir[j])}:{`;
		text += `${JSON.stringify(f.dir[f.dir.length - 1])}:`;
		parts.push(utf8.encode(text), withoutBom(f.bytes));
		open = f.dir.slice(0, -1);
	}
	parts.push(utf8.encode("}".repeat(open.length + 1)));
	const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

function compareDirs(a: string[], b: string[]): number {
	for (let i = 0; i < Math.min(a.length, b.length); i++)
		if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
	return a.length - b.length;
}

/** TextDecoder drops a leading byte-order mark before JSON.parse sees the text; so does this. */
function withoutBom(b: Uint8Array): Uint8Array {
	return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}
