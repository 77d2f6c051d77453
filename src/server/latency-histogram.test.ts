import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency-histogram.ts";
import { LATENCY_BUCKETS } from "./prom-metrics.ts";

/** The same observations through prom-client's Histogram and ours, as exposition text. */
async function both(observations: [string, number][]): Promise<[string, string]> {
	const theirs = new Registry();
	const reference = new Histogram({
		name: "h_seconds",
		help: "help",
		labelNames: ["policy"],
		buckets: LATENCY_BUCKETS,
		registers: [theirs],
	});
	const ours = new Registry();
	const fast = new LatencyHistogram("h_seconds", "help", "policy", LATENCY_BUCKETS);
	ours.registerMetric(fast as unknown as Parameters<Registry["registerMetric"]>[0]);
	for (const [policy, v] of observations) {
		reference.labels({ policy }).observe(v);
		fast.series(policy).observe(v);
	}
	return [await theirs.metrics(), await ours.metrics()];
}

describe("the latency histogram", () => {
	it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(
					fc.tuple(
						fc.constantFrom("a/allow", "b/allow", 'q"uote'),
						fc.oneof(
							fc.constantFrom(...LATENCY_BUCKETS, 0, 2),
							fc.double({ min: 0, max: 3, noNaN: true }),
						),
					),
					{ maxLength: 40 },
				),
				async (obs) => {
					const [theirs, ours] = await both(obs);
					expect(ours).toBe(theirs);
				},
			),
			{ numRuns: 200 },
		);
	});

	it("forgets every series on reset", async () => {
		const h = new LatencyHistogram("h_seconds", "help", "policy", [1]);
		h.series("p").observe(0.5);
		expect(h.get().values).toHaveLength(4);
		h.reset();
		expect(h.get().values).toHaveLength(0);
	});
});
