// The bundle's /.manifest: OPA's fields, validated on read so a bad manifest fails loudly at
// load time rather than as a confusing evaluation error later.

import { BundleError } from "./errors.ts";

export interface WasmResolver {
	/** Slash-separated rule path, e.g. "example/allow". */
	entrypoint: string;
	/** Path of the Wasm module inside the bundle, e.g. "/policy.wasm". */
	module: string;
	annotations?: unknown[];
}

export interface Manifest {
	revision: string;
	/** Path prefixes (slash-separated) this bundle owns in `data`; [""] owns everything. */
	roots: string[];
	wasm?: WasmResolver[];
	rego_version?: 0 | 1;
	file_rego_versions?: Record<string, 0 | 1>;
	metadata?: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseManifest(text: string): Manifest {
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch (e) {
		throw new BundleError(`.manifest: not valid JSON: ${(e as Error).message}`);
	}
	if (!isRecord(raw)) throw new BundleError(".manifest: must be a JSON object");
	const bad = (what: string) => new BundleError(`.manifest: ${what}`);
	if (raw.revision !== undefined && typeof raw.revision !== "string")
		throw bad("revision must be a string");
	if (
		raw.roots !== undefined &&
		!(Array.isArray(raw.roots) && raw.roots.every((r) => typeof r === "string"))
	) {
		throw bad("roots must be an array of strings");
	}
	if (raw.rego_version !== undefined && raw.rego_version !== 0 && raw.rego_version !== 1) {
		throw bad("rego_version must be 0 or 1");
	}
	if (raw.metadata !== undefined && !isRecord(raw.metadata))
		throw bad("metadata must be an object");
	let wasm: WasmResolver[] | undefined;
	if (raw.wasm !== undefined) {
		if (!Array.isArray(raw.wasm)) throw bad("wasm must be an array");
		wasm = raw.wasm.map((w, i) => {
			if (!isRecord(w) || typeof w.entrypoint !== "string" || typeof w.module !== "string") {
				throw bad(`wasm[${i}] needs string "entrypoint" and "module"`);
			}
			const out: WasmResolver = { entrypoint: w.entrypoint, module: w.module };
			if (Array.isArray(w.annotations)) out.annotations = w.annotations;
			return out;
		});
	}
	const manifest: Manifest = {
		revision: (raw.revision as string | undefined) ?? "",
		roots: (raw.roots as string[] | undefined) ?? [""],
	};
	if (wasm) manifest.wasm = wasm;
	if (raw.rego_version !== undefined) manifest.rego_version = raw.rego_version as 0 | 1;
	if (isRecord(raw.file_rego_versions))
		manifest.file_rego_versions = raw.file_rego_versions as Record<string, 0 | 1>;
	if (raw.metadata !== undefined) manifest.metadata = raw.metadata as Record<string, unknown>;
	return manifest;
}

/** Is the slash-separated `path` inside one of the manifest's roots? */
export function withinRoots(path: string, roots: string[]): boolean {
	const p = path.replace(/^\/+|\/+$/g, "");
	return roots.some((root) => {
		const r = root.replace(/^\/+|\/+$/g, "");
		return r === "" || p === r || p.startsWith(`${r}/`);
	});
}
