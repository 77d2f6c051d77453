// No size cliffs: policies far larger than the usual compile, load in V8 through the official
// SDK and answer. Before split-funcs.ts, 10,000 rules at one path planned to one function that
// V8 refused ("local count too large"); a large collection literal likewise.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import type { Policy } from "../../src/compiler/ir.ts";
import { MAX_STMTS } from "../../src/compiler/split-funcs.ts";
import { parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";
import { literalSource, ruleSetSource } from "./rule-sets.ts";

function build(source: string, ...entrypoints: string[]): Policy {
	const parsed = parseModule(source, "scale.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
	const r = compile({ modules: [parsed.module], entrypoints });
	if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("\n"));
	return r.policy;
}

function size(p: Policy): number {
	let max = 0;
	const count = (stmts: Policy["funcs"][number]["blocks"][number]["stmts"]): number =>
		stmts.reduce((n, s) => {
			if ("block" in s) return n + 1 + count(s.block.stmts);
			if ("blocks" in s) return n + 1 + s.blocks.reduce((m, b) => m + 1 + count(b.stmts), 0);
			return n + 1;
		}, 0);
	for (const f of p.funcs)
		max = Math.max(
			max,
			f.blocks.reduce((n, b) => n + 1 + count(b.stmts), 0),
		);
	return max;
}

async function evaluator(policy: Policy, entrypoint: string) {
	const loaded = await loadPolicy(emitWasm(policy));
	return (input: unknown) => loaded.evaluate(input, entrypoint) as { result: unknown }[];
}

describe("rule sets of one path", () => {
	for (const n of [10_000, 50_000]) {
		it(`${n} rules build, load in the SDK and answer`, { timeout: 180_000 }, async () => {
			const policy = build(ruleSetSource(n), "rules/allow");
			expect(size(policy)).toBeLessThanOrEqual(MAX_STMTS + 10);
			const allow = await evaluator(policy, "rules/allow");
			const req = (i: number, over: object = {}) => ({
				method: "GET",
				path: `/api/v${i}/items`,
				role: `r${i % 7}`,
				...over,
			});
			for (const i of [0, 1, Math.floor(n / 2), n - 1]) {
				expect(allow(req(i))).toEqual([{ result: true }]);
				expect(allow(req(i, { role: `r${(i + 1) % 7}` }))).toEqual([{ result: false }]);
				expect(allow(req(i, { method: "POST" }))).toEqual([{ result: false }]);
			}
			expect(allow(req(n))).toEqual([{ result: false }]);
			expect(allow({})).toEqual([{ result: false }]);
			expect(allow(undefined)).toEqual([{ result: false }]);
		});
	}

	it("a set of 10,000 rules collects every match across the split parts", async () => {
		let src = "package rules\n\n";
		for (let i = 0; i < 10_000; i++) {
			src += `tags contains "t${i}" if input.n >= ${i}\n`;
		}
		const policy = build(src, "rules/tags");
		const tags = await evaluator(policy, "rules/tags");
		const [row] = tags({ n: 7_000 });
		expect((row.result as string[]).length).toBe(7_001);
		expect(row.result as string[]).toContain("t7000");
		expect(row.result as string[]).not.toContain("t7001");
	});

	it("conflicting values from rules in different parts are still a conflict", async () => {
		let src = "package rules\n\n";
		for (let i = 0; i < 10_000; i++) src += `v := ${i === 9_999 ? 2 : 1} if input.x == ${i % 3}\n`;
		const policy = build(src, "rules/v");
		const v = await evaluator(policy, "rules/v");
		expect(v({ x: 1 })).toEqual([{ result: 1 }]);
		expect(() => v({ x: 0 })).toThrow(/eval_conflict_error/);
	});
});

describe("literal data", () => {
	it("a policy with 1 MB of literal data builds, loads and answers", {
		timeout: 180_000,
	}, async () => {
		const { source, count: n } = literalSource();
		expect(source.length).toBeGreaterThan(1_000_000);
		const policy = build(source, "big/allow", "big/n");
		expect(size(policy)).toBeLessThanOrEqual(MAX_STMTS + 10);
		// Built once when the module is instantiated, not by every evaluation.
		expect(policy.preload?.length).toBe(1);
		const allow = await evaluator(policy, "big/allow");
		for (let round = 0; round < 3; round++) {
			expect(allow({ user: "user100" })).toEqual([{ result: true }]);
			expect(allow({ user: "user101" })).toEqual([]);
			expect(allow({ user: `user${n - 1}` })).toEqual(
				(n - 1) % 100 === 0 ? [{ result: true }] : [],
			);
		}
		const count = await evaluator(policy, "big/n");
		expect(count({})).toEqual([{ result: n }]);
	});
});
