// Shared by the compiler's tests: Rego source in, compile result out.

import { formatError, type Module, parseModule, parseQuery } from "../rego/index.ts";
import { checkModules, compile } from "./index.ts";
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
