// Reading an OPA bundle (Gavel's, or one from `opa build -t wasm`): validates the archive and
// returns its parts. The tar and manifest checks here use no Node APIs; only gunzip does.

import { parse as parseYaml } from "yaml";
import {
	type DataFileText,
	dataPathOf,
	isDataFile,
	type JsonObject,
	mergeAt,
	spliceDataJson,
} from "./data.ts";
import { BundleError } from "./errors.ts";
import { gunzip, isGzip } from "./gzip.ts";
import { type Manifest, parseManifest, withinRoots } from "./manifest.ts";
import { readTar } from "./tar.ts";

export interface BundleLimits {
	/** Largest single file (default 256 MiB). */
	maxFileBytes: number;
	/** Largest inflated archive (default 1 GiB, OPA's default bundle size limit). */
	maxArchiveBytes: number;
	/** Most files (default 100,000). */
	maxFiles: number;
}

export const DEFAULT_LIMITS: BundleLimits = {
	maxFileBytes: 256 * 1024 * 1024,
	maxArchiveBytes: 1024 * 1024 * 1024,
	maxFiles: 100_000,
};

export interface WasmModule {
	/** Path in the bundle, without a leading slash: "policy.wasm". */
	path: string;
	bytes: Uint8Array;
	/** The entrypoints the manifest routes to this module. */
	entrypoints: string[];
}

export interface Bundle {
	manifest: Manifest;
	/** Whether the archive had a /.manifest at all (OPA allows bundles without one). */
	hasManifest: boolean;
	/** The merged data document from every data.json / data.yaml, nested by directory. */
	data: JsonObject;
	/**
	 * The JSON text of `data` spliced from the data files' own bytes, when that needs no merging
	 * (see spliceDataJson); what the Wasm module can parse without a JSON.stringify of `data`.
	 */
	dataJson?: Uint8Array;
	wasm: WasmModule[];
	/** .rego sources by path (no leading slash). */
	rego: Map<string, string>;
	/**
	 * The raw /.signatures.json if present, NOT verified here: src/engine/bundle-signature.ts
	 * checks the JWS and every file's hash before a bundle is trusted.
	 */
	signatures?: string;
	/** Every file by normalised path, for anything not covered above. */
	files: Map<string, Uint8Array>;
}

const text = new TextDecoder("utf-8", { fatal: true });

function decode(path: string, bytes: Uint8Array): string {
	try {
		return text.decode(bytes);
	} catch {
		throw new BundleError(`${path}: not valid UTF-8`);
	}
}

/**
 * Normalise a tar member name to a bundle path ("/a/b.rego" and "./a/b.rego" → "a/b.rego"),
 * refusing anything that could escape the bundle or is ambiguous.
 */
export function normaliseMemberName(name: string): string {
	if (name.includes("\0")) throw new BundleError(`${JSON.stringify(name)}: NUL byte in file name`);
	if (name.includes("\\")) throw new BundleError(`${name}: backslash in file name`);
	const parts = name.split("/").filter((p) => p !== "" && p !== ".");
	if (parts.some((p) => p === ".."))
		throw new BundleError(`${name}: path traversal ("..") in file name`);
	if (parts.length === 0) throw new BundleError(`${JSON.stringify(name)}: empty file name`);
	return parts.join("/");
}

/** Read a bundle from its .tar.gz bytes. */
export function readBundle(archive: Uint8Array, limits: Partial<BundleLimits> = {}): Bundle {
	const l = { ...DEFAULT_LIMITS, ...limits };
	if (!isGzip(archive)) throw new BundleError("not a gzip archive (bad magic bytes)");
	return readBundleTar(gunzip(archive, l.maxArchiveBytes), l);
}

/** Read a bundle from an already-decompressed tar (what Workers get from DecompressionStream). */
export function readBundleTar(tar: Uint8Array, limits: Partial<BundleLimits> = {}): Bundle {
	const l = { ...DEFAULT_LIMITS, ...limits };
	if (tar.length > l.maxArchiveBytes)
		throw new BundleError(`archive exceeds the ${l.maxArchiveBytes}-byte limit`);
	const files = new Map<string, Uint8Array>();
	for (const entry of readTar(tar, { maxFileBytes: l.maxFileBytes, maxFiles: l.maxFiles })) {
		const path = normaliseMemberName(entry.name);
		if (files.has(path)) throw new BundleError(`${path}: duplicate file in archive`);
		files.set(path, entry.data);
	}

	const manifestBytes = files.get(".manifest");
	const manifest = manifestBytes
		? parseManifest(decode(".manifest", manifestBytes))
		: { revision: "", roots: [""] };

	const data: JsonObject = {};
	const rego = new Map<string, string>();
	let signatures: string | undefined;
	// Undefined once a file cannot be spliced as text (YAML).
	let dataTexts: DataFileText[] | undefined = [];
	for (const [path, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
		if (path === ".signatures.json") {
			signatures = decode(path, bytes);
		} else if (isDataFile(path)) {
			const dir = dataPathOf(path);
			if (!withinRoots(dir.join("/"), manifest.roots) && dir.length > 0) {
				throw new BundleError(
					`${path}: data outside the manifest's roots (${manifest.roots.join(", ")})`,
				);
			}
			mergeAt(data, dir, parseDataFile(path, decode(path, bytes)), path);
			if (path.endsWith(".json")) dataTexts?.push({ dir, bytes });
			else dataTexts = undefined;
		} else if (path.endsWith(".rego")) {
			rego.set(path, decode(path, bytes));
		}
	}

	const byModule = new Map<string, string[]>();
	for (const w of manifest.wasm ?? []) {
		const path = normaliseMemberName(w.module);
		if (!files.has(path)) {
			throw new BundleError(
				`.manifest: wasm module ${w.module} (entrypoint ${w.entrypoint}) is not in the archive`,
			);
		}
		byModule.set(path, [...(byModule.get(path) ?? []), w.entrypoint]);
	}
	const wasm = [...byModule].map(([path, entrypoints]) => ({
		path,
		bytes: files.get(path) as Uint8Array,
		entrypoints,
	}));
	for (const m of wasm) {
		if (!(m.bytes[0] === 0 && m.bytes[1] === 0x61 && m.bytes[2] === 0x73 && m.bytes[3] === 0x6d)) {
			throw new BundleError(`${m.path}: not a WebAssembly module (bad magic bytes)`);
		}
	}
	return {
		manifest,
		hasManifest: manifestBytes !== undefined,
		data,
		dataJson: dataTexts && spliceDataJson(dataTexts),
		wasm,
		rego,
		signatures,
		files,
	};
}

function parseDataFile(path: string, source: string): unknown {
	try {
		return path.endsWith(".json") ? JSON.parse(source) : parseYaml(source);
	} catch (e) {
		throw new BundleError(`${path}: ${(e as Error).message}`);
	}
}
