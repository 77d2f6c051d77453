import { describe, expect, it } from "vitest";
import { printIr } from "./index.ts";
import type { Policy } from "./ir.ts";
import { compileSource } from "./test-helpers.ts";

// Golden IR: the plan for a small policy, printed. A change here is a change in what the
// back end receives; read the diff before updating it.
const POLICY = `package example

default allow := false

allow if {
	some role in input.roles
	data.perms[role][_] == input.action
}

deny contains msg if {
	not allow
	msg := sprintf("no: %s", [input.action])
}
`;

const EXPECTED_IR = `plan example/allow
  block
    %2 = call g0.data.example.allow(%0, %1)
    %3 = {}
    %3["result"] = %2
    result %3
plan example/deny
  block
    %2 = call g0.data.example.deny(%0, %1)
    %3 = {}
    %3["result"] = %2
    result %3
func g0.data.example.allow() memo -> %2
  block
    %3 = %0["roles"]
    %6 = %1["perms"]
    %10 = %0["action"]
    scan %3 as %4, %5
      undefined %2
      %7 = %6[%5]
      scan %7 as %8, %9
        undefined %2
        %9 == %10
        %2 = once true
  block
    undefined %2
    %2 = false
func g0.data.example.deny() memo -> %2
  block
    %2 = set()
  block
    not
      %4 = call g0.data.example.allow(%0, %1)
      not false %4
    %5 = %0["action"]
    %6 = []
    append %6 %5
    %7 = call sprintf("no: %s", %6)
    add %2 %7
builtins sprintf/2
`;

describe("planner output", () => {
	it("matches the golden IR for a small policy", () => {
		const r = compileSource([POLICY], { entrypoints: ["example/allow", "data.example.deny"] });
		expect(r.errors).toEqual([]);
		expect(printIr(r.policy as Policy)).toBe(EXPECTED_IR);
	});

	it("plans a query whose result binds its variables", () => {
		const r = compileSource(["package p\nxs := [1, 2]"], { query: "some i\nx := data.p.xs[i]" });
		expect(r.errors).toEqual([]);
		const text = printIr(r.policy as Policy);
		expect(text).toContain('["i"] = ');
		expect(text).toContain('["x"] = ');
		expect(text).toContain("scan");
	});

	it("a package reached as a document merges base data and rules", () => {
		const r = compileSource(["package a.b\nc := 1"], { entrypoints: ["a"] });
		const text = printIr(r.policy as Policy);
		expect(text).toContain("func extent.data.a()");
		expect(text).toContain('["b"] = merge');
		expect(text).toContain('["c"] = merge');
	});

	it("METADATA `entrypoint: true` on a package or rule adds an entrypoint", () => {
		const src = `# METADATA
# entrypoint: true
package app.authz

# METADATA
# entrypoint: true
allow if input.x == 1

deny contains 1 if input.y
`;
		const r = compileSource([src]);
		expect(r.errors).toEqual([]);
		expect(r.policy?.plans.map((p) => p.name)).toEqual(["app/authz", "app/authz/allow"]);
	});

	it("with on a virtual document compiles a specialised copy of the rule", () => {
		const r = compileSource(["package p\nq := 1\nr := q + 1\ns := x if x := r with q as 5"], {
			entrypoints: ["p/s"],
		});
		expect(r.errors).toEqual([]);
		const names = (r.policy?.funcs ?? []).map((f) => f.name).sort();
		expect(names).toEqual(["g0.data.p.r#1", "g0.data.p.s"]);
	});
});
