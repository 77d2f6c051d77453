// Rego sources compiled on activation (rego-only bundles, served folders) get an entrypoint
// for every rule document, ref-head rules included, so these paths answer as `opa eval` of
// data.<path> does. The answers were recorded from OPA 1.22.3; with OPA installed they are
// checked against it, so none is invented.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opaRequirement } from "../../test/opa.ts";
import { parseModule } from "../rego/index.ts";
import { loadActivePolicy } from "./active-policy.ts";
import { compileSources, ruleEntrypoints } from "./compile-sources.ts";

const POLICY = `package test

p[q].r contains s if {
	x := ["a", "b", "c"]
	q := x[_]
	s := x[_]
	q != s
}

p.b.r contains "foo"

obj[k] := v if some k, v in {"x": 1, "y": 2}

a.b.c := 1
a.b.d := 2
a.e := 3

q[x].y := x if some x in ["u", "v"]

r.s[k] := 1 if some k in ["k1", "k2"]
r.t := 2

default d.x := false
d.x if input.a == 1

n[1] := "one"

f(x) := x
`;

/** Entrypoint → OPA's value of data.<path> (opa eval, OPA 1.22.3). */
const RECORDED: Record<string, unknown> = {
	"test/p": { a: { r: ["b", "c"] }, b: { r: ["a", "c", "foo"] }, c: { r: ["a", "b"] } },
	"test/p/b/r": ["a", "c", "foo"],
	"test/obj": { x: 1, y: 2 },
	"test/a/b/c": 1,
	"test/a/b/d": 2,
	"test/a/e": 3,
	"test/q": { u: { y: "u" }, v: { y: "v" } },
	"test/r/s": { k1: 1, k2: 1 },
	"test/r/t": 2,
	"test/d/x": false,
	"test/n": { "1": "one" },
};

describe("ref-head rules are entrypoints of compiled sources", () => {
	it("lists each rule document's ground path, and no function", () => {
		const m = parseModule(POLICY, "p.rego").module;
		if (!m) throw new Error("parse");
		expect(ruleEntrypoints([m])).toEqual(Object.keys(RECORDED).sort());
	});

	it("answers each as OPA recorded", async () => {
		const policy = await loadActivePolicy(
			compileSources({ rego: new Map([["p.rego", POLICY]]), data: {}, revision: "t" }),
		);
		for (const [ep, want] of Object.entries(RECORDED)) {
			const got = policy.evaluate(ep, {});
			// Sets come out as arrays in no fixed order.
			const norm = (v: unknown) =>
				JSON.stringify(v, (_k, x) => (Array.isArray(x) ? [...x].sort() : x));
			expect(norm(got), ep).toBe(norm(want));
		}
	});

	const { opa, missing } = opaRequirement("ref-head entrypoints (OPA's answers)");
	it.skipIf(missing === "skip")("OPA still gives the recorded answers", () => {
		if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
		const dir = mkdtempSync(join(tmpdir(), "gavel-refhead-"));
		try {
			writeFileSync(join(dir, "p.rego"), POLICY);
			for (const [ep, want] of Object.entries(RECORDED)) {
				const q = `data${ep
					.split("/")
					.map((s) => `[${JSON.stringify(s)}]`)
					.join("")}`;
				const out = JSON.parse(
					execFileSync(opa, ["eval", "-f", "json", "-d", dir, q], { encoding: "utf8" }),
				) as { result?: { expressions: { value: unknown }[] }[] };
				expect(out.result?.[0]?.expressions[0]?.value, ep).toEqual(want);
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
