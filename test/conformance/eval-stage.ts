// Stage 2: compile a case's modules with its query, evaluate through the official SDK with
// Gavel's host builtins, and judge the outcome as OPA's runner does.

import { compileQuery, evaluateWasm, QueryEvalError } from "../../src/cli/query.ts";
import { NotConstantError, termToJson } from "../../src/cli/term-json.ts";
import type { Body, RefTerm, Term } from "../../src/rego/ast.ts";
import { formatError, formatErrors } from "../../src/rego/errors.ts";
import { parseTerm } from "../../src/rego/index.ts";
import { projection } from "../input-projection.ts";
import type { ConformanceCase } from "./cases.ts";
import { resultSetMismatch, stringify } from "./compare.ts";
import type { Answer, Outcome } from "./outcome.ts";
import { errorMatches, type ParsedCase, parseOutcome } from "./parse-stage.ts";

const expectsError = (c: ConformanceCase) =>
	c.wantErrorCode !== undefined || c.wantError !== undefined;

/**
 * A case's input: JSON for the SDK's evaluate(), or, when `input_term` holds what JSON cannot
 * carry (a set), a term that the query itself installs. Giving the query `with input as
 * <term>` on every expression is the same as evaluating it against that input: every
 * expression of the query, and every rule it reaches, sees that input.
 */
export function caseInput(c: ConformanceCase): { json: unknown } | { term: Term } {
	if (c.inputTerm === undefined) return { json: c.input };
	const { term, errors } = parseTerm(c.inputTerm);
	if (!term) throw new Error(`input_term does not parse: ${formatErrors(errors)}`);
	if (!jsonCarries(term)) return { term };
	try {
		return { json: termToJson(term) };
	} catch (e) {
		if (e instanceof NotConstantError) return { term };
		throw e;
	}
}

/** Whether the term survives the trip through JSON unchanged (no sets, only string keys). */
export function jsonCarries(t: Term): boolean {
	switch (t.type) {
		case "set":
		case "setCompr":
			return false;
		case "call":
			return !(t.fn.head.type === "var" && t.fn.head.name === "set");
		case "array":
			return t.items.every(jsonCarries);
		case "object":
			return t.entries.every(([k, v]) => k.type === "string" && jsonCarries(v));
		default:
			return true;
	}
}

function withInput(query: Body, term: Term): Body {
	return query.map((e) => {
		const target: RefTerm = {
			type: "ref",
			head: { type: "var", name: "input", loc: e.loc },
			path: [],
			loc: e.loc,
		};
		return { ...e, with: [...e.with, { target, value: term, loc: e.loc }] };
	});
}

export async function evalOutcome(c: ConformanceCase, parsed: ParsedCase): Promise<Outcome> {
	const v0Fallback = parsed.v0Fallback || undefined;
	if (parsed.errors.length > 0 || !parsed.query) {
		const first = parsed.errors[0];
		const answer: Answer | undefined = first
			? { kind: "error", code: first.code, message: parsed.errors.map(formatError).join("\n") }
			: undefined;
		return { ...parseOutcome(c, parsed), answer };
	}

	const input = caseInput(c);
	const query = "term" in input ? withInput(parsed.query, input.term) : parsed.query;
	const compiled = await compileQuery(parsed.modules, query, {
		strictBuiltinErrors: c.strictError,
	});
	if (!compiled.wasm) {
		const text = compiled.errors.map(formatError).join("\n");
		const answer: Answer = {
			kind: "error",
			code: compiled.errors[0]?.code ?? "(none)",
			message: text || "no output",
		};
		if (errorMatches(c, compiled.errors[0]?.code, text))
			return { status: "passed", v0Fallback, answer };
		return {
			status: "failed",
			reason: `compile: ${compiled.errors.length > 0 ? formatError(compiled.errors[0]) : "no output"}`,
			v0Fallback,
			answer,
		};
	}

	const wasm = compiled.wasm;
	const run = async (json: unknown): Promise<unknown[] | QueryEvalError> => {
		try {
			return await evaluateWasm(wasm, c.data ?? {}, json, {
				strictBuiltinErrors: c.strictError,
				// OPA has no step budget: a case is judged on its semantics, and the runner's
				// per-case timeout is what stops one that never finishes.
				limits: { steps: 0, memoryBytes: 0 },
			});
		} catch (e) {
			if (e instanceof QueryEvalError) return e;
			throw e;
		}
	};
	const full = await run("json" in input ? input.json : undefined);
	// The input projection the server applies (only what the query can observe) must never
	// change an answer: every case with an input checks it, on its input with keys added that
	// no rule names (each evaluated whole and projected).
	const projected = "json" in input ? projection(wasm, input.json) : undefined;
	if (projected !== undefined) {
		const [whole, part] = [await run(projected.full), await run(projected.json)];
		const seen = (r: unknown[] | QueryEvalError) =>
			r instanceof QueryEvalError ? `error ${r.code}` : stringify(r);
		if (seen(part) !== seen(whole)) {
			return {
				status: "failed",
				reason: `input projection ${projected.text} changed the answer: ${seen(whole)} became ${seen(part)}`,
				v0Fallback,
			};
		}
	}
	if (full instanceof QueryEvalError) {
		const answer: Answer = { kind: "error", code: full.code, message: full.message };
		if (errorMatches(c, full.code, full.message)) return { status: "passed", v0Fallback, answer };
		return { status: "failed", reason: `eval: ${full.code}: ${full.message}`, v0Fallback, answer };
	}
	const results: unknown[] = full;
	const answer: Answer = { kind: "result", bindings: results as Record<string, unknown>[] };
	if (c.wantResult === undefined) {
		if (expectsError(c)) {
			const want = [c.wantErrorCode, c.wantError].filter((x) => x !== undefined).join(": ");
			return {
				status: "failed",
				reason: `expected error ${want}, got ${stringify(results)}`,
				v0Fallback,
				answer,
			};
		}
		return {
			status: "skipped",
			reason: "case has neither want_result nor an expected error",
			v0Fallback,
			answer,
		};
	}
	const mismatch = resultSetMismatch(
		c.wantResult,
		results as Record<string, unknown>[],
		c.sortBindings,
	);
	return mismatch
		? { status: "failed", reason: mismatch, v0Fallback, answer }
		: { status: "passed", v0Fallback, answer };
}
