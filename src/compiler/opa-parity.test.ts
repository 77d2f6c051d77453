// Language corners where Gavel answered differently from OPA (issue "Answer exactly as OPA
// does"). Each expectation is what OPA v1.22.3 answered for the same module and input
// (`opa eval -d policy.rego -i input.json data.t --format json`).

import { describe, expect, it } from "vitest";
import { checkSource, evalSource } from "./test-helpers.ts";

const INPUT = { x: { a: 1, b: "zz" }, k: "q", arr: [1] };

/** The rules of package t that are defined (true), as `data.t` shows them. */
async function defined(src: string, names: string[], input: unknown = INPUT): Promise<string[]> {
	const out: string[] = [];
	for (const n of names) {
		const rs = await evalSource([src], { entrypoint: `t/${n}` }, { input });
		if (rs.length > 0) out.push(n);
	}
	return out;
}

describe("refs and calls nested in a negated expression are evaluated outside it", () => {
	it("an undefined argument, index or operand makes the body fail, as in OPA", async () => {
		const src = `package t
f(x) := true if x == 1
g(x) := x
r1 if not f(input.missing)
r2 if not input.x[input.missing]
r3 if not input.missing
r4 if not input.x.missing
r5 if not startswith(input.missing, "a")
r6 if not input.missing == 1
r7 if not count(input.missing) > 0
r8 if not [input.missing]
r9 if not f(data.t.undef)
r11 if not f(g(input.missing))
r12 if not input.x[g(input.missing)]
r13 if not input.missing.y == 1
r14 if not 1 == input.missing
r15 if not input.missing != 1
r16 if not f(input.x.a)
r17 if not input.x[input.k]
r18 if not input.arr[input.missing]
r19 if not input.x[input.x.b]
r20 if not {"a": input.missing}
r21 if not input.x.a + input.missing == 3
r22 if not f(input.x.a) with input.x.a as 2
r23 if not f(input.missing) with input.x.a as 2
`;
		const names = src.match(/^r\d+/gm) ?? [];
		// OPA: {"r13":true,"r14":true,"r17":true,"r19":true,"r22":true,"r3":true,"r4":true,"r6":true}
		expect(await defined(src, names)).toEqual([
			"r3",
			"r4",
			"r6",
			"r13",
			"r14",
			"r17",
			"r19",
			"r22",
		]);
	});

	it("only = and == keep a ref operand inside; other comparisons and builtins do not", async () => {
		const src = `package t
h(x) := x
a1 if not input.missing == 1
a2 if not input.missing != 1
a3 if not input.missing < 1
a7 if not is_string(input.missing)
a8 if not equal(input.missing, 1)
a9 if not neq(input.missing, 1)
a10 if not count(input.missing) == 0
a11 if not h(input.missing) == 1
a12 if not input.x[input.missing] == 1
a14 if { y := input.x; not y[input.missing] }
a16 if not input.missing == input.missing2
a18 if not input.missing + 1 == 2
a19 if not input.missing = 1
a22 if not input.missing in [1]
a24 if not [1][input.missing]
a25 if not h(1)[input.missing]
a28 if not input.x.a == input.x[input.missing]
`;
		const names = src.match(/^a\d+/gm) ?? [];
		// OPA: {"a1":true,"a16":true,"a19":true,"a8":true}
		expect(await defined(src, names)).toEqual(["a1", "a8", "a16", "a19"]);
	});

	it("with applies to what is evaluated first; every and comprehension bodies too", async () => {
		const src = `package t
f(x) := true if x == 1
w1 if not f(input.y) with input.y as 2
w2 if not f(input.y) with input.y as 1
w3 if { x := [1, 2]; not f(x[input.i]) with input.i as 1 }
w4 if { every x in [1] { x == 1; not f(input.missing) } }
w5 := [1 | not f(input.missing)]
w6 if { x := input.x; not x[input.missing] }
`;
		// OPA: {"w1":true,"w3":true,"w5":[]}
		expect(await defined(src, ["w1", "w2", "w3", "w4", "w5", "w6"])).toEqual(["w1", "w3", "w5"]);
		expect(await evalSource([src], { entrypoint: "t/w5" }, { input: INPUT })).toEqual([[]]);
	});

	it("a deny rule guarded by `not allowed(input.role)` does not fire without a role", async () => {
		const src = `package t
allowed(role) if role in {"admin", "ops"}
deny if not allowed(input.user.role)
`;
		expect(await defined(src, ["deny"], { user: {} })).toEqual([]);
		expect(await defined(src, ["deny"], { user: { role: "guest" } })).toEqual(["deny"]);
		expect(await defined(src, ["deny"], { user: { role: "ops" } })).toEqual([]);
	});
});

describe("zero-argument functions are rules", () => {
	it("f() := v if … and f() if … are values, as OPA reads them", async () => {
		const src = `package t
f() := 3 if { true }
g() if { true }
default d() := 1
e() := 1 if false
else := 2
y := f
z := [g, d, e]
`;
		// OPA: {"d":1,"e":2,"f":3,"g":true,"y":3,"z":[true,1,2]}
		expect(await evalSource([src], { entrypoint: "t" }, {})).toEqual([
			{ d: 1, e: 2, f: 3, g: true, y: 3, z: [true, 1, 2] },
		]);
	});

	it("calling one is OPA's undefined function; two values conflict at evaluation", async () => {
		expect(checkSource("package t\nf() := 1\ng := f()")).toEqual([
			"policy.rego:3:6: rego_type_error: undefined function data.t.f",
		]);
		expect(checkSource("package t\nf() := 1 if true\nf() := 2 if true")).toEqual([]);
		await expect(
			evalSource(["package t\nf() := 1 if true\nf() := 2 if true"], { entrypoint: "t/f" }),
		).rejects.toThrow(/eval_conflict_error/);
	});
});

describe("safety: a var bound by a ref in the same expression", () => {
	it("some foo; foo == input.foos[foo] and its relatives are safe, as in OPA", async () => {
		const src = `package t
r if { some foo; foo == input.foos[foo] }
q contains foo if { foo == input.foos[foo] }
z contains k if { count(k) == count(input.foos[k]) }
y contains k if { [k] == [input.foos[k]] }
`;
		const input = { foos: { a: "a", b: "c", cc: "cc" } };
		// OPA: {"q":["a","cc"],"r":true,"y":["a","cc"],"z":["a","b","cc"]}
		expect(await evalSource([src], { entrypoint: "t" }, { input })).toEqual([
			{ q: ["a", "cc"], r: true, y: ["a", "cc"], z: ["a", "b", "cc"] },
		]);
	});
});

describe("declared vars nothing uses are OPA's compile error", () => {
	it("some x; and every's key or value unused; _ and some … in are fine", () => {
		const check = (body: string) => checkSource(`package t\nr if { ${body} }`);
		// Each as `opa check` words it, at the same row and column.
		expect(check("every x in [1] { true }")).toEqual([
			"policy.rego:2:25: rego_compile_error: declared var x unused",
		]);
		expect(check("every k, x in [1] { x }")).toEqual([
			"policy.rego:2:28: rego_compile_error: declared var k unused",
		]);
		expect(check("some x, y; x = 1")).toEqual([
			"policy.rego:2:8: rego_compile_error: declared var y unused",
		]);
		expect(check("x := [1 | some y; true]")).toEqual([
			"policy.rego:2:18: rego_compile_error: declared var y unused",
		]);
		expect(check("every _ in [1] { true }")).toEqual([]);
		expect(check("some x in [1]")).toEqual([]);
		expect(check("some x; input[x]")).toEqual([]);
	});
});
