// Build a real bundle for the tests from Rego sources with Gavel's own compiler and back end
// (parse → compile → emitWasm → OPA tar.gz), as `gavel build` does.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBundle } from "../../src/bundle/index.ts";
import { compile } from "../../src/compiler/index.ts";
import { formatErrors, type Module, parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";

export interface BundleSpec {
	/** file name → Rego source */
	sources: Record<string, string>;
	entrypoints: string[];
	data?: Record<string, unknown>;
	revision: string;
	/** The manifest's roots (default [""]: the bundle owns every path). */
	roots?: string[];
	/** Leave the .rego sources out (policy.wasm only). */
	withoutSources?: boolean;
}

export function buildBundle(spec: BundleSpec): Uint8Array {
	const modules: Module[] = [];
	for (const [file, text] of Object.entries(spec.sources)) {
		const { module, errors } = parseModule(text, file);
		if (!module) throw new Error(formatErrors(errors));
		modules.push(module);
	}
	const { policy, errors } = compile({ modules, entrypoints: spec.entrypoints });
	if (!policy) throw new Error(formatErrors(errors));
	return writeBundle({
		manifest: {
			revision: spec.revision,
			roots: spec.roots ?? [""],
			wasm: spec.entrypoints.map((entrypoint) => ({ entrypoint, module: "/policy.wasm" })),
		},
		data: spec.data ?? {},
		wasm: emitWasm(policy),
		rego: spec.withoutSources ? new Map() : new Map(Object.entries(spec.sources)),
	});
}

/** Build the bundle into a fresh temporary folder and return the .tar.gz file's path. */
export function writeBundleFile(spec: BundleSpec): string {
	const file = join(mkdtempSync(join(tmpdir(), "gavel-bundle-")), "bundle.tar.gz");
	writeFileSync(file, buildBundle(spec));
	return file;
}

/**
 * The service's policies from the repository (policies/example, policies/authzen): every
 * .rego file, and each folder's data.json at data.<folder>.
 */
export function repoPolicies(
	root = "policies",
	dirs = ["example", "authzen"],
): { sources: Record<string, string>; data: Record<string, unknown> } {
	const sources: Record<string, string> = {};
	const data: Record<string, unknown> = {};
	for (const dir of dirs) {
		for (const f of readdirSync(join(root, dir))) {
			const path = join(root, dir, f);
			if (f.endsWith(".rego")) sources[path] = readFileSync(path, "utf8");
			if (f === "data.json") data[dir] = JSON.parse(readFileSync(path, "utf8"));
		}
	}
	return { sources, data };
}
