// npm run bench:peers in a tiny configuration, so the harness cannot rot unnoticed: every
// section runs (one short round, small policies and data), each target is started, checked to
// answer allow and deny as the policy says, and measured; OPA's and Cerbos's answers and
// `opa bench`'s JSON are parsed. No assertion on any timing: only that the rows are there and
// hold figures (or, where a binary is absent, say why they were skipped).

import { describe, expect, it } from "vitest";
import { runPeers } from "../../bench/peers.ts";
import { inProcessCases } from "../../bench/peers-inprocess.ts";
import {
	cerbosAllowed,
	findCerbos,
	findOpa,
	opaBenchNsPerOp,
	opaResult,
} from "../../bench/peers-targets.ts";

const positive = (x: number | undefined) => typeof x === "number" && Number.isFinite(x) && x > 0;

describe("bench:peers", () => {
	it("runs every section in a tiny configuration and produces its rows", async () => {
		const opa = findOpa();
		const cerbos = findCerbos();
		const result = await runPeers({
			sections: ["http", "inprocess", "memory"],
			http: { rounds: 1, seconds: 1, warmUp: false, connections: 2, rules: 20 },
			// One case through opa bench: it times itself for about a second whatever it runs.
			inProcess: { rounds: 1, gavelMs: 5, cases: [inProcessCases(0.001)[1]] },
			memory: { sizes: [50], activations: 1, settleMs: 0 },
			concurrent: true,
		});

		const http = result.http ?? [];
		const row = (policy: string, target: string) =>
			http.find((r) => r.policy === policy && r.target === target);
		expect(positive(row("(none)", "bare Hono")?.rps)).toBe(true);
		for (const policy of ["RBAC", "20 rules"]) {
			for (const target of [
				"Gavel /v1/decide (no cache)",
				"Gavel /v1/decide (cache hit)",
				"Gavel /v1/data",
			]) {
				const r = row(policy, target);
				expect(r, `${policy} ${target}`).toBeDefined();
				expect(positive(r?.rps) && positive(r?.p50) && positive(r?.p99)).toBe(true);
			}
			const peers: [string, string | null][] = [
				["OPA server", opa],
				["Cerbos", cerbos],
			];
			for (const [target, bin] of peers) {
				if (bin) {
					expect(positive(row(policy, target)?.rps), `${policy} ${target}`).toBe(true);
				} else {
					expect(row("*", target)?.skipped).toMatch(/install/);
				}
			}
			if (opa) expect(positive(row(policy, "Gavel /v1/data")?.vsOpa)).toBe(true);
		}

		const [inProcess] = result.inProcess ?? [];
		expect(inProcess?.name).toBe("10 rules");
		if (opa) {
			expect(positive(inProcess?.gavelUs) && positive(inProcess?.opaUs)).toBe(true);
		} else {
			expect(inProcess?.skipped).toMatch(/OPA/);
		}

		const memory = result.memory ?? [];
		expect(memory.map((r) => r.users)).toEqual([0, 50]);
		for (const r of memory) {
			expect(positive(r.wasmMemoryBytes) && positive(r.gavelRssBytes)).toBe(true);
			expect(positive(r.activationMs)).toBe(true);
			if (opa) expect(positive(r.opaRssBytes)).toBe(true);
		}
		expect(memory[1].jsonBytes).toBeGreaterThan(memory[0].jsonBytes);

		for (const heading of ["req/s", "opa bench µs/eval", "Wasm mem MB"]) {
			expect(result.text).toContain(heading);
		}
	}, 180_000);

	it("reads the peers' answers, and refuses what is not one", () => {
		expect(opaResult({ result: true })).toBe(true);
		expect(opaResult({})).toBeUndefined();
		expect(() => opaResult("x")).toThrow(/not an OPA answer/);
		const answer = (effect: string) => ({
			results: [{ resource: { id: "d", kind: "document" }, actions: { read: effect } }],
		});
		expect(cerbosAllowed(answer("EFFECT_ALLOW"), "read")).toBe(true);
		expect(cerbosAllowed(answer("EFFECT_DENY"), "read")).toBe(false);
		expect(() => cerbosAllowed(answer("EFFECT_ALLOW"), "write")).toThrow(/not a Cerbos/);
		expect(() => cerbosAllowed({ code: 3, message: "bad" }, "read")).toThrow(/not a Cerbos/);
		expect(opaBenchNsPerOp('{"N": 1000, "T": 5000000, "Extra": {}}')).toEqual({
			nsPerOp: 5000,
			n: 1000,
		});
		expect(() => opaBenchNsPerOp('{"N": 0, "T": 0}')).toThrow(/not opa bench/);
	});
});
