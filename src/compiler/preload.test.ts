// Large constant collections are built once, when the module is instantiated (Policy.preload),
// and read by every evaluation: the values must be the ones a per-evaluation build gives, and
// must survive what resets the heap (each evaluation, the SDK's setData) and `with`.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { emitOptimizedWasm, emitWasm } from "../wasm/index.ts";
import { printIr } from "./index.ts";
import { PRELOAD_MIN_VALUES } from "./plan-terms.ts";
import { compileSource } from "./test-helpers.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// Sets with equal members written differently (1 and 1.0), objects with non-string keys and
// nested collections: the shapes a per-evaluation build sorts and deduplicates.
const SOURCE = `package t

nums := [${range(100).join(", ")}]
set := {${range(90)
	.map((i) => (i % 2 === 0 ? `${i % 30}` : `${i % 30}.0`))
	.join(", ")}, "a", null, true, [1, 2], {"k": 1}}
obj := {${range(80)
	.map((i) => `${i % 3 === 0 ? i : JSON.stringify(`k${i}`)}: {"v": ${i}, "tags": ["t${i % 4}"]}`)
	.join(", ")}}
small := [1, 2, 3]

n_set := count(set)
has := input.x in set
v := obj[input.k].v
tags := {t | some k; obj[k].v == input.v; some t in obj[k].tags}
total := sum(nums)
first := [nums[0], nums[99]]
with_input := r if r := v with input as {"k": "k80"}
with_input_hit := r if r := v with input as {"k": 3}
small_n := count(small)
`;

const ENTRYPOINTS = [
	"t/n_set",
	"t/has",
	"t/v",
	"t/tags",
	"t/total",
	"t/first",
	"t/with_input",
	"t/with_input_hit",
	"t/small_n",
];

function policy() {
	const r = compileSource([SOURCE], { entrypoints: ENTRYPOINTS });
	if (!r.policy) throw new Error(r.errors.join("\n"));
	return r.policy;
}

describe("preloaded constants", () => {
	it("large collections are preloaded, small ones built in place", () => {
		const p = policy();
		// nums, set and obj; small stays inline.
		expect(p.preload?.length).toBe(3);
		const ir = printIr(p);
		expect(ir.match(/ preload -> /g)?.length).toBe(3);
		expect(PRELOAD_MIN_VALUES).toBeGreaterThan(3);
	});

	for (const [name, emit] of [
		["spliced", async (p: ReturnType<typeof policy>) => emitWasm(p)],
		["binaryen", emitOptimizedWasm],
	] as const) {
		it(`answers as the literal says (${name} build), across evaluations and setData`, async () => {
			const loaded = await loadPolicy(await emit(policy()));
			const ev = (ep: string, input?: unknown) =>
				(loaded.evaluate(input, ep) as { result: unknown }[]).map((x) => x.result);
			const check = () => {
				// 30 numbers (i and i.0 are one member), "a", null, true, [1, 2], {"k": 1}.
				expect(ev("t/n_set")).toEqual([35]);
				expect(ev("t/has", { x: 7 })).toEqual([true]);
				expect(ev("t/has", { x: 7.0 })).toEqual([true]);
				expect(ev("t/has", { x: [1, 2] })).toEqual([true]);
				expect(ev("t/has", { x: 31 })).toEqual([false]);
				expect(ev("t/v", { k: 3 })).toEqual([3]);
				expect(ev("t/v", { k: "k4" })).toEqual([4]);
				expect(ev("t/v", { k: "k3" })).toEqual([]);
				expect(ev("t/tags", { v: 6 })).toEqual([["t2"]]);
				expect(ev("t/total")).toEqual([4950]);
				expect(ev("t/first")).toEqual([[0, 99]]);
				expect(ev("t/with_input")).toEqual([]);
				expect(ev("t/with_input_hit")).toEqual([3]);
				expect(ev("t/small_n")).toEqual([3]);
			};
			check();
			// Evaluations that allocate much (a big input) reset the heap after themselves.
			const big = { x: 1, filler: range(20_000).map((i) => ({ i, s: `s${i}` })) };
			for (let i = 0; i < 5; i++) expect(ev("t/has", big)).toEqual([true]);
			check();
			// setData resets the heap to where it stood after instantiation.
			loaded.setData({ some: range(10_000) });
			check();
			loaded.setData({});
			check();
		});
	}
});
