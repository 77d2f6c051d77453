// Metrics where prom-client cannot run. Two views, both from the same calls the app makes:
// - Workers Analytics Engine, when GAVEL_ANALYTICS is bound: one data point per decision,
//   token verification and cache lookup, queried with SQL across every isolate and colo.
// - /metrics: the same metric names as on Node (subset, no process metrics), counted in this
//   isolate since it started. Isolates come and go, so these are per-isolate samples, not
//   totals; the isolate id and start time are exported so a scraper can tell them apart.

import type { DecisionOutcome, Metrics } from "../server/metrics.ts";
import type { AnalyticsSink } from "./edge-config.ts";

/** Same buckets as prom-metrics.ts (edge-metrics.test.ts checks they stay equal). */
export const EDGE_LATENCY_BUCKETS = [
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
	5e-2, 0.1, 0.25, 0.5, 1,
];

type Labels = Record<string, string>;

class Family {
	readonly values = new Map<string, { labels: Labels; value: number }>();
	constructor(
		readonly name: string,
		readonly help: string,
		readonly type: "counter" | "gauge",
	) {}
	add(labels: Labels, by = 1): void {
		const key = JSON.stringify(labels);
		const cur = this.values.get(key);
		if (cur) cur.value += by;
		else this.values.set(key, { labels, value: by });
	}
	set(labels: Labels, value: number): void {
		this.values.set(JSON.stringify(labels), { labels, value });
	}
}

function escapeLabel(v: string): string {
	return v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: Labels): string {
	const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
	return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatNumber(n: number): string {
	if (n === Number.POSITIVE_INFINITY) return "+Inf";
	return String(n);
}

export interface EdgeMetrics extends Metrics {
	readonly isolateId: string;
}

export function createEdgeMetrics(sink?: AnalyticsSink, now: () => number = Date.now): EdgeMetrics {
	const isolateId = crypto.randomUUID();
	const started = now() / 1000;
	const decisions = new Family(
		"gavel_decisions_total",
		"Decisions by policy (entrypoint) and outcome, in this isolate.",
		"counter",
	);
	const cacheHits = new Family(
		"gavel_decision_cache_hits_total",
		"Decisions served from this isolate's decision cache.",
		"counter",
	);
	const cacheMisses = new Family(
		"gavel_decision_cache_misses_total",
		"Decisions that had to evaluate the policy, in this isolate.",
		"counter",
	);
	const tokens = new Family(
		"gavel_token_verifications_total",
		"Bearer token verifications by outcome, in this isolate.",
		"counter",
	);
	const activations = new Family(
		"gavel_bundle_activations_total",
		"Bundle activations by outcome (one per isolate start).",
		"counter",
	);
	const bundleInfo = new Family(
		"gavel_bundle_info",
		"The active bundle revision (value 1).",
		"gauge",
	);
	const http = new Family(
		"gavel_http_requests_total",
		"HTTP requests by route, method and status, in this isolate.",
		"counter",
	);
	const isolate = new Family(
		"gavel_isolate_start_timestamp_seconds",
		"When this isolate started; counters here cover only its lifetime.",
		"gauge",
	);
	isolate.set({ isolate: isolateId }, started);
	// The histogram is kept by hand: cumulative bucket counts per policy, plus sum and count.
	const latency = new Map<string, { buckets: number[]; sum: number; count: number }>();

	const point = (blobs: string[], doubles: number[], index: string) => {
		try {
			sink?.writeDataPoint({ blobs, doubles, indexes: [index.slice(0, 96)] });
		} catch {
			// Analytics is best effort: a full or failing dataset must not fail a decision.
		}
	};

	const families = [
		decisions,
		cacheHits,
		cacheMisses,
		tokens,
		activations,
		bundleInfo,
		http,
		isolate,
	];
	return {
		isolateId,
		decision(policy: string, outcome: DecisionOutcome, seconds: number) {
			decisions.add({ policy, outcome });
			let h = latency.get(policy);
			if (!h) {
				h = { buckets: EDGE_LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
				latency.set(policy, h);
			}
			EDGE_LATENCY_BUCKETS.forEach((b, i) => {
				if (seconds <= b && h) h.buckets[i]++;
			});
			h.sum += seconds;
			h.count++;
			point(["decision", policy, outcome], [seconds, 1], policy);
		},
		cache(hit: boolean) {
			(hit ? cacheHits : cacheMisses).add({});
			point(["cache", hit ? "hit" : "miss"], [1], "cache");
		},
		tokenVerification(outcome: string) {
			tokens.add({ outcome });
			point(["token", outcome], [1], "token");
		},
		bundleActivation(outcome, revision) {
			activations.add({ outcome });
			if (outcome === "success") {
				bundleInfo.values.clear();
				bundleInfo.set({ revision: revision ?? "" }, 1);
			}
		},
		httpRequest(route: string, method: string, status: number | "aborted") {
			http.add({ route, method, status: String(status) });
		},
		async render() {
			const lines: string[] = [];
			for (const f of families) {
				lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
				for (const { labels, value } of f.values.values()) {
					lines.push(`${f.name}${labelText(labels)} ${formatNumber(value)}`);
				}
			}
			const name = "gavel_decision_duration_seconds";
			lines.push(
				`# HELP ${name} Time to decide, from verified input to result, in this isolate.`,
				`# TYPE ${name} histogram`,
			);
			for (const [policy, h] of latency) {
				EDGE_LATENCY_BUCKETS.forEach((b, i) => {
					lines.push(`${name}_bucket${labelText({ policy, le: formatNumber(b) })} ${h.buckets[i]}`);
				});
				lines.push(`${name}_bucket${labelText({ policy, le: "+Inf" })} ${h.count}`);
				lines.push(`${name}_sum${labelText({ policy })} ${h.sum}`);
				lines.push(`${name}_count${labelText({ policy })} ${h.count}`);
			}
			return {
				contentType: "text/plain; version=0.0.4; charset=utf-8",
				body: `${lines.join("\n")}\n`,
			};
		},
	};
}
