// The spliced build (the default) and the binaryen build (optimize) make modules of the same
// shape that evaluate alike; the spliced one never loads binaryen's optimiser path.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import type { Policy } from "../compiler/ir.ts";
import { calledFunctions, KIND, parseModule } from "./binary.ts";
import { emitOptimizedWasm, emitWasm } from "./index.ts";
import { KEPT_EXPORTS } from "./module-shape.ts";
import { loadRuntime } from "./runtime.ts";
import { block, C, func, INPUT, L, plan, policy, resultRow, str } from "./test-helpers.ts";

/** A memoised rule, a scan, a native builtin and a host builtin. */
function sample(): Policy {
	return policy({
		consts: [str("result"), str("roles"), str("admin"), { type: "boolean", value: true }],
		builtins: [
			{ name: "count", arity: 1 },
			{ name: "crypto.sha256", arity: 1 },
		],
		funcs: [
			func("data.t.admin", 0, 2, 6, [
				block(
					{ op: "dot", source: L(INPUT), key: C(1), target: 3 },
					{
						op: "scan",
						source: L(3),
						key: 4,
						value: 5,
						block: block(
							{ op: "equal", a: L(5), b: C(2) },
							{ op: "assign", target: 2, source: C(3) },
						),
					},
				),
			]),
		],
		plans: [
			plan(
				"t/admin",
				4,
				block(
					{ op: "call", func: "data.t.admin", args: [L(0), L(1)], target: 2 },
					...resultRow(0, 2, 3),
				),
			),
			plan(
				"t/count",
				5,
				block(
					{ op: "dot", source: L(INPUT), key: C(1), target: 3 },
					{ op: "call", func: "count", args: [L(3)], target: 2 },
					...resultRow(0, 2, 4),
				),
			),
			plan(
				"t/hash",
				5,
				block(
					{ op: "call", func: "crypto.sha256", args: [C(2)], target: 2 },
					...resultRow(0, 2, 4),
				),
			),
		],
	});
}

describe("spliced modules", () => {
	it("import, export and declare what the binaryen build does", async () => {
		const spliced = parseModule(emitWasm(sample()));
		const optimised = parseModule(await emitOptimizedWasm(sample()));
		const imports = (m: typeof spliced) => m.imports.map((i) => `${i.module}.${i.name}`).sort();
		// Exactly the ABI's imports (binaryen's build drops the opa_builtinN it does not call).
		expect(imports(spliced)).toEqual([
			"env.memory",
			"env.opa_abort",
			"env.opa_builtin0",
			"env.opa_builtin1",
			"env.opa_builtin2",
			"env.opa_builtin3",
			"env.opa_builtin4",
			"env.opa_println",
		]);
		expect(imports(optimised).every((i) => imports(spliced).includes(i))).toBe(true);
		const exports = (m: typeof spliced) => m.exports.map((e) => e.name).sort();
		expect(exports(spliced)).toEqual(exports(optimised));
		expect(exports(spliced).every((e) => KEPT_EXPORTS.has(e))).toBe(true);
		expect(spliced.exports.filter((e) => e.kind === KIND.func).length).toBeGreaterThan(15);
		expect(spliced.start).toBeUndefined();
	});

	it("evaluate like the binaryen build, host builtins included", async () => {
		const host = { "crypto.sha256": (s: string) => `sha256:${s}` };
		const a = await loadPolicy(emitWasm(sample()), undefined, host);
		const b = await loadPolicy(await emitOptimizedWasm(sample()), undefined, host);
		expect(a.entrypoints).toEqual(b.entrypoints);
		for (const input of [{ roles: ["admin"] }, { roles: ["user"] }, {}, { roles: [] }]) {
			for (const entrypoint of ["t/admin", "t/count", "t/hash"]) {
				expect(a.evaluate(input, entrypoint)).toEqual(b.evaluate(input, entrypoint));
			}
		}
		expect(a.evaluate({ roles: ["user", "admin"] }, "t/admin")).toEqual([{ result: true }]);
		expect(a.evaluate({ roles: [1, 2, 3] }, "t/count")).toEqual([{ result: 3 }]);
		expect(a.evaluate({}, "t/hash")).toEqual([{ result: "sha256:admin" }]);
	});
});

describe("the back end's public face", () => {
	it("loads binaryen only through emitOptimizedWasm's dynamic import", async () => {
		const { readFileSync } = await import("node:fs");
		const { dirname, resolve } = await import("node:path");
		const { fileURLToPath } = await import("node:url");
		const seen = new Set<string>();
		const packages = new Set<string>();
		// Static value imports and re-exports (`import type` is erased); dynamic import() calls
		// run only when their function is called, so they are not followed.
		const visit = (file: string) => {
			if (seen.has(file)) return;
			seen.add(file);
			const text = readFileSync(file, "utf8");
			for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)) {
				if (m[1].startsWith(".")) visit(resolve(dirname(file), m[1]));
				else packages.add(m[1]);
			}
		};
		visit(fileURLToPath(new URL("./index.ts", import.meta.url)));
		expect(seen.size).toBeGreaterThan(5);
		expect([...packages].filter((p) => p.includes("binaryen"))).toEqual([]);
		expect(readFileSync(fileURLToPath(new URL("./index.ts", import.meta.url)), "utf8")).toContain(
			'await import("./emit.ts")',
		);
		// …and that path is where binaryen comes from.
		const emitText = readFileSync(fileURLToPath(new URL("./emit.ts", import.meta.url)), "utf8");
		expect(emitText).toContain('import("binaryen")');
	});
});

describe("runtime code a policy cannot reach", () => {
	it("is left out (bodies become `unreachable`), keeping function indices", () => {
		const runtime = parseModule(loadRuntime().bytes);
		expect(runtime.code.every((b) => calledFunctions(b) !== undefined)).toBe(true);
		const wasm = emitWasm(sample());
		const spliced = parseModule(wasm);
		expect(spliced.funcTypes.length).toBeGreaterThan(runtime.funcTypes.length);
		const dead = spliced.code.filter((b) => b.length === 3 && b[1] === 0x00).length;
		expect(dead).toBeGreaterThan(runtime.code.length / 3);
		expect(wasm.length).toBeLessThan(loadRuntime().bytes.length * 0.7);
	});

	it("call-graph reading follows calls and rejects what it cannot walk", () => {
		// (no locals) i32.const 1, call 7, drop, block (call 3) end, end
		const body = new Uint8Array([
			0x00, 0x41, 0x01, 0x10, 0x07, 0x1a, 0x02, 0x40, 0x10, 0x03, 0x0b, 0x0b,
		]);
		expect(calledFunctions(body)).toEqual([7, 3]);
		expect(calledFunctions(body.subarray(0, body.length - 1))).toBeUndefined();
		expect(calledFunctions(new Uint8Array([0x00, 0xfd, 0x0c, 0x0b]))).toBeUndefined();
	});
});
