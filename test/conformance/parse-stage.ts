// Stage 1: a case's modules and query parse, or fail with the rego_parse_error it expects.

import type { Body, Module } from "../../src/rego/ast.ts";
import { formatError, type RegoError } from "../../src/rego/errors.ts";
import { parseModule, parseQuery } from "../../src/rego/index.ts";
import { type ConformanceCase, moduleFileName } from "./cases.ts";
import type { Outcome } from "./outcome.ts";

export interface ParsedCase {
	modules: Module[];
	query?: Body;
	errors: RegoError[];
	v0Fallback: boolean;
}

/**
 * Parses in v1 syntax; a module that fails there but parses as OPA 0.x is accepted in v0 mode,
 * because a few upstream v1 cases (all/, any/, …) still use the pre-1.0 rule form. The runner
 * counts those so the fallback never hides silently.
 */
export function parseCase(c: ConformanceCase): ParsedCase {
	const modules: Module[] = [];
	const errors: RegoError[] = [];
	let v0Fallback = false;
	c.modules.forEach((source, i) => {
		const file = moduleFileName(i);
		const v1 = parseModule(source, file, { regoVersion: 1 });
		if (v1.module && v1.errors.length === 0) {
			modules.push(v1.module);
			return;
		}
		const v0 = parseModule(source, file, { regoVersion: 0 });
		if (v0.module && v0.errors.length === 0) {
			modules.push(v0.module);
			v0Fallback = true;
			return;
		}
		errors.push(...v1.errors);
	});
	const q = parseQuery(c.query);
	errors.push(...q.errors);
	return { modules, query: q.errors.length === 0 ? q.body : undefined, errors, v0Fallback };
}

/** Does this error satisfy the case's expected error code and message (a substring)? */
export function errorMatches(
	c: ConformanceCase,
	code: string | undefined,
	message: string,
): boolean {
	if (c.wantErrorCode !== undefined && c.wantErrorCode !== code) return false;
	if (c.wantError !== undefined && !message.includes(c.wantError)) return false;
	return c.wantErrorCode !== undefined || c.wantError !== undefined;
}

export function parseOutcome(c: ConformanceCase, parsed: ParsedCase): Outcome {
	const v0Fallback = parsed.v0Fallback || undefined;
	if (parsed.errors.length > 0) {
		const first = parsed.errors[0];
		if (errorMatches(c, first.code, parsed.errors.map(formatError).join("\n"))) {
			return { status: "passed", v0Fallback };
		}
		return { status: "failed", reason: `parse: ${formatError(first)}`, v0Fallback };
	}
	if (c.wantErrorCode === "rego_parse_error") {
		return { status: "failed", reason: "expected rego_parse_error, parsed cleanly", v0Fallback };
	}
	return { status: "passed", v0Fallback };
}
