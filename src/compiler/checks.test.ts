import { describe, expect, it } from "vitest";
import { type Module, parseModule } from "../rego/index.ts";
import { checkModules } from "./index.ts";
import { checkSource, compileSource } from "./test-helpers.ts";

describe("semantic checks report OPA's codes at the right place", () => {
	it("unknown functions and builtins", () => {
		expect(checkSource("package p\nx := foo(1)")).toEqual([
			"policy.rego:2:6: rego_type_error: undefined function foo",
		]);
		expect(checkSource("package p\nx := io.jwt.nope(1)")).toEqual([
			"policy.rego:2:6: rego_type_error: undefined function io.jwt.nope",
		]);
	});

	it("deprecated builtins exist in v0 modules", () => {
		const m = parseModule("package p\nx = y { any([true], y) }", "v0.rego", { regoVersion: 0 });
		expect(m.errors).toEqual([]);
		expect(checkModules([m.module as Module])).toEqual([]);
	});

	it("arity of builtins and user functions", () => {
		const [e] = checkSource("package p\nx := count(1, 2, 3)");
		expect(e).toMatch(/^policy\.rego:2:6: rego_type_error: count: arity mismatch/);
		const [f] = checkSource("package p\ny := f(1, 2, 3)\nf(x) := x");
		expect(f).toBe(
			"policy.rego:2:6: rego_type_error: function data.p.f has arity 1, got 3 arguments",
		);
	});

	it("literal arguments of the wrong type are type errors; run-time values are not", () => {
		expect(checkSource('package p\nx := array.reverse({"a": 1})')).toEqual([
			"policy.rego:2:6: rego_type_error: array.reverse: invalid argument(s)\n\thave: (object<a: number>)\n\twant: (array[any])",
		]);
		expect(checkSource("package p\nx := array.reverse(input.a)")).toEqual([]);
		expect(checkSource('package p\nx := count("abc")')).toEqual([]);
	});

	it("a builtin called with one extra argument binds it as output", () => {
		expect(checkSource("package p\nx := n if count([1], n)")).toEqual([]);
	});

	it("redeclaring and assigning used vars", () => {
		expect(checkSource("package p\nx if {\n\ty := 1\n\ty := 2\n}")).toEqual([
			"policy.rego:4:2: rego_compile_error: var y assigned above",
		]);
		expect(checkSource("package p\nx if {\n\ty == 1\n\ty := 2\n}")).toEqual([
			"policy.rego:4:2: rego_compile_error: var y referenced above",
		]);
	});

	it("unsafe vars in bodies, heads and negations", () => {
		expect(checkSource("package p\nx if {\n\tz > 1\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: var z is unsafe",
		]);
		expect(checkSource("package p\nx contains y if {\n\tinput.a == 1\n}")).toEqual([
			"policy.rego:2:12: rego_unsafe_var_error: var y is unsafe",
		]);
		expect(checkSource("package p\nx if {\n\tnot input.a[y]\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: var y is unsafe",
		]);
	});

	it("a var declared by := is not reported when its right side is unsafe (as OPA)", () => {
		expect(checkSource("package p\nr if {\n\ty := x\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: var x is unsafe",
		]);
		expect(checkSource("package p\nr if {\n\ty := x\n\tz := y\n\t[a, b] := z\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: var x is unsafe",
		]);
		// `=` declares nothing: both sides stay the author's vars.
		expect(checkSource("package p\nr if {\n\ty = x\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: var y is unsafe",
			"policy.rego:3:2: rego_unsafe_var_error: var x is unsafe",
		]);
		const { errors } = compileSource(["package p\na := 1"], { query: "y := x" });
		expect(errors).toEqual(["query:1:1: rego_unsafe_var_error: var x is unsafe"]);
	});

	it("only wildcards stuck: the expression is reported", () => {
		expect(checkSource("package p\nx if {\n\t_ == 1\n}")).toEqual([
			"policy.rego:3:2: rego_unsafe_var_error: expression is unsafe",
		]);
	});

	it("reorders so that vars are bound before use", () => {
		expect(checkSource("package p\nx if {\n\ty > 1\n\ty = input.n\n}")).toEqual([]);
		expect(checkSource("package p\nx if {\n\tnot input.a[_]\n}")).toEqual([]);
	});

	it("recursion, directly and through other rules", () => {
		expect(checkSource("package p\na if b\nb if a")).toEqual([
			"policy.rego:2:1: rego_recursion_error: rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.a",
			"policy.rego:3:1: rego_recursion_error: rule data.p.b is recursive: data.p.b -> data.p.a -> data.p.b",
		]);
		expect(checkSource("package p\na contains x if some x in a")).toEqual([
			"policy.rego:2:1: rego_recursion_error: rule data.p.a is recursive: data.p.a -> data.p.a",
		]);
	});

	it("conflicting rule kinds and duplicate defaults (where and how OPA reports them)", () => {
		expect(checkSource("package p\nf(x) := 1\nf := 2\nf(x, y) := 3")).toEqual([
			"policy.rego:2:1: rego_type_error: conflicting rules data.p.f found",
		]);
		expect(checkSource("package p\ndefault a := 1\ndefault a := 2")).toEqual([
			"policy.rego:1:1: rego_type_error: multiple default rules data.p.a found at policy.rego:2, policy.rego:3",
		]);
	});

	it("a rule may not have rules or packages below it", () => {
		expect(checkSource("package pkg\np.q.r if true\np.q.r.s if true")).toEqual([
			"policy.rego:2:1: rego_type_error: rule data.pkg.p.q.r conflicts with [data.pkg.p.q.r.s]",
		]);
		expect(checkSource("package a\nb := 1", "package a.b.c\nd := 2")).toEqual([
			"m0.rego:2:1: rego_type_error: rule data.a.b conflicts with [data.a.b.c.d]",
			"m1.rego:1:1: rego_type_error: package a.b.c conflicts with rule b defined at m0.rego:2",
		]);
		// Ref-head rules with dynamic keys may overlap rules below them.
		expect(checkSource('package p\nq[k].r := 1 if some k in ["a"]\nq.b.r := 2')).toEqual([]);
	});

	it("with targets must be input, data or a function", () => {
		expect(checkSource("package p\nx if {\n\ttrue with foo.bar as 1\n}")).toEqual([
			"policy.rego:3:12: rego_type_error: with keyword target must reference existing input, data, or a function",
		]);
	});

	it("with may not replace part of a rule's value", () => {
		// OPA's compiler: a with target strictly below a rule is an error, whichever way the
		// target is written; replacing the whole rule, or below a package, is fine.
		const src = `package p
q := {"a": 1}
r if {
	q.a == 2 with data.p.q.a as 2
}
s if {
	q.a == 2 with q.a as 2
}
t if q == 2 with data.p.q as 2
u if q == 2 with data.p.x.y as 2`;
		expect(checkSource(src)).toEqual([
			"policy.rego:4:16: rego_compile_error: with keyword cannot partially replace virtual document(s)",
			"policy.rego:7:16: rego_compile_error: with keyword cannot partially replace virtual document(s)",
		]);
		expect(
			checkSource("package p\nr if data.p.s.x == 1 with data.p.s.x as 1", "package p.s\nx := 2"),
		).toEqual([]);
	});

	it("functions are not values", () => {
		expect(checkSource("package p\nf(x) := x\ny := f")).toEqual([
			"policy.rego:3:6: rego_type_error: function data.p.f used as a value",
		]);
	});

	it("imports and aliases resolve to data and input", () => {
		const lib = 'package lib\nroles := {"admin"}';
		const main =
			"package app\nimport data.lib\nimport input.user as u\nallow if u.role in lib.roles";
		expect(checkSource(lib, main)).toEqual([]);
		const { policy, errors } = compileSource([lib, main], { entrypoints: ["app/allow"] });
		expect(errors).toEqual([]);
		expect(policy?.funcs.map((f) => f.name).sort()).toEqual([
			"g0.data.app.allow",
			"g0.data.lib.roles",
		]);
	});

	it("queries report errors with the query's locations", () => {
		const { errors } = compileSource(["package p\na := 1"], { query: "x > 1" });
		expect(errors).toEqual(["query:1:1: rego_unsafe_var_error: var x is unsafe"]);
	});
});
