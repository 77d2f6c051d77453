// Shared by the compiler's tests: Rego source in, compile result out.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { formatError, type Module, parseModule, parseQuery } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import { checkModules, compile, entrypointPath } from "./index.ts";
import type { Policy } from "./ir.ts";

export function parse(source: string, file = "policy.rego"): Module {
	const r = parseModule(source, file, { regoVersion: 1 });
	if (!r.module) throw new Error(r.errors.map(formatError).join("\n"));
	return r.module;
}

export function compileSource(
	sources: string[],
	opts: { entrypoints?: string[]; query?: string } = {},
): { policy?: Policy; errors: string[] } {
	const modules = sources.map((s, i) =>
		parse(s, sources.length === 1 ? "policy.rego" : `m${i}.rego`),
	);
	const queries = [];
	if (opts.query !== undefined) {
		const q = parseQuery(opts.query);
		if (!q.body) throw new Error(q.errors.map(formatError).join("\n"));
		queries.push({ name: "q", body: q.body });
	}
	const r = compile({ modules, entrypoints: opts.entrypoints, queries });
	return { policy: r.policy, errors: r.errors.map(formatError) };
}

/** The errors `gavel check` would print for these sources. */
export function checkSource(...sources: string[]): string[] {
	const modules = sources.map((s, i) =>
		parse(s, sources.length === 1 ? "policy.rego" : `m${i}.rego`),
	);
	return checkModules(modules).map(formatError);
}

/**
 * End to end: compile, emit Wasm, load it with the official SDK, evaluate. Returns the
 * `result` of each entry of the result set; compile errors throw.
 */
export async function evalSource(
	sources: string[],
	entrypointOrQuery: { entrypoint: string } | { query: string },
	opts: { input?: unknown; data?: unknown } = {},
): Promise<unknown[]> {
	const r =
		"entrypoint" in entrypointOrQuery
			? compileSource(sources, { entrypoints: [entrypointOrQuery.entrypoint] })
			: compileSource(sources, { query: entrypointOrQuery.query });
	if (!r.policy) throw new Error(r.errors.join("\n"));
	const policy = await loadPolicy(emitWasm(r.policy));
	if (opts.data !== undefined) policy.setData(opts.data as object);
	const name =
		"entrypoint" in entrypointOrQuery
			? entrypointPath(entrypointOrQuery.entrypoint).join("/")
			: "q";
	const rs = policy.evaluate(opts.input, name) as { result: unknown }[];
	return rs.map((x) => x.result);
}
