// Part 1 of the differential harness: the shared conformance suite three ways. Every case runs
// through Gavel (the conformance runner's own path: worker thread, compile, official SDK) and
// through `opa eval` (its modules as test-N.rego, data.json, input.json, the query;
// --strict-builtin-errors for strict_error cases, --v0-compatible only for cases whose modules
// only parse in OPA 0.x syntax). Two findings, kept apart:
//   (a) OPA vs the YAML's expectation: stale or version-dependent cases (in `extra.opaVsYaml`,
//       with OPA's answer as evidence); they are no reason to change Gavel;
//   (b) Gavel vs OPA: the part's agree/disagree counts. Results agree when they are the same
//       set of bindings (Rego value equality; arrays sorted first for sort_bindings cases);
//       errors agree when Gavel's error code is one OPA reports.

import { formatErrors } from "../../src/rego/errors.ts";
import { parseQuery, parseTerm } from "../../src/rego/index.ts";
import { type ConformanceCase, loadCases, suiteDir } from "../conformance/cases.ts";
import { normaliseActual, resultSetMismatch } from "../conformance/compare.ts";
import { caseInput } from "../conformance/eval-stage.ts";
import type { Answer, Outcome } from "../conformance/outcome.ts";
import { parseCase } from "../conformance/parse-stage.ts";
import { runAll } from "../conformance/pool.ts";
import { type EvalAnswer, type EvalRequest, opaEval, pool } from "./opa-cli.ts";
import type { Disagreement, Part, PartResult } from "./part.ts";

const CASE_TIMEOUT_MS = 20_000;

/** How `opa eval` is asked a case: the request, or why it cannot be (the case is skipped). */
export function opaRequest(c: ConformanceCase): { req: EvalRequest } | { skip: string } {
	const v0 = parseCase(c).v0Fallback;
	const req: EvalRequest = {
		modules: c.modules,
		query: c.query,
		data: c.data,
		strictBuiltinErrors: c.strictError,
		v0Compatible: v0,
		timeoutMs: CASE_TIMEOUT_MS,
	};
	if (c.inputTerm === undefined) {
		if (c.input !== undefined) req.input = c.input;
		return { req };
	}
	let input: ReturnType<typeof caseInput>;
	try {
		input = caseInput(c);
	} catch (e) {
		return { skip: (e as Error).message };
	}
	if ("json" in input) {
		req.input = input.json;
		return { req };
	}
	// A term JSON cannot carry (a set): give it as `with input as <term>`, which OPA's query
	// parser takes on a one-expression query (what every such case has).
	const q = parseQuery(c.query);
	if (q.errors.length > 0 || q.body?.length !== 1)
		return { skip: "input_term with a set on a query of more than one expression" };
	const t = parseTerm(c.inputTerm);
	if (!t.term) return { skip: `input_term does not parse: ${formatErrors(t.errors)}` };
	req.query = `${c.query.trim()} with input as ${c.inputTerm}`;
	return { req };
}

/** Does OPA's answer meet the YAML's expectation? Undefined when yes, else why not. */
export function yamlMismatch(c: ConformanceCase, opa: EvalAnswer): string | undefined {
	if (opa.kind === "broken") return `OPA gave no answer: ${opa.why}`;
	const wantsError = c.wantErrorCode !== undefined || c.wantError !== undefined;
	if (wantsError) {
		if (opa.kind !== "error") return "want an error, OPA gave a result";
		const ok = opa.errors.some(
			(e) =>
				(c.wantErrorCode === undefined || e.code === c.wantErrorCode) &&
				(c.wantError === undefined || e.message.includes(c.wantError)),
		);
		return ok ? undefined : "OPA's error differs from the expected one";
	}
	if (c.wantResult === undefined) return undefined;
	if (opa.kind === "error") return "want a result, OPA gave an error";
	return resultSetMismatch(c.wantResult, opa.bindings, c.sortBindings);
}

/** Does Gavel answer as OPA does? Undefined when yes, else why not. */
export function gavelMismatch(
	c: ConformanceCase,
	gavel: Answer,
	opa: Exclude<EvalAnswer, { kind: "broken" }>,
): string | undefined {
	if (gavel.kind === "error" && opa.kind === "error") {
		return opa.errors.some((e) => e.code === gavel.code)
			? undefined
			: `error codes differ: Gavel ${gavel.code}, OPA ${opa.errors.map((e) => e.code).join(",")}`;
	}
	if (gavel.kind !== opa.kind)
		return gavel.kind === "error" ? "Gavel errs, OPA answers" : "OPA errs, Gavel answers";
	if (gavel.kind === "result" && opa.kind === "result")
		return resultSetMismatch(
			normaliseActual(opa.bindings, c.sortBindings),
			gavel.bindings,
			c.sortBindings,
		);
	return undefined;
}

function repro(c: ConformanceCase, req?: EvalRequest): Record<string, unknown> {
	return {
		file: c.file,
		modules: c.modules,
		data: c.data,
		input: c.input,
		input_term: c.inputTerm,
		query: c.query,
		strict_error: c.strictError || undefined,
		sort_bindings: c.sortBindings || undefined,
		opa_args: req
			? [
					req.strictBuiltinErrors ? "--strict-builtin-errors" : undefined,
					req.v0Compatible ? "--v0-compatible" : undefined,
				].filter(Boolean)
			: undefined,
	};
}

const expectation = (c: ConformanceCase) =>
	c.wantResult !== undefined
		? { want_result: c.wantResult }
		: { want_error_code: c.wantErrorCode, want_error: c.wantError };

export const part: Part = async (opts) => {
	const root = suiteDir();
	const result: PartResult = {
		part: "conformance",
		agree: 0,
		disagree: 0,
		skipped: 0,
		disagreements: [],
	};
	if (!root) {
		result.extra = { note: "no conformance suite ($OPA_TEST_CASES, ../shared/conformance/opa-v1)" };
		return result;
	}
	const cases = loadCases(root);
	const requests = cases.map(opaRequest);
	// Gavel's worker thread and the OPA processes run side by side (OPA: a pool of processes).
	const t0 = performance.now();
	const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(1));
	const timing: Record<string, number> = {};
	const [outcomes, opaAnswers] = await Promise.all([
		runAll(cases, 2, CASE_TIMEOUT_MS).then((o) => {
			timing.gavelSeconds = seconds();
			return o;
		}),
		pool(cases, opts.concurrency ?? 2, async (_c, i) => {
			const r = requests[i];
			return "req" in r ? opaEval(opts.opa, r.req) : undefined;
		}).then((a) => {
			timing.opaSeconds = seconds();
			return a;
		}),
	]);

	const opaVsYaml: Record<string, unknown>[] = [];
	const allThreeDiffer: string[] = [];
	const skips: { name: string; why: string }[] = [];
	cases.forEach((c, i) => {
		const name = `${c.file}: ${c.note}`;
		const r = requests[i];
		const opa = opaAnswers[i];
		const outcome: Outcome = outcomes[i];
		if (!opa || !("req" in r)) {
			result.skipped++;
			skips.push({ name, why: "skip" in r ? r.skip : "not run" });
			return;
		}
		const stale = yamlMismatch(c, opa);
		if (stale) opaVsYaml.push({ name, why: stale, expected: expectation(c), opa });
		if (opa.kind === "broken") {
			result.skipped++;
			skips.push({ name, why: `OPA: ${opa.why}` });
			return;
		}
		const why = outcome.answer
			? gavelMismatch(c, outcome.answer, opa)
			: `Gavel gave no answer: ${outcome.reason}`;
		if (!why) {
			result.agree++;
			return;
		}
		result.disagree++;
		if (stale && outcome.status === "failed") allThreeDiffer.push(name);
		const d: Disagreement = {
			name,
			repro: repro(c, r.req),
			gavel: outcome.answer ?? { kind: "none", reason: outcome.reason },
			opa,
			note: why,
		};
		result.disagreements.push(d);
	});
	result.extra = {
		cases: cases.length,
		timing,
		/** Cases where OPA v1.22.3 itself does not give the YAML's expected answer. */
		opaVsYaml,
		/** Gavel differs from OPA and OPA from the YAML too. */
		allThreeDiffer,
		/** Gavel passes the YAML's expectation while disagreeing with OPA (stale cases Gavel follows). */
		gavelFollowsStaleYaml: result.disagreements
			.filter(
				(d) =>
					outcomes[cases.findIndex((c) => `${c.file}: ${c.note}` === d.name)]?.status === "passed",
			)
			.map((d) => d.name),
		skips,
	};
	return result;
};
