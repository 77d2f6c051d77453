// The evaluation limits as the server meets them: an ActivePolicy loaded from a compiled
// bundle, on Node, with the SDK the server uses. Past the step budget or the memory allowance
// that one evaluation fails with OPA-style codes; the instance is rebuilt from the compiled
// module and the next evaluation on the same policy answers correctly; ready() stays true.
// The 4 GiB case starts from a memory already at 65,536 pages, the state one big evaluation
// used to leave behind (every later allocation then failed until a new revision).

import { describe, expect, it } from "vitest";
import { compileSource } from "../compiler/test-helpers.ts";
import { emitWasm } from "../wasm/index.ts";
import { type ActivePolicy, type LoadOptions, loadActivePolicy } from "./active-policy.ts";
import { PolicyEvalError } from "./eval-error.ts";

const SOURCE = `package t
ok if input.x == 1
range := count(numbers.range(1, input.n))
loop := count([x | some x in numbers.range(1, input.n); x > 0])
deep := d0(input.x)
d0(x) := d1(x) + d1(x + 1)
d1(x) := d2(x) + d2(x + 1)
d2(x) := d3(x) + d3(x + 1)
d3(x) := d4(x) + d4(x + 1)
d4(x) := d5(x) + d5(x + 1)
d5(x) := d6(x) + d6(x + 1)
d6(x) := d7(x) + d7(x + 1)
d7(x) := d8(x) + d8(x + 1)
d8(x) := d9(x) + d9(x + 1)
d9(x) := d10(x) + d10(x + 1)
d10(x) := d11(x) + d11(x + 1)
d11(x) := d12(x) + d12(x + 1)
d12(x) := d13(x) + d13(x + 1)
d13(x) := d14(x) + d14(x + 1)
d14(x) := d15(x) + d15(x + 1)
d15(x) := d16(x) + d16(x + 1)
d16(x) := d17(x) + d17(x + 1)
d17(x) := d18(x) + d18(x + 1)
d18(x) := d19(x) + d19(x + 1)
d19(x) := x
strs := count([s | some i in numbers.range(1, input.n); s := concat("", [input.pad, format_int(i, 10)])])
`;
const ENTRYPOINTS = ["t/ok", "t/range", "t/loop", "t/deep", "t/strs"];

let wasm: Uint8Array | undefined;
function compiled(): Uint8Array {
	if (wasm) return wasm;
	const r = compileSource([SOURCE], { entrypoints: ENTRYPOINTS });
	if (!r.policy) throw new Error(r.errors.join("\n"));
	wasm = emitWasm(r.policy);
	return wasm;
}

function load(options: LoadOptions): Promise<ActivePolicy> {
	return loadActivePolicy(
		{ manifest: { revision: "limits-1" }, wasm: compiled(), data: {} },
		options,
	);
}

function failure(f: () => unknown): PolicyEvalError {
	try {
		f();
	} catch (e) {
		if (e instanceof PolicyEvalError) return e;
		throw e;
	}
	throw new Error("nothing was thrown");
}

describe("step budget through the engine", () => {
	it("numbers.range(1, 1e8) is cancelled, then the same policy answers on a rebuilt instance", async () => {
		const p = await load({ evalLimits: { steps: 1_000_000 } });
		expect(p.limitsEnforced).toBe(true);
		const e = failure(() => p.evaluate("t/range", { n: 1e8 }));
		expect(e.code).toBe("eval_cancel_error");
		expect(e.message).toBe("eval_cancel_error: evaluation exceeded its budget of 1000000 steps");
		expect(p.rebuilds).toBe(1);
		expect(p.ready()).toBe(true);
		expect(p.evaluate("t/ok", { x: 1 })).toBe(true);
		expect(p.evaluate("t/ok", { x: 2 })).toBeUndefined();
		expect(p.evaluate("t/range", { n: 1000 })).toBe(1000);
	});

	it("a long loop and 2^20 nested calls (no loop at all) are cancelled too", async () => {
		const p = await load({ evalLimits: { steps: 100_000 } });
		expect(failure(() => p.evaluate("t/loop", { n: 1e7 })).code).toBe("eval_cancel_error");
		expect(failure(() => p.evaluate("t/deep", { x: 1 })).code).toBe("eval_cancel_error");
		expect(p.rebuilds).toBe(2);
		expect(p.evaluate("t/loop", { n: 100 })).toBe(100);
		expect(p.ready()).toBe(true);
	});

	it("steps: 0 lifts the budget (what --max-eval-steps 0 asks for)", async () => {
		const p = await load({ evalLimits: { steps: 0 } });
		// 2^19 leaves summed: d0(1) = sum over 2^19 paths of 1 + (number of +1 taken).
		expect(p.evaluate("t/deep", { x: 1 })).toBe(2 ** 19 + 19 * 2 ** 18);
	});
});

describe("memory allowance through the engine", () => {
	it("an evaluation allocating past the cap fails alone; the next one is correct", async () => {
		const p = await load({ evalLimits: { steps: 0, memoryBytes: 4 * 1024 * 1024 } });
		const pad = "x".repeat(1000);
		const e = failure(() => p.evaluate("t/strs", { n: 10_000, pad }));
		expect(e.code).toBe("eval_memory_limit_error");
		expect(e.message).toBe(
			"eval_memory_limit_error: evaluation exceeded its memory limit of 4194304 bytes",
		);
		expect(p.rebuilds).toBe(1);
		expect(p.ready()).toBe(true);
		expect(p.evaluate("t/strs", { n: 100, pad })).toBe(100);
		expect(p.evaluate("t/ok", { x: 1 })).toBe(true);
	});

	it("a memory at the full 4 GiB (65,536 pages) still allocates, and running out of it is one deny", async () => {
		// Untouched pages cost no RSS: the memory is reserved, not written.
		const p = await load({
			memoryPages: 65536,
			evalLimits: { steps: 0, memoryBytes: 0xffff_ffff },
		});
		// Allocates past what the allocator has seen: it re-reads memory.size(), whose byte count
		// (2^32) wrapped to 0 as a u32 and made every allocation fail from then on.
		expect(p.evaluate("t/loop", { n: 100_000 })).toBe(100_000);
		expect(p.evaluate("t/ok", { x: 1 })).toBe(true);
		// More than a wasm32 memory holds: refused before anything is built.
		const e = failure(() => p.evaluate("t/range", { n: 1e12 }));
		expect(e.code).toBe("eval_memory_limit_error");
		expect(e.message).toBe("eval_memory_limit_error: out of memory");
		expect(p.rebuilds).toBe(1);
		expect(p.ready()).toBe(true);
		expect(p.evaluate("t/ok", { x: 1 })).toBe(true);
		expect(p.evaluate("t/loop", { n: 1000 })).toBe(1000);
	});
});
