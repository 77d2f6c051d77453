// The per-evaluation limits inside the module: the step budget (emitted loops and calls, the
// allocator, heavy builtins), the memory allowance, and the allocator at a full 4 GiB memory.
// Evaluated through the official SDK, with the globals written as a host does.

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compileSource } from "../compiler/test-helpers.ts";
import { emitWasm } from "./index.ts";
import { applyEvalLimits, DEFAULT_EVAL_STEPS, readEvalLimits } from "./limits.ts";

const SOURCE = `package t
ok if input.x == 1
loop := count([x | some x in numbers.range(1, input.n); x > 0])
huge := count(numbers.range(1, 1000000000000))
strs := count([s | some i in numbers.range(1, input.n); s := concat("", [input.pad, format_int(i, 10)])])
sorted := count(sort(input.arr))

f0(x) := f1(x) + f1(x + 1)
f1(x) := f2(x) + f2(x + 1)
f2(x) := f3(x) + f3(x + 1)
f3(x) := f4(x) + f4(x + 1)
f4(x) := f5(x) + f5(x + 1)
f5(x) := f6(x) + f6(x + 1)
f6(x) := f7(x) + f7(x + 1)
f7(x) := f8(x) + f8(x + 1)
f8(x) := f9(x) + f9(x + 1)
f9(x) := f10(x) + f10(x + 1)
f10(x) := f11(x) + f11(x + 1)
f11(x) := x
calls := f0(input.x)
`;
const ENTRYPOINTS = ["t/ok", "t/loop", "t/huge", "t/strs", "t/sorted", "t/calls"];

async function load(opts: { meter?: boolean } = {}): Promise<LoadedPolicy> {
	const r = compileSource([SOURCE], { entrypoints: ENTRYPOINTS });
	if (!r.policy) throw new Error(r.errors.join("\n"));
	return loadPolicy(emitWasm(r.policy, opts));
}

function run(p: LoadedPolicy, entrypoint: string, input: unknown): unknown {
	const rs = p.evaluate(input, entrypoint) as { result: unknown }[];
	return rs[0]?.result;
}

function thrown(f: () => unknown): string {
	try {
		f();
	} catch (e) {
		return String(e);
	}
	return "(nothing thrown)";
}

describe("the step budget", () => {
	it("defaults to DEFAULT_EVAL_STEPS, with no memory limit, and reads back what a host writes", async () => {
		const p = await load();
		expect(readEvalLimits(p.wasmInstance)).toEqual({ steps: DEFAULT_EVAL_STEPS, memoryBytes: 0 });
		expect(applyEvalLimits(p.wasmInstance, { steps: 1234, memoryBytes: 3 * 2 ** 30 })).toBe(true);
		expect(readEvalLimits(p.wasmInstance)).toEqual({ steps: 1234, memoryBytes: 3 * 2 ** 30 });
	});

	it("aborts a long scan with eval_cancel_error; the next evaluation runs in full", async () => {
		const p = await load();
		applyEvalLimits(p.wasmInstance, { steps: 10_000, memoryBytes: 0 });
		expect(run(p, "t/loop", { n: 1000 })).toBe(1000);
		expect(thrown(() => run(p, "t/loop", { n: 100_000 }))).toBe(
			"eval_cancel_error: evaluation exceeded its budget of 10000 steps",
		);
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
		expect(run(p, "t/loop", { n: 1000 })).toBe(1000);
		// A bigger budget, or none, lets the same evaluation finish.
		applyEvalLimits(p.wasmInstance, { steps: 10_000_000, memoryBytes: 0 });
		expect(run(p, "t/loop", { n: 100_000 })).toBe(100_000);
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 0 });
		expect(run(p, "t/loop", { n: 100_000 })).toBe(100_000);
	});

	it("meters calls: 4,096 calls with no loop run out of a 1,000-step budget", async () => {
		const p = await load();
		applyEvalLimits(p.wasmInstance, { steps: 1000, memoryBytes: 0 });
		expect(thrown(() => run(p, "t/calls", { x: 1 }))).toMatch(/^eval_cancel_error: /);
		applyEvalLimits(p.wasmInstance, { steps: 100_000, memoryBytes: 0 });
		// f0(1) sums f11 over 2^11 arguments 1 + (0..11 ones): 2048 + 11 * 1024.
		expect(run(p, "t/calls", { x: 1 })).toBe(2048 + 11 * 1024);
	});

	it("the same calls are not metered when the module is built without metering", async () => {
		const p = await load({ meter: false });
		applyEvalLimits(p.wasmInstance, { steps: 1000, memoryBytes: 0 });
		// Only the allocator charges now: ~4,096 numbers still exceed 1,000 steps, so lift it to
		// where the allocations fit but the calls would not.
		applyEvalLimits(p.wasmInstance, { steps: 6000, memoryBytes: 0 });
		expect(run(p, "t/calls", { x: 1 })).toBe(2048 + 11 * 1024);
		const metered = await load();
		applyEvalLimits(metered.wasmInstance, { steps: 6000, memoryBytes: 0 });
		expect(thrown(() => run(metered, "t/calls", { x: 1 }))).toMatch(/^eval_cancel_error: /);
	});

	it("charges numbers.range by its length before building it: 10^12 numbers fail at once", async () => {
		const p = await load();
		expect(thrown(() => run(p, "t/huge", {}))).toBe(
			`eval_cancel_error: evaluation exceeded its budget of ${DEFAULT_EVAL_STEPS} steps`,
		);
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
	});

	it("charges sort by size, with no loop in the policy", async () => {
		const p = await load();
		const arr = Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 50_000);
		// Parsing the input is charged as well: measure the budget that suffices, then go below.
		applyEvalLimits(p.wasmInstance, { steps: 10_000_000, memoryBytes: 0 });
		expect(run(p, "t/sorted", { arr })).toBe(50_000);
		applyEvalLimits(p.wasmInstance, { steps: 150_000, memoryBytes: 0 });
		expect(thrown(() => run(p, "t/sorted", { arr }))).toMatch(/^eval_cancel_error: /);
		expect(run(p, "t/sorted", { arr: [3, 1, 2] })).toBe(3);
	});

	it("does not meter the host loading data outside an evaluation", async () => {
		const p = await load();
		applyEvalLimits(p.wasmInstance, { steps: 500, memoryBytes: 0 });
		p.setData({ big: Array.from({ length: 100_000 }, (_, i) => ({ id: i })) });
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
	});
});

describe("the memory allowance", () => {
	it("aborts an evaluation that allocates past it with eval_memory_limit_error; the next one is fine", async () => {
		const p = await load();
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 4 * 1024 * 1024 });
		const pad = "x".repeat(1000);
		expect(run(p, "t/strs", { n: 100, pad })).toBe(100);
		expect(thrown(() => run(p, "t/strs", { n: 10_000, pad }))).toBe(
			"eval_memory_limit_error: evaluation exceeded its memory limit",
		);
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
		expect(run(p, "t/strs", { n: 100, pad })).toBe(100);
		// Memory already grown by an earlier evaluation is no way around the allowance.
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 0 });
		expect(run(p, "t/strs", { n: 10_000, pad })).toBe(10_000);
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 4 * 1024 * 1024 });
		expect(thrown(() => run(p, "t/strs", { n: 10_000, pad }))).toMatch(/^eval_memory_limit_error/);
	});

	it("a result is bounded too: dumping it counts against the allowance", async () => {
		const p = await load();
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 2 * 1024 * 1024 });
		// The input itself sits below the heap; echoing 1.5 MB of it back needs 1.5 MB more.
		const r = compileSource([`package e\nr := input`], { entrypoints: ["e/r"] });
		if (!r.policy) throw new Error(r.errors.join("\n"));
		const echo = await loadPolicy(emitWasm(r.policy));
		applyEvalLimits(echo.wasmInstance, { steps: 0, memoryBytes: 2 * 1024 * 1024 });
		const big = "y".repeat(1_500_000);
		expect(thrown(() => echo.evaluate({ big }, "e/r"))).toMatch(/^eval_memory_limit_error/);
		expect(echo.evaluate({ small: 1 }, "e/r")).toEqual([{ result: { small: 1 } }]);
	});

	it("the allocator works in a full 4 GiB memory (65,536 pages; its byte size wraps a u32)", async () => {
		const p = await load();
		const mem = p.mem as { buffer: ArrayBuffer; grow(delta: number): number };
		const pages = mem.buffer.byteLength / 65536;
		// Grown by the host, as the SDK does for big inputs: untouched pages cost no RSS.
		mem.grow(65536 - pages);
		expect(mem.buffer.byteLength).toBe(2 ** 32);
		// Needs more than the allocator had seen before: it re-reads the memory's size, which
		// as a u32 byte count was 0, and every allocation after that trapped ("unreachable").
		expect(run(p, "t/loop", { n: 100_000 })).toBe(100_000);
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
		expect(run(p, "t/ok", { x: 2 })).toBeUndefined();
		// Still answering after an evaluation that asks for more than there is.
		applyEvalLimits(p.wasmInstance, { steps: 0, memoryBytes: 0 });
		expect(thrown(() => run(p, "t/huge", {}))).toBe("eval_memory_limit_error: out of memory");
		expect(run(p, "t/ok", { x: 1 })).toBe(true);
	});
});
