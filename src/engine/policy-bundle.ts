// What the engine needs from a bundle: the compiled module, the base data and the manifest.
// Reading the OPA tar.gz format is src/bundle's job; an unpacked bundle directory (the same
// files on disk) is read here because it needs nothing but the file system.

import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface WasmEntry {
	entrypoint: string;
	module: string;
}

export interface BundleManifest {
	revision?: string;
	roots?: string[];
	wasm?: WasmEntry[];
	rego_version?: number;
	metadata?: Record<string, unknown>;
}

export interface PolicyBundle {
	manifest: BundleManifest;
	/** The compiled policy (the module named in manifest.wasm, normally /policy.wasm). */
	wasm: Uint8Array;
	/**
	 * The same module already compiled, used instead of `wasm` when present: Workers forbid
	 * compiling Wasm from bytes at run time and import the module instead.
	 */
	module?: WebAssembly.Module;
	/** The merged base document (data.json files at their paths). */
	data: unknown;
	/**
	 * The same document as JSON text, when the bundle's files give it without merging: handed
	 * to the module as bytes, saving a JSON.stringify of `data` per load. Whoever builds a
	 * bundle with other `data` must leave this out.
	 */
	dataJson?: Uint8Array;
	/**
	 * The .rego sources the bundle carried (path → text), when it did: what policies uploaded
	 * through /v1/policies are compiled with.
	 */
	rego?: ReadonlyMap<string, string>;
	/** The sources' Rego version (the manifest's rego_version; default 1). */
	regoVersion?: 0 | 1;
}

/** Turns bundle bytes (tar.gz) into a PolicyBundle; provided by src/bundle at wiring time. */
export type BundleReader = (bytes: Uint8Array) => Promise<PolicyBundle>;

/** Read an unpacked bundle: `<dir>/.manifest`, `<dir>/policy.wasm`, `<dir>/data.json`. */
export async function readBundleDirectory(dir: string): Promise<PolicyBundle> {
	const manifest = JSON.parse(await readFile(join(dir, ".manifest"), "utf8")) as BundleManifest;
	const module = manifest.wasm?.[0]?.module ?? "/policy.wasm";
	const wasm = new Uint8Array(await readFile(join(dir, module)));
	let data: unknown = {};
	let dataJson: Uint8Array | undefined;
	try {
		dataJson = new Uint8Array(await readFile(join(dir, "data.json")));
		data = JSON.parse(new TextDecoder("utf-8", { ignoreBOM: true }).decode(dataJson));
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
		dataJson = undefined;
	}
	return dataJson ? { manifest, wasm, data, dataJson } : { manifest, wasm, data };
}

/** Entrypoints are named with slashes in OPA's manifests ("example/allow"); accept dots too. */
export function normalizeEntrypoint(name: string): string {
	return name
		.replace(/^data[./]/, "")
		.replace(/^\/+|\/+$/g, "")
		.replaceAll(".", "/");
}
