// Metrics on prom-client, in a registry of our own so several apps in one process (tests)
// do not collide on the global one.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DecisionOutcome, Metrics } from "./metrics.ts";

/** 1 µs to 1 s, roughly three buckets per decade. */
export const LATENCY_BUCKETS = [
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
	5e-2, 0.1, 0.25, 0.5, 1,
];

export function createPromMetrics(options: { processMetrics?: boolean } = {}): Metrics & {
	registry: Registry;
} {
	const registry = new Registry();
	if (options.processMetrics !== false)
		collectDefaultMetrics({ register: registry, prefix: "gavel_" });
	const decisions = new Counter({
		name: "gavel_decisions_total",
		help: "Decisions by policy (entrypoint) and outcome.",
		labelNames: ["policy", "outcome"],
		registers: [registry],
	});
	const latency = new Histogram({
		name: "gavel_decision_duration_seconds",
		help: "Time to decide, from verified input to result (cache hits included).",
		labelNames: ["policy"],
		buckets: LATENCY_BUCKETS,
		registers: [registry],
	});
	const cacheHits = new Counter({
		name: "gavel_decision_cache_hits_total",
		help: "Decisions served from the decision cache.",
		registers: [registry],
	});
	const cacheMisses = new Counter({
		name: "gavel_decision_cache_misses_total",
		help: "Decisions that had to evaluate the policy.",
		registers: [registry],
	});
	const tokens = new Counter({
		name: "gavel_token_verifications_total",
		help: "Bearer token verifications by outcome (valid or the failure reason).",
		labelNames: ["outcome"],
		registers: [registry],
	});
	const activations = new Counter({
		name: "gavel_bundle_activations_total",
		help: "Bundle activations by outcome.",
		labelNames: ["outcome"],
		registers: [registry],
	});
	const bundleInfo = new Gauge({
		name: "gavel_bundle_info",
		help: "The active bundle revision (value 1).",
		labelNames: ["revision"],
		registers: [registry],
	});
	const lastActivation = new Gauge({
		name: "gavel_bundle_last_activation_timestamp_seconds",
		help: "When the active bundle was activated.",
		registers: [registry],
	});
	const http = new Counter({
		name: "gavel_http_requests_total",
		help: "HTTP requests by route, method and status.",
		labelNames: ["route", "method", "status"],
		registers: [registry],
	});
	// Label children are looked up once per label combination: hashing labels on every
	// observation is a visible share of a cached decision's cost.
	const children = new Map<string, { inc(): void } | { observe(v: number): void }>();
	function child<T>(key: string, make: () => T): T {
		let c = children.get(key) as T | undefined;
		if (c === undefined) {
			c = make();
			children.set(key, c as { inc(): void });
		}
		return c;
	}
	return {
		registry,
		decision(policy: string, outcome: DecisionOutcome, seconds: number) {
			child(`d\0${policy}\0${outcome}`, () => decisions.labels({ policy, outcome })).inc();
			child(`l\0${policy}`, () => latency.labels({ policy })).observe(seconds);
		},
		cache(hit: boolean) {
			(hit ? cacheHits : cacheMisses).inc();
		},
		tokenVerification(outcome: string) {
			tokens.inc({ outcome });
		},
		bundleActivation(outcome, revision) {
			activations.inc({ outcome });
			if (outcome === "success") {
				bundleInfo.reset();
				bundleInfo.set({ revision: revision ?? "" }, 1);
				lastActivation.set(Date.now() / 1000);
			}
		},
		httpRequest(route: string, method: string, status: number) {
			child(`h\0${route}\0${method}\0${status}`, () =>
				http.labels({ route, method, status: String(status) }),
			).inc();
		},
		async render() {
			return { contentType: registry.contentType, body: await registry.metrics() };
		},
	};
}
