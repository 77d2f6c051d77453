// Rule indexing (src/compiler/plan-index.ts) answers as plain evaluation would, and as OPA's
// evaluator does where they differ: a rule the index skips raises no error. The expected
// answers of the first case are what `opa eval` (OPA 1.22.3) printed for it.

import { describe, expect, it } from "vitest";
import { evalSource } from "../../src/compiler/test-helpers.ts";

const run = (src: string, entrypoint: string, input?: unknown) =>
	evalSource([src], { entrypoint }, { input });

describe("rule index", () => {
	const conflict = `package t
c := 1 if true
c := 2 if true
allow if {
	c == 1
	input.p == "a"
}
allow if {
	input.p == "b"
}
`;
	it("skips rules whose indexed test cannot hold, errors included (as OPA)", async () => {
		expect(await run(conflict, "t/allow", { p: "b" })).toEqual([true]);
		expect(await run(conflict, "t/allow", { p: "z" })).toEqual([]);
		await expect(run(conflict, "t/allow", { p: "a" })).rejects.toThrow(/eval_conflict_error/);
	});

	const mixed = `package t
default allow := false
allow if {
	input.method == "GET"
	input.path == "/a"
}
allow if {
	input.path in {"/b", "/c"}
	input.role == "x"
}
allow if "/d" = input.path
allow if input.admin == true
allow if {
	some p in input.paths
	p == "/e"
}
`;
	const cases: [unknown, boolean][] = [
		[{ method: "GET", path: "/a" }, true],
		[{ method: "PUT", path: "/a" }, false],
		[{ path: "/b", role: "x" }, true],
		[{ path: "/c", role: "x" }, true],
		[{ path: "/c", role: "y" }, false],
		[{ path: "/d" }, true],
		[{ path: "/zz", admin: true }, true],
		[{ path: 1, admin: true }, true],
		[{ path: 1 }, false],
		[{ paths: ["/q", "/e"] }, true],
		[{}, false],
		[undefined, false],
		[{ path: ["/a"], method: "GET" }, false],
	];
	for (const [input, want] of cases) {
		it(`indexed and unindexed rules together: ${JSON.stringify(input)} → ${want}`, async () => {
			expect(await run(mixed, "t/allow", input)).toEqual([want]);
		});
	}

	it("many rules: only the matching one answers, the rest of the order is kept", async () => {
		let src = 'package t\n\ndefault level := "none"\n\n';
		for (let i = 0; i < 300; i++) src += `ok if input.user == "u${i}"\n`;
		src += `level := "ok" if ok\n`;
		for (const [user, want] of [
			["u0", "ok"],
			["u150", "ok"],
			["u299", "ok"],
			["u300", "none"],
			["u", "none"],
		]) {
			expect(await run(src, "t/level", { user })).toEqual([want]);
		}
	});

	it("else chains and functions with several values answer as before", async () => {
		const src = `package t
v := 1 if input.x == "a"
else := 2 if input.x == "b"
else := 3

f(x) := 10 if x == "a"
f(x) := 20 if x == "b"
w := f(input.x)
`;
		expect(await run(src, "t/v", { x: "a" })).toEqual([1]);
		expect(await run(src, "t/v", { x: "b" })).toEqual([2]);
		expect(await run(src, "t/v", { x: "c" })).toEqual([3]);
		expect(await run(src, "t/w", { x: "b" })).toEqual([20]);
	});
});
