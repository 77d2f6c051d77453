// OPA's configuration file read as Gavel's: the shape test, --set as OPA spells it, ${VAR},
// the translation into Gavel's settings, and every refused key named with file: key.path.

import { describe, expect, it } from "vitest";
import { ConfigError, validateConfig } from "./config.ts";
import {
	applyOpaSet,
	decisionPath,
	isOpaConfig,
	substituteEnv,
	translateOpaConfig,
} from "./opa-config.ts";
import { applyOpaMask, rfc3339Nano } from "./opa-decision-log.ts";
import { prometheusModel } from "./opa-status.ts";
import { createPromMetrics } from "./prom-metrics.ts";

const problems = (doc: unknown): string[] => {
	try {
		translateOpaConfig(doc, "opa.yaml");
	} catch (e) {
		if (e instanceof ConfigError) return e.problems;
		throw e;
	}
	return [];
};

describe("OPA's configuration file", () => {
	it("is told from Gavel's by its keys", () => {
		expect(isOpaConfig({ services: {}, bundles: {} })).toBe(true);
		expect(isOpaConfig({ labels: { a: "b" } })).toBe(true);
		expect(isOpaConfig({ server: { encoding: { gzip: {} } } })).toBe(true);
		expect(isOpaConfig({ server: { host: "0.0.0.0" } })).toBe(false);
		expect(isOpaConfig({ bundle: { path: "x" } })).toBe(false);
		expect(isOpaConfig({ services: {}, auth: {} })).toBe(false);
		expect(isOpaConfig({})).toBe(false);
	});

	it("--set as opa run --set: dotted keys, typed values, commas, lists, indexes, escapes", () => {
		const doc: Record<string, unknown> = { services: { a: { url: "http://x" } } };
		applyOpaSet(doc, "services.a.url=http://y,decision_logs.console=true");
		applyOpaSet(doc, "bundles.b.polling.min_delay_seconds=5");
		applyOpaSet(doc, "labels.list={x,y}");
		applyOpaSet(doc, "services.a.headers.h=a\\,b");
		applyOpaSet(doc, "keys[0]=k");
		expect(doc).toEqual({
			services: { a: { url: "http://y", headers: { h: "a,b" } } },
			decision_logs: { console: true },
			bundles: { b: { polling: { min_delay_seconds: 5 } } },
			labels: { list: ["x", "y"] },
			keys: ["k"],
		});
		expect(() => applyOpaSet(doc, "novalue")).toThrow("expected KEY=VALUE");
	});

	// OPA's reference syntax, built so no string literal looks like a template.
	const ref = (name: string) => `$${"{"}${name}}`;
	it("environment references are substituted, unset ones read as empty (as in OPA)", () => {
		expect(substituteEnv(`url: ${ref("BASE")}/v1 t: ${ref("NOPE")}.`, { BASE: "https://cp" })).toBe(
			"url: https://cp/v1 t: .",
		);
	});

	it("translates services, one bundle, decision logs, status, labels and defaults", () => {
		const { gavel, opa } = translateOpaConfig(
			{
				services: {
					cp: {
						url: "https://cp.example/v1/",
						headers: { "x-team": "a" },
						credentials: { bearer: { token: "t" } },
					},
				},
				bundles: {
					authz: {
						service: "cp",
						resource: "bundles/authz.tar.gz",
						persist: true,
						polling: { min_delay_seconds: 10, max_delay_seconds: 20 },
						signing: { keyid: "k1" },
						size_limit_bytes: 2048,
					},
				},
				keys: { k1: { algorithm: "HS256", key: "secret", scope: "read" } },
				decision_logs: { service: "cp", reporting: { upload_size_limit_bytes: 4096 } },
				status: { service: "cp" },
				labels: { app: "x" },
				default_decision: "/http/example/authz/allow",
				persistence_directory: "/var/opa",
				distributed_tracing: { type: "http", address: "otel:4318", sample_percentage: 25 },
			},
			"opa.yaml",
		);
		expect(gavel).toEqual({
			bundle: {
				url: "https://cp.example/v1/bundles/authz.tar.gz",
				minDelaySeconds: 10,
				maxDelaySeconds: 20,
			},
			policy: { default: "http/example/authz/allow" },
			tracing: {
				enabled: true,
				endpoint: "http://otel:4318/v1/traces",
				serviceName: "opa",
				sampleRatio: 0.25,
			},
		});
		// What it gives is a valid Gavel configuration.
		expect(() => validateConfig(gavel)).not.toThrow();
		expect(opa.bundle).toMatchObject({
			sizeLimitBytes: 2048,
			name: "authz",
			persist: true,
			resource: "bundles/authz.tar.gz",
		});
		expect(opa.bundle?.signing).toEqual({
			keys: [{ id: "k1", algorithm: "HS256", secret: "secret" }],
			keyId: "k1",
			scope: "read",
			excludeFiles: [],
		});
		expect(opa.services[0]).toMatchObject({
			url: "https://cp.example/v1",
			headers: { "x-team": "a" },
		});
		expect(opa.decisionLogs).toMatchObject({
			resource: "/logs",
			minDelaySeconds: 300,
			maxDelaySeconds: 600,
			uploadSizeLimitBytes: 4096,
			maskDecision: "system/log/mask",
			dropDecision: "system/log/drop",
		});
		expect(opa.status).toMatchObject({ resource: "/status", console: false });
		expect(opa.labels).toEqual({ app: "x" });
		expect(opa.persistenceDirectory).toBe("/var/opa");
		expect(opa.warnings).toEqual([]);
	});

	it("an oci service becomes bundle.oci with its bearer credentials", () => {
		const basic = btoa("user:pa:ss");
		const { gavel } = translateOpaConfig(
			{
				services: {
					ghcr: {
						url: "https://ghcr.io",
						type: "oci",
						credentials: { bearer: { scheme: "Basic", token: basic } },
					},
				},
				bundles: { b: { service: "ghcr", resource: "ghcr.io/org/policy:1.0" } },
			},
			"opa.yaml",
		);
		expect(gavel.bundle).toEqual({
			oci: {
				resource: "ghcr.io/org/policy:1.0",
				url: "https://ghcr.io",
				username: "user",
				password: "pa:ss",
			},
			minDelaySeconds: 60,
			maxDelaySeconds: 120,
		});
	});

	it("decision logs go to the first service by default, as in OPA; services may be a list", () => {
		const { opa } = translateOpaConfig(
			{ services: [{ name: "one", url: "http://a" }], decision_logs: {} },
			"opa.yaml",
		);
		expect(opa.decisionLogs?.service?.name).toBe("one");
		expect(
			translateOpaConfig({ decision_logs: { console: true } }, "f").opa.decisionLogs?.service,
		).toBeUndefined();
	});

	it("refuses what would change a decision or lose logs, naming file and key", () => {
		expect(
			problems({
				services: {
					a: { url: "http://a", credentials: { s3_signing: {} } },
					b: {
						url: "http://b",
						credentials: { oauth2: { token_url: "http://t", client_id: "i", client_secret: "s" } },
					},
				},
				bundles: { x: { service: "a" }, y: { service: "a" } },
				discovery: { name: "d" },
				plugins: { p: {} },
				decision_logs: { plugin: "p", reporting: { max_decisions_per_second: 5 } },
				labels: { id: "mine" },
			}),
		).toEqual([
			"opa.yaml: services.a.credentials.s3_signing: not supported by Gavel (the service could not be reached as configured: bundles would not load and logs would not be delivered)",
			"opa.yaml: services.b.credentials.oauth2.token_url: must be an https:// URL",
			"opa.yaml: bundles: not supported by Gavel (2 bundles (x, y); Gavel activates one bundle, so the others' policies would be missing: build them into one)",
			"opa.yaml: decision_logs.plugin: not supported by Gavel (custom Go plugins; the decisions would not be logged where configured)",
			"opa.yaml: decision_logs.reporting.max_decisions_per_second: not supported by Gavel (Gavel does not rate-limit the decision log; every decision is logged)",
			"opa.yaml: labels.id: is set by the server, not by configuration",
			"opa.yaml: discovery: not supported by Gavel (the configuration (and so the bundles served) would come from a discovery bundle)",
			"opa.yaml: plugins: not supported by Gavel (custom Go plugins can authorize requests or change decisions)",
		]);
	});

	it("validates types and references with the key's path", () => {
		expect(
			problems({
				services: { a: { url: "ftp://a", headers: { h: 1 }, bogus: true } },
				bundles: {
					x: { service: "nope", polling: { min_delay_seconds: 10, max_delay_seconds: 5 } },
				},
				status: {},
				keys: { k: { algorithm: "XX1" } },
			}),
		).toEqual([
			"opa.yaml: services.a.bogus: unknown field",
			"opa.yaml: services.a.url: must be an http:// or https:// URL",
			"opa.yaml: services.a.headers.h: must be a string",
			"opa.yaml: keys.k.algorithm: unknown algorithm XX1",
			"opa.yaml: keys.k.key: required",
			'opa.yaml: bundles.x.service: no service named "nope" in services',
			"opa.yaml: bundles.x.polling.max_delay_seconds: must be at least min_delay_seconds",
			"opa.yaml: status.service: required",
		]);
	});

	it("warns for what is accepted but not applied", () => {
		const { opa, gavel } = translateOpaConfig(
			{
				caching: { inter_query_builtin_cache: { max_size_bytes: 1 } },
				server: { encoding: { gzip: { min_length: 512, compression_level: 5 } } },
				distributed_tracing: { type: "grpc", address: "otel:4317" },
				storage: { disk: {} },
			},
			"opa.yaml",
		);
		expect(gavel.tracing).toBeUndefined();
		expect(opa.warnings).toEqual([
			"opa.yaml: storage: accepted but not applied (Gavel keeps data in memory)",
			"opa.yaml: caching: accepted but not applied (no inter-query builtin cache (http.send is refused at compile time))",
			"opa.yaml: server.encoding.gzip.min_length: accepted but not applied (answers are compressed from OPA's default of 1024 bytes)",
			"opa.yaml: server.encoding.gzip.compression_level: accepted but not applied (the platform's default level is used)",
			"opa.yaml: distributed_tracing.type: accepted but not applied (Gavel exports OTLP over HTTP only (type: http); tracing is off)",
		]);
	});

	it("decision paths in OPA's spellings", () => {
		expect(decisionPath("/system/main")).toBe("system/main");
		expect(decisionPath("data.system.log.mask")).toBe("system/log/mask");
		expect(decisionPath("system.log.mask")).toBe("system/log/mask");
	});
});

describe("OPA's mask rule applied to an event", () => {
	// The outcome opa run 1.22.3 logged for the same rule values (recorded by hand with the
	// binary: removes of absent paths are not listed, upserts create the objects on the way).
	it("removes and upserts as OPA does", () => {
		const event: Record<string, unknown> = {
			input: { user: "alice", password: "p", arr: [1, 2] },
			result: true,
		};
		const out = applyOpaMask(event, [
			"/input/arr/0",
			"/input/missing",
			"/input/password",
			"/result",
			{ op: "upsert", path: "/input/new", value: { x: 1 } },
			{ op: "upsert", path: "/input/nope/deep", value: 2 },
			{ op: "upsert", path: "/input/user", value: "u" },
			"/labels",
		]);
		expect(out).toEqual({
			erased: ["/input/arr/0", "/input/password", "/result"],
			masked: ["/input/new", "/input/nope/deep", "/input/user"],
		});
		expect(event).toEqual({ input: { arr: [2], new: { x: 1 }, nope: { deep: 2 }, user: "u" } });
	});

	it("timestamps in Go's RFC3339Nano", () => {
		expect(rfc3339Nano(new Date("2026-01-02T03:04:05.120Z"))).toBe("2026-01-02T03:04:05.12Z");
		expect(rfc3339Nano(new Date("2026-01-02T03:04:05.000Z"))).toBe("2026-01-02T03:04:05Z");
	});
});

describe("the status report's metrics", () => {
	it("are Prometheus' JSON model, as OPA's report carries them", async () => {
		const m = createPromMetrics({ processMetrics: false });
		m.decision("a/b", "allow", 0.002);
		m.httpRequest("/v1/data/*", "POST", 200);
		const model = prometheusModel((await m.registry.getMetricsAsJSON()) as never) as Record<
			string,
			{ name: string; type: string; metric: Record<string, unknown>[] }
		>;
		expect(model.gavel_http_requests_total).toEqual({
			name: "gavel_http_requests_total",
			help: expect.any(String),
			type: "COUNTER",
			metric: [
				{
					counter: { value: 1 },
					label: [
						{ name: "method", value: "POST" },
						{ name: "route", value: "/v1/data/*" },
						{ name: "status", value: "200" },
					],
				},
			],
		});
		const h = model.gavel_decision_duration_seconds;
		expect(h.type).toBe("HISTOGRAM");
		const hist = h.metric[0].histogram as {
			sampleCount: string;
			sampleSum: number;
			bucket: { cumulativeCount: string; upperBound: number }[];
		};
		expect(hist.sampleCount).toBe("1");
		expect(hist.sampleSum).toBe(0.002);
		// Cumulative counts: 0 below the observation, 1 from the first bound above it.
		const at = hist.bucket.findIndex((b) => b.upperBound >= 0.002);
		expect(hist.bucket.slice(0, at).every((b) => b.cumulativeCount === "0")).toBe(true);
		expect(hist.bucket.slice(at).every((b) => b.cumulativeCount === "1")).toBe(true);
	});
});
