// The compiled runtime (src/wasm/runtime/build/runtime.wasm) and what the back end needs to
// know about it: its exports by name, its native builtins, where its static data ends.

import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";

export const RUNTIME_WASM = fileURLToPath(new URL("./runtime/build/runtime.wasm", import.meta.url));
/**
 * What loadRuntime learns about runtime.wasm, cached beside it under the wasm's SHA-256: each
 * process would otherwise have binaryen parse the whole runtime once just to learn names
 * (about 0.1 s of a `gavel build`), before parsing it again to emit the policy.
 */
const RUNTIME_INFO = fileURLToPath(new URL("./runtime/build/runtime.info.json", import.meta.url));

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
	/**
	 * The runtime's `policy.*` placeholders, which build-runtime turns into defined functions
	 * exported as `gavel_placeholder:<name>`: name → internal name.
	 */
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

export const PLACEHOLDER_PREFIX = "gavel_placeholder:";

/** Bump when what inspect() records changes: a cached file from older code is then ignored. */
const INFO_VERSION = 2;

interface StoredInfo {
	version: number;
	sha256: string;
	exports: [string, string][];
	natives: [string, string][];
	placeholders: [string, string][];
	staticEnd: number;
}

export function loadRuntime(): RuntimeInfo {
	if (cached) return cached;
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(RUNTIME_WASM);
	} catch {
		throw new Error(`${RUNTIME_WASM} is missing: run \`npm run build:runtime\``);
	}
	const sha256 = createHash("sha256").update(bytes).digest("hex");
	const stored = readStoredInfo(sha256);
	if (stored) {
		cached = {
			bytes,
			exports: new Map(stored.exports),
			natives: new Map(stored.natives),
			placeholders: new Map(stored.placeholders),
			staticEnd: stored.staticEnd,
		};
		return cached;
	}
	cached = inspect(bytes);
	const info: StoredInfo = {
		version: INFO_VERSION,
		sha256,
		exports: [...cached.exports],
		natives: [...cached.natives],
		placeholders: [...cached.placeholders],
		staticEnd: cached.staticEnd,
	};
	try {
		// Written beside and renamed: concurrent processes never read half a file.
		const tmp = `${RUNTIME_INFO}.${process.pid}.tmp`;
		writeFileSync(tmp, JSON.stringify(info));
		renameSync(tmp, RUNTIME_INFO);
	} catch {
		// A read-only install recomputes it per process: slower, same result.
	}
	return cached;
}

function readStoredInfo(sha256: string): StoredInfo | undefined {
	try {
		const info = JSON.parse(readFileSync(RUNTIME_INFO, "utf8")) as StoredInfo;
		return info.version === INFO_VERSION && info.sha256 === sha256 ? info : undefined;
	} catch {
		return undefined;
	}
}

function inspect(bytes: Uint8Array): RuntimeInfo {
	const m = binaryen.readBinary(bytes);
	try {
		const exports = new Map<string, string>();
		const natives = new Map<string, string>();
		const placeholders = new Map<string, string>();
		for (let i = 0; i < m.getNumExports(); i++) {
			const e = binaryen.getExportInfo(m.getExportByIndex(i));
			exports.set(e.name, e.value);
			if (e.name.startsWith("b_")) natives.set(e.name.slice(2).replaceAll("__", "."), e.value);
			if (e.name.startsWith(PLACEHOLDER_PREFIX)) {
				placeholders.set(e.name.slice(PLACEHOLDER_PREFIX.length), e.value);
			}
		}
		// Policy constants go after the runtime's last data segment.
		const dm = m as unknown as DataSegmentApi;
		let staticEnd = 0;
		for (let i = 0; i < dm.getNumDataSegments(); i++) {
			const s = dm.getDataSegmentInfo(m.getDataSegmentByIndex(i));
			staticEnd = Math.max(staticEnd, (s.offset ?? 0) + s.data.byteLength);
		}
		return { bytes, exports, natives, placeholders, staticEnd };
	} finally {
		m.dispose();
	}
}
