// The compiled runtime (src/wasm/runtime/build/runtime.wasm) and what the back end needs to
// know about it: its exports by name, its native builtins, where its static data ends. Read
// with the small section parser in binary.ts (a millisecond), not binaryen, so the default
// build never loads binaryen.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseModule } from "./binary.ts";

export const RUNTIME_WASM = fileURLToPath(new URL("./runtime/build/runtime.wasm", import.meta.url));

/** Prefix of the exports build-runtime gives the runtime's `policy.*` placeholders. */
export const PLACEHOLDER_PREFIX = "gavel_placeholder:";

export interface RuntimeInfo {
	bytes: Uint8Array;
	/** Export name → the name functions and globals are referred to by (see below). */
	exports: Map<string, string>;
	/** Rego builtin name → name of its native implementation. */
	natives: Map<string, string>;
	/**
	 * The runtime's `policy.*` placeholders, which build-runtime turns into defined functions
	 * exported as `gavel_placeholder:<name>`: name → function name.
	 */
	placeholders: Map<string, string>;
	staticEnd: number;
}
// Names here are export names. The binaryen build (emit.ts) maps them to binaryen's internal
// names once it has read the module; the spliced build (splice.ts) resolves them to indices.

let cached: RuntimeInfo | undefined;

export function loadRuntime(): RuntimeInfo {
	if (cached) return cached;
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(RUNTIME_WASM);
	} catch {
		throw new Error(`${RUNTIME_WASM} is missing: run \`npm run build:runtime\``);
	}
	cached = describeRuntime(bytes);
	return cached;
}

export function describeRuntime(bytes: Uint8Array): RuntimeInfo {
	const parsed = parseModule(bytes);
	const exports = new Map<string, string>();
	const natives = new Map<string, string>();
	const placeholders = new Map<string, string>();
	for (const e of parsed.exports) {
		exports.set(e.name, e.name);
		if (e.name.startsWith("b_")) natives.set(e.name.slice(2).replaceAll("__", "."), e.name);
		if (e.name.startsWith(PLACEHOLDER_PREFIX)) {
			placeholders.set(e.name.slice(PLACEHOLDER_PREFIX.length), e.name);
		}
	}
	return { bytes, exports, natives, placeholders, staticEnd: parsed.dataEnd };
}

/** `b_object__get` ↔ "object.get". */
export function nativeExportName(builtin: string): string {
	return `b_${builtin.replaceAll(".", "__")}`;
}
