// The compiled runtime (src/wasm/runtime/build/runtime.wasm) and what the back end needs to
// know about it: its exports by name, its native builtins, where its static data ends.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";

export const RUNTIME_WASM = fileURLToPath(new URL("./runtime/build/runtime.wasm", import.meta.url));

/** The features AssemblyScript's output uses; binaryen must not emit newer encodings. */
export const FEATURES =
	binaryen.Features.MVP |
	binaryen.Features.SignExt |
	binaryen.Features.MutableGlobals |
	binaryen.Features.NontrappingFPToInt |
	binaryen.Features.BulkMemory |
	binaryen.Features.BulkMemoryOpt |
	binaryen.Features.Multivalue;

export interface RuntimeInfo {
	bytes: Uint8Array;
	/** Export name → internal function or global name. */
	exports: Map<string, string>;
	/** Rego builtin name → internal name of its native implementation. */
	natives: Map<string, string>;
	/** Import placeholders of module "policy": base name → internal name. */
	placeholders: Map<string, string>;
	staticEnd: number;
}

let cached: RuntimeInfo | undefined;

/** binaryen.js has these under names its typings do not list. */
export interface DataSegmentApi {
	getNumDataSegments(): number;
	getDataSegmentInfo(ref: number): {
		name: string;
		offset: number | null;
		data: ArrayBuffer;
		passive: boolean;
	};
}

/** `b_object__get` ↔ "object.get". */
export function nativeExportName(builtin: string): string {
	return `b_${builtin.replaceAll(".", "__")}`;
}

export function loadRuntime(): RuntimeInfo {
	if (cached) return cached;
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(RUNTIME_WASM);
	} catch {
		throw new Error(`${RUNTIME_WASM} is missing: run \`npm run build:runtime\``);
	}
	const m = binaryen.readBinary(bytes);
	try {
		const exports = new Map<string, string>();
		const natives = new Map<string, string>();
		for (let i = 0; i < m.getNumExports(); i++) {
			const e = binaryen.getExportInfo(m.getExportByIndex(i));
			exports.set(e.name, e.value);
			if (e.name.startsWith("b_")) natives.set(e.name.slice(2).replaceAll("__", "."), e.value);
		}
		const placeholders = new Map<string, string>();
		for (let i = 0; i < m.getNumFunctions(); i++) {
			const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
			if (f.module === "policy" && f.base) placeholders.set(f.base, f.name);
		}
		// Policy constants go after the runtime's last data segment.
		const dm = m as unknown as DataSegmentApi;
		let staticEnd = 0;
		for (let i = 0; i < dm.getNumDataSegments(); i++) {
			const s = dm.getDataSegmentInfo(m.getDataSegmentByIndex(i));
			staticEnd = Math.max(staticEnd, (s.offset ?? 0) + s.data.byteLength);
		}
		cached = { bytes, exports, natives, placeholders, staticEnd };
		return cached;
	} finally {
		m.dispose();
	}
}
