// Policies whose constants exceed the SDK's default memory (5 pages, ~320 KB) still load in
// the official SDK unmodified: the constants arrive through a passive segment.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import type { Stmt } from "../compiler/ir.ts";
import { emitOptimizedWasm, emitWasm } from "./index.ts";
import { SDK_DEFAULT_PAGES } from "./module-shape.ts";
import { block, C, INPUT, L, plan, policy, resultRow, str } from "./test-helpers.ts";

const PAGE = 65536;

/** The memory minimum a module's `env.memory` import declares, read from its import section. */
function importedMinimum(b: Uint8Array): number {
	let p = 8;
	const u32 = () => {
		let r = 0;
		let shift = 0;
		for (;;) {
			const x = b[p++];
			r |= (x & 0x7f) << shift;
			if ((x & 0x80) === 0) return r >>> 0;
			shift += 7;
		}
	};
	const name = () => {
		const n = u32();
		const s = new TextDecoder().decode(b.subarray(p, p + n));
		p += n;
		return s;
	};
	while (p < b.length) {
		const id = b[p++];
		const size = u32();
		const end = p + size;
		if (id === 2) {
			const count = u32();
			for (let i = 0; i < count; i++) {
				name();
				name();
				const kind = b[p++];
				if (kind === 2) {
					u32(); // flags
					return u32();
				}
				if (kind === 0) u32();
				else if (kind === 3) p += 2;
				else throw new Error(`unexpected import kind ${kind}`);
			}
		}
		p = end;
	}
	throw new Error("no memory import");
}

describe("constants beyond the SDK's default memory", () => {
	it.each([
		["unoptimised", false],
		["optimised", true],
	])(
		"a policy holding > 1 MB of string constants loads with the SDK's defaults (%s)",
		async (_, optimize) => {
			// 12,000 distinct 100-byte strings (1.2 MB of text, more with value headers). The plan
			// looks input up among them (a scan of the whole table) and returns the match.
			const n = 12_000;
			const table = Array.from(
				{ length: n },
				(_, i) => `${String(i).padStart(6, "0")}:${"x".repeat(93)}`,
			);
			const consts = [str("result"), ...table.map(str)];
			const stmts: Stmt[] = [{ op: "makeSet", target: 2 }];
			for (let i = 0; i < n; i++) stmts.push({ op: "setAdd", set: 2, value: C(i + 1) });
			stmts.push(
				{ op: "makeArray", capacity: 0, target: 3 },
				{
					op: "scan",
					source: L(2),
					key: 4,
					value: 5,
					block: block(
						{ op: "equal", a: L(5), b: L(INPUT) },
						{ op: "arrayAppend", array: 3, value: L(5) },
					),
				},
			);
			const p = policy({
				consts,
				plans: [plan("t/big", 8, block(...stmts, ...resultRow(0, 3, 7)))],
			});
			const wasm = optimize ? await emitOptimizedWasm(p) : emitWasm(p);
			expect(wasm.length).toBeGreaterThan(1_000_000);
			expect(importedMinimum(wasm)).toBeLessThanOrEqual(SDK_DEFAULT_PAGES);

			const loaded = await loadPolicy(wasm);
			expect(loaded.evaluate(table[0])).toEqual([{ result: [table[0]] }]);
			expect(loaded.evaluate(table[n - 1])).toEqual([{ result: [table[n - 1]] }]);
			expect(loaded.evaluate("absent")).toEqual([{ result: [] }]);
			// Evaluations reset the heap past the constants: the last ones are intact afterwards.
			for (let i = 0; i < 50; i++) loaded.evaluate(table[i * 200]);
			expect(loaded.evaluate(table[n - 2])).toEqual([{ result: [table[n - 2]] }]);
			expect(loaded.entrypoints).toEqual({ "t/big": 0 });
			expect(
				(loaded as unknown as { mem: { buffer: ArrayBuffer } }).mem.buffer.byteLength / PAGE >
					SDK_DEFAULT_PAGES,
			).toBe(true);
		},
	);

	it("small policies keep their constants in an active segment", () => {
		const p = policy({
			consts: [str("result"), str("ok")],
			plans: [
				plan("t/small", 4, block({ op: "assign", target: 2, source: C(1) }, ...resultRow(0, 2, 3))),
			],
		});
		const wasm = emitWasm(p);
		expect(importedMinimum(wasm)).toBeLessThanOrEqual(SDK_DEFAULT_PAGES);
		expect(new TextDecoder("latin1").decode(wasm).includes("gavel:init_consts")).toBe(false);
	});
});
