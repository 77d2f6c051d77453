// The ABI exports the SDK does not exercise on its fast path.

import { describe, expect, it } from "vitest";
import { abi, block, C, L, load, plan, policy, resultRow, str } from "./test-helpers.ts";

type Fn = (...args: number[]) => number;

async function echoPolicy() {
	// Returns input.
	const p = policy({
		consts: [str("result")],
		plans: [
			plan("t/echo", 4, block({ op: "assign", target: 2, source: L(0) }, ...resultRow(0, 2, 3))),
		],
	});
	const loaded = await load(p);
	const ex = (loaded.wasmInstance as unknown as { exports: Record<string, Fn> }).exports;
	return { loaded, ex, rt: abi(loaded) };
}

describe("ABI", () => {
	it("exports the ABI version globals", async () => {
		const { loaded } = await echoPolicy();
		const ex = (loaded.wasmInstance as unknown as { exports: Record<string, { value: number }> })
			.exports;
		expect(ex.opa_wasm_abi_version.value).toBe(1);
		expect(ex.opa_wasm_abi_minor_version.value).toBe(3);
	});

	it("evaluates through an evaluation context (ABI 1.0 path)", async () => {
		const { ex, rt } = await echoPolicy();
		const base = ex.opa_heap_ptr_get();
		const input = rt.parse('{"x": [1, 2]}');
		const data = rt.parse("{}");
		const ctx = ex.opa_eval_ctx_new();
		ex.opa_eval_ctx_set_input(ctx, input);
		ex.opa_eval_ctx_set_data(ctx, data);
		ex.opa_eval_ctx_set_entrypoint(ctx, 0);
		expect(ex.eval(ctx)).toBe(0);
		expect(rt.dump(ex.opa_eval_ctx_get_result(ctx))).toBe('[{"result":{"x":[1,2]}}]');
		ex.opa_heap_ptr_set(base);
		expect(ex.opa_heap_ptr_get()).toBe(base);
	});

	it("adds and removes values at paths in place", async () => {
		const { ex, rt } = await echoPolicy();
		const doc = rt.parse('{"a": {"b": 1}}');
		expect(ex.opa_value_add_path(doc, rt.parse('["a", "c", "d"]'), rt.parse("[true]"))).toBe(0);
		expect(rt.dump(doc)).toBe('{"a":{"b":1,"c":{"d":[true]}}}');
		expect(ex.opa_value_add_path(doc, rt.parse('["a", "b"]'), rt.parse('"x"'))).toBe(0);
		expect(rt.dump(doc)).toBe('{"a":{"b":"x","c":{"d":[true]}}}');
		expect(ex.opa_value_remove_path(doc, rt.parse('["a", "c"]'))).toBe(0);
		expect(rt.dump(doc)).toBe('{"a":{"b":"x"}}');
		expect(ex.opa_value_remove_path(doc, rt.parse('["nope", "x"]'))).toBe(0);
		expect(ex.opa_value_add_path(rt.parse("[]"), rt.parse('["a"]'), rt.parse("1"))).not.toBe(0);
	});

	it("opa_eval writes the result set as JSON (format 0) or Rego values (format 1)", async () => {
		const { loaded, ex } = await echoPolicy();
		const input = new TextEncoder().encode('{"s": []}');
		const run = (format: number) => {
			const at = loaded.dataHeapPtr as number;
			new Uint8Array(loaded.mem.buffer).set(input, at);
			const out = ex.opa_eval(0, 0, loaded.dataAddr, at, input.length, at + input.length, format);
			const mem = new Uint8Array(loaded.mem.buffer);
			let end = out;
			while (mem[end] !== 0) end++;
			return new TextDecoder().decode(mem.slice(out, end));
		};
		expect(run(0)).toBe('[{"result":{"s":[]}}]');
		expect(run(1)).toBe('{{"result":{"s":[]}}}');
	});

	it("aborts on input that is not JSON", async () => {
		const { loaded } = await echoPolicy();
		expect(() => loaded.evaluate(new TextEncoder().encode("{nope").buffer)).toThrow(
			/invalid input/,
		);
	});

	it("keeps data across evaluations and replaces it on setData", async () => {
		const p = policy({
			consts: [str("result"), str("k")],
			plans: [
				plan(
					"t/data",
					4,
					block({ op: "dot", source: L(1), key: C(1), target: 2 }, ...resultRow(0, 2, 3)),
				),
			],
		});
		const loaded = await load(p);
		loaded.setData({ k: "one" });
		expect(loaded.evaluate({})).toEqual([{ result: "one" }]);
		expect(loaded.evaluate({ big: "x".repeat(100_000) })).toEqual([{ result: "one" }]);
		loaded.setData({ k: "two" });
		expect(loaded.evaluate({})).toEqual([{ result: "two" }]);
	});
});
