// Stage 2: compile a case's modules with its query, evaluate through the official SDK with
// Gavel's host builtins, and judge the outcome as OPA's runner does.

import { compileQuery, evaluateWasm, QueryEvalError } from "../../src/cli/query.ts";
import { NotConstantError, termToJson } from "../../src/cli/term-json.ts";
import { formatError, formatErrors } from "../../src/rego/errors.ts";
import { parseTerm } from "../../src/rego/index.ts";
import type { ConformanceCase } from "./cases.ts";
import { resultSetMismatch, stringify } from "./compare.ts";
import type { Outcome } from "./outcome.ts";
import { errorMatches, type ParsedCase, parseOutcome } from "./parse-stage.ts";

const expectsError = (c: ConformanceCase) =>
	c.wantErrorCode !== undefined || c.wantError !== undefined;

function caseInput(c: ConformanceCase): unknown {
	if (c.inputTerm === undefined) return c.input;
	const { term, errors } = parseTerm(c.inputTerm);
	if (!term) throw new Error(`input_term does not parse: ${formatErrors(errors)}`);
	try {
		return termToJson(term);
	} catch (e) {
		if (e instanceof NotConstantError) throw new Error(`input_term: ${e.message}`);
		throw e;
	}
}

export async function evalOutcome(c: ConformanceCase, parsed: ParsedCase): Promise<Outcome> {
	const v0Fallback = parsed.v0Fallback || undefined;
	if (parsed.errors.length > 0 || !parsed.query) return parseOutcome(c, parsed);

	const compiled = await compileQuery(parsed.modules, parsed.query, {
		strictBuiltinErrors: c.strictError,
	});
	if (!compiled.wasm) {
		const text = compiled.errors.map(formatError).join("\n");
		if (errorMatches(c, compiled.errors[0]?.code, text)) return { status: "passed", v0Fallback };
		return {
			status: "failed",
			reason: `compile: ${compiled.errors.length > 0 ? formatError(compiled.errors[0]) : "no output"}`,
			v0Fallback,
		};
	}

	let results: unknown[];
	try {
		results = await evaluateWasm(compiled.wasm, c.data ?? {}, caseInput(c), {
			strictBuiltinErrors: c.strictError,
		});
	} catch (e) {
		if (e instanceof QueryEvalError) {
			if (errorMatches(c, e.code, e.message)) return { status: "passed", v0Fallback };
			return { status: "failed", reason: `eval: ${e.code}: ${e.message}`, v0Fallback };
		}
		throw e;
	}
	if (c.wantResult === undefined) {
		if (expectsError(c)) {
			const want = [c.wantErrorCode, c.wantError].filter((x) => x !== undefined).join(": ");
			return {
				status: "failed",
				reason: `expected error ${want}, got ${stringify(results)}`,
				v0Fallback,
			};
		}
		return {
			status: "skipped",
			reason: "case has neither want_result nor an expected error",
			v0Fallback,
		};
	}
	const mismatch = resultSetMismatch(
		c.wantResult,
		results as Record<string, unknown>[],
		c.sortBindings,
	);
	return mismatch
		? { status: "failed", reason: mismatch, v0Fallback }
		: { status: "passed", v0Fallback };
}
