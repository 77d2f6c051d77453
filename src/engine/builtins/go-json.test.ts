import { describe, expect, it } from "vitest";
import { goJsonSyntaxError } from "./go-json.ts";

describe("Go's JSON syntax errors", () => {
	it("accepts valid JSON", () => {
		for (const ok of ['{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"]}', " 0 ", "[]", "{}"]) {
			expect(goJsonSyntaxError(ok)).toBeUndefined();
		}
	});

	it("words errors as encoding/json does", () => {
		expect(goJsonSyntaxError('{"typ:"JWT"}')).toBe("invalid character 'J' after object key");
		expect(goJsonSyntaxError("{a: 1}")).toBe(
			"invalid character 'a' looking for beginning of object key string",
		);
		expect(goJsonSyntaxError('{"a": 1 "b": 2}')).toBe(
			"invalid character '\"' after object key:value pair",
		);
		expect(goJsonSyntaxError("[1 2]")).toBe("invalid character '2' after array element");
		expect(goJsonSyntaxError("")).toBe("unexpected end of JSON input");
		expect(goJsonSyntaxError("[1,")).toBe("unexpected end of JSON input");
		expect(goJsonSyntaxError("tru")).toBe("unexpected end of JSON input");
		expect(goJsonSyntaxError("tvue")).toBe("invalid character 'v' in literal true (expecting 'r')");
		expect(goJsonSyntaxError('"a\nb"')).toBe("invalid character '\\n' in string literal");
		expect(goJsonSyntaxError("01")).toBe("invalid character '1' after top-level value");
		expect(goJsonSyntaxError("1.x")).toBe(
			"invalid character 'x' after decimal point in numeric literal",
		);
		expect(goJsonSyntaxError("'a'")).toBe("invalid character '\\'' looking for beginning of value");
	});
});
