// The host answers the builtins an OPA-built module imports with Gavel's own runtime code:
// same values, exact big integers, OPA's errors (strict) or undefined (the default).

import { describe, expect, it } from "vitest";
import { BuiltinError, createHostBuiltins } from "../host-builtins.ts";
import { BRIDGED_BUILTINS } from "./native-bridge.ts";

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
	});

	it("raises OPA's error when strict, undefined otherwise", () => {
		expect(() => strict.builtins["numbers.range_step"](1, 10, 0)).toThrow(
			new BuiltinError("numbers.range_step", "step must be a positive number above zero"),
		);
		expect(() => strict.builtins["numbers.range_step"]("a", 10, 1)).toThrow(
			"numbers.range_step: operand 1 must be integer but got string",
		);
		expect(lax.builtins["numbers.range_step"](1, 10, 0)).toBeUndefined();
		// The instance is reused after an error.
		expect(call("numbers.range_step", 1, 3, 1)).toEqual([1, 2, 3]);
	});
});
