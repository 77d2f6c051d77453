// Disagreements the errors part (opa check vs gavel check) found, shrunk to the construct
// that differed, each with what OPA 1.22.3's `opa check --format json` printed (recorded by
// running it; messages as row:col: code: text). check-regressions.test.ts runs each through
// `gavel check` as the errors part does (codes and rows must match) and, when OPA is installed,
// asks OPA again so the recorded answer stays evidence. A case with `known` is a disagreement
// left open, with the reason: Gavel must then report its recorded `gavel` errors (a change
// there shows up, for better or worse).

export interface CheckRegression {
	name: string;
	/** Where it came from: the errors part's case names (seed 1 mutations, hand-written cases). */
	found: string;
	/** File name → source. */
	files: Record<string, string>;
	v0?: boolean;
	/** OPA's errors: `file:row:col: code: message`, or `code: message` without a location. */
	opa: string[];
	/** Why Gavel does not report what OPA does (yet); Gavel's errors are then `gavel`. */
	known?: string;
	gavel?: string[];
}

export const CHECK_REGRESSIONS: CheckRegression[] = [
	{
		name: "an operator without its right operand is reported and the parse reads on (in a body, a call, a comprehension, before if)",
		found: "hand-written cap case 'parse errors in many rules'; mutations 33, 40",
		files: {
			"policy.rego":
				"package p\n\nr0 if { 1 + }\nr1 if { 1 + ; 2 + }\nr2 if { [x | 1 + ] }\nr3 if { f(1 +) }\nr4 := 1 + if { true }\nr5 if { x with input as 1 + }\n",
		},
		opa: [
			"policy.rego:3:13: rego_parse_error: unexpected } token",
			"policy.rego:4:13: rego_parse_error: unexpected ; token",
			"policy.rego:4:19: rego_parse_error: unexpected } token",
			"policy.rego:5:18: rego_parse_error: unexpected ] token",
			"policy.rego:6:14: rego_parse_error: unexpected ) token",
			"policy.rego:7:11: rego_parse_error: unexpected if keyword",
			"policy.rego:8:29: rego_parse_error: unexpected } token",
		],
	},
	{
		name: "after earlier errors, a rule without a body (not contains, not default) ends the parse",
		found: "commit 528f2ce's open question (ok := 1 between broken rules)",
		files: {
			"policy.rego":
				"package p\n\nr0 if { 1 + }\nr1 contains 1\ndefault r2 := 1\nr3 if { 1 + }\nok := 1\nr4 if { 1 + }\n",
		},
		opa: [
			"policy.rego:3:13: rego_parse_error: unexpected } token",
			"policy.rego:6:13: rego_parse_error: unexpected } token",
		],
	},
	{
		name: "any other syntax error ends the parse: later broken rules are not reported",
		found: "mutations 189, 229 (seed 1)",
		files: {
			"policy.rego": "package p\n\nr0 if { x := [1 , }\nr1 if { 1 + }\nr2 if { ) }\n",
		},
		opa: ["policy.rego:3:19: rego_parse_error: unexpected } token"],
	},
	{
		name: "a failed rule head term is reported twice: what failed, then which part of the head",
		found: "mutations 48, 80, 237, 245, 294 (seed 1)",
		files: {
			"a.rego": "package a\n\nx := [2\n",
			"b.rego": "package b\n\nx[1 := 2\n",
			"c.rego": "package c\n\nx contains [1\n",
			"d.rego": "package d\n\nf(1 := 2\n",
			"e.rego": 'package e\n\nf(1) := {"a": 1 := 2}\n',
			"f.rego": "package f\n\nx := 1 + (2\n",
		},
		opa: [
			'a.rego:4:0: rego_parse_error: unexpected eof token: expected "," or "]"',
			"a.rego:4:0: rego_parse_error: unexpected eof token: expected rule value term (e.g., x := <VALUE> { ... })",
			"b.rego:3:5: rego_parse_error: unexpected assign token: expected [",
			"b.rego:3:5: rego_parse_error: unexpected assign token: expected rule head name",
			'c.rego:4:0: rego_parse_error: unexpected eof token: expected "," or "]"',
			"c.rego:4:0: rego_parse_error: unexpected eof token: expected rule key term (e.g., x contains <VALUE> { ... })",
			'd.rego:3:5: rego_parse_error: unexpected assign token: expected "," or ")"',
			"d.rego:3:5: rego_parse_error: unexpected assign token: expected rule head name",
			"e.rego:3:17: rego_parse_error: unexpected assign token: non-terminated object",
			"e.rego:3:17: rego_parse_error: unexpected assign token: expected function value term (e.g., f(...) := <VALUE> { ... })",
			"f.rego:4:0: rego_parse_error: non-terminated expression",
		],
	},
	{
		name: "parse errors are not capped at 10 (compile errors are)",
		found: "hand-written 'cap: parse errors in many rules'",
		files: {
			"policy.rego":
				"package p\n\nr0 if { 1 + }\nr1 if { 1 + }\nr2 if { 1 + }\nr3 if { 1 + }\nr4 if { 1 + }\nr5 if { 1 + }\nr6 if { 1 + }\nr7 if { 1 + }\nr8 if { 1 + }\nr9 if { 1 + }\nr10 if { 1 + }\nr11 if { 1 + }\n",
		},
		opa: [
			"policy.rego:3:13: rego_parse_error: unexpected } token",
			"policy.rego:4:13: rego_parse_error: unexpected } token",
			"policy.rego:5:13: rego_parse_error: unexpected } token",
			"policy.rego:6:13: rego_parse_error: unexpected } token",
			"policy.rego:7:13: rego_parse_error: unexpected } token",
			"policy.rego:8:13: rego_parse_error: unexpected } token",
			"policy.rego:9:13: rego_parse_error: unexpected } token",
			"policy.rego:10:13: rego_parse_error: unexpected } token",
			"policy.rego:11:13: rego_parse_error: unexpected } token",
			"policy.rego:12:13: rego_parse_error: unexpected } token",
			"policy.rego:13:14: rego_parse_error: unexpected } token",
			"policy.rego:14:14: rego_parse_error: unexpected } token",
		],
	},
	{
		name: "v0: each expression of a statement that is no rule is its own error, with OPA's keyword hints",
		found: "mutations 29, 109, 119, 139, 149, 179, 279, 299 and 'v0 contains without import'",
		v0: true,
		files: {
			"policy.rego":
				"package p\n\np contains x if {\n\ttrue\n}\n\nq contains 1\n\n__rec_a if __rec_b\n",
		},
		opa: [
			"policy.rego:3:1: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.contains` for `p contains x` rules)",
			"policy.rego:3:3: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.contains` for `p contains x` rules)",
			"policy.rego:3:12: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.if` for `p if { ... }` rules)",
			"policy.rego:7:1: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.contains` for `p contains x` rules)",
			"policy.rego:7:3: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.contains` for `p contains x` rules)",
			"policy.rego:7:12: rego_parse_error: number cannot be used for rule name",
			"policy.rego:9:1: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.if` for `p if { ... }` rules)",
			"policy.rego:9:9: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.if` for `p if { ... }` rules)",
			"policy.rego:9:12: rego_parse_error: var cannot be used for rule name",
		],
	},
	{
		name: "v0: a statement that is no rule, then a broken body: only the syntax error",
		found: "mutations 19, 159, 169 (seed 1)",
		v0: true,
		files: {
			"policy.rego": "package p\n\np contains x {\n\tsome x in [1, 2, 3]\n}\n",
		},
		opa: [
			"policy.rego:4:9: rego_parse_error: unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)",
		],
	},
	{
		name: "v1: top-level expressions (with, not, some) and a stray closing brace",
		found: "mutations 1, 40 (seed 1)",
		files: {
			"a.rego": "package a\n\nf := 1\n\n\tq with time.now_ns as f\n\tnot q\n}\n",
			"b.rego": "package b\n\nnot q\n\nsome x\n\np := 1 with input as 2\n\na.b c\n",
		},
		opa: [
			"a.rego:7:1: rego_parse_error: unexpected } token",
			"b.rego:3:1: rego_parse_error: negated expressions cannot be used for rule head",
			"b.rego:5:1: rego_parse_error: 'some' declarations cannot be used for rule head",
			"b.rego:7:1: rego_parse_error: expressions using with keyword cannot be used for rule head",
			"b.rego:9:5: rego_parse_error: var cannot be used for rule name",
			"b.rego:9:1: rego_parse_error: `contains` keyword is required for partial set rules",
		],
	},
	{
		name: "an unterminated string is the scanner's error and the parser's illegal token",
		found: "hand-written 'parse: unterminated string'",
		files: {
			"a.rego": 'package a\n\nx := "abc\n',
			"b.rego": "package b\n\nx := `abc\n",
			"c.rego": 'package c\n\nx := 1 + "abc\n',
			"d.rego": "package d\n\nx := @\n",
		},
		opa: [
			"a.rego:3:6: rego_parse_error: non-terminated string",
			"a.rego:3:6: rego_parse_error: illegal token",
			"a.rego:3:6: rego_parse_error: illegal token",
			"b.rego:3:6: rego_parse_error: non-terminated string",
			"b.rego:3:6: rego_parse_error: illegal token",
			"b.rego:3:6: rego_parse_error: illegal token",
			"c.rego:3:10: rego_parse_error: non-terminated string",
			"c.rego:3:10: rego_parse_error: illegal token",
			"d.rego:3:6: rego_parse_error: illegal token",
			"d.rego:3:6: rego_parse_error: illegal token",
		],
	},
	{
		name: "an import alias may not be input or data",
		found: "hand-written 'compile: import shadows'",
		files: {
			"policy.rego": "package p\n\nimport data.foo as input\n\nallow := true\n",
		},
		opa: [
			"policy.rego:3:20: rego_parse_error: unexpected import alias, must not be a reserved name, got: input",
		],
	},
	{
		name: "without a package line OPA names it missing, drops the first statement and reads on",
		found: "errors part seed 2 mutation 109 (remove the package line)",
		v0: true,
		files: {
			"a.rego": "\n\np contains x if {\n\ttrue\n}\n",
			"b.rego": "p := 1\nq r\n",
		},
		opa: [
			"a.rego:3:1: rego_parse_error: package expected",
			"a.rego:3:3: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.contains` for `p contains x` rules)",
			"a.rego:3:12: rego_parse_error: var cannot be used for rule name (hint: `import future.keywords.if` for `p if { ... }` rules)",
			"b.rego:1:1: rego_parse_error: package expected",
			"b.rego:2:1: rego_parse_error: var cannot be used for rule name",
			"b.rego:2:3: rego_parse_error: var cannot be used for rule name",
		],
	},
	{
		name: "a top-level operator expression is read as a rule named after the builtin",
		found: "errors part seed 3 mutation 191 (delete a line)",
		files: {
			"a.rego": 'package a\n\n\tunits.parse("4.1Mi") > units.parse("4Mi")\n}\n',
			"b.rego": "package b\n\np > 1\n\nf(1) > 1\n\n[1] > 1\n\np[1] > 1 with input as 1\n",
		},
		opa: [
			"a.rego:4:1: rego_parse_error: unexpected } token",
			"b.rego:3:1: rego_parse_error: rule name conflicts with built-in function",
			"b.rego:5:1: rego_parse_error: rule name conflicts with built-in function",
			"b.rego:7:1: rego_parse_error: rule name conflicts with built-in function",
			"b.rego:9:1: rego_parse_error: expressions using with keyword cannot be used for rule head",
		],
	},
	{
		name: "an unsafe body expression names each of its unbound vars (those it would bind too); a head var the body mentions is left to body safety",
		found: "errors part seed 1 mutation 220 (delete a line in jsonpatch/set.yaml#0)",
		files: {
			"policy.rego":
				"package p\n\nresult := r if r = json.patch({}, patch)\n\nt if {\n\t[a, b] = [u, 1]\n\tcount(a) > 0\n}\n\nv := w if count(w) > 0\n\nq := k if {\n\tj = 1 with input as k\n}\n\nm if some e in d\n",
		},
		opa: [
			"policy.rego:3:16: rego_unsafe_var_error: var r is unsafe",
			"policy.rego:3:20: rego_unsafe_var_error: var patch is unsafe",
			"policy.rego:6:2: rego_unsafe_var_error: var a is unsafe",
			"policy.rego:6:2: rego_unsafe_var_error: var u is unsafe",
			"policy.rego:10:11: rego_unsafe_var_error: var w is unsafe",
			"policy.rego:13:2: rego_unsafe_var_error: var j is unsafe",
			"policy.rego:13:2: rego_unsafe_var_error: var k is unsafe",
			"policy.rego:16:6: rego_unsafe_var_error: var d is unsafe",
			"policy.rego:16:6: rego_unsafe_var_error: var e is unsafe",
		],
	},
	{
		name: "a head var the body does not mention is a head-stage error; one it mentions is not",
		found: "measured with opa check after errors part seed 1 mutation 220",
		files: {
			"policy.rego": "package p\n\ns := [x, z] if x = y\n\nt := n if {\n\tsome n\n\tm = 1\n}\n",
		},
		opa: [
			"policy.rego:3:10: rego_unsafe_var_error: var z is unsafe",
			"policy.rego:5:6: rego_unsafe_var_error: var n is unsafe",
		],
	},
	{
		name: "a builtin's object argument: a static key of the wrong type or a non-string key is refused",
		found: "measured with opa check next to the json.marshal_with_options regression",
		files: {
			"policy.rego":
				'package p\n\na := json.marshal_with_options([], {"pretty": 1})\n\nb := json.marshal_with_options([], {1: 2})\n\nc := json.marshal_with_options([], {"foo": 1})\n',
		},
		opa: [
			"policy.rego:3:6: rego_type_error: json.marshal_with_options: invalid argument(s)",
			"policy.rego:5:6: rego_type_error: json.marshal_with_options: invalid argument(s)",
		],
	},
];
