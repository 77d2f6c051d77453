// The base `data` document from files: data.json / data.yaml found under directories are nested
// by their directory (a/b/data.json is data.a.b, as in OPA bundles); a JSON or YAML file named
// directly is merged at the root.

import { parse as parseYaml } from "yaml";
import { BundleError, isDataFile, type JsonObject, mergeAt } from "../bundle/index.ts";
import { InputError } from "./command.ts";
import { findFiles, readText } from "./files.ts";

const isJsonOrYaml = (p: string) => /\.(json|ya?ml)$/.test(p);

export function parseDataText(path: string, text: string): unknown {
	const json = path.endsWith(".json");
	try {
		return json ? JSON.parse(text) : parseYaml(text);
	} catch (e) {
		throw new InputError(`${path}: ${json ? "invalid JSON" : "invalid YAML"}: ${parseProblem(e)}`);
	}
}

/**
 * The yaml library's messages carry a code frame over several lines and, for a stream of
 * documents, advice about its own API: keep the first line, and say the second plainly.
 */
function parseProblem(e: unknown): string {
	const message = (e as Error).message;
	if (/multiple documents/i.test(message))
		return "it holds several documents (---); a data or input file is one document";
	return message.split("\n")[0].replace(/:$/, "");
}

export function loadData(paths: string[]): JsonObject {
	const data: JsonObject = {};
	const files = findFiles(paths, isDataFile).filter(
		(f) => f.relativeDir !== "" || isJsonOrYaml(f.path),
	);
	for (const f of files) {
		const dir = f.relativeDir === "" ? [] : f.relativeDir.split(/[\\/]/).filter(Boolean);
		try {
			mergeAt(data, dir, parseDataText(f.path, readText(f.path)), f.path);
		} catch (e) {
			if (e instanceof BundleError) throw new InputError(e.message);
			throw e;
		}
	}
	return data;
}
