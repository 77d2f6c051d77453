// Writing a bundle in OPA's layout, the same one `opa build -t wasm` produces: member names start
// with "/", the manifest first, then data, the .rego sources and the Wasm module.

import { BundleError } from "./errors.ts";
import { gzip } from "./gzip.ts";
import type { Manifest } from "./manifest.ts";
import { normaliseMemberName } from "./read.ts";
import { type TarEntry, writeTar } from "./tar.ts";

export interface BundleContents {
	manifest: Manifest;
	/** The whole data document, written as /data.json. */
	data: unknown;
	/** The module the manifest's wasm entries name (conventionally /policy.wasm). */
	wasm?: Uint8Array;
	/** .rego sources by their path in the bundle. */
	rego?: Map<string, string>;
	/** Modification time written into the tar headers, in seconds (0 keeps builds reproducible). */
	mtime?: number;
}

const encoder = new TextEncoder();

export function bundleTar(contents: BundleContents): Uint8Array {
	const { manifest } = contents;
	const entries: TarEntry[] = [];
	const seen = new Set<string>();
	const add = (name: string, data: Uint8Array) => {
		const path = normaliseMemberName(name);
		if (seen.has(path)) throw new BundleError(`${path}: two files with the same path`);
		seen.add(path);
		entries.push({ name: `/${path}`, data });
	};
	add(".manifest", encoder.encode(JSON.stringify(manifest)));
	add("data.json", encoder.encode(JSON.stringify(contents.data ?? {})));
	for (const [path, source] of [...(contents.rego ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
		add(path, encoder.encode(source));
	}
	const modules = new Set((manifest.wasm ?? []).map((w) => normaliseMemberName(w.module)));
	if (modules.size > 1) throw new BundleError("one Wasm module per bundle is supported");
	if (modules.size === 1 && !contents.wasm)
		throw new BundleError("the manifest names a Wasm module but none was given");
	if (contents.wasm) {
		const [path] = modules.size === 1 ? [...modules] : ["policy.wasm"];
		add(path, contents.wasm);
	}
	return writeTar(entries, contents.mtime ?? 0);
}

/** The bundle as .tar.gz bytes. */
export function writeBundle(contents: BundleContents): Uint8Array {
	return gzip(bundleTar(contents));
}
