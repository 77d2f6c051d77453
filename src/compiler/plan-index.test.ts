// The plans plan-index.ts makes, read from the printed IR: which rule sets get a dispatch
// (a `defined` read of the tested value, then a search), which tests are checked ahead of a
// body (guards), and which are left alone. The answers these plans give are checked against
// OPA in test/scale/index-shapes.test.ts.

import { describe, expect, it } from "vitest";
import { printIr } from "./index.ts";
import { compileSource } from "./test-helpers.ts";

/** The printed IR of one Func (from its `func` line to the next). */
function funcIr(src: string, entrypoint: string, func: string): string {
	const r = compileSource([src], { entrypoints: [entrypoint] });
	if (!r.policy) throw new Error(r.errors.join("\n"));
	const ir = printIr(r.policy);
	const at = ir.indexOf(`func g0.data.${func}(`);
	if (at < 0) throw new Error(`no func ${func} in\n${ir}`);
	const next = ir.indexOf("\nfunc ", at + 1);
	return ir.slice(at, next < 0 ? undefined : next);
}

const count = (s: string, sub: string) => s.split(sub).length - 1;

describe("rule index plans", () => {
	it("dispatches a partial set on its input test, searching past four values", () => {
		const rules = Array.from({ length: 8 }, (_, i) => `s contains ${i} if input.kind == "K${i}"`);
		const ir = funcIr(`package t\n${rules.join("\n")}\n`, "t/s", "t.s");
		expect(ir).toContain("is string");
		expect(ir).toContain("call lt(");
	});

	it("dispatches integers, booleans and null without a type test, in Rego's order", () => {
		const src = `package t
v := 1 if input.n == 2
v := 2 if input.n == 1
v := 3 if input.n == true
v := 4 if input.n == null
v := 5 if input.n == "s"
`;
		const ir = funcIr(src, "t/v", "t.v");
		expect(ir).not.toContain("is string");
		const order = ["== null", "== true", "== 1\n", "== 2\n", '== "s"'].map((x) => ir.indexOf(x));
		expect(order.every((x) => x >= 0)).toBe(true);
		expect(order).toEqual([...order].sort((a, b) => a - b));
	});

	it("dispatches a function on its parameter, and on constant argument patterns", () => {
		const src = `package t
f(x) := 1 if x == "a"
f(x) := 2 if x == "b"
f("c") := 3
fa := f(input.x)
`;
		const ir = funcIr(src, "t/fa", "t.f");
		expect(ir).toMatch(/defined %2\n\s+is string %2/);
		expect(count(ir, '%2 == "c"')).toBe(2);
	});

	it("reads base data once for the dispatch, but never a virtual document", () => {
		const base = funcIr(
			'package t\nm := 1 if data.cfg.mode == "a"\nm := 2 if data.cfg.mode == "b"\n',
			"t/m",
			"t.m",
		);
		expect(base).toContain("is string");
		const virtual = funcIr(
			'package t\nc := "a"\nm := 1 if c == "a"\nm := 2 if c == "b"\n',
			"t/m",
			"t.m",
		);
		expect(virtual).not.toContain("is string");
		expect(virtual).not.toContain("blocks");
		expect(count(virtual, "call g0.data.t.c(")).toBe(2);
	});

	it("guards a test that follows an expression which may fail, not one that leads", () => {
		const lone = funcIr(
			'package t\nc := 1\nlone := 1 if { c == 1; input.x == "z" }\n',
			"t/lone",
			"t.lone",
		);
		// The test on input.x runs before the call to c (which may raise), and again in the body.
		expect(count(lone, '== "z"')).toBe(2);
		expect(lone.indexOf('== "z"')).toBeLessThan(lone.indexOf("call g0.data.t.c("));
		const leading = funcIr(
			'package t\nc := 1\nlone := 1 if { input.x == "z"; c == 1 }\n',
			"t/lone",
			"t.lone",
		);
		expect(count(leading, '== "z"')).toBe(1);
	});

	it("never dispatches on an else chain, but guards each of its links", () => {
		const src = `package t
c := 1
v := 1 if { c == 1; input.x == "a" } else := 2 if { c == 1; input.x == "b" } else := 3
`;
		const ir = funcIr(src, "t/v", "t.v");
		expect(ir).not.toContain("is string");
		for (const s of ['"a"', '"b"']) {
			expect(count(ir, `== ${s}`)).toBe(2);
		}
	});
});
