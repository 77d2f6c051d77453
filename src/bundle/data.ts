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
		const existing = node[key];
		if (existing === undefined) node[key] = {};
		else if (!isObject(node[key])) {
			throw new BundleError(
				`${source}: data path ${path.slice(0, i + 1).join("/")} is already a non-object value`,
			);
		}
		node = node[key] as JsonObject;
	}
	const last = path[path.length - 1];
	if (node[last] === undefined) node[last] = value;
	else if (isObject(node[last]) && isObject(value))
		mergeObjects(node[last] as JsonObject, value, source, path);
	else throw new BundleError(`${source}: data path ${path.join("/")} is defined twice`);
}

function mergeObjects(into: JsonObject, from: JsonObject, source: string, at: string[]) {
	for (const [k, v] of Object.entries(from)) {
		if (into[k] === undefined) into[k] = v;
		else if (isObject(into[k]) && isObject(v))
			mergeObjects(into[k] as JsonObject, v, source, [...at, k]);
		else throw new BundleError(`${source}: data path ${[...at, k].join("/")} is defined twice`);
	}
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
