import { beforeAll, describe, expect, it } from "vitest";
import { type Abi, abi, load, policy } from "./test-helpers.ts";

let rt: Abi;

beforeAll(async () => {
	rt = abi(await load(policy({ plans: [] })));
});

describe("opa_json_parse / opa_json_dump", () => {
	it.each([
		["null", "null"],
		["true", "true"],
		[" false ", "false"],
		["0", "0"],
		["-12", "-12"],
		["1.5", "1.5"],
		["1.0", "1.0"],
		["1e3", "1e3"],
		["-0.25E-2", "-0.25E-2"],
		['"x"', '"x"'],
		["[]", "[]"],
		["{}", "{}"],
		["[1, [2, {}]]", "[1,[2,{}]]"],
		// Around the integer fast path (up to 18 digits read while scanning) and the literals.
		["-0", "0"],
		["999999999999999999", "999999999999999999"],
		["-999999999999999999", "-999999999999999999"],
		["1000000000000000000", "1000000000000000000"],
		["12.5e1", "12.5e1"],
		["7E+2", "7E+2"],
		["[true,false,null]", "[true,false,null]"],
		["\t\r\n [ 1 ,\n2 ] \n", "[1,2]"],
	])("round-trips %s", (text, want) => {
		expect(rt.roundTrip(text)).toBe(want);
	});

	it("keeps integers beyond 64 bits and long decimals exact", () => {
		expect(rt.roundTrip("123456789012345678901234567890")).toBe("123456789012345678901234567890");
		expect(rt.roundTrip("9223372036854775807")).toBe("9223372036854775807");
		expect(rt.roundTrip("-9223372036854775808")).toBe("-9223372036854775808");
		expect(rt.roundTrip("9223372036854775808")).toBe("9223372036854775808");
		expect(rt.roundTrip("0.1000000000000000000000001")).toBe("0.1000000000000000000000001");
	});

	it("sorts object keys and lets the last duplicate win", () => {
		expect(rt.roundTrip('{"b": 1, "a": 2, "c": {"z": 0, "y": 1}}')).toBe(
			'{"a":2,"b":1,"c":{"y":1,"z":0}}',
		);
		expect(rt.roundTrip('{"a": 1, "a": 2}')).toBe('{"a":2}');
		// Byte order of UTF-8 is code point order.
		expect(rt.roundTrip('{"é": 1, "z": 2, "Z": 3}')).toBe('{"Z":3,"z":2,"é":1}');
	});

	it("decodes escapes, surrogate pairs and lone surrogates", () => {
		expect(rt.roundTrip('"a\\n\\t\\"\\\\\\/"')).toBe('"a\\n\\t\\"\\\\/"');
		expect(rt.roundTrip('"\\u00e9\\u4e2d"')).toBe('"é中"');
		expect(rt.roundTrip('"\\ud83d\\ude00"')).toBe('"😀"');
		expect(rt.roundTrip('"\\ud83d"')).toBe('"\ufffd"');
		expect(rt.roundTrip('"\\ude00x"')).toBe('"\ufffdx"');
		expect(rt.roundTrip('"😀"')).toBe('"😀"');
	});

	it("escapes like Go's encoding/json", () => {
		expect(rt.roundTrip('"<a href=\\"x\\">&</a>"')).toBe(
			'"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"',
		);
		expect(rt.roundTrip('"\\u0001\\u001f\\b\\f\\r"')).toBe('"\\u0001\\u001f\\u0008\\u000c\\r"');
		expect(rt.roundTrip('"\\u2028\\u2029"')).toBe('"\\u2028\\u2029"');
	});

	it.each([
		"",
		"nul",
		"[1,]",
		"{,}",
		'{"a" 1}',
		"{1: 2}",
		"01",
		"1.",
		".5",
		"-",
		"1e",
		"+1",
		'"abc',
		'"\\x"',
		'"\\u12"',
		'"a\nb"',
		"[1] 2",
		"{}}",
		"NaN",
		"'a'",
		"tru",
		"fals",
		"falsy",
		"nulls",
		"truex",
		"-a",
		"1.e5",
		"1e+",
		"[1\u000b]",
	])("rejects %j", (text) => {
		expect(rt.parse(text)).toBe(0);
	});

	it("rejects JSON nested too deeply instead of overflowing the stack", () => {
		expect(rt.parse("[".repeat(20000) + "]".repeat(20000))).toBe(0);
	});
});

describe("opa_value_parse / opa_value_dump (Rego syntax)", () => {
	it("reads and writes sets in sorted order", () => {
		expect(rt.roundTrip("{3, 1, 2, 1}", true)).toBe("{1,2,3}");
		expect(rt.roundTrip("set()", true)).toBe("set()");
		expect(rt.roundTrip('{"a": {1, "x"}}', true)).toBe('{"a":{1,"x"}}');
	});

	it("dumps sets as sorted arrays in JSON", () => {
		const v = rt.parse('{"b", "a", null, 1, [1], {"k": 1}, false}', true);
		expect(rt.dump(v)).toBe('[null,false,1,"a","b",[1],{"k":1}]');
	});

	it("allows non-string object keys in Rego syntax", () => {
		expect(rt.roundTrip('{2: "b", 1: "a"}', true)).toBe('{1:"a",2:"b"}');
		expect(rt.dump(rt.parse('{2: "b", 1: "a"}', true))).toBe('{"1":"a","2":"b"}');
	});
});
