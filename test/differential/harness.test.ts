// The differential harness's own pieces: the comparisons (no OPA needed), the seeded mutation
// generator, and, with OPA, the wrapper and a few cases the parts must keep agreeing on.

import { describe, expect, it } from "vitest";
import type { ConformanceCase } from "../conformance/cases.ts";
import { opaRequirement } from "../opa.ts";
import { gavelMismatch, opaRequest, yamlMismatch } from "./conformance.ts";
import { checkBoth, HAND_WRITTEN, mutatedCases } from "./errors.ts";
import { type EvalAnswer, opaCheck, opaEval, pool } from "./opa-cli.ts";

const kase = (over: Partial<ConformanceCase>): ConformanceCase => ({
	file: "f.yaml",
	category: "c",
	note: "n",
	query: "data.p.x = x",
	modules: ["package p\n\nx := 1\n"],
	sortBindings: false,
	strictError: false,
	...over,
});

describe("conformance part: comparisons", () => {
	it("OPA vs the YAML: results as sets of bindings, errors by code and message substring", () => {
		const c = kase({ wantResult: [{ x: 1 }] });
		expect(yamlMismatch(c, { kind: "result", bindings: [{ x: 1.0 }] })).toBeUndefined();
		expect(yamlMismatch(c, { kind: "result", bindings: [{ x: 2 }] })).toMatch(/want/);
		const e = kase({ wantErrorCode: "eval_conflict_error", wantError: "conflicting rules" });
		const opaSays = (message: string): EvalAnswer => ({
			kind: "error",
			errors: [{ code: "eval_conflict_error", message }],
		});
		expect(yamlMismatch(e, opaSays("conflicting rules data.p.x found"))).toBeUndefined();
		expect(yamlMismatch(e, opaSays("rule data.p.x produced conflicting values"))).toBeDefined();
		expect(yamlMismatch(c, { kind: "broken", why: "timeout" })).toMatch(/no answer/);
	});

	it("Gavel vs OPA: same bindings (sorted for sort_bindings), or an error code OPA reports", () => {
		const c = kase({ sortBindings: true });
		expect(
			gavelMismatch(
				c,
				{ kind: "result", bindings: [{ x: [2, 1] }] },
				{ kind: "result", bindings: [{ x: [1, 2] }] },
			),
		).toBeUndefined();
		expect(
			gavelMismatch(
				kase({}),
				{ kind: "result", bindings: [] },
				{ kind: "result", bindings: [{ x: 1 }] },
			),
		).toMatch(/want/);
		const opaErr: EvalAnswer & { kind: "error" } = {
			kind: "error",
			errors: [{ code: "eval_type_error", message: "m" }],
		};
		expect(
			gavelMismatch(c, { kind: "error", code: "eval_type_error", message: "x" }, opaErr),
		).toBeUndefined();
		expect(
			gavelMismatch(c, { kind: "error", code: "rego_type_error", message: "x" }, opaErr),
		).toMatch(/codes differ/);
		expect(gavelMismatch(c, { kind: "result", bindings: [] }, opaErr)).toMatch(/OPA errs/);
	});

	it("an input_term JSON cannot carry becomes `with input as` on the query", () => {
		const r = opaRequest(kase({ query: "x = input", inputTerm: '{"a": {1, 2}}' }));
		expect(r).toMatchObject({ req: { query: 'x = input with input as {"a": {1, 2}}' } });
		const j = opaRequest(kase({ inputTerm: '{"a": [1, 2], }' }));
		expect(j).toMatchObject({ req: { input: { a: [1, 2] }, query: "data.p.x = x" } });
		expect(opaRequest(kase({ strictError: true }))).toMatchObject({
			req: { strictBuiltinErrors: true, v0Compatible: false },
		});
		expect(opaRequest(kase({ modules: ["package p\n\nx = 1 { true }\n"] }))).toMatchObject({
			req: { v0Compatible: true },
		});
	});
});

describe("errors part: generated cases", () => {
	const sources = [{ name: "a.rego", source: "package a\n\nallow if {\n\tinput.x == 1\n}\n" }];

	it("a seed names the same mutations on every run, another seed others", () => {
		const a = mutatedCases(sources, 20, 7);
		expect(a).toHaveLength(20);
		expect(mutatedCases(sources, 20, 7)).toEqual(a);
		expect(mutatedCases(sources, 20, 8)).not.toEqual(a);
		for (const c of a) expect(c.files["policy.rego"]).not.toBe(sources[0].source);
	});

	it("the hand-written list has every kind of error, the cap included", () => {
		const kinds = new Set(HAND_WRITTEN.map((c) => c.name.split(":")[0]));
		for (const k of ["parse", "unsafe", "recursion", "type", "conflict", "compile", "cap", "files"])
			expect(kinds).toContain(k);
	});
});

describe("opa-cli", () => {
	it("pool keeps the order and runs at most `limit` at once", async () => {
		let running = 0;
		let most = 0;
		const out = await pool([5, 1, 4, 2, 3], 2, async (n) => {
			running++;
			most = Math.max(most, running);
			await new Promise((r) => setTimeout(r, n));
			running--;
			return n * 10;
		});
		expect(out).toEqual([50, 10, 40, 20, 30]);
		expect(most).toBe(2);
	});

	const { opa, missing } = opaRequirement("differential harness (opa-cli)");
	it.skipIf(missing === "skip")(
		"opa eval: bindings, undefined, and errors with codes",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const modules = ["package p\n\nxs contains x if some x in input.a\n\nq := 1 / 0\n"];
			expect(await opaEval(opa, { modules, query: "data.p.xs = x", input: { a: [2, 1] } })).toEqual(
				{ kind: "result", bindings: [{ x: [1, 2] }] },
			);
			expect(await opaEval(opa, { modules, query: "data.p.q = x" })).toEqual({
				kind: "result",
				bindings: [],
			});
			const strict = await opaEval(opa, {
				modules,
				query: "data.p.q = x",
				strictBuiltinErrors: true,
			});
			expect(strict).toMatchObject({
				kind: "error",
				errors: [{ code: "eval_builtin_error", location: { file: "test-0.rego", row: 5 } }],
			});
		},
	);

	it.skipIf(missing === "skip")("opa check: [] when clean, OPA's errors otherwise", async () => {
		if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
		const { mkdtempSync, writeFileSync } = await import("node:fs");
		const { tmpdir } = await import("node:os");
		const { join } = await import("node:path");
		const dir = mkdtempSync(join(tmpdir(), "gavel-opa-check-"));
		writeFileSync(join(dir, "ok.rego"), "package ok\n\nx := 1\n");
		writeFileSync(join(dir, "bad.rego"), "package bad\n\nx if { y }\n");
		expect(await opaCheck(opa, ["ok.rego"], { cwd: dir })).toEqual([]);
		expect(await opaCheck(opa, ["bad.rego"], { cwd: dir })).toEqual([
			{
				code: "rego_unsafe_var_error",
				message: "var y is unsafe",
				location: { file: "bad.rego", row: 3, col: 8 },
			},
		]);
	});
});

describe("errors part with OPA", () => {
	const { opa, missing } = opaRequirement("differential harness (errors)");
	// Cases that agree today: a regression in Gavel's checks or its error JSON shows up here.
	const agreeing = [
		"cap: twelve unsafe rules",
		"cap: eleven type errors",
		"unsafe: var in body",
		"type: undefined function",
		"files: conflict across files",
		"parse: v1 needs if",
	];
	for (const name of agreeing) {
		it.skipIf(missing === "skip")(
			`gavel check --format json agrees with opa check: ${name}`,
			async () => {
				if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
				const c = HAND_WRITTEN.find((h) => h.name === name);
				if (!c) throw new Error(`no hand-written case ${name}`);
				expect(await checkBoth(opa, c)).toMatchObject({ agree: true });
			},
		);
	}
});
