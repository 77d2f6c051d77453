// Rego sources → a compiled policy (engine bundle) or an OPA bundle's bytes, with structured
// errors. The engine's compileSources flattens errors into text for the server's logs; a
// library caller gets them as data (RegoCompileError.errors).

import { createHash } from "node:crypto";
import { writeBundle } from "../bundle/index.ts";
import { entrypointsWithoutRules } from "../cli/entrypoints.ts";
import { compile as compileModules } from "../compiler/index.ts";
import { ruleEntrypoints } from "../engine/compile-sources.ts";
import type { PolicyBundle } from "../engine/index.ts";
import { formatErrors, type Module, parseModule, type RegoError } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import type { RegoProblem, Sources } from "./gavel.d.ts";

export class RegoCompileError extends Error {
	readonly errors: readonly RegoProblem[];
	constructor(errors: readonly RegoProblem[]) {
		super(
			formatErrors(
				errors.map((e) => ({
					code: e.code as RegoError["code"],
					message: e.message,
					loc: e.location,
				})),
			),
		);
		this.name = "RegoCompileError";
		this.errors = errors;
	}
}

function problems(errors: RegoError[]): RegoProblem[] {
	return errors.map((e) => {
		const p: RegoProblem = { code: e.code, message: e.message };
		if (e.loc) p.location = { file: e.loc.file, row: e.loc.row, col: e.loc.col };
		return p;
	});
}

function checkSources(sources: Sources): void {
	if (sources === null || typeof sources !== "object" || typeof sources.modules !== "object")
		throw new TypeError("sources.modules must be an object of file name → Rego text");
	for (const [file, text] of Object.entries(sources.modules)) {
		if (typeof text !== "string") throw new TypeError(`sources.modules["${file}"] is not a string`);
	}
	if (Object.keys(sources.modules).length === 0)
		throw new TypeError("sources.modules holds no Rego module");
	const d = sources.data;
	if (d !== undefined && (d === null || typeof d !== "object" || Array.isArray(d)))
		throw new TypeError("sources.data must be an object (it is the document `data`)");
}

/** The revision when none is given: a hash of everything that decides the result. */
function sourceHash(sources: Sources): string {
	const h = createHash("sha256");
	for (const [file, text] of Object.entries(sources.modules).sort(([a], [b]) => (a < b ? -1 : 1)))
		h.update(file).update("\0").update(text).update("\0");
	return `src-${h
		.update(JSON.stringify(sources.data ?? {}))
		.digest("hex")
		.slice(0, 12)}`;
}

/**
 * Parse, check, plan and emit. Throws RegoCompileError on any problem in the sources.
 * `strictBuiltinErrors` is compiled in: builtins the module runs natively read it there.
 */
export function compileToBundle(sources: Sources, strictBuiltinErrors = false): PolicyBundle {
	checkSources(sources);
	const regoVersion = sources.regoVersion ?? 1;
	const modules: Module[] = [];
	const errors: RegoError[] = [];
	for (const [file, text] of Object.entries(sources.modules)) {
		const r = parseModule(text, file, { regoVersion });
		if (r.module) modules.push(r.module);
		errors.push(...r.errors);
	}
	if (errors.length > 0) throw new RegoCompileError(problems(errors));
	const entrypoints = sources.entrypoints ?? ruleEntrypoints(modules);
	if (entrypoints.some((e) => typeof e !== "string" || e.trim() === ""))
		throw new TypeError("sources.entrypoints must be rule paths such as example/allow");
	// A typo in an entrypoint would otherwise compile to a policy that is always undefined.
	const unknown = entrypointsWithoutRules(modules, entrypoints);
	if (unknown.length > 0) {
		throw new RegoCompileError(
			unknown.map((e) => ({
				code: "rego_compile_error",
				message: `entrypoint ${e} does not refer to any rule`,
			})),
		);
	}
	const { policy, errors: compileErrors } = compileModules({
		modules,
		entrypoints,
		strictBuiltinErrors,
	});
	if (!policy || compileErrors.length > 0) throw new RegoCompileError(problems(compileErrors));
	if (policy.plans.length === 0) {
		throw new RegoCompileError([
			{ code: "rego_compile_error", message: "no entrypoints: the modules define no rules" },
		]);
	}
	return {
		manifest: {
			revision: sources.revision ?? sourceHash(sources),
			roots: [""],
			wasm: policy.plans.map((p) => ({ entrypoint: p.name, module: "/policy.wasm" })),
			rego_version: regoVersion,
		},
		wasm: emitWasm(policy),
		data: sources.data ?? {},
	};
}

/** The sources as OPA bundle bytes (.tar.gz): manifest, data.json, the .rego files, policy.wasm. */
export function buildBundle(sources: Sources): Uint8Array {
	const compiled = compileToBundle(sources);
	return writeBundle({
		manifest: {
			revision: compiled.manifest.revision ?? "",
			roots: [""],
			wasm: compiled.manifest.wasm,
			rego_version: sources.regoVersion ?? 1,
		},
		data: compiled.data,
		wasm: compiled.wasm,
		rego: new Map(Object.entries(sources.modules)),
	});
}
