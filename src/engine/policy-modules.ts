// Rego modules added at run time (OPA's Policy API, PUT /v1/policies/<id>): compiled together
// with the active bundle's own .rego sources by Gavel's compiler, so the running policy is the
// bundle plus the uploaded modules. A module whose package lies under a bundle root is the
// bundle's to define and refused, as OPA refuses it. Node only (the back end may use Binaryen).

import { compile } from "../compiler/index.ts";
import { type Module, parseModule, type RegoError, sortErrors } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import { ruleEntrypoints } from "./compile-sources.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

/** A policy the API refuses: OPA's invalid_parameter, with Rego errors when there are some. */
export class PolicyModuleError extends Error {
	constructor(
		message: string,
		readonly errors: RegoError[] = [],
	) {
		super(message);
		this.name = "PolicyModuleError";
	}
}

/** `package a.b` → "a/b" (how OPA writes the path in its ownership message). */
function packagePath(m: Module): string {
	return m.package.path.path
		.map((t) => (t.type === "string" ? t.value : String((t as { name?: string }).name)))
		.join("/");
}

/** Parse one uploaded module (the file name is its id), or throw OPA's 400. */
export function parseUploaded(id: string, raw: string, regoVersion: 0 | 1 = 1): Module {
	if (raw.trim() === "") {
		// OPA's wording for an empty body: one line, no errors list.
		throw new PolicyModuleError(`${id}:0: rego_parse_error: empty module`);
	}
	const { module, errors } = parseModule(raw, id, { regoVersion });
	if (!module || errors.length > 0) {
		throw new PolicyModuleError("error(s) occurred while compiling module(s)", sortErrors(errors));
	}
	return module;
}

/** The bundle root owning a package path, if any ("" owns everything). */
export function owningRoot(roots: readonly string[], pkg: string): string | undefined {
	return roots.find((r) => {
		const root = r.replace(/^\/+|\/+$/g, "");
		return root === "" || pkg === root || pkg.startsWith(`${root}/`) || root.startsWith(`${pkg}/`);
	});
}

/** Refuses a module whose package the bundle owns: OPA's `path a/b is owned by bundle "x"`. */
export function checkOwnership(
	module: Module,
	bundle: PolicyBundle | undefined,
	name: string,
): void {
	if (!bundle) return;
	// No roots in the manifest means the bundle owns the whole tree, as in OPA.
	const roots = bundle.manifest.roots ?? [""];
	const pkg = packagePath(module);
	const root = owningRoot(roots, pkg);
	if (root === undefined) return;
	// OPA's two wordings: a bundle rooted at "" owns every path.
	throw new PolicyModuleError(
		root.replace(/^\/+|\/+$/g, "") === ""
			? `all paths owned by bundle ${JSON.stringify(name)}`
			: `path ${pkg} is owned by bundle ${JSON.stringify(name)}`,
	);
}

/**
 * The bundle's sources and the uploaded modules compiled into one policy. Throws
 * PolicyModuleError with the Rego errors (located in whichever file has them).
 */
export function compileWithModules(
	bundle: PolicyBundle | undefined,
	uploaded: ReadonlyMap<string, Module>,
): PolicyBundle {
	if (bundle && !bundle.rego) {
		throw new PolicyModuleError(
			"the active bundle carries policy.wasm without its .rego sources: uploaded policies cannot be compiled with it (build the bundle with its sources, as gavel build and opa build do)",
		);
	}
	const modules: Module[] = [];
	const errors: RegoError[] = [];
	for (const [file, text] of bundle?.rego ?? []) {
		const r = parseModule(text, file, { regoVersion: bundle?.regoVersion === 0 ? 0 : 1 });
		if (r.module) modules.push(r.module);
		errors.push(...r.errors);
	}
	modules.push(...uploaded.values());
	if (errors.length > 0) {
		throw new PolicyModuleError("error(s) occurred while compiling module(s)", sortErrors(errors));
	}
	const entrypoints = ruleEntrypoints(modules);
	const { policy, errors: compileErrors } = compile({ modules, entrypoints });
	if (!policy) {
		throw new PolicyModuleError("error(s) occurred while compiling module(s)", compileErrors);
	}
	const rego = new Map(bundle?.rego ?? []);
	return {
		manifest: {
			...(bundle?.manifest ?? {}),
			revision: bundle?.manifest.revision ?? "",
			wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: "/policy.wasm" })),
		},
		wasm: emitWasm(policy),
		data: bundle?.data ?? {},
		// The same data, so the same text of it.
		...(bundle?.dataJson ? { dataJson: bundle.dataJson } : {}),
		rego,
		regoVersion: bundle?.regoVersion,
	};
}
