// The host answers the builtins an OPA-built module imports with Gavel's own runtime code:
// same values, exact big integers, OPA's errors (strict) or undefined (the default).

import { describe, expect, it } from "vitest";
import { BuiltinError, createHostBuiltins } from "../host-builtins.ts";
import { BRIDGED_BUILTINS, nativeJson, runtimeFromFile } from "./native-bridge.ts";

/** What the SDK would load: an ArrayBuffer is JSON text, anything else is JSON.stringify'd. */
function sdkValue(v: unknown): unknown {
	if (v instanceof ArrayBuffer) return JSON.parse(new TextDecoder().decode(v));
	return v;
}

describe("native bridge", () => {
	const strict = createHostBuiltins({ strictErrors: true });
	const lax = createHostBuiltins();
	const call = (name: string, ...args: unknown[]) => sdkValue(strict.builtins[name](...args));

	it("registers every bridged builtin with the host", () => {
		expect(BRIDGED_BUILTINS.filter((n) => !(n in strict.builtins))).toEqual([]);
	});

	it("answers with the runtime's results", () => {
		expect(call("numbers.range_step", 1, 10, 3)).toEqual([1, 4, 7, 10]);
		expect(call("strings.any_suffix_match", "a.example.com", [".org", ".com"])).toBe(true);
		expect(call("object.subset", { a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
		expect(call("object.subset", [1, 2, 3], [2, 3])).toBe(true);
		expect(call("units.parse_bytes", "1KiB")).toBe(1024);
		expect(call("net.cidr_merge", ["192.0.2.0/25", "192.0.2.128/25"])).toEqual(["192.0.2.0/24"]);
		expect(call("semver.compare", "1.2.3", "1.10.0")).toBe(-1);
	});

	it("keeps int64 results exact (JSON text handed to the SDK)", () => {
		const r = strict.builtins["units.parse_bytes"]("7EiB");
		expect(r).toBeInstanceOf(ArrayBuffer);
		expect(new TextDecoder().decode(r as ArrayBuffer)).toBe("8070450532247928832");
		const text = (name: string, ...args: unknown[]) =>
			new TextDecoder().decode(strict.builtins[name](...args) as ArrayBuffer);
		// Past int64, as OPA's big integers (checked against opa eval's text output).
		expect(text("units.parse_bytes", "16EiB")).toBe("18446744073709551616");
		expect(text("units.parse_bytes", "8EiB")).toBe("9223372036854775808");
		expect(text("units.parse", "9E")).toBe("9000000000000000000");
	});

	it("shifts past int64 exactly (bits.lsh, as opa eval prints it)", () => {
		const lsh = (a: bigint, b: number) => nativeJson(runtimeFromFile, "bits.lsh", [a, b]);
		expect(lsh(9223372036854775807n, 1)).toBe("18446744073709551614");
		expect(lsh(1n, 100)).toBe("1267650600228229401496703205376");
		expect(lsh(-9223372036854775808n, 1)).toBe("-18446744073709551616");
		expect(lsh(3n, 61)).toBe("6917529027641081856");
		expect(lsh(3n, 62)).toBe("13835058055282163712");
	});

	it("does bits.* on integers past int64 as OPA's big integers (values from opa eval)", () => {
		const call = (name: string, ...args: bigint[]) => nativeJson(runtimeFromFile, name, args);
		const big = 18446744073709551616n;
		const cases: [string, bigint[], string][] = [
			["bits.rsh", [big, 1n], "9223372036854775808"],
			["bits.and", [big, big + 1n], "18446744073709551616"],
			["bits.or", [big, 1n], "18446744073709551617"],
			["bits.xor", [big, 3n], "18446744073709551619"],
			["bits.negate", [big], "-18446744073709551617"],
			["bits.and", [-big - 1n, 12345678901234567890123n], "12327232157160858338507"],
			["bits.or", [-big - 1n, 5n], "-18446744073709551617"],
			["bits.xor", [-1n, big], "-18446744073709551617"],
			["bits.rsh", [-big - 1n, 3n], "-2305843009213693953"],
			["bits.rsh", [-big, 64n], "-1"],
			["bits.rsh", [big, 100n], "0"],
			["bits.negate", [-big - 1n], "18446744073709551616"],
			["bits.and", [-5n, big - 1n], "18446744073709551611"],
			["bits.rsh", [-1n, 70n], "-1"],
		];
		for (const [name, args, want] of cases)
			expect([name, args, call(name, ...args)]).toEqual([name, args, want]);
	});

	it("raises OPA's error when strict, undefined otherwise", () => {
		expect(() => strict.builtins["numbers.range_step"](1, 10, 0)).toThrow(
			// OPA's message names the builtin twice.
			new BuiltinError("numbers.range_step", "numbers.range_step: step must be a positive integer"),
		);
		expect(() => strict.builtins["numbers.range_step"]("a", 10, 1)).toThrow(
			"numbers.range_step: operand 1 must be integer but got string",
		);
		expect(lax.builtins["numbers.range_step"](1, 10, 0)).toBeUndefined();
		// The instance is reused after an error.
		expect(call("numbers.range_step", 1, 3, 1)).toEqual([1, 2, 3]);
	});
});
