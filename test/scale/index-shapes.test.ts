// Every shape the rule index handles (src/compiler/plan-index.ts), answered as OPA answers:
// equality with numbers (1 == 1.0, decimals, 1e20), booleans and null, `in` over arrays, refs
// with array indices, base data refs and `with data…`, `with input…`, function arguments and
// argument patterns, else chains, lone rules, partial sets and objects, complete rules with
// different values (conflicts), and rules the index skips raising no error (each `c == 1`
// below is a conflict error when evaluated). The expected rows are what `opa eval` 1.22.3
// printed (fixtures/index-shapes.json).

import { readFileSync } from "node:fs";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";

const dir = new URL("./fixtures/", import.meta.url);
const source = readFileSync(new URL("index-shapes.rego", dir), "utf8");
const fixture = JSON.parse(readFileSync(new URL("index-shapes.json", dir), "utf8")) as {
	data: object;
	rows: { input: unknown; entrypoint: string; want: unknown[] | { error: string } }[];
};

describe("rule index shapes against OPA", async () => {
	const parsed = parseModule(source, "index-shapes.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
	const entrypoints = [...new Set(fixture.rows.map((r) => r.entrypoint))];
	const r = compile({ modules: [parsed.module], entrypoints });
	if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("\n"));
	const policy = await loadPolicy(emitWasm(r.policy));
	policy.setData(fixture.data);
	const answer = (input: unknown, entrypoint: string): unknown => {
		try {
			return (policy.evaluate(input, entrypoint) as { result: unknown }[]).map((x) => x.result);
		} catch (e) {
			const code = /(eval_[a-z_]+)/.exec(String(e))?.[1];
			return { error: code ?? String(e) };
		}
	};
	for (const row of fixture.rows) {
		it(`${row.entrypoint} ${JSON.stringify(row.input)}`, () => {
			expect(answer(row.input, row.entrypoint)).toEqual(row.want);
		});
	}
});
