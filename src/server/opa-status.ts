// Status reports in OPA's format (its status API): labels, the bundle's state (active
// revision, last activation, download and request times, the last error), each plugin's
// state, the decision-log upload's last error, and the Prometheus metrics. POSTed to
// <service>/status whenever something changes (a bundle activation or failure, an upload
// outcome), as OPA does; one upload at a time, the latest state winning.

import type { ActivationEvent, Engine } from "../engine/index.ts";
import { rfc3339Nano } from "./opa-decision-log.ts";
import type { ServiceFetch } from "./opa-service.ts";

/** Go's zero time, which OPA reports for "never". */
const NEVER = "0001-01-01T00:00:00Z";

export interface BundleStatus {
	name: string;
	active_revision?: string;
	last_successful_activation: string;
	last_successful_download: string;
	last_successful_request: string;
	last_request: string;
	code?: string;
	message?: string;
	http_code?: number;
}

export interface OpaStatusReport {
	labels: Record<string, string>;
	bundles?: Record<string, BundleStatus>;
	decision_logs?: { code?: string; message?: string; http_code?: number };
	metrics: { prometheus: Record<string, unknown> };
	plugins: Record<string, { state: "OK" | "NOT_READY" | "ERROR" }>;
}

export interface OpaStatusOptions {
	engine: Engine;
	labels: Record<string, string>;
	bundleName?: string;
	/** Whether decision logs are configured (then the decision_logs plugin is reported). */
	decisionLogs: boolean;
	/** POST the report here; unset: console only. */
	upload?: { url: string; fetch: ServiceFetch };
	console?: (line: string) => void;
	/** The metrics in Prometheus' JSON model (metric families by name). */
	prometheus: () => Promise<Record<string, unknown>>;
	onError?: (message: string) => void;
}

export interface OpaStatusReporter {
	/** Record a decision-log upload outcome and report. */
	decisionLogUpload(result: { ok: true } | { ok: false; message: string; status?: number }): void;
	/** Report now (coalesced with any report in flight); resolves when sent or failed. */
	report(): Promise<void>;
	current(): Promise<OpaStatusReport>;
	stop(): void;
}

export function createOpaStatusReporter(options: OpaStatusOptions): OpaStatusReporter {
	const { engine } = options;
	const name = options.bundleName;
	const bundle: BundleStatus | undefined = name
		? {
				name,
				last_successful_activation: NEVER,
				last_successful_download: NEVER,
				last_successful_request: NEVER,
				last_request: NEVER,
			}
		: undefined;
	let logStatus: OpaStatusReport["decision_logs"] = {};
	let stopped = false;

	const onActivation = (e: ActivationEvent) => {
		if (!bundle) return;
		const at = rfc3339Nano(e.at);
		bundle.last_request = at;
		if (e.outcome === "success") {
			bundle.active_revision = e.revision;
			bundle.last_successful_activation = at;
			// A bundle activated from the persisted copy was not downloaded now.
			if (!e.source.startsWith("persisted:")) {
				bundle.last_successful_download = at;
				bundle.last_successful_request = at;
			}
			delete bundle.code;
			delete bundle.message;
			delete bundle.http_code;
		} else {
			bundle.code = "bundle_error";
			bundle.message = e.error ?? "bundle activation failed";
			const http = /HTTP (\d{3})/.exec(bundle.message);
			if (http) bundle.http_code = Number(http[1]);
			else delete bundle.http_code;
		}
		void report();
	};
	const unsubscribe = engine.onActivation(onActivation);

	const current = async (): Promise<OpaStatusReport> => {
		const plugins: OpaStatusReport["plugins"] = {};
		if (bundle) plugins.bundle = { state: engine.current() ? "OK" : "NOT_READY" };
		if (options.decisionLogs) plugins.decision_logs = { state: "OK" };
		plugins.status = { state: "OK" };
		const r: OpaStatusReport = {
			labels: options.labels,
			metrics: { prometheus: await options.prometheus() },
			plugins,
		};
		if (bundle) {
			// OPA's field order.
			const { name: n, active_revision, code, message, http_code, ...times } = bundle;
			r.bundles = {
				[n]: {
					name: n,
					...(active_revision !== undefined ? { active_revision } : {}),
					...times,
					...(code !== undefined ? { code, message } : {}),
					...(http_code !== undefined ? { http_code } : {}),
				} as BundleStatus,
			};
		}
		r.decision_logs = { ...logStatus };
		// OPA's key order: labels, bundles, decision_logs, metrics, plugins.
		return {
			labels: r.labels,
			...(r.bundles ? { bundles: r.bundles } : {}),
			decision_logs: r.decision_logs,
			metrics: r.metrics,
			plugins: r.plugins,
		};
	};

	let inFlight: Promise<void> | undefined;
	let again = false;
	const sendOnce = async () => {
		const body = await current();
		if (options.console) {
			// OPA's log line: the report's fields and the logger's, sorted by name.
			const fields: Record<string, unknown> = {
				...body,
				level: "info",
				msg: "Status Log",
				time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
				type: "openpolicyagent.org/status",
			};
			const sorted = Object.fromEntries(
				Object.keys(fields)
					.sort()
					.map((k) => [k, fields[k]]),
			);
			options.console(`${JSON.stringify(sorted)}\n`);
		}
		if (!options.upload) return;
		try {
			const res = await options.upload.fetch(options.upload.url, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(10_000),
			});
			await res.arrayBuffer().catch(() => undefined);
			if (!res.ok) options.onError?.(`status update failed: HTTP ${res.status}`);
		} catch (e) {
			options.onError?.(`status update failed: ${(e as Error).message}`);
		}
	};
	const report = (): Promise<void> => {
		if (stopped) return Promise.resolve();
		if (inFlight) {
			again = true;
			return inFlight;
		}
		inFlight = (async () => {
			try {
				do {
					again = false;
					await sendOnce();
				} while (again && !stopped);
			} finally {
				inFlight = undefined;
			}
		})();
		return inFlight;
	};

	return {
		decisionLogUpload(result) {
			const next = result.ok
				? {}
				: {
						code: "decision_log_error",
						message: `log upload failed: ${result.message}`,
						...(result.status !== undefined ? { http_code: result.status } : {}),
					};
			const changed = JSON.stringify(next) !== JSON.stringify(logStatus);
			logStatus = next;
			// As OPA, a report follows each upload.
			if (changed || result.ok) void report();
		},
		report,
		current,
		stop() {
			stopped = true;
			unsubscribe();
		},
	};
}

interface PromJsonMetric {
	name: string;
	help: string;
	type: string;
	values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

/**
 * prom-client's metrics as Prometheus' JSON model, the shape OPA's status report carries:
 * families by name, each {name, help, type, metric: [{label?, counter|gauge|histogram}]}.
 */
export function prometheusModel(metrics: PromJsonMetric[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const labelList = (l: Record<string, string | number>) =>
		// Sorted by name, as Prometheus' Go client writes them.
		Object.entries(l)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([name, value]) => ({ name, value: String(value) }));
	for (const m of metrics) {
		const type = m.type.toUpperCase();
		const metric: Record<string, unknown>[] = [];
		if (m.type === "histogram") {
			// One series per label set (without `le`): buckets, count and sum.
			const series = new Map<
				string,
				{
					labels: Record<string, string | number>;
					buckets: { le: number; n: number }[];
					count: number;
					sum: number;
				}
			>();
			for (const v of m.values) {
				const { le, ...rest } = v.labels;
				const key = JSON.stringify(rest);
				let s = series.get(key);
				if (!s) {
					s = { labels: rest, buckets: [], count: 0, sum: 0 };
					series.set(key, s);
				}
				if (v.metricName?.endsWith("_bucket") && le !== "+Inf")
					s.buckets.push({ le: Number(le), n: v.value });
				else if (v.metricName?.endsWith("_count")) s.count = v.value;
				else if (v.metricName?.endsWith("_sum")) s.sum = v.value;
			}
			for (const s of series.values()) {
				const entry: Record<string, unknown> = {
					histogram: {
						sampleCount: String(s.count),
						sampleSum: s.sum,
						bucket: s.buckets.map((b) => ({ cumulativeCount: String(b.n), upperBound: b.le })),
					},
				};
				if (Object.keys(s.labels).length > 0) entry.label = labelList(s.labels);
				metric.push(entry);
			}
		} else if (m.type === "counter" || m.type === "gauge") {
			for (const v of m.values) {
				const entry: Record<string, unknown> = { [m.type]: { value: v.value } };
				if (Object.keys(v.labels).length > 0) entry.label = labelList(v.labels);
				metric.push(entry);
			}
		} else continue;
		out[m.name] = { name: m.name, help: m.help, type, metric };
	}
	return out;
}
