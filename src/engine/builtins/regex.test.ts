import { describe, expect, it } from "vitest";
import { BuiltinError } from "./builtin-error.ts";
import { compileRe2, findAllGo, Re2SyntaxError } from "./re2.ts";
import { regexBuiltins } from "./regex.ts";

const call = (name: string, ...args: unknown[]): unknown =>
	(regexBuiltins as Record<string, (...a: unknown[]) => unknown>)[name](...args);

describe("regex builtins on RE2 (expected values are Go regexp's)", () => {
	it("answers a catastrophic-backtracking pattern in linear time", () => {
		// A backtracking engine explores 2^n ways to split the a's before failing on "!";
		// no timing threshold: the test only has to finish within vitest's default timeout.
		const input = `${"a".repeat(50_000)}!`;
		expect(call("regex.match", "^(a+)+$", input)).toBe(false);
		expect(call("regex.match", "^(a|aa)*$", input)).toBe(false);
		expect(call("regex.find_n", "(a*)*b", input, -1)).toEqual([]);
		expect(call("regex.replace", input, "(a+)+!", "x")).toBe("x");
	});

	it("honours inline flags mid-pattern and scoped flag groups", () => {
		expect(call("regex.match", "^ab(?i)c$", "abC")).toBe(true);
		expect(call("regex.match", "^ab(?i)c$", "ABc")).toBe(false);
		expect(call("regex.match", "^a(?i:b)c$", "aBc")).toBe(true);
		expect(call("regex.match", "^a(?i:b)c$", "aBC")).toBe(false);
		expect(call("regex.match", "(?s)^a.b$", "a\nb")).toBe(true);
		expect(call("regex.match", "^a.b$", "a\nb")).toBe(false);
		expect(call("regex.match", "(?m)^b$", "a\nb\nc")).toBe(true);
	});

	it("supports (?U): ungreedy repetition", () => {
		expect(call("regex.find_n", "(?U)a+", "aaa", -1)).toEqual(["a", "a", "a"]);
		expect(call("regex.find_n", "(?U)a+?", "aaa", -1)).toEqual(["aaa"]);
		expect(call("regex.find_n", "a+", "aaa", -1)).toEqual(["aaa"]);
	});

	it("supports Unicode classes in both spellings and POSIX classes, negated too", () => {
		expect(call("regex.match", "^\\pL+$", "héllo")).toBe(true);
		expect(call("regex.match", "^\\p{Greek}+$", "αβγ")).toBe(true);
		expect(call("regex.match", "^\\PL+$", "123")).toBe(true);
		expect(call("regex.match", "^[[:^digit:]]+$", "abc")).toBe(true);
		expect(call("regex.match", "^[[:^digit:]]+$", "ab1")).toBe(false);
	});

	it("rejects what RE2 rejects, with Go's messages", () => {
		for (const p of ["(a)\\1", "a(?=b)", "(?<!a)b", "[a", "a{1001}", "\\C", "a**"]) {
			expect(call("regex.is_valid", p), p).toBe(false);
		}
		expect(() => compileRe2("[a")).toThrow(new Re2SyntaxError("missing closing ]: `[a`"));
		expect(() => call("regex.match", "a(?=b)", "ab")).toThrow(BuiltinError);
		expect(() => call("regex.match", "a(?=b)", "ab")).toThrow(
			"error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
		);
		expect(call("regex.is_valid", 5)).toBe(false);
	});

	it("iterates like Go's FindAll: empty matches next to a match are dropped", () => {
		// The empty match at 4 touches "aaa" and is dropped; the one at the end is kept.
		expect(call("regex.find_n", "a*", "baaac", -1)).toEqual(["", "aaa", ""]);
		expect(call("regex.find_n", "x*", "😀y", -1)).toEqual(["", "", ""]);
		expect(call("regex.find_n", "$", "ab", -1)).toEqual([""]);
		expect(call("regex.find_n", "a", "aaaa", 0)).toEqual([]);
		expect(call("regex.split", "", "abc")).toEqual(["a", "b", "c"]);
		expect(call("regex.split", ",", "")).toEqual([""]);
		const spans = findAllGo(compileRe2("b*"), "abb", -1).map((m) => [m.start, m.end]);
		expect(spans).toEqual([
			[0, 0],
			[1, 3],
		]);
	});

	it("anchors ^ and \\A at the start of the input only, not at the search position", () => {
		expect(call("regex.find_n", "^a", "aaa", -1)).toEqual(["a"]);
		expect(call("regex.find_n", "\\Aa", "aaa", -1)).toEqual(["a"]);
		expect(call("regex.replace", "aaa", "^a", "b")).toBe("baa");
	});

	it("expands replacements like Go's ReplaceAllString", () => {
		expect(call("regex.replace", "2024-05", "(?P<y>\\d+)-(?P<m>\\d+)", "$m/$y")).toBe("05/2024");
		// biome-ignore lint/suspicious/noTemplateCurlyInString: Go template syntax, not JS
		expect(call("regex.replace", "2024-05", "(?<y>\\d+)-(\\d+)", "${2}.${y}")).toBe("05.2024");
		expect(call("regex.replace", "ab", "(a)|(x)", "[$2]")).toBe("[]b");
		expect(call("regex.replace", "ab", "a", "$$")).toBe("$b");
		expect(call("regex.replace", "ab", "(a)", "$9")).toBe("b");
		expect(call("regex.replace", "ab", "(a)", "${1")).toBe("${1b");
		expect(call("regex.replace", "ab", "(?P<n>a)", "$nope")).toBe("b");
	});

	it("reports groups that did not take part as empty strings", () => {
		expect(call("regex.find_all_string_submatch_n", "(a)|(b)", "ab", -1)).toEqual([
			["a", "a", ""],
			["b", "", "b"],
		]);
	});

	it("matches templates with nested delimiters and quoted literal parts", () => {
		expect(call("regex.template_match", "a.{[0-9]{2}}", "a.42", "{", "}")).toBe(true);
		expect(call("regex.template_match", "a.{[0-9]{2}}", "ax42", "{", "}")).toBe(false);
		expect(() => call("regex.template_match", "a{b", "ab", "{", "}")).toThrow(BuiltinError);
	});

	it("reuses compiled patterns", () => {
		expect(compileRe2("^cached$")).toBe(compileRe2("^cached$"));
	});
});
