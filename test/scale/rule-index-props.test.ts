// Property: on generated rule sets of equality and `in` tests (strings, integers, booleans,
// null; input refs with nested keys and array indices; function arguments), the indexed plan
// answers exactly what the rules mean, computed here directly: the values of the rules whose
// tests all hold, a conflict error for two different complete values, the default otherwise.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.ts";
import { parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";

type Scalar = string | number | boolean | null;
const POOL: Scalar[] = ["x", "y", "z", 0, 1, 2, -3, 1.5, -0.25, 1e20, true, false, null];
/** Where a test reads: a path into input (strings are keys, numbers array indices). */
const REFS: (string | number)[][] = [["a"], ["b"], ["o", "p"], ["arr", 0], ["arr", 1]];

interface Test {
	ref: number;
	values: Scalar[];
}
interface Rule {
	tests: Test[];
	value: string;
}

const test = fc.record({
	ref: fc.integer({ min: 0, max: REFS.length - 1 }),
	values: fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 }),
});
const rule = fc.record({
	// One test per ref: two on a function's argument may contradict in type (`x == 2; x == "x"`),
	// which the type checker refuses, as OPA's does.
	tests: fc.uniqueArray(test, { minLength: 1, maxLength: 3, selector: (t) => t.ref }),
	value: fc.constantFrom("v1", "v2"),
});
const inputGen = fc.record(
	{
		a: fc.constantFrom(...POOL),
		b: fc.constantFrom(...POOL),
		o: fc.record({ p: fc.constantFrom(...POOL) }, { requiredKeys: [] }),
		arr: fc.array(fc.constantFrom(...POOL), { maxLength: 2 }),
	},
	{ requiredKeys: [] },
);

const lit = (v: Scalar) => JSON.stringify(v);
const refText = (path: (string | number)[]) =>
	`input${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
const testText = (t: Test, ref = refText(REFS[t.ref])) =>
	t.values.length === 1
		? `${ref} == ${lit(t.values[0])}`
		: `${ref} in [${t.values.map(lit).join(", ")}]`;

function source(complete: Rule[], same: Rule[], sets: Rule[], fns: Rule[], withDefault: boolean) {
	const lines = ["package p", ""];
	if (withDefault) lines.push(`default c := "dflt"`);
	for (const r of complete)
		lines.push(`c := ${lit(r.value)} if { ${r.tests.map((t) => testText(t)).join("; ")} }`);
	for (const r of same) lines.push(`allow if { ${r.tests.map((t) => testText(t)).join("; ")} }`);
	for (const r of sets)
		lines.push(`s contains ${lit(r.value)} if { ${r.tests.map((t) => testText(t)).join("; ")} }`);
	// f's argument stands for input.a; its other tests stay on input.
	for (const r of fns) {
		const tests = r.tests.map((t) => (t.ref === 0 ? testText(t, "x") : testText(t)));
		lines.push(`f(x) := ${lit(r.value)} if { ${tests.join("; ")} }`);
	}
	lines.push("fa := f(input.a)");
	return lines.join("\n");
}

/** Rego equality on these scalars (no 1.0 vs 1 here: JSON cannot tell them apart). */
function read(input: Record<string, unknown>, path: (string | number)[]): unknown {
	let v: unknown = input;
	for (const p of path) {
		if (typeof p === "number") v = Array.isArray(v) ? v[p] : undefined;
		else
			v =
				v !== null && typeof v === "object" && !Array.isArray(v)
					? (v as Record<string, unknown>)[p]
					: undefined;
		if (v === undefined) return undefined;
	}
	return v;
}
const holds = (r: Rule, input: Record<string, unknown>) =>
	r.tests.every((t) => {
		const v = read(input, REFS[t.ref]);
		return v !== undefined && t.values.some((x) => x === v);
	});

type Answer = unknown[] | "conflict";
function complete(rules: Rule[], input: Record<string, unknown>, dflt?: string): Answer {
	const vs = new Set(rules.filter((r) => holds(r, input)).map((r) => r.value));
	if (vs.size > 1) return "conflict";
	if (vs.size === 1) return [...vs];
	return dflt === undefined ? [] : [dflt];
}

describe("rule index: generated rule sets", () => {
	it("answers what the rules mean", { timeout: 300_000 }, async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(rule, { minLength: 1, maxLength: 8 }),
				fc.array(rule, { minLength: 1, maxLength: 8 }),
				fc.array(rule, { minLength: 1, maxLength: 8 }),
				fc.array(rule, { minLength: 1, maxLength: 6 }),
				fc.boolean(),
				fc.array(inputGen, { minLength: 1, maxLength: 8 }),
				async (cs, same, sets, fns, withDefault, inputs) => {
					const src = source(cs, same, sets, fns, withDefault);
					const parsed = parseModule(src, "p.rego", { regoVersion: 1 });
					if (!parsed.module) throw new Error(`${src}\n${parsed.errors.map((e) => e.message)}`);
					const r = compile({
						modules: [parsed.module],
						entrypoints: ["p/c", "p/allow", "p/s", "p/fa"],
					});
					if (!r.policy) throw new Error(`${src}\n${r.errors.map((e) => e.message)}`);
					const policy = await loadPolicy(emitWasm(r.policy));
					const ask = (input: unknown, ep: string): Answer => {
						try {
							return (policy.evaluate(input, ep) as { result: unknown }[]).map((x) => x.result);
						} catch (e) {
							if (/eval_conflict_error/.test(String(e))) return "conflict";
							throw e;
						}
					};
					for (const input of inputs) {
						const i = input as Record<string, unknown>;
						const ctx = `${src}\ninput ${JSON.stringify(input)}`;
						expect(ask(input, "p/c"), ctx).toEqual(
							complete(cs, i, withDefault ? "dflt" : undefined),
						);
						expect(ask(input, "p/allow"), ctx).toEqual(same.some((x) => holds(x, i)) ? [true] : []);
						const want = [...new Set(sets.filter((x) => holds(x, i)).map((x) => x.value))].sort();
						expect(ask(input, "p/s"), ctx).toEqual([want]);
						expect(ask(input, "p/fa"), ctx).toEqual(i.a === undefined ? [] : complete(fns, i));
					}
				},
			),
			{ numRuns: 150, seed: 12 },
		);
	});
});
