// Rego sources to an engine bundle, in-process with Gavel's own compiler: used for bundles
// that carry only .rego files (compiled on activation, as the issue asks) and for the
// policies folder in development. Node only, because the back end may use Binaryen.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { mergeAt } from "../bundle/data.ts";
import { compile } from "../compiler/index.ts";
import { formatErrors, type Module, parseModule } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

/** `package a.b` → ["a", "b"]. */
function packagePath(m: Module): string[] {
	return m.package.path.path.map((t) =>
		t.type === "string" ? t.value : String((t as { name?: string }).name),
	);
}

/**
 * Every rule document that can be an entrypoint, as "pkg/path": the package path, then the
 * rule's head ref up to its first key that is not a string (`p[q].r` is "pkg/p", `a.b.c := 1`
 * is "pkg/a/b/c"). Ref-head rules count too: OPA answers their documents, and the Data API
 * finds a path only among the entrypoints and the prefixes it assembles from them. Functions
 * are not documents.
 */
export function ruleEntrypoints(modules: Module[]): string[] {
	const out = new Set<string>();
	for (const m of modules) {
		const pkg = packagePath(m).join("/");
		for (const r of m.rules) {
			if (r.kind === "function" || r.head.ref.head.type !== "var") continue;
			const path = [r.head.ref.head.name];
			for (const t of r.head.ref.path) {
				if (t.type !== "string") break;
				path.push(t.value);
			}
			out.add(`${pkg}/${path.join("/")}`);
		}
	}
	return [...out].sort();
}

export interface SourceSet {
	/** path → Rego text */
	rego: Map<string, string>;
	data: unknown;
	revision: string;
	/** Entrypoints to plan; default: every rule (see ruleEntrypoints). */
	entrypoints?: string[];
	regoVersion?: 0 | 1;
}

export function compileSources(src: SourceSet): PolicyBundle {
	const modules: Module[] = [];
	const errors = [];
	for (const [file, text] of src.rego) {
		const r = parseModule(text, file, { regoVersion: src.regoVersion ?? 1 });
		if (r.module) modules.push(r.module);
		errors.push(...r.errors);
	}
	if (errors.length > 0) throw new Error(formatErrors(errors));
	const entrypoints = src.entrypoints ?? ruleEntrypoints(modules);
	const { policy, errors: compileErrors } = compile({ modules, entrypoints });
	if (!policy) throw new Error(formatErrors(compileErrors));
	return {
		manifest: {
			revision: src.revision,
			roots: [""],
			wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: "/policy.wasm" })),
		},
		wasm: emitWasm(policy),
		data: src.data,
		rego: src.rego,
		regoVersion: src.regoVersion ?? 1,
	};
}

/** Read a policies folder: every .rego file, and each data.json at the path of its folder. */
export function readSourceDirectory(root: string): {
	rego: Map<string, string>;
	data: Record<string, unknown>;
} {
	const rego = new Map<string, string>();
	const data: Record<string, unknown> = {};
	const walk = (dir: string) => {
		for (const name of readdirSync(dir).sort()) {
			if (name.startsWith(".") || name === "node_modules") continue;
			const path = join(dir, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (name.endsWith(".rego") && !name.endsWith("_test.rego"))
				rego.set(relative(root, path), readFileSync(path, "utf8"));
			else if (name === "data.json") {
				// The bundle reader's merge: a "__proto__" folder or key is data, and a document
				// defined twice is an error, not a silent overwrite.
				const keys = relative(root, dir).split(/[\\/]/).filter(Boolean);
				mergeAt(data, keys, JSON.parse(readFileSync(path, "utf8")), relative(root, path));
			}
		}
	};
	walk(root);
	return { rego, data };
}
