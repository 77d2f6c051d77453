// The evaluation budget and memory cap through the real server: a policy that would hold the
// one thread (numbers.range(1, 1e8), a loop, 2^21 calls with no loop) or allocate past
// policy.maxEvalMemoryBytes is a deny for that decision alone, with OPA's eval_cancel_error
// (or eval_memory_limit_error), counted as an error and written to the decision log; the next
// decision on the same policy is answered correctly and /ready stays 200 (the instance was
// rebuilt from the compiled module).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

const calls = Array.from(
	{ length: 20 },
	(_, i) => `d${i}(x) if {\n\td${i + 1}(x)\n\td${i + 1}(x)\n}`,
).join("\n");

const SOURCE = `package heavy

allow if input.action == "read"

range if count(numbers.range(1, input.context.n)) > 0

loop if count([x | some x in numbers.range(1, input.context.n); x > 0]) > 0

deep if d0(1)

${calls}
d20(x) if x > 0

big if count([s | some i in numbers.range(1, input.context.n); s := concat("", [input.context.pad, format_int(i, 10)])]) > 0
`;
const ENTRYPOINTS = ["heavy/allow", "heavy/range", "heavy/loop", "heavy/deep", "heavy/big"];

let t: TestServer;

beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), "gavel-limits-"));
	writeFileSync(
		join(dir, "heavy.tar.gz"),
		buildBundle({ sources: { "heavy.rego": SOURCE }, entrypoints: ENTRYPOINTS, revision: "h-1" }),
	);
	t = await startTestServer({
		bundle: { path: dir },
		policy: {
			default: "heavy/allow",
			decideEntrypoints: ENTRYPOINTS,
			maxEvalSteps: 1_000_000,
			maxEvalMemoryBytes: 8 * 1024 * 1024,
		},
	});
});
afterAll(async () => {
	await t.close();
});

async function decide(body: Record<string, unknown>) {
	const token = await sign(t.rsa, { sub: "alice" });
	const res = await t.post("/v1/decide", body, { authorization: `Bearer ${token}` });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function metrics(): Promise<Map<string, number>> {
	return parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
}

describe("policy.maxEvalSteps and policy.maxEvalMemoryBytes on /v1/decide", () => {
	it("numbers.range(1, 1e8) is cancelled: a counted, logged deny; the policy answers right after", async () => {
		const before = t.logs.length;
		const r = await decide({ policy: "heavy/range", context: { n: 1e8 } });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({
			allow: false,
			policy: "heavy/range",
			error: { code: "eval_cancel_error" },
		});
		expect(String((r.body.error as { message: string }).message)).toContain(
			"exceeded its budget of 1000000 steps",
		);
		const entry = t.logs.slice(before).find((l) => l.decision_id === r.body.decision_id);
		expect(entry).toMatchObject({ path: "heavy/range", error: { code: "eval_cancel_error" } });
		const m = await metrics();
		expect(m.get('gavel_decisions_total{policy="heavy/range",outcome="error"}')).toBe(1);
		expect((await fetch(`${t.url}/ready`)).status).toBe(200);
		// Same policy, same instance slot: a small range is answered.
		const small = await decide({ policy: "heavy/range", context: { n: 10 } });
		expect(small.body).toMatchObject({ allow: true, policy: "heavy/range" });
		expect(small.body.error).toBeUndefined();
	});

	it("a long loop and 2^21 nested calls are cancelled; the default policy still allows", async () => {
		const loop = await decide({ policy: "heavy/loop", context: { n: 1e7 } });
		expect(loop.body).toMatchObject({ allow: false, error: { code: "eval_cancel_error" } });
		const deep = await decide({ policy: "heavy/deep" });
		expect(deep.body).toMatchObject({ allow: false, error: { code: "eval_cancel_error" } });
		expect((await decide({ action: "read" })).body).toMatchObject({
			allow: true,
			policy: "heavy/allow",
		});
		const m = await metrics();
		expect(m.get('gavel_decisions_total{policy="heavy/loop",outcome="error"}')).toBe(1);
		expect(m.get('gavel_decisions_total{policy="heavy/deep",outcome="error"}')).toBe(1);
		expect((await fetch(`${t.url}/ready`)).status).toBe(200);
	});

	it("allocating past the memory cap is eval_memory_limit_error for that decision only", async () => {
		const pad = "x".repeat(1000);
		const r = await decide({ policy: "heavy/big", context: { n: 20_000, pad } });
		expect(r.body).toMatchObject({ allow: false, error: { code: "eval_memory_limit_error" } });
		expect(String((r.body.error as { message: string }).message)).toContain(
			`of ${8 * 1024 * 1024} bytes`,
		);
		const ok = await decide({ policy: "heavy/big", context: { n: 100, pad } });
		expect(ok.body).toMatchObject({ allow: true, policy: "heavy/big" });
		expect((await decide({ action: "read" })).body).toMatchObject({ allow: true });
		const m = await metrics();
		expect(m.get('gavel_decisions_total{policy="heavy/big",outcome="error"}')).toBe(1);
		expect((await fetch(`${t.url}/ready`)).status).toBe(200);
	});
});
