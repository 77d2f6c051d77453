// End to end: Rego source → compile → emitWasm → the official SDK (unmodified) → results.
// These exercise the planner's semantics through the real back end and runtime.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { emitWasm } from "../wasm/index.ts";
import type { Policy } from "./ir.ts";
import { compileSource, evalSource as run } from "./test-helpers.ts";

const RBAC = `package rbac

default allow := false

allow if {
	some role in data.users[input.user].roles
	some perm in data.roles[role]
	perm.action == input.action
	glob_ok(perm.resource, input.resource)
}

glob_ok(pattern, _) if pattern == "*"

glob_ok(pattern, resource) if pattern == resource

reasons contains msg if {
	not allow
	msg := concat(" ", ["denied:", input.user, input.action])
}
`;

const DATA = {
	users: { alice: { roles: ["admin"] }, bob: { roles: ["viewer"] } },
	roles: {
		admin: [{ action: "write", resource: "*" }],
		viewer: [{ action: "read", resource: "doc" }],
	},
};

describe("compiled policies evaluate through the official SDK", () => {
	it("RBAC with default, some-in, functions with several definitions", async () => {
		const allow = (input: unknown) =>
			run([RBAC], { entrypoint: "rbac/allow" }, { input, data: DATA });
		expect(await allow({ user: "alice", action: "write", resource: "x" })).toEqual([true]);
		expect(await allow({ user: "bob", action: "read", resource: "doc" })).toEqual([true]);
		expect(await allow({ user: "bob", action: "write", resource: "doc" })).toEqual([false]);
		expect(await allow({ user: "eve", action: "read", resource: "doc" })).toEqual([false]);
	});

	it("sprintf %v prints composites in Rego syntax, from literals and from input", async () => {
		const src = `package s
lit := sprintf("%v", [{"k": [1.5]}])
from_input := sprintf("%v|%s", [input, input.k])
set_v := sprintf("%v %v", [{2, 1}, set()])
`;
		const input = { k: [1.5, "a"], n: null };
		const ev = (e: string) => run([src], { entrypoint: e }, { input });
		expect(await ev("s/lit")).toEqual(['{"k": [1.5]}']);
		expect(await ev("s/from_input")).toEqual(['{"k": [1.5, "a"], "n": null}|[1.5, "a"]']);
		expect(await ev("s/set_v")).toEqual(["{1, 2} set()"]);
	});

	it("partial sets with negation", async () => {
		const reasons = await run(
			[RBAC],
			{ entrypoint: "data.rbac.reasons" },
			{
				input: { user: "bob", action: "write", resource: "doc" },
				data: DATA,
			},
		);
		expect(reasons).toEqual([["denied: bob write"]]);
	});

	it("a query binds its variables, one result per solution", async () => {
		const rs = await run(["package p\nxs := [10, 20]"], { query: "some i\nx := data.p.xs[i]" });
		expect(rs).toEqual([
			{ i: 0, x: 10 },
			{ i: 1, x: 20 },
		]);
		expect(await run(["package p\nxs := [10, 20]"], { query: "data.p.xs[_] > 100" })).toEqual([]);
	});

	it("complete rule conflicts abort with eval_conflict_error", async () => {
		const src = "package p\nx := 1 if input.a\nx := 2 if input.b";
		expect(await run([src], { entrypoint: "p/x" }, { input: { a: true } })).toEqual([1]);
		await expect(
			run([src], { entrypoint: "p/x" }, { input: { a: true, b: true } }),
		).rejects.toThrow(/eval_conflict_error/);
	});

	it("else chains take the first defined branch", async () => {
		const src = `package p
level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"`;
		expect(await run([src], { entrypoint: "p/level" }, { input: { n: 11 } })).toEqual(["high"]);
		expect(await run([src], { entrypoint: "p/level" }, { input: { n: 6 } })).toEqual(["mid"]);
		expect(await run([src], { entrypoint: "p/level" }, { input: { n: 1 } })).toEqual(["low"]);
	});

	it("every, comprehensions and unification patterns", async () => {
		const src = `package p
all_small if every x in input.xs { x < 10 }
doubled := [y | some x in input.xs; y := x * 2]
pairs := {k: v | some [k, v] in input.pairs}
first if {
	[a, _] = input.xs
	a == 1
}`;
		const input = {
			xs: [1, 2, 3],
			pairs: [
				["a", 1],
				["b", 2],
			],
		};
		expect(await run([src], { entrypoint: "p/all_small" }, { input })).toEqual([true]);
		expect(await run([src], { entrypoint: "p/all_small" }, { input: { xs: [1, 20] } })).toEqual([]);
		expect(await run([src], { entrypoint: "p/doubled" }, { input })).toEqual([[2, 4, 6]]);
		expect(await run([src], { entrypoint: "p/pairs" }, { input })).toEqual([{ a: 1, b: 2 }]);
		expect(await run([src], { entrypoint: "p/first" }, { input: { xs: [1, 5] } })).toEqual([true]);
	});

	it("data mixes base documents and rules; ref heads nest objects", async () => {
		const src = `package a.b
c := 1
d.e[k] := v if some k, v in {"x": 1, "y": 2}`;
		const rs = await run([src], { entrypoint: "data.a" }, { data: { a: { base: true } } });
		expect(rs).toEqual([{ base: true, b: { c: 1, d: { e: { x: 1, y: 2 } } } }]);
		const keys = await run([src], { query: "data.a.b[k]" });
		expect(keys).toEqual([{ k: "c" }, { k: "d" }]);
	});

	it("with replaces input, data (base and virtual) and functions", async () => {
		const src = `package p
q := input.n + 1
r := data.base.v * 10
s := "real"
t := s
f(x) := x + 1
g(x) := x * 100
mocked := [a, b, c, d] if {
	a := q with input.n as 41
	b := r with data.base.v as 4
	c := t with s as "mock"
	d := f(1) with f as g
}
unmocked := [q, t, f(1)]`;
		const opts = { input: { n: 1 }, data: { base: { v: 1 } } };
		expect(await run([src], { entrypoint: "p/mocked" }, opts)).toEqual([[42, 40, "mock", 100]]);
		expect(await run([src], { entrypoint: "p/unmocked" }, opts)).toEqual([[2, "real", 2]]);
	});

	it("print takes any number of arguments; undefined ones print as <undefined>", async () => {
		const src = 'package p\nok if {\n\tx := 1\n\tprint("x is", x, input.missing)\n}';
		const r = compileSource([src], { entrypoints: ["p/ok"] });
		expect(r.errors).toEqual([]);
		const lines: string[] = [];
		const policy = await loadPolicy(emitWasm(r.policy as Policy));
		// The SDK hands print output to console.log when no printer is configured.
		const log = console.log;
		console.log = (...a: unknown[]) => lines.push(a.join(" "));
		try {
			expect(policy.evaluate({}, "p/ok")).toEqual([{ result: true }]);
		} finally {
			console.log = log;
		}
		expect(lines.join("\n")).toContain("x is 1 <undefined>");
	});

	it("number keys into base data find object keys and array indices", async () => {
		const data = { m: { "2": "two" }, a: ["zero", "one"] };
		expect(
			await run(["package p\nx := [data.m[2], data.a[1]]"], { entrypoint: "p/x" }, { data }),
		).toEqual([["two", "one"]]);
	});

	it("walk iterates [path, value] pairs", async () => {
		const src =
			'package p\npaths contains path if {\n\twalk({"a": [1]}, [path, v])\n\tis_number(v)\n}';
		expect(await run([src], { entrypoint: "p/paths" })).toEqual([[["a", 0]]]);
	});

	it("a rule reaching inside another ref-head rule's value is a conflict", async () => {
		const src = 'package p\nq[k].r := {"s": 1} if k := "x"\nq.x.r.t := 2';
		await expect(run([src], { entrypoint: "p/q" })).rejects.toThrow(/eval_conflict_error/);
	});

	it("negation over iteration holds only when no element matches", async () => {
		const src = "package p\nnone_is_5 if {\n\tnot input.xs[_] == 5\n}";
		expect(await run([src], { entrypoint: "p/none_is_5" }, { input: { xs: [1, 2] } })).toEqual([
			true,
		]);
		expect(await run([src], { entrypoint: "p/none_is_5" }, { input: { xs: [1, 5] } })).toEqual([]);
	});

	it("a literal with thousands of entries compiles (constants are not planned recursively)", async () => {
		const entries = Array.from({ length: 5000 }, (_, i) => `"k${i}": {"v": [${i}]}`).join(", ");
		const src = `package big\ntable := {${entries}}\nhit := table[input.k].v[0]`;
		expect(await run([src], { entrypoint: "big/hit" }, { input: { k: "k4321" } })).toEqual([4321]);
	});

	it("long bodies, computed literals and patterns compile (steps are not nested calls)", async () => {
		const n = 3000;
		const idx = Array.from({ length: n }, (_, i) => i);
		const body = idx.map((i) => `\tinput.a[${i}] == ${i}`).join("\n");
		const table = idx.map((i) => `"k${i}": [input.v, ${i}]`).join(", ");
		const pattern = idx.map((i) => `x${i}`).join(", ");
		const src = `package big
all_match if {
${body}
}
table := {${table}}
hit := table[input.k]
last := x if {
	[${pattern}] := input.a
	x := x${n - 1} + x0
}`;
		const a = idx;
		expect(await run([src], { entrypoint: "big/all_match" }, { input: { a } })).toEqual([true]);
		const wrong = idx.map((i) => (i === n - 2 ? -1 : i));
		expect(await run([src], { entrypoint: "big/all_match" }, { input: { a: wrong } })).toEqual([]);
		const input = { k: "k2999", v: "x", a };
		expect(await run([src], { entrypoint: "big/hit" }, { input })).toEqual([["x", 2999]]);
		expect(await run([src], { entrypoint: "big/last" }, { input: { a } })).toEqual([2999]);
	});

	it("array.flatten and strings.split_n are known builtins (native in the runtime)", async () => {
		const src =
			'package p\nr := [array.flatten([[1, 2], "s", [3]]), strings.split_n("a.b.c.d", ".", 2)]';
		expect(await run([src], { entrypoint: "p/r" })).toEqual([
			[
				[1, 2, "s", 3],
				["a", "b"],
			],
		]);
	});
});
