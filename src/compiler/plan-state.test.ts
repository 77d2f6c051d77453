import { describe, expect, it } from "vitest";
import type { Block, Stmt } from "./ir.ts";
import { EMPTY_CTX } from "./plan-context.ts";
import { PlanState } from "./plan-state.ts";
import { PolicyBuilder } from "./policy-builder.ts";
import { buildRuleTree } from "./ruletree.ts";

function state(): PlanState {
	return new PlanState(new PolicyBuilder(buildRuleTree([], [])), EMPTY_CTX, 2);
}

const mark = (target: number): Stmt => ({ op: "makeNull", target });

describe("PlanState.steps", () => {
	it("runs steps that end in their own block in a loop, in order, however many", () => {
		const fp = state();
		const n = 200_000;
		let done = false;
		const block = fp.block(() =>
			fp.steps(
				n,
				(i, next) => {
					fp.emit(mark(i));
					next();
				},
				() => {
					done = true;
				},
			),
		);
		expect(done).toBe(true);
		expect(block.stmts.length).toBe(n);
		expect(block.stmts.every((s, i) => s.op === "makeNull" && s.target === i)).toBe(true);
	});

	it("plans the rest inside a nested block when a step's continuation runs there", () => {
		const fp = state();
		const outer = fp.block(() =>
			fp.steps(
				3,
				(i, next) => {
					if (i === 1) {
						const inner = fp.block(next);
						fp.emit({ op: "not", block: inner });
					} else {
						fp.emit(mark(i));
						next();
					}
				},
				() => fp.emit(mark(99)),
			),
		);
		const nested = outer.stmts[1] as { op: "not"; block: Block };
		expect(outer.stmts.map((s) => s.op)).toEqual(["makeNull", "not"]);
		expect(nested.block.stmts).toEqual([mark(2), mark(99)]);
	});

	it("keeps the bindings a step made for the steps after it", () => {
		const fp = state();
		const seen: (number | undefined)[] = [];
		fp.block(() =>
			fp.steps(
				2,
				(i, next) => {
					if (i === 0) fp.vars.set("x", fp.newLocal());
					else seen.push(fp.varLocal("x"));
					next();
				},
				() => seen.push(fp.varLocal("x")),
			),
		);
		expect(seen).toEqual([2, 2]);
	});

	it("refuses a step that emits after its continuation (its code would move)", () => {
		const fp = state();
		expect(() =>
			fp.block(() =>
				fp.steps(
					2,
					(i, next) => {
						next();
						fp.emit(mark(i));
					},
					() => {},
				),
			),
		).toThrow(/went on after its continuation/);
	});
});
