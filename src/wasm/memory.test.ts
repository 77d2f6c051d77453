// Each evaluation resets the heap: memory must not grow across many evaluations.

import { describe, expect, it } from "vitest";
import type { Stmt } from "../compiler/ir.ts";
import { block, C, INPUT, L, load, plan, policy, resultRow, str } from "./test-helpers.ts";

describe("memory", () => {
	it("stays flat over 1,000,000 evaluations that allocate", async () => {
		// Copies every input element into a set and an object, so each evaluation allocates.
		const stmts: Stmt[] = [
			{ op: "makeObject", target: 2 },
			{ op: "makeSet", target: 3 },
			{
				op: "scan",
				source: L(INPUT),
				key: 4,
				value: 5,
				block: block(
					{ op: "setAdd", set: 3, value: L(5) },
					{ op: "objectInsert", object: 2, key: L(5), value: L(4) },
				),
			},
			{ op: "objectInsert", object: 2, key: C(1), value: L(3) },
		];
		const p = policy({
			consts: [str("result"), str("all")],
			plans: [plan("t/mem", 16, block(...stmts, ...resultRow(0, 2, 15)))],
		});
		const loaded = await load(p);
		loaded.setData({ roles: Array.from({ length: 100 }, (_, i) => `r${i}`) });
		const input = ["a", "b", "c", "d", "e", "f", "g", "h"];
		const want = loaded.evaluate(input);
		const pages = loaded.mem.buffer.byteLength;
		for (let i = 0; i < 1_000_000; i++) loaded.evaluate(input);
		expect(loaded.mem.buffer.byteLength).toBe(pages);
		expect(loaded.evaluate(input)).toEqual(want);
	});

	it("grows for a big input and evaluates it correctly", async () => {
		const p = policy({
			consts: [str("result")],
			plans: [
				plan(
					"t/big",
					4,
					block({ op: "assign", target: 2, source: L(INPUT) }, ...resultRow(0, 2, 3)),
				),
			],
		});
		const loaded = await load(p);
		const big = { items: Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `item-${i}` })) };
		expect(loaded.evaluate(big)).toEqual([{ result: big }]);
		const pages = loaded.mem.buffer.byteLength;
		for (let i = 0; i < 20; i++) loaded.evaluate(big);
		expect(loaded.mem.buffer.byteLength).toBe(pages);
	});
});
