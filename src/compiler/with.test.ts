// `with` end to end through the official SDK: replacement values that name the body's own
// variables (loop, comprehension and `every` variables) reach every specialised copy.

import { describe, expect, it } from "vitest";
import { compileSource, evalSource as run } from "./test-helpers.ts";

describe("with values that reference local variables", () => {
	it("input replaced by a loop variable", async () => {
		const src = `package t
users := ["a", "b", "c"]
allow if input.user == "b"
allowed contains u if {
	some u in users
	allow with input.user as u
}`;
		expect(await run([src], { entrypoint: "t/allowed" })).toEqual([["b"]]);
	});

	it("base and virtual data replaced by a local", async () => {
		const src = `package t
q := 5
p := data.t.q
b := data.base.v
r := [p, b] if {
	x := 1
	y := "two"
	p == 1 with data.t.q as x
	b == "two" with data.base.v as y
}`;
		expect(await run([src], { entrypoint: "t/r" }, { data: { base: { v: 0 } } })).toEqual([[5, 0]]);
	});

	it("a user function replaced by a loop variable, through a chain of rules", async () => {
		const src = `package t
f(x) := x * 10
g(x) := f(x) + 1
h := g(2)
r contains [y, v] if {
	some y in [1, 2]
	v := h with f as y
}
plain := h`;
		expect(await run([src], { entrypoint: "t/r" })).toEqual([
			[
				[1, 2],
				[2, 3],
			],
		]);
		expect(await run([src], { entrypoint: "t/plain" })).toEqual([21]);
	});

	it("a builtin replaced by a comprehension variable", async () => {
		const src = `package t
n := count([1, 2, 3])
r := [v | some y in ["a", "b"]; v := n with count as y]`;
		expect(await run([src], { entrypoint: "t/r" })).toEqual([["a", "b"]]);
	});

	it("a value mock inside every, and an output argument", async () => {
		const src = `package t
size := count(input.xs)
out := o if count([], o) with count as 7
r if {
	every k in [0, 1, 2] {
		size == k with count as k
	}
}`;
		expect(await run([src], { entrypoint: "t/r" }, { input: { xs: [] } })).toEqual([true]);
		expect(await run([src], { entrypoint: "t/out" }, { input: { xs: [] } })).toEqual([7]);
	});

	it("a nested with inside a specialised copy keeps the outer value and adds its own", async () => {
		const src = `package t
f(_) := "real f"
g(_) := "real g"
inner := [f(0), g(0)]
middle := v if {
	z := "inner g"
	v := inner with g as z
}
r := [v | some x in ["one", "two"]; v := middle with f as x]
replaced := [v | some x in ["one"]; v := middle with f as x with g as f]`;
		expect(await run([src], { entrypoint: "t/r" })).toEqual([
			[
				["one", "inner g"],
				["two", "inner g"],
			],
		]);
		expect(await run([src], { entrypoint: "t/replaced" })).toEqual([[["one", "inner g"]]]);
	});

	it("the with value is evaluated outside the replacement", async () => {
		// OPA evaluates `with` values before installing any replacement of the same expression.
		const src = `package t
q := 1
r := v if v := data.t.q with data.t.q as data.t.q + 1`;
		expect(await run([src], { entrypoint: "t/r" })).toEqual([2]);
	});

	it("a query replaces a function by a query variable", async () => {
		const src = `package t
f(x) := x
p := f(0)`;
		expect(
			await run([src], { query: "xs := [x | some y in [3, 4]; x := data.t.p with data.t.f as y]" }),
		).toEqual([{ xs: [3, 4] }]);
	});

	it("copies take a parameter for a computed value, none for a constant (so they stay memoised)", () => {
		const src = `package t
n := count(input.xs)
m := n + 1
constant := v if v := m with count as 5
computed := v if {
	some y in [1, 2]
	v := m with count as y
}`;
		const r = compileSource([src], { entrypoints: ["t/constant", "t/computed"] });
		const arities = new Map(r.policy?.funcs.map((f) => [f.name, f.arity]));
		expect(arities.get("g0.data.t.m#1")).toBe(0);
		expect(arities.get("g0.data.t.n#1")).toBe(0);
		expect(arities.get("g0.data.t.m#2")).toBe(1);
		expect(arities.get("g0.data.t.n#2")).toBe(1);
	});
});
