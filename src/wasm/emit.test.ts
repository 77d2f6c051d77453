import { describe, expect, it } from "vitest";
import {
	block,
	C,
	func,
	INPUT,
	L,
	load,
	num,
	plan,
	policy,
	resultRow,
	str,
} from "./test-helpers.ts";

describe("emitWasm end to end through the official SDK", () => {
	it("returns a constant", async () => {
		const p = policy({
			consts: [str("result"), num("42")],
			plans: [
				plan(
					"test/answer",
					4,
					block({ op: "assign", target: 2, source: C(1) }, ...resultRow(0, 2, 3)),
				),
			],
		});
		const loaded = await load(p);
		expect(loaded.entrypoints).toEqual({ "test/answer": 0 });
		expect(loaded.evaluate({})).toEqual([{ result: 42 }]);
	});

	it("reads input and calls a memoised rule", async () => {
		const p = policy({
			consts: [str("result"), str("user"), str("alice")],
			funcs: [
				func("data.test.allow", 0, 2, 4, [
					block(
						{ op: "dot", source: L(INPUT), key: C(1), target: 3 },
						{ op: "equal", a: L(3), b: C(2) },
						{ op: "assign", target: 2, source: { const: 3 } },
					),
				]),
			],
			plans: [
				plan(
					"test/allow",
					4,
					block(
						{ op: "call", func: "data.test.allow", args: [L(0), L(1)], target: 2 },
						...resultRow(0, 2, 3),
					),
				),
			],
		});
		p.consts.push({ type: "boolean", value: true });
		const loaded = await load(p);
		expect(loaded.evaluate({ user: "alice" })).toEqual([{ result: true }]);
		expect(loaded.evaluate({ user: "bob" })).toEqual([]);
		expect(loaded.evaluate(undefined)).toEqual([]);
	});
});
