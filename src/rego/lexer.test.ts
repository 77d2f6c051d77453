import { describe, expect, it } from "vitest";
import { lex } from "./lexer.ts";

const kinds = (src: string) => lex(src, "f").tokens.map((t) => `${t.kind}:${t.text}`);

describe("lexer", () => {
	it("splits words, numbers, strings and operators, longest operator first", () => {
		expect(kinds('x:=1 != y<=2.5e-3 "s" `r`')).toEqual([
			"ident:x",
			"op::=",
			"number:1",
			"op:!=",
			"ident:y",
			"op:<=",
			"number:2.5e-3",
			'string:"s"',
			"string:`r`",
			"eof:",
		]);
		// `1.` followed by a name is a number and a dot (as in `x[1].y` written oddly).
		expect(kinds("1.x")).toEqual(["number:1", "op:.", "ident:x", "eof:"]);
	});

	it("records rows, columns, ends, and whitespace/newline before each token", () => {
		const { tokens } = lex("a\n  bb # c\n\tc", "f");
		expect(
			tokens.map((t) => [t.text, t.row, t.col, t.endRow, t.endCol, t.wsBefore, t.nlBefore]),
		).toEqual([
			["a", 1, 1, 1, 2, false, false],
			["bb", 2, 3, 2, 5, true, true],
			["c", 3, 2, 3, 3, true, true],
			["", 3, 3, 3, 3, false, false],
		]);
	});

	it("keeps comments with their positions", () => {
		const { comments } = lex("# one\nx # two\r\n", "f");
		expect(comments).toEqual([
			{ text: " one", loc: { file: "f", row: 1, col: 1, endRow: 1, endCol: 6 } },
			{ text: " two", loc: { file: "f", row: 2, col: 3, endRow: 2, endCol: 9 } },
		]);
	});

	it("decodes escapes, \\u and surrogate pairs; lone surrogates become U+FFFD", () => {
		const value = (src: string) => lex(src, "f").tokens[0].value;
		expect(value('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"')).toBe('a"b\\c/d\b\f\n\r\t');
		expect(value('"\\u00e9\\u4e2d"')).toBe("é中");
		expect(value('"\\ud83d\\ude00"')).toBe("😀");
		expect(value('"\\ud83d x"')).toBe("\ufffd x");
		expect(value('"\\ude00"')).toBe("\ufffd");
		expect(value('"héllo 😀"')).toBe("héllo 😀");
		expect(value("`a\\nb\nc`")).toBe("a\\nb\nc");
		// A lone surrogate written directly (only possible from a JS string) reads as U+FFFD too,
		// so the value prints and re-reads the same.
		expect(value('"a\ud83d"')).toBe("a\ufffd");
	});

	it("reports bad input with positions but still covers the whole source", () => {
		const r = lex('"abc\nx @ 0a1 "\\x" 1e', "f");
		expect(r.errors.map((e) => [e.message, e.row, e.col])).toEqual([
			["non-terminated string", 1, 1],
			["illegal token", 2, 3],
			["illegal number format", 2, 6],
			["illegal escape sequence", 2, 10],
			["expected exponent", 2, 15],
		]);
		expect(r.tokens.at(-1)?.kind).toBe("eof");
		expect(r.tokens.find((t) => t.text === "@")?.kind).toBe("illegal");
	});
});

describe("columns", () => {
	it("count characters, so an emoji before a token moves it by one column, as in OPA", () => {
		const { tokens } = lex('"😀é" x\n😀', "f");
		expect(tokens.map((t) => [t.text, t.row, t.col, t.endCol])).toEqual([
			['"😀é"', 1, 1, 5],
			["x", 1, 6, 7],
			["😀", 2, 1, 2],
			["", 2, 2, 2],
		]);
	});
});
