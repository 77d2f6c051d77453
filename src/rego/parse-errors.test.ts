import { describe, expect, it } from "vitest";
import { formatError, formatErrors, MAX_ERRORS, parseModule } from "./index.ts";

function errs(src: string, regoVersion: 0 | 1 = 1): string[] {
	const r = parseModule(src, "policy.rego", { regoVersion });
	expect(r.module).toBeUndefined();
	return r.errors.map(formatError);
}

describe("syntax errors: OPA's codes, words and positions", () => {
	it.each([
		[
			"package p\n\nallow if {\n\tinput.x\n}}\n",
			"policy.rego:5:2: rego_parse_error: unexpected } token",
		],
		["package p\np if { x := 1 + }", "policy.rego:2:17: rego_parse_error: unexpected } token"],
		[
			"package p\np if {\n\tx := [1, 2\n}",
			'policy.rego:4:1: rego_parse_error: unexpected } token: expected "," or "]"',
		],
		[
			"package p\np if {\n\tx := {1 2}\n}",
			"policy.rego:3:10: rego_parse_error: unexpected number token: non-terminated set",
		],
		[
			"package p\np if {\n\tx := {1: 2 3}\n}",
			"policy.rego:3:13: rego_parse_error: unexpected number token: non-terminated object",
		],
		[
			"package p\np if { f(1 2) }",
			'policy.rego:2:12: rego_parse_error: unexpected number token: expected "," or ")"',
		],
		[
			"package p\np if { x := (1 + 2 }",
			"policy.rego:2:20: rego_parse_error: non-terminated expression",
		],
		[
			'package p\np if {\n x := "abc\n}',
			[
				"policy.rego:3:7: rego_parse_error: non-terminated string",
				"policy.rego:3:7: rego_parse_error: illegal token",
			],
		],
		[
			"package p\np := `abc",
			[
				"policy.rego:2:6: rego_parse_error: non-terminated string",
				"policy.rego:2:6: rego_parse_error: illegal token",
				"policy.rego:2:6: rego_parse_error: illegal token",
			],
		],
		['package p\np := "\\q"', "policy.rego:2:7: rego_parse_error: illegal escape sequence"],
		["package p\np if x := @", "policy.rego:2:11: rego_parse_error: illegal token"],
		[
			"package p\np := 007",
			[
				"policy.rego:2:6: rego_parse_error: unexpected number token: expected number without leading zero",
				"policy.rego:2:6: rego_parse_error: unexpected number token: expected rule value term (e.g., p := <VALUE> { ... })",
			],
		],
		[
			"package p\np := 1e999999",
			[
				"policy.rego:2:6: rego_parse_error: number too big",
				"policy.rego:2:6: rego_parse_error: unexpected number token: expected rule value term (e.g., p := <VALUE> { ... })",
			],
		],
		["package p\nx", "policy.rego:2:1: rego_parse_error: var cannot be used for rule name"],
		["package p\n1 = x", "policy.rego:2:1: rego_parse_error: number cannot be used for rule name"],
		[
			"package p\np if { a b }",
			"policy.rego:2:10: rego_parse_error: unexpected identifier token: expected \\n or ; or }",
		],
		["package p\np if { x := }", "policy.rego:2:13: rego_parse_error: unexpected } token"],
		[
			"package p\np if { every x in xs { } }",
			"policy.rego:2:24: rego_parse_error: found empty body",
		],
		[
			"package p\np if { not some x in y }",
			"policy.rego:2:12: rego_parse_error: unexpected some keyword: illegal negation of 'some'",
		],
		[
			"package p\np if { every x in xs }",
			"policy.rego:2:22: rego_parse_error: unexpected } token: missing body",
		],
		[
			"package p\np if { every 1 in xs { true } }",
			"policy.rego:2:22: rego_parse_error: unexpected { token: expected value to be a variable",
		],
		[
			"package p\np if { x with 1 as 2 }",
			"policy.rego:2:15: rego_parse_error: unexpected number token: expected ident",
		],
		[
			"package p\np if { x with input 2 }",
			"policy.rego:2:21: rego_parse_error: unexpected number token: expected as keyword",
		],
		[
			"package p\ndefault p := input.x",
			"policy.rego:2:1: rego_parse_error: illegal default rule (value cannot contain ref)",
		],
		[
			"package p\ndefault p",
			"policy.rego:2:1: rego_parse_error: illegal default rule (must have a value)",
		],
		[
			"package p\ndefault f(x, x) := 1",
			"policy.rego:2:1: rego_parse_error: illegal default rule (arguments cannot be repeated x)",
		],
		[
			"package p\ndefault f([x]) := 1",
			"policy.rego:2:1: rego_parse_error: illegal default rule (arguments cannot contain array)",
		],
		[
			"package p\np contains x if { x := 1 } else := 2",
			"policy.rego:2:28: rego_parse_error: else keyword cannot be used on multi-value rules",
		],
		[
			"package p\np[x] := 1 if { x := 1 } else := 2",
			"policy.rego:2:25: rego_parse_error: else keyword cannot be used on rules with variables in head",
		],
		[
			"package p\np := 1 if { true } else := 2 if { false } { true }",
			"policy.rego:2:43: rego_parse_error: expected else keyword",
		],
		[
			"package p\nf(x) contains 1",
			"policy.rego:2:6: rego_parse_error: unexpected contains keyword: the contains keyword can only be used with multi-value rule definitions (e.g., f contains <VALUE> { ... })",
		],
		[
			"package p\np :=",
			"policy.rego:2:5: rego_parse_error: unexpected eof token: expected rule value term (e.g., p := <VALUE> { ... })",
		],
		["package p\np := 1\npackage q", "policy.rego:3:1: rego_parse_error: unexpected package"],
		["p := 1", "policy.rego:1:1: rego_parse_error: package expected"],
		["", "policy.rego:1:1: rego_parse_error: empty module"],
		[
			"package p\nimport foo.bar",
			"policy.rego:2:8: rego_parse_error: unexpected import path, must begin with one of: {data, future, input, rego}, got: foo",
		],
		[
			"package p\nimport future.keywords.foo",
			"policy.rego:2:8: rego_parse_error: unexpected keyword, must be one of [contains every if in]",
		],
		[
			"package p\nimport future.keywords as k",
			"policy.rego:2:8: rego_parse_error: `future` imports cannot be aliased",
		],
		[
			"package p\nimport rego.v2",
			"policy.rego:2:8: rego_parse_error: invalid import `rego.v2`, must be `rego.v1`",
		],
		[
			"package p\nimport data.x.if",
			"policy.rego:2:15: rego_parse_error: unexpected import path, must not end with a keyword, got: if",
		],
		[
			"package p\np := x[1",
			[
				"policy.rego:2:9: rego_parse_error: unexpected eof token: expected [",
				"policy.rego:2:9: rego_parse_error: unexpected eof token: expected rule value term (e.g., p := <VALUE> { ... })",
			],
		],
	] as [string, string | string[]][])("%j", (src, want) => {
		// A failed rule value is reported twice, as OPA does: what failed, then what was expected.
		expect(errs(src)).toEqual(Array.isArray(want) ? want : [want]);
	});

	it("v0 without imports: a hint names the missing future keyword import", () => {
		expect(errs("package p\np { some x in [1] }", 0)).toEqual([
			"policy.rego:2:12: rego_parse_error: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)",
		]);
		expect(errs("package p\np { every x in [1] { x } }", 0)).toEqual([
			"policy.rego:2:11: rego_parse_error: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)",
		]);
	});

	it("v0 without imports: `in` is a plain name, so `x in xs` does not parse", () => {
		expect(errs("package p\np { 1 in [1] }", 0)).toEqual([
			"policy.rego:2:7: rego_parse_error: unexpected identifier token: expected \\n or ; or }",
		]);
	});

	it("nesting beyond the limit is a located error, not a stack overflow", () => {
		const deep = `package p\np := ${"[".repeat(5000)}${"]".repeat(5000)}`;
		expect(errs(deep)).toEqual([
			"policy.rego:2:506: rego_parse_error: max parsing recursion depth exceeded",
		]);
		const parens = `package p\np := ${"(".repeat(5000)}1${")".repeat(5000)}`;
		expect(errs(parens)[0]).toMatch(
			/^policy\.rego:2:\d+: rego_parse_error: max parsing recursion depth exceeded$/,
		);
		const chain = `package p\np := 1${" + 1".repeat(5000)}`;
		expect(errs(chain)[0]).toMatch(/max parsing recursion depth exceeded$/);
	});
});

describe("module checks: several errors, sorted, with OPA's codes", () => {
	it("v1 requires `if` and `contains`, and says so for each rule", () => {
		expect(errs("package p\n\nallow {\n\tinput.x\n}\n\ndeny[msg] {\n\tmsg := 1\n}\n")).toEqual([
			"policy.rego:3:1: rego_parse_error: `if` keyword is required before rule body",
			"policy.rego:7:1: rego_parse_error: `if` keyword is required before rule body",
			"policy.rego:7:1: rego_parse_error: `contains` keyword is required for partial set rules",
		]);
		expect(errs("package p\nf(x) { x }")).toEqual([
			"policy.rego:2:1: rego_parse_error: `if` keyword is required before function body",
		]);
		expect(errs("package p\np := 1 if { true } else = 2 { true }")).toEqual([
			"policy.rego:2:20: rego_parse_error: `if` keyword is required before rule body",
		]);
		expect(errs("package p\np.q.r")).toEqual([
			"policy.rego:2:1: rego_parse_error: rule must have value assignment and/or body declaration",
		]);
		// OPA v1 takes a bare function head as `f("x", 0) := true`; `f()` alone it refuses.
		for (const v of [0, 1] as const) {
			const r = parseModule('package p\nf("x", 0)\nf(x)\nr := f("x", 0)', "policy.rego", {
				regoVersion: v,
			});
			expect(r.errors).toEqual([]);
			expect(r.module?.rules.map((x) => [x.kind, x.head.value?.type])).toEqual([
				["function", "boolean"],
				["function", "boolean"],
				["complete", "call"],
			]);
		}
		for (const v of [0, 1] as const) {
			expect(errs("package p\nf()", v)).toEqual([
				"policy.rego:2:1: rego_parse_error: rule argument list must take at least one argument",
			]);
		}
		expect(errs("package p\np[x]")).toEqual([
			"policy.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules",
		]);
	});

	// opa check --v0-compatible 1.22.3 accepts both orders (OPA 0.x refused them together).
	it("v0 takes `rego.v1` together with `future.keywords` imports, as OPA 1.x does", () => {
		for (const src of [
			"package p\nimport future.keywords.in\nimport rego.v1\nr if { 1 in [1] }",
			"package p\nimport rego.v1\n\nimport future.keywords\nr if { 1 in [1] }",
		]) {
			expect(parseModule(src, "p.rego", { regoVersion: 0 }).errors).toEqual([]);
		}
		// v1 treats both imports as no-ops, so they may stand together.
		const v1 = parseModule(
			"package p\nimport rego.v1\nimport future.keywords.in\nr if { 1 in [1] }",
			"p.rego",
		);
		expect(v1.errors).toEqual([]);
	});

	it("v0 with `import rego.v1` gets the v1 checks", () => {
		expect(errs("package p\nimport rego.v1\nallow { true }", 0)).toEqual([
			"policy.rego:3:1: rego_parse_error: `if` keyword is required before rule body",
		]);
		expect(
			parseModule("package p\nallow { true }", "policy.rego", { regoVersion: 0 }).errors,
		).toEqual([]);
	});

	it("duplicate imports, root document shadowing, deprecated built-ins", () => {
		expect(
			errs(
				"package p\nimport data.a\nimport data.b.a\ninput := 1\nf(input) := 1\np if { data := 1 }\nq := any([true])\nr if { x := count(cast_set([1])) }",
			),
		).toEqual([
			"policy.rego:3:1: rego_compile_error: import must not shadow import data.a",
			"policy.rego:4:1: rego_compile_error: rules must not shadow input (use a different rule name)",
			"policy.rego:5:3: rego_compile_error: args must not shadow input (use a different variable name)",
			"policy.rego:6:8: rego_compile_error: variables must not shadow data (use a different variable name)",
			"policy.rego:7:6: rego_type_error: deprecated built-in function calls in expression: any",
			"policy.rego:8:19: rego_type_error: deprecated built-in function calls in expression: cast_set",
		]);
	});

	// opa check 1.22.3 answers the same (row and message; OPA gives no column).
	it("`some x` declarations take no `with`", () => {
		expect(errs("package p\np if {\n\tsome x with input as 1\n}")).toEqual([
			"policy.rego:3:9: rego_parse_error: unexpected with keyword: expected \\n or ; or }",
		]);
		expect(errs("package p\np if {\n\tx := [y | some y with input as 1]\n}")).toEqual([
			"policy.rego:3:19: rego_parse_error: unexpected with keyword: expected \\n or ; or ]",
		]);
	});

	// opa check 1.22.3 lists all twelve: its cap of 10 applies to compile errors only.
	it("lists every parse error, past the cap of compile errors", () => {
		const src = `package p\n${Array.from({ length: 12 }, (_, i) => `r${i} { true }`).join("\n")}`;
		const r = parseModule(src, "policy.rego");
		expect(r.errors).toHaveLength(12);
		expect(r.errors.length).toBeGreaterThan(MAX_ERRORS);
		expect(r.errors.every((e) => e.code === "rego_parse_error")).toBe(true);
		expect(formatErrors(r.errors).split("\n")[0]).toBe("12 errors occurred:");
	});

	it("bad METADATA is a parse error at the block", () => {
		// The whole message, "yaml: line N: …" like OPA's, at the row OPA reports.
		expect(errs("package p\n# METADATA\n# title: [x\nallow := true")).toEqual([
			"policy.rego:3:1: rego_parse_error: yaml: line 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
		]);
		expect(
			errs('package p\n# METADATA\n# title: x\n# description: "open\n# scope: rule\nallow := true'),
		).toEqual(['policy.rego:5:1: rego_parse_error: yaml: line 3: Missing closing "quote']);
		expect(errs("package p\n# METADATA\n# scope: elsewhere\nallow := true")).toEqual([
			"policy.rego:2:1: rego_parse_error: invalid annotation scope 'elsewhere'",
		]);
	});

	// opa check 1.22.3 reports both (rows and columns as here): after a broken statement it
	// goes on at the next rule.
	it("reports a syntax error in each broken rule, not only the first", () => {
		expect(errs("package p\n\na if {\n\t1 +\n}\n\nb if {\n\t) \n}\n")).toEqual([
			"policy.rego:5:1: rego_parse_error: unexpected } token",
			"policy.rego:8:2: rego_parse_error: unexpected ) token",
		]);
		expect(errs("package p\nr0 if { 1 + }\nok if true\nr2 if { 1 + }\n")).toEqual([
			"policy.rego:2:13: rego_parse_error: unexpected } token",
			"policy.rego:4:13: rego_parse_error: unexpected } token",
		]);
	});
});
