// What `opa fmt` (v1.22.3) prints, one case per layout class: each `opa` string was produced by
// OPA itself from `source` and is checked again against the binary when it is installed
// (test/opa.ts; skipped outside CI without OPA, a failure in CI).

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opaRequirement } from "../../test/opa.ts";
import { formatModule } from "./format.ts";
import { formatError, parseModule } from "./index.ts";

const OPA_FMT_CASES: { name: string; source: string; opa: string }[] = [
	{
		name: "blank lines inside bodies",
		source: "package t\n\np if {\n\tx := 1\n\n\n\ty := 2\n\t# why z\n\tz := 3\n}\n",
		opa: "package t\n\np if {\n\tx := 1\n\n\ty := 2\n\n\t# why z\n\tz := 3\n}\n",
	},
	{
		name: "blank lines between rules",
		source:
			"package t\na := 1\nb := 2\nc if {\n\tinput.x\n}\nd := 3\nf if { input.a; input.b }\ndefault g := false\nh := 1\n",
		opa: "package t\n\na := 1\nb := 2\nc if {\n\tinput.x\n}\n\nd := 3\n\nf if {\n\tinput.a\n\tinput.b\n}\n\ndefault g := false\n\nh := 1\n",
	},
	{
		name: "comprehension layout",
		source:
			"package t\n\np if {\n\ta := [x | some x in input; x > 1]\n\tb := [x |\n\t\tsome x in input\n\t\tx > 1\n\t]\n\tc := {k: v | some k, v in input\n\t\tv > 1}\n}\n",
		opa: "package t\n\np if {\n\ta := [x | some x in input; x > 1]\n\tb := [x |\n\t\tsome x in input\n\t\tx > 1\n\t]\n\tc := {k: v |\n\t\tsome k, v in input\n\t\tv > 1\n\t}\n}\n",
	},
	{
		name: "with chains",
		source:
			"package t\n\np if {\n\tallow with input as {}\n\t\twith data.roles as []\n\tallow with input as {} with data.x as 1\n}\n",
		opa: "package t\n\np if {\n\tallow with input as {}\n\t\twith data.roles as []\n\tallow with input as {} with data.x as 1\n}\n",
	},
	{
		name: "comments",
		source:
			"# file\npackage t # pkg\n\nimport data.a # a\n# lead\np if {\n\t# first\n\tinput.a # trailing\n\tx := [\n\t\t1, # one\n\t\t2,\n\t]\n\t# last\n}\n# end\n",
		opa: "# file\npackage t # pkg\n\nimport data.a # a\n\n# lead\np if {\n\t# first\n\tinput.a # trailing\n\tx := [\n\t\t1, # one\n\t\t2,\n\t]\n\t# last\n}\n\n# end\n",
	},
	{
		name: "collections broken across lines",
		source:
			'package t\n\nx := [\n\t1, 2,\n\t3,\n]\ny := f(1,\n\t2)\nz := f(\n\t1, 2\n)\nw := {"a": {\n\t"b": 1}}\n',
		opa: 'package t\n\nx := [\n\t1, 2,\n\t3,\n]\n\ny := f(\n\t1,\n\t2,\n)\n\nz := f(1, 2)\n\nw := {"a": {\n\t"b": 1,\n}}\n',
	},
	{
		name: "imports",
		source:
			"package t\nimport data.z\nimport rego.v1\nimport data.a as b\n\nimport input.x\n# c\nimport future.keywords.in\np := 1\n",
		opa: "package t\n\nimport data.a as b\nimport data.z\nimport rego.v1\n\nimport input.x\n\n# c\n\np := 1\n",
	},
	{
		name: "strings and numbers as written",
		source:
			'package t\n\ns := ["\\u0041", "\\/", `raw\\n`, "\\""]\nn := [1.0, 1e3, 0.5E-3, 100000000000000000000000001]\n',
		opa: 'package t\n\ns := ["\\u0041", "\\/", `raw\\n`, "\\""]\nn := [1.0, 1e3, 0.5E-3, 100000000000000000000000001]\n',
	},
	{
		name: "rule heads",
		source:
			'package t\np = 1\nq[x] = 1 if x := "a"\nr.b := 2\ns.t if true\nu contains x if true\nv if { true }\nf(x) = y if { y := x }\na.b.c := 1\n',
		opa: 'package t\n\np := 1\nq[x] := 1 if x := "a"\nr.b := 2\ns.t := true\nu contains x\nv := true\nf(x) := y if y := x\na.b.c := 1\n',
	},
	{
		name: "else",
		source:
			"package t\n\np := 1 if {\n\tinput.a\n} else := 2 if {\n\tinput.b\n} else := 3\n\nq := 1 if input.a\nelse = 2\n",
		opa: "package t\n\np := 1 if {\n\tinput.a\n} else := 2 if {\n\tinput.b\n} else := 3\n\nq := 1 if input.a\n\nelse := 2\n",
	},
	{
		name: "every and some in",
		source:
			"package t\n\np if {\n\tsome x in input\n\tsome k, v in input\n\tevery y in input { y > 0 }\n\tevery y in input {\n\t\ty > 0\n\t\ty < 9\n\t}\n}\n",
		opa: "package t\n\np if {\n\tsome x in input\n\tsome k, v in input\n\tevery y in input { y > 0 }\n\tevery y in input {\n\t\ty > 0\n\t\ty < 9\n\t}\n}\n",
	},
	{
		name: "operators and parentheses",
		source:
			'package t\n\np if {\n\tx := 1 + 2 * 3\n\t1 + 2 * 3 == 7\n\ty := (1 + 1) in [2]\n\tz := (1, "a" in {1: "a"})\n}\n',
		opa: 'package t\n\np if {\n\tx := 1 + (2 * 3)\n\t1 + (2 * 3) == 7\n\ty := (1 + 1) in [2]\n\tz := (1, "a" in {1: "a"})\n}\n',
	},
	{
		name: "default and metadata",
		source:
			"# METADATA\n# title:   A title\npackage t\n\n# METADATA\n# description: allow\ndefault allow = false\nallow if input.admin\n",
		opa: "# METADATA\n# title:   A title\npackage t\n\n# METADATA\n# description: allow\ndefault allow := false\n\nallow if input.admin\n",
	},
	{
		name: "no trailing newline",
		source: "package t\np := 1",
		opa: "package t\n\np := 1\n",
	},
	{
		name: "two-part heads where no rule head is longer",
		source:
			'package t\n\nq.a := 1\nlib.h(x) := 1\nobj[x + 1] := 1 if x := 1\nm[concat(`a`, "b")] := 1\n',
		opa: 'package t\n\nq["a"] := 1\nlib["h"](x) := 1\nobj[plus(x, 1)] := 1 if x := 1\nm[concat("a", "b")] := 1\n',
	},
	{
		name: "two-part heads beside a longer ref head",
		source: 'package t\n\nq.a := 1\ns["b"] := 1\nt.u.v := 1\n',
		opa: "package t\n\nq.a := 1\ns.b := 1\nt.u.v := 1\n",
	},
	{
		name: "ref keys quoted afresh, sets without repeats",
		source: 'package t\n\nx := data.a[`b`]["c-d"]\ny := {1, 1, 1.0, "a", `a`}\n',
		opa: 'package t\n\nx := data.a.b["c-d"]\ny := {1, "a"}\n',
	},
	{
		name: "one-literal bodies inline",
		source:
			'package t\n\na if {x | x := 1}\nc if {{"a": 1}}\ne if { {1} }\nf if {[1]} # c\ng if {\n\tinput.x\n}\n',
		opa: 'package t\n\na if {x | x := 1}\nc if {"a": 1}\n\ne if {\n\t{1}\n}\n\nf if [1] # c\ng if {\n\tinput.x\n}\n',
	},
	{
		name: "true values, f(), bare function heads",
		source:
			'package t\n\nv := true if input.x\nz() := 1\nb("a")\ng(x) := true\nc if { # c\n\tinput.y\n\tinput.z\n}\n',
		opa: 'package t\n\nv if input.x\nz := 1\nb("a")\ng(x) := true\n\nc if { # c\n\tinput.y\n\tinput.z\n}\n',
	},
	{
		name: "parentheses: every, some, calls, keys, membership",
		source:
			"package t\n\np if {\n\tevery x in [1] | {2} { x }\n\tsome z in [1] | {2}\n\tcount(input.a | input.b) > 0\n\ty := {x + 1: 1 | x := 1}\n\tw := [1 | true; -1]\n}\n\nq := (1, 2 in [[1, 2]])\n",
		opa: "package t\n\np if {\n\tevery x in [1] | {2} { x }\n\tsome z in ([1] | {2})\n\tcount(input.a | input.b) > 0\n\ty := {x + 1: 1 | x := 1}\n\tw := [1 | true; -1]\n}\n\nq := (1, 2 in [[1, 2]])\n",
	},
	{
		name: "a call broken inside an argument is broken after each one",
		source: 'package t\n\nx := f({\n\t"a": 1,\n}, 2)\n',
		opa: 'package t\n\nx := f(\n\t{\n\t\t"a": 1,\n\t},\n\t2,\n)\n',
	},
	{
		name: "a compiler-made variable keeps a call on one line",
		source: 'package t\n\np if {\n\tf({\n\t\t"a": 1,\n\t}, ["a"], __local1__)\n}\n',
		opa: 'package t\n\np if {\n\tf({\n\t\t"a": 1,\n\t}, ["a"], __local1__)\n}\n',
	},
	{
		name: "else after a block",
		source:
			"package t\n\nr := 1 if { false; true } else := 2\n\ns := 1 if {\n\tfalse } else := 2\n",
		opa: "package t\n\nr := 1 if {\n\tfalse\n\ttrue\n}\n\nelse := 2\n\ns := 1 if {\n\tfalse\n} else := 2\n",
	},
	{
		name: "comments without trailing blanks, METADATA unchecked",
		source: "package t\n\n# METADATA  \n\n# x  \np := 1 # t  \n",
		opa: "package t\n\n# METADATA\n\n# x\np := 1 # t\n",
	},
];

function gavelFmt(source: string): string {
	const r = parseModule(source, "case.rego", { regoVersion: 1, annotations: false });
	if (!r.module) throw new Error(r.errors.map(formatError).join("\n"));
	return formatModule(r.module, { source });
}

describe("formatModule prints what opa fmt prints", () => {
	for (const c of OPA_FMT_CASES) {
		it(c.name, () => {
			expect(gavelFmt(c.source)).toBe(c.opa);
			// Formatted output is a fixed point.
			expect(gavelFmt(c.opa)).toBe(c.opa);
		});
	}
});

const { opa, missing } = opaRequirement("opa fmt oracle");
describe.skipIf(missing === "skip")("the expectations above are what OPA prints", () => {
	it.skipIf(missing !== "fail")("needs OPA in CI", () => {
		throw new Error("OPA not found and CI is set: npm run opa:install");
	});
	it.skipIf(!opa)("opa fmt agrees with every stored expectation", () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-opa-fmt-"));
		for (const c of OPA_FMT_CASES) {
			const file = join(dir, "case.rego");
			writeFileSync(file, c.source);
			const out = execFileSync(opa as string, ["fmt", file], { encoding: "utf8" });
			expect(out, c.name).toBe(c.opa);
		}
	});
});
