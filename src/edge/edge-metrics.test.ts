import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS } from "../server/prom-metrics.ts";
import { createEdgeMetrics, EDGE_LATENCY_BUCKETS } from "./edge-metrics.ts";

describe("edge metrics", () => {
	it("uses the Node server's latency buckets, so one dashboard reads both", () => {
		expect(EDGE_LATENCY_BUCKETS).toEqual(LATENCY_BUCKETS);
	});

	it("renders per-isolate counters and a cumulative histogram in Prometheus text", async () => {
		const m = createEdgeMetrics();
		m.decision("a/allow", "allow", 0.00003);
		m.decision("a/allow", "deny", 0.2);
		m.cache(true);
		m.tokenVerification('odd"name');
		m.bundleActivation("success", "r1");
		m.bundleActivation("success", "r2");
		const { body, contentType } = await m.render();
		expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
		expect(body).toContain('gavel_decisions_total{policy="a/allow",outcome="allow"} 1');
		expect(body).toContain('gavel_decisions_total{policy="a/allow",outcome="deny"} 1');
		expect(body).toContain("gavel_decision_cache_hits_total 1");
		expect(body).toContain('gavel_token_verifications_total{outcome="odd\\"name"} 1');
		expect(body).toContain('gavel_bundle_info{revision="r2"} 1');
		expect(body).not.toContain('revision="r1"');
		expect(body).toContain(
			'gavel_decision_duration_seconds_bucket{policy="a/allow",le="0.00001"} 0',
		);
		expect(body).toContain(
			'gavel_decision_duration_seconds_bucket{policy="a/allow",le="0.00005"} 1',
		);
		expect(body).toContain('gavel_decision_duration_seconds_bucket{policy="a/allow",le="0.25"} 2');
		expect(body).toContain('gavel_decision_duration_seconds_bucket{policy="a/allow",le="+Inf"} 2');
		expect(body).toContain('gavel_decision_duration_seconds_count{policy="a/allow"} 2');
		expect(body).toMatch(
			new RegExp(`gavel_isolate_start_timestamp_seconds\\{isolate="${m.isolateId}"\\}`),
		);
	});

	it("writes Analytics Engine data points when bound, and survives a failing sink", () => {
		const points: unknown[] = [];
		const m = createEdgeMetrics({ writeDataPoint: (p) => points.push(p) });
		m.decision("a/allow", "allow", 0.5);
		m.tokenVerification("expired");
		m.cache(false);
		expect(points).toEqual([
			{ blobs: ["decision", "a/allow", "allow"], doubles: [0.5, 1], indexes: ["a/allow"] },
			{ blobs: ["token", "expired"], doubles: [1], indexes: ["token"] },
			{ blobs: ["cache", "miss"], doubles: [1], indexes: ["cache"] },
		]);
		const failing = createEdgeMetrics({
			writeDataPoint() {
				throw new Error("dataset full");
			},
		});
		expect(() => failing.decision("a/allow", "deny", 0)).not.toThrow();
	});
});
