import { describe, expect, it } from "vitest";
import { hoistInvariants } from "./hoist.ts";
import type { Block, Policy, Stmt } from "./ir.ts";
import { printIr } from "./print.ts";
import { evalSource } from "./test-helpers.ts";

const S = (value: string) => ({ type: "string" as const, value });

/** A policy with one function whose single block is `stmts`. */
function policyOf(stmts: Stmt[]): Policy {
	return {
		consts: [S("a"), S("b")],
		funcs: [{ name: "f", arity: 0, result: 2, locals: 20, memo: true, blocks: [{ stmts }] }],
		plans: [],
		builtins: [],
	};
}

function hoisted(stmts: Stmt[]): string {
	const p = policyOf(stmts);
	hoistInvariants(p);
	return printIr(p);
}

const scan = (stmts: Stmt[], source = 3): Stmt => ({
	op: "scan",
	source: { local: source },
	key: 4,
	value: 5,
	block: { stmts },
});
const dotInput: Stmt = { op: "dot", source: { local: 0 }, key: { const: 0 }, target: 6 };
const dotElem: Stmt = { op: "dot", source: { local: 5 }, key: { const: 1 }, target: 7 };
const test: Stmt = { op: "equal", a: { local: 6 }, b: { local: 7 } };
const add: Stmt = { op: "setAdd", set: 2, value: { local: 5 } };

describe("loop-invariant lookups", () => {
	it("move before the scan, keeping element lookups inside", () => {
		const text = hoisted([
			{ op: "dot", source: { local: 1 }, key: { const: 0 }, target: 3 },
			scan([dotElem, dotInput, test, add]),
		]);
		expect(text).toContain(`  block
    %3 = %1["a"]
    %6 = %0["a"]
    scan %3 as %4, %5
      %7 = %5["b"]
      %6 == %7
      add %2 %5`);
	});

	it("move out of nested loops as far as they are invariant", () => {
		const inner: Stmt = {
			op: "scan",
			source: { local: 7 },
			key: 8,
			value: 9,
			block: { stmts: [dotInput, { op: "equal", a: { local: 6 }, b: { local: 9 } }, add] },
		};
		const text = hoisted([scan([dotElem, inner])]);
		expect(text.indexOf("%6 = %0")).toBeLessThan(text.indexOf("scan %3"));
	});

	it("stay when the scan is not the last statement of its block", () => {
		const text = hoisted([scan([dotInput, test]), add]);
		expect(text.indexOf("%6 = %0")).toBeGreaterThan(text.indexOf("scan %3"));
	});

	it("stay after a statement with an effect", () => {
		const text = hoisted([scan([add, dotInput, test])]);
		expect(text.indexOf("%6 = %0")).toBeGreaterThan(text.indexOf("scan %3"));
	});

	it("stay when they read what the loop writes", () => {
		const readsLoopLocal: Stmt = { op: "dot", source: { local: 7 }, key: { const: 0 }, target: 6 };
		const text = hoisted([scan([dotElem, readsLoopLocal, test])]);
		expect(text.indexOf("%6 = %7")).toBeGreaterThan(text.indexOf("scan %3"));
	});

	it("take collections built from invariant values with them", () => {
		const build: Stmt[] = [
			{ op: "makeObject", target: 8 },
			{ op: "objectInsert", object: 8, key: { const: 0 }, value: { local: 6 } },
		];
		const eq: Stmt = { op: "equal", a: { local: 5 }, b: { local: 8 } };
		const text = hoisted([scan([dotInput, ...build, eq, add])]);
		expect(text).toContain(`    %6 = %0["a"]
    %8 = {}
    %8["a"] = %6
    scan %3 as %4, %5
      %5 == %8`);
		// Built from the element: stays, and does not stop a later invariant lookup.
		const fromElem: Stmt[] = [
			{ op: "makeArray", target: 8, capacity: 1 },
			{ op: "arrayAppend", array: 8, value: { local: 5 } },
		];
		const text2 = hoisted([scan([...fromElem, dotInput, test, add])]);
		expect(text2.indexOf("%8 = []")).toBeGreaterThan(text2.indexOf("scan %3"));
		expect(text2.indexOf("%6 = %0")).toBeLessThan(text2.indexOf("scan %3"));
		// Filled later by a nested block (a comprehension): stays.
		const compr: Stmt[] = [
			{ op: "makeSet", target: 8 },
			{ op: "blocks", blocks: [{ stmts: [{ op: "setAdd", set: 8, value: { local: 5 } }] }] },
		];
		const text3 = hoisted([scan([...compr, eq])]);
		expect(text3.indexOf("%8 = set()")).toBeGreaterThan(text3.indexOf("scan %3"));
	});

	it("stay inside a scan whose block end is observed (not, memoScope)", () => {
		for (const op of ["not", "memoScope"] as const) {
			const block: Block = { stmts: [scan([dotInput, test])] };
			const text = hoisted([{ op, block }]);
			expect(text.indexOf("%6 = %0")).toBeGreaterThan(text.indexOf("scan %3"));
		}
	});
});

describe("hoisting keeps Rego's meaning", () => {
	it("an undefined invariant lookup inside loops, under negation and in comprehensions", async () => {
		const src = `package t
none contains x if {
	some x in [1, 2]
	input.missing == x
}
some_x contains x if {
	some x in [1, 2]
	input.n == x
}
neg if not input.missing in [1, 2]
counts := [count(none), count([y | some y in [1, 2]; input.missing == y])]
after := [a | some a in input.xs; some b in input.xs; b == input.n; a < b]
pairs contains [a, b] if {
	some a in input.xs
	some b in input.xs
	[a, b] == [input.n, input.n + 1]
}
literal contains a if {
	some a in input.xs
	{"k": a} != {"k": input.n}
}`;
		const input = { n: 2, xs: [1, 2, 3] };
		for (const [e, want] of [
			["t/none", []],
			["t/some_x", [2]],
			["t/counts", [0, 0]],
			["t/after", [1]],
			["t/pairs", [[2, 3]]],
			["t/literal", [1, 3]],
		] as const) {
			expect(await evalSource([src], { entrypoint: e }, { input })).toEqual([want]);
		}
		// OPA evaluates the operands of a negated `in` first: input.missing undefined, no `neg`.
		expect(await evalSource([src], { entrypoint: "t/neg" }, { input })).toEqual([]);
	});
});
