import { describe, expect, it } from "vitest";
import {
	arr,
	arrC,
	bool,
	call,
	dotted,
	every,
	expr,
	nul,
	num,
	obj,
	objC,
	op,
	ref,
	set,
	setC,
	some,
	someIn,
	str,
	v,
	withm,
} from "../../test/rego/builders.ts";
import {
	formatError,
	type Module,
	parseModule,
	parseQuery,
	parseTerm,
	printModule,
	type Rule,
	stripLocations,
} from "./index.ts";

function term(src: string) {
	const r = parseTerm(src);
	expect(r.errors.map(formatError)).toEqual([]);
	return stripLocations(r.term);
}

function query(src: string) {
	const r = parseQuery(src);
	expect(r.errors.map(formatError)).toEqual([]);
	return stripLocations(r.body);
}

function rules(src: string, regoVersion: 0 | 1 = 1): Rule[] {
	const r = parseModule(`package p\n\n${src}`, "p.rego", { regoVersion });
	expect(r.errors.map(formatError)).toEqual([]);
	return stripLocations(r.module?.rules ?? []);
}

function only(src: string, regoVersion: 0 | 1 = 1): Rule {
	const rs = rules(src, regoVersion);
	expect(rs).toHaveLength(1);
	return rs[0];
}

describe("terms", () => {
	it("scalars keep their text", () => {
		expect(term("null")).toEqual(nul());
		expect(term("true")).toEqual(bool(true));
		expect(term("12345678901234567890123")).toEqual(num("12345678901234567890123"));
		expect(term("-1.50e+3")).toEqual(num("-1.50e+3"));
		expect(term("- 2")).toEqual(num("-2"));
		expect(term('"a\\u00e9\\ud83d\\ude00\\n"')).toEqual(str("aé😀\n"));
		expect(term("`raw\\n`")).toEqual({ ...str("raw\\n"), raw: true });
	});

	it("refs: dots and brackets give the same path; data and input alone are refs", () => {
		expect(term("a.b")).toEqual(term('a["b"]'));
		expect(term("input.x[y][0]")).toEqual(dotted("input.x", v("y"), num("0")));
		expect(term("input")).toEqual(ref(v("input")));
		expect(term("data")).toEqual(ref(v("data")));
		expect(term("x")).toEqual(v("x"));
		// Keywords may follow a dot.
		expect(term("input.if.not")).toEqual(dotted("input.if.not"));
	});

	it("whitespace ends a ref: `a [1]` is not an index", () => {
		expect(parseTerm("a [1]").errors[0]?.message).toBe("unexpected [ token");
	});

	it("calls, dotted builtin names, refs on call results, set()", () => {
		expect(term("io.jwt.decode(x)")).toEqual(call("io.jwt.decode", v("x")));
		expect(term("f(x)[0].y")).toEqual(ref(call("f", v("x")), num("0"), str("y")));
		expect(term("set()")).toEqual(set());
		expect(term("{}")).toEqual(obj());
		expect(term("count([])")).toEqual(call("count", arr()));
		expect(term("contains(x, y)")).toEqual(call("contains", v("x"), v("y")));
	});

	it("operator precedence follows OPA: in < relations < | < & < + - < * / %", () => {
		expect(term("1 + 2 * 3")).toEqual(op("plus", num("1"), op("mul", num("2"), num("3"))));
		expect(term("1 - 2 - 3")).toEqual(op("minus", op("minus", num("1"), num("2")), num("3")));
		expect(term("a | b & c")).toEqual(op("or", v("a"), op("and", v("b"), v("c"))));
		expect(term("a == b | c")).toEqual(op("equal", v("a"), op("or", v("b"), v("c"))));
		expect(term("x in xs == true")).toEqual(
			op("internal.member_2", v("x"), op("equal", v("xs"), bool(true))),
		);
		expect(term("(1 + 2) * 3")).toEqual(op("mul", op("plus", num("1"), num("2")), num("3")));
		expect(term("a < b != c")).toEqual(op("neq", op("lt", v("a"), v("b")), v("c")));
		expect(term("x - -1")).toEqual(op("minus", v("x"), num("-1")));
		expect(term("a % b / c")).toEqual(op("div", op("rem", v("a"), v("b")), v("c")));
	});

	it("comprehensions win over `|` when a single term precedes it", () => {
		expect(term("{x | y}")).toEqual(setC(v("x"), [expr(v("y"))]));
		expect(term("[x | y]")).toEqual(arrC(v("x"), [expr(v("y"))]));
		expect(term("{k: v | y}")).toEqual(objC(v("k"), v("v"), [expr(v("y"))]));
		expect(term("{a + 1: b | y}")).toEqual(
			objC(op("plus", v("a"), num("1")), v("b"), [expr(v("y"))]),
		);
		expect(term("{(x | y)}")).toEqual(set(op("or", v("x"), v("y"))));
		expect(term("{a, b | c}")).toEqual(set(v("a"), op("or", v("b"), v("c"))));
		// A failed comprehension body followed by a comma falls back to a list (sets and arrays only).
		expect(term("{a | b, c}")).toEqual(set(op("or", v("a"), v("b")), v("c")));
		expect(term("[a | b, c]")).toEqual(arr(op("or", v("a"), v("b")), v("c")));
		expect(parseTerm("{1: a | b, 2: c}").errors.map(formatError)).toEqual([
			"term:1:10: rego_parse_error: unexpected , token: expected \\n or ; or }",
		]);
		expect(term("[x | some x in xs; x > 1]")).toEqual(
			arrC(v("x"), [expr(someIn(v("x"), v("xs"))), expr(op("gt", v("x"), num("1")))]),
		);
	});

	it("composites with trailing commas and nested literals", () => {
		expect(term('[1, [2], {3}, {"a": 4},]')).toEqual(
			arr(num("1"), arr(num("2")), set(num("3")), obj([str("a"), num("4")])),
		);
		expect(term("{1, 2,}")).toEqual(set(num("1"), num("2")));
		expect(term('{"a": 1, "b": [x | x = 1]}')).toEqual(
			obj([str("a"), num("1")], [str("b"), arrC(v("x"), [expr(op("eq", v("x"), num("1")))])]),
		);
	});
});

describe("expressions", () => {
	it("assignment and unification only at the top of a literal", () => {
		expect(query("x := 1 + 2")).toEqual([
			expr(op("assign", v("x"), op("plus", num("1"), num("2")))),
		]);
		expect(query("[a, b] = [1, 2]")).toEqual([
			expr(op("eq", arr(v("a"), v("b")), arr(num("1"), num("2")))),
		]);
	});

	it("literals separate on ; and line breaks, not inside brackets", () => {
		expect(query("a; b\nc")).toEqual([expr(v("a")), expr(v("b")), expr(v("c"))]);
		expect(query("x := [\n1,\n2\n]")).toEqual([
			expr(op("assign", v("x"), arr(num("1"), num("2")))),
		]);
		expect(parseQuery("a b").errors.map(formatError)).toEqual([
			"query:1:3: rego_parse_error: unexpected identifier token: expected \\n or ; or eof",
		]);
	});

	it("some, some-in, every and membership", () => {
		expect(query("some x, y")).toEqual([expr(some("x", "y"))]);
		expect(query("some x in xs")).toEqual([expr(someIn(v("x"), v("xs")))]);
		expect(query("some k, v in input.o")).toEqual([
			expr(someIn(v("v"), dotted("input.o"), v("k"))),
		]);
		expect(query("every x in xs { x > 0 }")).toEqual([
			expr(every(v("x"), v("xs"), [expr(op("gt", v("x"), num("0")))])),
		]);
		expect(query("every k, v in o { k == v }")).toEqual([
			expr(every(v("v"), v("o"), [expr(op("equal", v("k"), v("v")))], v("k"))),
		]);
		expect(query("k, v in o")).toEqual([expr(op("internal.member_3", v("k"), v("v"), v("o")))]);
		expect(query("f(k, v in o)")).toEqual([
			expr(call("f", v("k"), op("internal.member_2", v("v"), v("o")))),
		]);
		expect(query("not x in xs")).toEqual([
			expr(op("internal.member_2", v("x"), v("xs")), { negated: true }),
		]);
	});

	it("with modifiers, several on one literal", () => {
		expect(query("allow with input as {} with data.x.f as g")).toEqual([
			expr(v("allow"), {
				with: [withm(ref(v("input")), obj()), withm(dotted("data.x.f"), v("g"))],
			}),
		]);
		expect(query("f(1) with count as mock")).toEqual([
			expr(call("f", num("1")), { with: [withm(ref(v("count")), v("mock"))] }),
		]);
	});

	it("a keyword before . or [ starts a ref", () => {
		expect(query("not.x")).toEqual([expr(dotted("not.x"))]);
		expect(query("if[0] == 1")).toEqual([expr(op("equal", ref(v("if"), num("0")), num("1")))]);
	});
});

describe("rules", () => {
	it("complete rules, constants and defaults; missing values become true", () => {
		expect(only("x := 1")).toMatchObject({
			kind: "complete",
			default: false,
			head: { ref: ref(v("x")), value: num("1"), assign: true },
			body: [],
		});
		expect(only("allow if input.x")).toMatchObject({
			kind: "complete",
			head: { ref: ref(v("allow")), value: bool(true), assign: false },
			body: [expr(dotted("input.x"))],
		});
		expect(only("default allow := false")).toMatchObject({
			default: true,
			kind: "complete",
			head: { value: bool(false), assign: true },
			body: [],
		});
	});

	it("`p if { true }` is a body, `p if {}` is the empty object literal", () => {
		expect(only("p if { true }").body).toEqual([expr(bool(true))]);
		expect(only("p if {}").body).toEqual([expr(obj())]);
		expect(only('p if {"a": 1}').body).toEqual([expr(obj([str("a"), num("1")]))]);
	});

	it("partial sets, partial objects and ref heads", () => {
		expect(only("deny contains msg if msg := input.m")).toMatchObject({
			kind: "partialSet",
			head: { ref: ref(v("deny")), key: v("msg") },
		});
		expect(only("deny contains msg if msg := 1").head.value).toBeUndefined();
		expect(only("p contains 1")).toMatchObject({ kind: "partialSet", body: [] });
		expect(only("p[k] := v if { k := 1; v := 2 }")).toMatchObject({
			kind: "partialObject",
			head: { ref: ref(v("p"), v("k")), value: v("v"), assign: true },
		});
		expect(only("p[x] if x := 1")).toMatchObject({
			kind: "partialObject",
			head: { ref: ref(v("p"), v("x")), value: bool(true) },
		});
		expect(only('a.b[c].d := 1 if c := "x"')).toMatchObject({
			kind: "complete",
			head: { ref: ref(v("a"), str("b"), v("c"), str("d")), value: num("1") },
		});
		expect(only("a.b.c[x] := 1 if x := 2")).toMatchObject({ kind: "partialObject" });
		expect(only('p["k"] := 1')).toMatchObject({
			kind: "complete",
			head: { ref: ref(v("p"), str("k")) },
		});
		expect(only("a.b contains c if c := 1")).toMatchObject({
			kind: "partialSet",
			head: { ref: dotted("a.b"), key: v("c") },
		});
	});

	it("functions, with several definitions and else chains", () => {
		const rs = rules("f(x) := x + 1 if x > 0\nf(x) := 0 if x <= 0\ng(_, [a, b]) if a == b");
		expect(rs.map((r) => r.kind)).toEqual(["function", "function", "function"]);
		expect(rs[2].head.args).toEqual([v("_"), arr(v("a"), v("b"))]);
		expect(rs[2].head.value).toEqual(bool(true));
		const f = only("f(x) := 1 if x == 1 else := 2 if x == 2 else := 3");
		expect(f.else?.head).toMatchObject({ value: num("2"), assign: true, args: [v("x")] });
		expect(f.else?.body).toEqual([expr(op("equal", v("x"), num("2")))]);
		expect(f.else?.else).toMatchObject({ kind: "function", head: { value: num("3") }, body: [] });
		expect(f.else?.else?.else).toBeUndefined();
		const p = only("p := 1 if { false } else if { true }");
		expect(p.else?.head.value).toEqual(bool(true));
	});

	it("more bodies after the first make more rules with the same head", () => {
		const rs = rules("p if { input.a } { input.b }");
		expect(rs).toHaveLength(2);
		expect(rs[0].head).toEqual(rs[1].head);
		expect(rs[1].body).toEqual([expr(dotted("input.b"))]);
	});

	it("v0 syntax under regoVersion 0", () => {
		expect(only("allow { input.x }", 0)).toMatchObject({
			kind: "complete",
			head: { value: bool(true) },
		});
		expect(only("deny[msg] { msg := 1 }", 0)).toMatchObject({
			kind: "partialSet",
			head: { ref: ref(v("deny")), key: v("msg") },
		});
		expect(only("p[k] = v { k := 1; v := 2 }", 0)).toMatchObject({ kind: "partialObject" });
		expect(only("f(x) = y { y := x }", 0)).toMatchObject({
			kind: "function",
			head: { value: v("y") },
		});
		expect(only("p = 1 { true }", 0)).toMatchObject({
			kind: "complete",
			head: { value: num("1") },
		});
		expect(only("p[x]", 0)).toMatchObject({ kind: "partialSet", body: [] });
		// `in`, `if`, `contains`, `every` are plain names until imported.
		expect(only("in := 1", 0).head.ref).toEqual(ref(v("in")));
		expect(rules("import future.keywords.in\np { 1 in [1] }", 0)[0].body[0].terms).toMatchObject({
			fn: dotted("internal.member_2"),
		});
	});

	it("METADATA blocks attach to the package and to the next rule", () => {
		const src = [
			"# METADATA",
			"# title: pkg",
			"# scope: subpackages",
			"package p",
			"",
			"# METADATA",
			"# title: Allow",
			"# entrypoint: true",
			"# custom:",
			"#   level: 3",
			"allow if true",
		].join("\n");
		const r = parseModule(src, "m.rego");
		expect(r.errors).toEqual([]);
		expect(stripLocations(r.module?.annotations)).toEqual([{ scope: "subpackages", title: "pkg" }]);
		expect(stripLocations(r.module?.rules[0].annotations)).toEqual([
			{ scope: "document", title: "Allow", entrypoint: true, custom: { level: 3 } },
		]);
		expect(r.module?.rules[0].annotations?.[0].loc).toMatchObject({ row: 6, col: 1 });
	});

	it("package and imports", () => {
		const r = parseModule(
			'package a.b["c-d"]\nimport data.x.y as z\nimport input.q\nimport rego.v1',
			"m.rego",
		);
		expect(r.errors).toEqual([]);
		const m = stripLocations(r.module);
		expect(m?.package.path).toEqual(ref(v("data"), str("a"), str("b"), str("c-d")));
		expect(m?.imports).toEqual([
			{ type: "import", path: dotted("data.x.y"), alias: "z" },
			{ type: "import", path: dotted("input.q") },
			{ type: "import", path: dotted("rego.v1") },
		]);
	});
});

describe("locations", () => {
	it("every node carries file, row, column and end", () => {
		const r = parseModule('package p\n\nallow if {\n\tinput.user == "alice"\n}\n', "authz.rego");
		const rule = r.module?.rules[0];
		expect(rule?.loc).toEqual({ file: "authz.rego", row: 3, col: 1, endRow: 5, endCol: 2 });
		const e = rule?.body[0];
		expect(e?.loc).toEqual({ file: "authz.rego", row: 4, col: 2, endRow: 4, endCol: 23 });
		const t = e?.terms;
		if (t?.type !== "call") throw new Error("expected a call");
		expect(t.fn.loc).toMatchObject({ row: 4, col: 13, endCol: 15 });
		expect(t.args[1].loc).toMatchObject({ row: 4, col: 16, endCol: 23 });
	});

	it("multi-line raw strings advance rows", () => {
		const r = parseModule("package p\nx := `a\nb`\ny := 1", "m.rego");
		expect(r.module?.rules[1].loc).toMatchObject({ row: 4, col: 1 });
		expect(r.module?.rules[0].head.value?.loc).toMatchObject({
			row: 2,
			col: 6,
			endRow: 3,
			endCol: 3,
		});
	});
});

describe("deep nesting within the limit", () => {
	const patterns: [string, (n: number) => string][] = [
		["arrays", (n) => "[".repeat(n) + "]".repeat(n)],
		["sets", (n) => `${"{".repeat(n)}1${"}".repeat(n)}`],
		["objects", (n) => `${'{"a": '.repeat(n)}1${"}".repeat(n)}`],
		["parentheses", (n) => `${"(".repeat(n)}1${")".repeat(n)}`],
		["calls", (n) => `${"f(".repeat(n)}1${")".repeat(n)}`],
		["comprehensions", (n) => `${"[x | ".repeat(n / 2)}true${"]".repeat(n / 2)}`],
		["operator chains", (n) => `1${" + 1".repeat(n)}`],
		["right-nested operators", (n) => `${"1 - (".repeat(n)}1${")".repeat(n)}`],
		["brackets", (n) => `${"a[".repeat(n)}1${"]".repeat(n)}`],
	];
	it.each(patterns)(
		"%s: parse, print, re-parse and strip without exhausting the stack",
		(_, make) => {
			const src = `package p\np := ${make(480)}`;
			const r = parseModule(src, "deep.rego");
			expect(r.errors.map(formatError)).toEqual([]);
			const m = r.module as Module;
			const again = parseModule(printModule(m), "deep.rego");
			expect(stripLocations({ ...again.module, comments: [] })).toEqual(
				stripLocations({ ...m, comments: [] }),
			);
		},
	);
});

describe("backtracking stays linear", () => {
	it("nested comprehension-or-list fallbacks parse (exponential without the term memo)", () => {
		let src = "x";
		for (let i = 0; i < 200; i++) src = `[a${i} | ${src}, b]`;
		const r = parseTerm(src);
		expect(r.errors).toEqual([]);
		// The outermost is a list whose first element is `a199 | [...]`.
		expect(r.term).toMatchObject({
			type: "array",
			items: [{ type: "call", infix: true }, { type: "var" }],
		});
	});
});

describe("no shared nodes", () => {
	it("else rules and extra bodies get their own copies of the head", () => {
		const r = parseModule(
			"package p\nf(x) := 1 if x > 0 else := 2\ng(y) if { y } { y == 1 }",
			"p.rego",
		);
		const [f, g1, g2] = r.module?.rules ?? [];
		expect(f.else?.head.ref).toEqual(f.head.ref);
		expect(f.else?.head.ref).not.toBe(f.head.ref);
		expect(f.else?.head.args?.[0]).not.toBe(f.head.args?.[0]);
		expect(g2.head.args?.[0]).not.toBe(g1.head.args?.[0]);
	});
});
