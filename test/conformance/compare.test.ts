import { describe, expect, it } from "vitest";
import { compareValues, resultSetMismatch } from "./compare.ts";
import { buildReport, formatReport, ratchetFailure } from "./report.ts";

describe("compareValues: Rego's order over JSON values", () => {
	it("orders by type first: null < boolean < number < string < array < object", () => {
		const sorted = [{}, [], "a", 1, true, null].sort(compareValues);
		expect(sorted).toEqual([null, true, 1, "a", [], {}]);
	});

	it("treats 1 and 1.0 as equal and compares arrays element-wise, then by length", () => {
		expect(compareValues(1, 1.0)).toBe(0);
		expect(compareValues([1, 2], [1, 3])).toBeLessThan(0);
		expect(compareValues([1, 2], [1])).toBeGreaterThan(0);
	});

	it("compares objects by sorted keys, then values", () => {
		expect(compareValues({ b: 1, a: 2 }, { a: 2, b: 1 })).toBe(0);
		expect(compareValues({ a: 1 }, { a: 2 })).toBeLessThan(0);
		expect(compareValues({ a: 1 }, { b: 0 })).toBeLessThan(0);
	});
});

describe("resultSetMismatch: OPA's runner semantics", () => {
	it("ignores the order of solutions", () => {
		expect(resultSetMismatch([{ x: 1 }, { x: 2 }], [{ x: 2 }, { x: 1 }], false)).toBeUndefined();
	});

	it("reports missing, extra and different solutions", () => {
		expect(resultSetMismatch([{ x: 1 }], [], false)).toMatch(/want \[\{"x":1\}\], got \[\]/);
		expect(resultSetMismatch([], [{ x: 1 }], false)).toBeDefined();
		expect(resultSetMismatch([{ x: "1" }], [{ x: 1 }], false)).toBeDefined();
	});

	it("sorts bound arrays in the actual results only when sort_bindings is set", () => {
		expect(resultSetMismatch([{ x: [1, 2, 3] }], [{ x: [3, 1, 2] }], true)).toBeUndefined();
		expect(resultSetMismatch([{ x: [1, 2, 3] }], [{ x: [3, 1, 2] }], false)).toBeDefined();
	});

	it("compares numbers as values", () => {
		expect(resultSetMismatch([{ x: 2 }], [{ x: 2.0 }], false)).toBeUndefined();
	});
});

describe("report and ratchet", () => {
	const c = (category: string) => ({
		file: `${category}/t.yaml`,
		category,
		note: `${category}/n`,
		query: "",
		modules: [],
		sortBindings: false,
		strictError: false,
	});
	const report = buildReport(2, [
		{ c: c("a"), outcome: { status: "passed" } },
		{ c: c("a"), outcome: { status: "failed", reason: "boom" } },
		{ c: c("b"), outcome: { status: "skipped", reason: "why" } },
	]);

	it("counts per category and in total, and lists failures", () => {
		expect(report).toMatchObject({
			total: 3,
			passed: 1,
			failed: 1,
			skipped: 1,
			categories: {
				a: { passed: 1, failed: 1, skipped: 0 },
				b: { passed: 0, failed: 0, skipped: 1 },
			},
			failures: [{ file: "a/t.yaml", note: "a/n", reason: "boom" }],
		});
		expect(formatReport(report, false)).toContain("total 3: 1 passed (33.3%), 1 failed, 1 skipped");
	});

	it("fails when the pass count drops or the stage regresses, not otherwise", () => {
		expect(ratchetFailure(report, { stage: 2, passed: 1 })).toBeUndefined();
		expect(ratchetFailure(report, { stage: 2, passed: 2 })).toMatch(/fewer than the baseline's 2/);
		expect(ratchetFailure({ ...report, stage: 1 }, { stage: 2, passed: 0 })).toMatch(/stage 2/);
		expect(ratchetFailure(report, { stage: 1, passed: 500 })).toBeUndefined();
	});
});
