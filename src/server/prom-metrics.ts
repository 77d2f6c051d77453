// Metrics on prom-client, in a registry of our own so several apps in one process (tests)
// do not collide on the global one.

import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { type HistogramSeries, LatencyHistogram } from "./latency-histogram.ts";
import type { DecisionOutcome, Metrics } from "./metrics.ts";

/** 1 µs to 1 s, roughly three buckets per decade. */
export const LATENCY_BUCKETS = [
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
	5e-2, 0.1, 0.25, 0.5, 1,
];

interface Pending {
	labels: Record<string, string>;
	n: number;
}

/**
 * Policy names reach the label from requests (a Data API path, a policy named in a body while
 * no bundle is active), so the distinct values are capped: past this many series, decisions
 * count under OTHER_POLICY instead of growing the registry without bound.
 */
export const MAX_POLICY_LABELS = 200;
export const OTHER_POLICY = "(other)";

/** Where decision-log lines are dropped: the stdout buffer or the HTTP sink's. */
export type DecisionLogSink = "stdout" | "http";

export function createPromMetrics(options: { processMetrics?: boolean } = {}): Metrics & {
	registry: Registry;
	/**
	 * Export a decision logger's dropped-line count as gavel_decision_log_dropped_total{sink}.
	 * The count is read when scraped: the loggers keep it already, so nothing is added to
	 * the request path.
	 */
	decisionLogDropped(sink: DecisionLogSink, read: () => number): void;
} {
	const registry = new Registry();
	if (options.processMetrics !== false)
		collectDefaultMetrics({ register: registry, prefix: "gavel_" });
	// Counters are counted in plain numbers on the request path and handed to prom-client
	// when scraped (collect): prom-client hashes the label set on every increment, a
	// visible share of a cached decision's cost.
	const pending = new Map<string, Map<string, Pending>>();
	const decisions = new Counter({
		name: "gavel_decisions_total",
		help: "Decisions by policy (entrypoint) and outcome.",
		labelNames: ["policy", "outcome"],
		registers: [registry],
		collect() {
			flush(this, "d");
		},
	});
	const latency = new LatencyHistogram(
		"gavel_decision_duration_seconds",
		"Time to decide, from verified input to result (cache hits included).",
		"policy",
		LATENCY_BUCKETS,
	);
	registry.registerMetric(latency as unknown as Parameters<Registry["registerMetric"]>[0]);
	new Counter({
		name: "gavel_decision_cache_hits_total",
		help: "Decisions served from the decision cache.",
		registers: [registry],
		collect() {
			flush(this, "c+");
		},
	});
	new Counter({
		name: "gavel_decision_cache_misses_total",
		help: "Decisions that had to evaluate the policy.",
		registers: [registry],
		collect() {
			flush(this, "c-");
		},
	});
	const tokens = new Counter({
		name: "gavel_token_verifications_total",
		help: "Bearer token verifications by outcome (valid or the failure reason).",
		labelNames: ["outcome"],
		registers: [registry],
		collect() {
			flush(this, "t");
		},
	});
	const activations = new Counter({
		name: "gavel_bundle_activations_total",
		help: "Bundle activations by outcome.",
		labelNames: ["outcome"],
		registers: [registry],
	});
	// Series that alerts watch with increase()/rate() exist at 0 from the start: a series born
	// at 1 has no earlier sample, so Prometheus would see no increase and the alert miss it.
	for (const outcome of ["success", "failure"]) activations.inc({ outcome }, 0);
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
	new Counter({
		name: "gavel_http_requests_total",
		help: "HTTP requests by route, method and status.",
		labelNames: ["route", "method", "status"],
		registers: [registry],
		collect() {
			flush(this, "h");
		},
	});
	const dropSources = new Map<DecisionLogSink, { read: () => number; seen: number }>();
	const logDropped = new Counter({
		name: "gavel_decision_log_dropped_total",
		help: "Decision-log lines dropped because the sink (stdout or the HTTP service) was not keeping up.",
		labelNames: ["sink"],
		registers: [registry],
		collect() {
			for (const [sink, src] of dropSources) {
				const now = src.read();
				if (now > src.seen) this.inc({ sink }, now - src.seen);
				src.seen = now;
			}
		},
	});
	/** The pending count for one label set of one counter (kind), made on first use. */
	function count(kind: string, key: string, labels: Record<string, string>): Pending {
		const byKey = innerMap(pending, kind);
		let p = byKey.get(key);
		if (p === undefined) {
			p = { labels, n: 0 };
			byKey.set(key, p);
		}
		return p;
	}
	function flush(counter: Counter, kind: string): void {
		for (const p of pending.get(kind)?.values() ?? []) {
			if (p.n === 0) continue;
			if (Object.keys(p.labels).length === 0) counter.inc(p.n);
			else counter.inc(p.labels, p.n);
			p.n = 0;
		}
	}
	const httpSeries = new Map<string, Map<string, Map<number | string, Pending>>>();
	// Per policy: its three outcome counts and its latency series, looked up once.
	const perPolicy = new Map<
		string,
		{ outcomes: Record<DecisionOutcome, Pending>; latency: HistogramSeries }
	>();
	tokens.inc({ outcome: "keys_unavailable" }, 0);
	const hits = count("c+", "", {});
	const misses = count("c-", "", {});
	return {
		registry,
		decision(name: string, outcome: DecisionOutcome, seconds: number) {
			let policy = name;
			let p = perPolicy.get(policy);
			if (p === undefined && perPolicy.size >= MAX_POLICY_LABELS) {
				policy = OTHER_POLICY;
				p = perPolicy.get(policy);
			}
			if (p === undefined) {
				const of = (o: DecisionOutcome) => {
					// At 0 from the policy's first decision, so the error-ratio alert sees the first error.
					decisions.inc({ policy, outcome: o }, 0);
					return count("d", `${policy}\0${o}`, { policy, outcome: o });
				};
				p = {
					outcomes: { allow: of("allow"), deny: of("deny"), error: of("error") },
					latency: latency.series(policy),
				};
				perPolicy.set(policy, p);
			}
			p.outcomes[outcome].n++;
			p.latency.observe(seconds);
		},
		cache(hit: boolean) {
			(hit ? hits : misses).n++;
		},
		tokenVerification(outcome: string) {
			count("t", outcome, { outcome }).n++;
		},
		bundleActivation(outcome, revision) {
			activations.inc({ outcome });
			if (outcome === "success") {
				bundleInfo.reset();
				bundleInfo.set({ revision: revision ?? "" }, 1);
				lastActivation.set(Date.now() / 1000);
			}
		},
		httpRequest(route: string, method: string, status: number | "aborted") {
			// Looked up by its three parts: a key string made per request would be hashed anew.
			const byStatus = innerMap(innerMap(httpSeries, route), method);
			let p = byStatus.get(status);
			if (p === undefined) {
				p = count("h", `${route} ${method} ${status}`, { route, method, status: String(status) });
				byStatus.set(status, p);
			}
			p.n++;
		},
		decisionLogDropped(sink, read) {
			// The series exists from the start (at 0), so rate() and alerts see it before a drop.
			logDropped.inc({ sink }, 0);
			dropSources.set(sink, { read, seen: 0 });
		},
		async render() {
			return { contentType: registry.contentType, body: await registry.metrics() };
		},
	};
}

/** The map under `key` in `outer`, made empty on first use. */
function innerMap<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
	let inner = outer.get(key);
	if (inner === undefined) {
		inner = new Map();
		outer.set(key, inner);
	}
	return inner;
}
