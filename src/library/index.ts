// `import … from "gavel"`: in-process decisions for Node services. Load a bundle or compile
// Rego sources, then evaluate with Gavel's host builtins and evaluation limits, as the server
// does, without HTTP. The public types are src/library/gavel.d.ts (the package's index.d.ts).

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readSourceDirectory } from "../engine/compile-sources.ts";
import { policyBundleFromArchive, readBundleDirectory } from "../engine/index.ts";
import { compileToBundle } from "./compile.ts";
import type { BundleOptions, Policy, PolicyOptions, Sources } from "./gavel.d.ts";
import { toPolicy } from "./policy.ts";

export { PolicyEvalError } from "../engine/index.ts";
export { buildBundle, RegoCompileError } from "./compile.ts";

export async function loadBundle(
	source: string | Uint8Array,
	options: BundleOptions = {},
): Promise<Policy> {
	if (source instanceof Uint8Array) return toPolicy(await fromArchive(source, options), options);
	if (typeof source !== "string")
		throw new TypeError("loadBundle takes a path or the bundle's bytes (Uint8Array)");
	const st = await stat(source);
	if (!st.isDirectory()) {
		return toPolicy(await fromArchive(new Uint8Array(await readFile(source)), options), options);
	}
	const names = await readdir(source);
	if (names.includes(".manifest")) {
		if (options.signing)
			throw new Error(`${source}: signatures are verified on .tar.gz bundles only`);
		return toPolicy(await readBundleDirectory(source), options);
	}
	const { rego, data } = readSourceDirectory(source);
	if (rego.size === 0) throw new Error(`${source}: no .manifest and no .rego files`);
	if (options.signing) throw new Error(`${source}: a folder of sources carries no signature`);
	const modules = Object.fromEntries([...rego].map(([file, text]) => [join(source, file), text]));
	return toPolicy(compileToBundle({ modules, data }, options.strictBuiltinErrors), options);
}

async function fromArchive(bytes: Uint8Array, options: BundleOptions) {
	return policyBundleFromArchive(bytes, { signing: options.signing });
}

export async function compile(sources: Sources, options: PolicyOptions = {}): Promise<Policy> {
	return toPolicy(compileToBundle(sources, options.strictBuiltinErrors), options);
}
