// Rego's total order and equality, observed through sets (sorted) and the comparison builtins.

import { describe, expect, it } from "vitest";
import type { Stmt } from "../compiler/ir.ts";
import {
	block,
	C,
	evalRaw,
	INPUT,
	L,
	load,
	num,
	plan,
	policy,
	resultRow,
	str,
	value,
} from "./test-helpers.ts";

const sortViaSet: Stmt[] = [
	{ op: "makeSet", target: 2 },
	{
		op: "scan",
		source: L(INPUT),
		key: 3,
		value: 4,
		block: block({ op: "setAdd", set: 2, value: L(4) }),
	},
];

describe("total order", () => {
	it("orders kinds null < boolean < number < string < array < object", async () => {
		const input = [{ a: 1 }, [1], "s", 2, true, null, false, [0, 5], { a: 0, b: 1 }, "", -1.5];
		expect(await value({ stmts: sortViaSet, input })).toEqual([
			null,
			false,
			true,
			-1.5,
			2,
			"",
			"s",
			[0, 5],
			[1],
			{ a: 0, b: 1 },
			{ a: 1 },
		]);
	});

	it("orders numbers by value across representations and dedupes 1 and 1.0", async () => {
		const p = policy({
			consts: [str("result")],
			plans: [plan("t/sort", 16, block(...sortViaSet, ...resultRow(0, 2, 15)))],
		});
		const input =
			"[3, 1.0, 1, 2.5, -7, 100000000000000000000, 99999999999999999999, 1e2, 0.1, 9007199254740993, 9007199254740992, -0.0]";
		expect(evalRaw(await load(p), input)).toBe(
			'[{"result":[-7,-0.0,0.1,1.0,2.5,3,1e2,9007199254740992,9007199254740993,99999999999999999999,100000000000000000000]}]',
		);
	});

	it("orders strings by bytes and arrays element-wise then by length", async () => {
		const input = ["b", "a", "ab", "é", "Z", ["a", "b"], ["a"], ["b"]];
		expect(await value({ stmts: sortViaSet, input })).toEqual([
			"Z",
			"a",
			"ab",
			"b",
			"é",
			["a"],
			["a", "b"],
			["b"],
		]);
	});

	it("sets compare by sorted elements", async () => {
		// A set of sets, via nested scans: {{1,2}, {1}, {3}} sorted.
		const stmts: Stmt[] = [
			{ op: "makeSet", target: 2 },
			{
				op: "scan",
				source: L(INPUT),
				key: 3,
				value: 4,
				block: block(
					{ op: "makeSet", target: 5 },
					{
						op: "scan",
						source: L(4),
						key: 6,
						value: 7,
						block: block({ op: "setAdd", set: 5, value: L(7) }),
					},
					{ op: "setAdd", set: 2, value: L(5) },
				),
			},
		];
		expect(await value({ stmts, input: [[3], [2, 1], [1], [1, 2]] })).toEqual([[1], [1, 2], [3]]);
	});
});

describe("comparison builtins", () => {
	const cmp = (op: string): Stmt[] => [
		{ op: "dot", source: L(INPUT), key: C(0), target: 3 },
		{ op: "dot", source: L(INPUT), key: C(1), target: 4 },
		{ op: "call", func: op, args: [L(3), L(4)], target: 2 },
	];
	const consts = [num("0"), num("1")];
	it.each([
		["lt", [1, 2], true],
		["lt", [2, 1], false],
		["lt", ["a", 1], false],
		["lt", [null, false], true],
		["lte", [1, 1.0], true],
		["gt", [{ a: 1 }, [9]], true],
		["gte", ["b", "a"], true],
		["equal", [1, 1.0], true],
		[
			"equal",
			[
				[1, { a: 2 }],
				[1.0, { a: 2.0 }],
			],
			true,
		],
		["equal", ["1", 1], false],
		["neq", [1, 2], true],
		["neq", [{ a: 1 }, { a: 1 }], false],
	])("%s %j is %s", async (op, args, want) => {
		expect(await value({ consts, stmts: cmp(op), input: args })).toBe(want);
	});
});
