import { describe, expect, it } from "vitest";
import { createPromMetrics, MAX_POLICY_LABELS, OTHER_POLICY } from "./prom-metrics.ts";

describe("decision metrics", () => {
	it("cap the distinct policy labels; past the cap decisions count under (other)", async () => {
		const m = createPromMetrics({ processMetrics: false });
		for (let i = 0; i < MAX_POLICY_LABELS + 50; i++) m.decision(`p${i}`, "deny", 0.000_01);
		m.decision("p0", "allow", 0.000_01);
		const { body } = await m.render();
		const series = body
			.split("\n")
			.filter((l) => l.startsWith("gavel_decisions_total{") && l.includes('outcome="deny"'));
		expect(series).toHaveLength(MAX_POLICY_LABELS + 1);
		expect(body).toContain(`gavel_decisions_total{policy="${OTHER_POLICY}",outcome="deny"} 50`);
		// A policy seen before the cap keeps its own series.
		expect(body).toContain('gavel_decisions_total{policy="p0",outcome="allow"} 1');
	});

	it("start the series that alerts watch with increase() or rate() at 0", async () => {
		const m = createPromMetrics({ processMetrics: false });
		m.decision("example/allow", "allow", 0.000_01);
		const { body } = await m.render();
		for (const series of [
			'gavel_bundle_activations_total{outcome="failure"} 0',
			'gavel_bundle_activations_total{outcome="success"} 0',
			'gavel_token_verifications_total{outcome="keys_unavailable"} 0',
			'gavel_decisions_total{policy="example/allow",outcome="error"} 0',
			'gavel_decisions_total{policy="example/allow",outcome="allow"} 1',
		]) {
			expect(body).toContain(series);
		}
	});
});
