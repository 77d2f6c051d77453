import { describe, expect, it } from "vitest";
import { checkSource, compileSource } from "./test-helpers.ts";

const COLLECTION = "any<array[any], object[any: any], set[any], string>";

describe("type errors in builtin calls", () => {
	it("types known from literals, locals, builtin results and output arguments", () => {
		const src = `package p
a := count(1)
b if {
	x := count(input.xs)
	startswith(x, "a")
}
c if {
	lower(input.s, y)
	y + 1 > 0
}
d if {
	s := {v | some v in input.xs}
	array.reverse(s)
}
e := count(n) if count(input.xs, n)`;
		expect(checkSource(src)).toEqual([
			`policy.rego:2:6: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (${COLLECTION})`,
			"policy.rego:5:2: rego_type_error: startswith: invalid argument(s)\n\thave: (number, string)\n\twant: (string, string)",
			"policy.rego:9:2: rego_type_error: plus: invalid argument(s)\n\thave: (string, number)\n\twant: (number, number)",
			"policy.rego:13:2: rego_type_error: array.reverse: invalid argument(s)\n\thave: (set[any])\n\twant: (array[any])",
			`policy.rego:15:6: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (${COLLECTION})`,
		]);
	});

	it("types of rules and functions: the union over their definitions", () => {
		const src = `package p
default level := 0
level := 1 if input.admin
name := "n"
names contains "a"
f(x) := x + 1
g(_) := "s"
g(1) := 2
a := upper(level)
b := upper(name)
c := upper(names)
d := upper(f(1))
e := upper(g(0))
nested := upper(data.p.level)`;
		expect(checkSource(src)).toEqual([
			"policy.rego:9:6: rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (string)",
			"policy.rego:11:6: rego_type_error: upper: invalid argument(s)\n\thave: (set[string])\n\twant: (string)",
			"policy.rego:12:6: rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (string)",
			"policy.rego:14:11: rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (string)",
		]);
	});

	it("comprehension bodies and queries are checked", () => {
		expect(
			checkSource("package p\nxs := [y | some x in input.xs; y := x; z := 1; endswith(z, y)]"),
		).toEqual([
			"policy.rego:2:48: rego_type_error: endswith: invalid argument(s)\n\thave: (number, any)\n\twant: (string, string)",
		]);
		const r = compileSource(["package p\nq := 1"], { query: "x := data.p.q; upper(x)" });
		expect(r.errors).toEqual([
			"query:1:16: rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (string)",
		]);
	});

	it("unifying disjoint types is a match error; refs below scalar rules are undefined", () => {
		const src = `package p
q := 1
a if q.x == 1
b if {
	x := 1
	[x, 2] = {"k": 1}
}
c if {
	z := 1
	z = "a"
}
e := {"a": 1}
f if e.a == 1
g if {
	x := input.y
	x = "a"
}`;
		expect(checkSource(src)).toEqual([
			"policy.rego:3:6: rego_type_error: undefined ref: data.p.q.x\n\tdata.p.q.x\n\t^^^^^^^^\n\thave: number",
			"policy.rego:6:2: rego_type_error: match error\n\tleft  : array<number, number>\n\tright : object<k: number>",
			"policy.rego:10:2: rego_type_error: match error\n\tleft  : number\n\tright : string",
		]);
	});

	it("values known only at run time are never errors", () => {
		const src = `package p
a := count(input.x)
b := upper(data.base.x)
c if {
	some v in [1, "a"]
	upper(v)
}
d if {
	some v
	[1, 2][v]
	upper(input.x[v])
}
e := upper(x) if x := input.s
f(x) := upper(x)
g := upper(h)
h := count(input.xs) if input.n
h := "s" if not input.n
one := 1
mocked if upper(one) with data.p.one as "s"`;
		expect(checkSource(src)).toEqual([]);
		// A mocked builtin is still checked against OPA's signature (as opa check does).
		expect(checkSource("package p\nn := m if m := count(1) with count as input.f")).toEqual([
			"policy.rego:2:16: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (any<array[any], object[any: any], set[any], string>)",
		]);
		// Rules whose types depend on themselves: the recursion is what gets reported.
		expect(checkSource("package p\nrec := r\nr := upper(rec)")).toEqual([
			"policy.rego:2:1: rego_recursion_error: rule data.p.rec is recursive: data.p.rec -> data.p.r -> data.p.rec",
			"policy.rego:3:1: rego_recursion_error: rule data.p.r is recursive: data.p.r -> data.p.rec -> data.p.r",
		]);
	});
});
