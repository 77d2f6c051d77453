// Integers beyond int64 stay exact through arithmetic (checked on the raw result text, which
// JavaScript's JSON.parse would round).

import { describe, expect, it } from "vitest";
import { block, C, evalRaw, INPUT, L, load, plan, policy, resultRow, str } from "./test-helpers.ts";

async function arith(op: string, a: string, b: string): Promise<string> {
	const p = policy({
		consts: [str("result"), { type: "number", text: "0" }, { type: "number", text: "1" }],
		builtins: [{ name: op, arity: 2 }],
		plans: [
			plan(
				"t/op",
				8,
				block(
					{ op: "dot", source: L(INPUT), key: C(1), target: 3 },
					{ op: "dot", source: L(INPUT), key: C(2), target: 4 },
					{ op: "call", func: op, args: [L(3), L(4)], target: 2 },
					...resultRow(0, 2, 7),
				),
			),
		],
	});
	return evalRaw(await load(p), `[${a}, ${b}]`);
}

describe("big integers", () => {
	it.each([
		["plus", "9223372036854775807", "1", "9223372036854775808"],
		["plus", "-9223372036854775808", "-1", "-9223372036854775809"],
		["plus", "123456789012345678901234567890", "1", "123456789012345678901234567891"],
		["minus", "100000000000000000000", "1", "99999999999999999999"],
		["minus", "1", "100000000000000000000", "-99999999999999999999"],
		["minus", "100000000000000000000", "100000000000000000000", "0"],
		["mul", "4294967296", "4294967296", "18446744073709551616"],
		["mul", "-123456789012345678901", "10", "-1234567890123456789010"],
		["plus", "100000000000000000000", "0.5", "100000000000000000000"],
		// Integral literals in exponent or fraction form are integers, exact like OPA's.
		["plus", "1e30", "1", "1000000000000000000000000000001"],
		["minus", "1.0e20", "1", "99999999999999999999"],
		["rem", "10", "18446744073709551616", "10"],
		["rem", "18446744073709551617", "18446744073709551616", "1"],
		["rem", "-123456789012345678901234", "1000", "-234"],
		["rem", "100", "-18446744073709551616", "100"],
	])("%s(%s, %s) = %s", async (op, a, b, want) => {
		expect(await arith(op, a, b)).toBe(`[{"result":${want}}]`);
	});
});

async function unary(op: string, arg: string): Promise<string> {
	const p = policy({
		consts: [str("result"), { type: "number", text: "0" }],
		builtins: [{ name: op, arity: 1 }],
		plans: [
			plan(
				"t/op",
				8,
				block(
					{ op: "dot", source: L(INPUT), key: C(1), target: 3 },
					{ op: "call", func: op, args: [L(3)], target: 2 },
					...resultRow(0, 2, 7),
				),
			),
		],
	});
	return evalRaw(await load(p), `[${arg}]`);
}

describe("big integers through unary builtins", () => {
	it.each([
		["abs", "-9223372036854775808", "9223372036854775808"],
		["abs", "-18446744073709551617", "18446744073709551617"],
		["sum", "[9223372036854775807, 1, 2]", "9223372036854775810"],
		["sum", "[-9223372036854775808, -1]", "-9223372036854775809"],
		["product", "[18446744073709551617, 2]", "36893488147419103234"],
		["product", "[4294967296, 4294967296, 2]", "36893488147419103232"],
	])("%s(%s) = %s", async (op, arg, want) => {
		expect(await unary(op, arg)).toBe(`[{"result":${want}}]`);
	});
});
