// OpenTelemetry tracing end to end: the real server with tracing.enabled exports OTLP/HTTP
// protobuf to a receiver on loopback that decodes it (otlp-receiver.ts); the spans' names,
// parent links, attributes and trace ids are checked against the caller's traceparent, the
// responses and the decision log. With tracing off nothing is traced, and neither the CLI
// nor the Worker build loads OpenTelemetry up front.

import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOtelTracing } from "../../src/server/tracing-otel.ts";
import { writeBundleFile } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

const ROOT = resolve(import.meta.dirname, "../..");

const POLICY = `package tests

import rego.v1

default allow := false

allow if input.subject.role == "admin"

allow if input.subject.id == "admin"

conflict := 1 if true

conflict := 2 if true
`;

// Distinctive values that must never reach the collector.
const SUB = "subject-7c1e9a-secret";
const ROLE = "admin";

let receiver: OtlpReceiver;
let t: TestServer;
let bundleFile: string;

beforeAll(async () => {
	receiver = await startOtlpReceiver();
	bundleFile = writeBundleFile({
		sources: { "tests.rego": POLICY },
		entrypoints: ["tests/allow", "tests/conflict"],
		revision: "trace-rev-1",
	});
	t = await startTestServer({
		bundle: { path: bundleFile },
		policy: { default: "tests/allow", decideEntrypoints: ["tests/allow", "tests/conflict"] },
		authzen: { policy: "tests/allow" },
		tracing: {
			enabled: true,
			endpoint: receiver.url,
			serviceName: "gavel-under-test",
			flushIntervalMs: 20,
		},
	});
});
afterAll(async () => {
	await t?.close();
	await receiver?.close();
});

const hex = (n: number) =>
	Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");

async function until(check: () => boolean, what: string): Promise<void> {
	for (let i = 0; i < 400; i++) {
		if (check()) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`not reached: ${what}`);
}

/** The spans of one trace once `count` of them have arrived. */
async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
	const of = () => receiver.spans.filter((s) => s.traceId === traceId);
	await until(() => of().length >= count, `${count} spans of trace ${traceId}`);
	return of();
}

function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
	const found = spans.filter((s) => s.name === name);
	expect(found.map((s) => s.name)).toEqual([name]);
	return found[0];
}

/** traceparent's parts: version, trace id, parent id, flags. */
function parts(traceparent: string | null): string[] {
	expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
	return (traceparent as string).split("-");
}

async function decide(token: string, body: unknown, headers: Record<string, string> = {}) {
	const res = await t.post("/v1/decide", body, { authorization: `Bearer ${token}`, ...headers });
	return { res, body: (await res.json()) as Record<string, unknown> };
}

describe("tracing on, /v1/decide", () => {
	it("continues the caller's trace: a decision span with token, cache, evaluation and log steps", async () => {
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const traceId = hex(16);
		const callerSpan = hex(8);
		const { res, body } = await decide(
			token,
			{ action: `read-${hex(4)}` },
			{ traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: "vendor=abc" },
		);
		expect(res.status).toBe(200);
		expect(body.allow).toBe(true);
		// The response names Gavel's span in the caller's trace.
		const [, tid, gavelSpan, flags] = parts(res.headers.get("traceparent"));
		expect(tid).toBe(traceId);
		expect(gavelSpan).not.toBe(callerSpan);
		expect(flags).toBe("01");
		expect(res.headers.get("tracestate")).toBe("vendor=abc");

		const spans = await spansOf(traceId, 6);
		const decision = one(spans, "gavel.decision");
		expect(decision.spanId).toBe(gavelSpan);
		expect(decision.parentSpanId).toBe(callerSpan);
		expect(decision.traceState).toBe("vendor=abc");
		expect(decision.kind).toBe(2); // server
		expect(decision.resource["service.name"]).toBe("gavel-under-test");
		expect(decision.scope).toBe("gavel");
		expect(decision.attributes).toMatchObject({
			"gavel.decision_id": body.decision_id,
			"gavel.policy": "tests/allow",
			"gavel.revision": "trace-rev-1",
			"gavel.outcome": "allow",
			"gavel.cached": false,
			"http.request.method": "POST",
			"http.route": "/v1/decide",
			"http.response.status_code": 200,
		});
		expect(decision.status.code).toBe(0);

		const children = spans.filter((s) => s !== decision);
		expect(children.map((s) => s.name).sort()).toEqual([
			"gavel.cache.lookup",
			"gavel.cache.lookup",
			"gavel.decision_log",
			"gavel.evaluate",
			"gavel.token.verify",
		]);
		for (const c of children) {
			expect(c.parentSpanId, c.name).toBe(decision.spanId);
			expect(c.kind, c.name).toBe(1); // internal
			expect(c.startNs > 0n && c.endNs >= c.startNs, c.name).toBe(true);
		}
		expect(one(spans, "gavel.token.verify").attributes).toEqual({
			"gavel.token.outcome": "valid",
			"gavel.token.cached": false,
		});
		// First the request-key lookup (before the body is parsed), then the input's.
		const lookups = spans
			.filter((s) => s.name === "gavel.cache.lookup")
			.map((s) => s.attributes)
			.sort((a, b) => String(a["gavel.cache.key"]).localeCompare(String(b["gavel.cache.key"])));
		expect(lookups).toEqual([
			{ "gavel.cache.key": "input", "gavel.cache.hit": false },
			{ "gavel.cache.key": "request", "gavel.cache.hit": false },
		]);

		// The decision log entry carries the decision id and the trace, as OPA's does.
		const entry = t.logs.find((e) => e.decision_id === body.decision_id);
		expect(entry).toMatchObject({ trace_id: traceId, span_id: gavelSpan, path: "tests/allow" });
	});

	it("a repeated request is answered from the cache: a hit, no evaluation", async () => {
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const action = `write-${hex(4)}`;
		const first = await decide(token, { action });
		const traceId = hex(16);
		const { res, body } = await decide(
			token,
			{ action },
			{ traceparent: `00-${traceId}-${hex(8)}-01` },
		);
		expect(body.cached).toBe(true);
		expect(body.decision_id).not.toBe(first.body.decision_id);
		const [, , gavelSpan] = parts(res.headers.get("traceparent"));
		const spans = await spansOf(traceId, 4);
		const decision = one(spans, "gavel.decision");
		expect(decision.attributes).toMatchObject({
			"gavel.cached": true,
			"gavel.outcome": "allow",
			"gavel.decision_id": body.decision_id,
		});
		expect(spans.map((s) => s.name).sort()).toEqual([
			"gavel.cache.lookup",
			"gavel.decision",
			"gavel.decision_log",
			"gavel.token.verify",
		]);
		expect(one(spans, "gavel.cache.lookup").attributes).toEqual({
			"gavel.cache.key": "request",
			"gavel.cache.hit": true,
		});
		expect(one(spans, "gavel.token.verify").attributes["gavel.token.cached"]).toBe(true);
		expect(t.logs.find((e) => e.decision_id === body.decision_id)).toMatchObject({
			trace_id: traceId,
			span_id: gavelSpan,
		});
	});

	it("without a traceparent a new trace starts at Gavel", async () => {
		const token = await sign(t.ec, { sub: SUB, role: "reader" });
		const { res, body } = await decide(token, { action: `read-${hex(4)}` });
		expect(body.allow).toBe(false);
		const [, traceId, gavelSpan] = parts(res.headers.get("traceparent"));
		const decision = one(await spansOf(traceId, 6), "gavel.decision");
		expect(decision.parentSpanId).toBe("");
		expect(decision.spanId).toBe(gavelSpan);
		expect(decision.attributes["gavel.outcome"]).toBe("deny");
		expect(t.logs.find((e) => e.decision_id === body.decision_id)?.trace_id).toBe(traceId);
	});

	it("an evaluation error is an error span (by code only) and a deny", async () => {
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const traceId = hex(16);
		const { body } = await decide(
			token,
			{ policy: "tests/conflict" },
			{ traceparent: `00-${traceId}-${hex(8)}-01` },
		);
		expect(body.allow).toBe(false);
		expect((body.error as { code: string }).code).toBe("eval_conflict_error");
		const spans = await spansOf(traceId, 5);
		const decision = one(spans, "gavel.decision");
		expect(decision.attributes).toMatchObject({
			"gavel.outcome": "error",
			"gavel.error.code": "eval_conflict_error",
			"gavel.policy": "tests/conflict",
		});
		expect(decision.status).toEqual({ code: 2, message: "eval_conflict_error" });
		expect(one(spans, "gavel.evaluate").status).toEqual({
			code: 2,
			message: "eval_conflict_error",
		});
	});

	it("a refused token is a token step with its reason; no decision is made", async () => {
		const traceId = hex(16);
		const res = await t.post(
			"/v1/decide",
			{},
			{ authorization: "Bearer not.a.jwt", traceparent: `00-${traceId}-${hex(8)}-01` },
		);
		expect(res.status).toBe(401);
		const spans = await spansOf(traceId, 2);
		expect(spans.map((s) => s.name).sort()).toEqual(["gavel.decision", "gavel.token.verify"]);
		const decision = one(spans, "gavel.decision");
		expect(decision.attributes["http.response.status_code"]).toBe(401);
		expect(decision.attributes["gavel.decision_id"]).toBeUndefined();
		expect(one(spans, "gavel.token.verify").attributes["gavel.token.outcome"]).toBe("malformed");
	});

	it("follows an unsampled caller: nothing exported, the trace id still in the log", async () => {
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const quiet = hex(16);
		const a = await decide(
			token,
			{ action: `unsampled-${hex(4)}` },
			{ traceparent: `00-${quiet}-${hex(8)}-00` },
		);
		const [, tid, , flags] = parts(a.res.headers.get("traceparent"));
		expect([tid, flags]).toEqual([quiet, "00"]);
		expect(t.logs.find((e) => e.decision_id === a.body.decision_id)?.trace_id).toBe(quiet);
		// A sampled request after it: once its spans are in, the unsampled one would be too.
		const loud = hex(16);
		await decide(
			token,
			{ action: `sampled-${hex(4)}` },
			{ traceparent: `00-${loud}-${hex(8)}-01` },
		);
		await spansOf(loud, 6);
		expect(receiver.spans.filter((s) => s.traceId === quiet)).toEqual([]);
	});
});

describe("tracing on, other routes", () => {
	it("an AuthZEN batch is one request span with a decision span per evaluation", async () => {
		const traceId = hex(16);
		const callerSpan = hex(8);
		const res = await t.post(
			"/access/v1/evaluations",
			{
				subject: { type: "user", id: "admin" },
				action: { name: "read" },
				evaluations: [
					{ resource: { type: "doc", id: "1" } },
					{ resource: { type: "doc", id: "2" } },
					{ subject: { type: "user", id: "nobody" }, resource: { type: "doc", id: "3" } },
				],
			},
			{ traceparent: `00-${traceId}-${callerSpan}-01` },
		);
		expect(res.status).toBe(200);
		const decisions = ((await res.json()) as { evaluations: { decision: boolean }[] }).evaluations;
		expect(decisions.map((d) => d.decision)).toEqual([true, true, false]);
		// 1 request span + 3 × (decision, cache lookup, evaluation, log)
		const spans = await spansOf(traceId, 13);
		const request = one(spans, "gavel.evaluations");
		expect(request.parentSpanId).toBe(callerSpan);
		const perDecision = spans.filter((s) => s.name === "gavel.decision");
		expect(perDecision).toHaveLength(3);
		for (const d of perDecision) {
			expect(d.parentSpanId).toBe(request.spanId);
			expect(d.kind).toBe(1);
			const steps = spans.filter((s) => s.parentSpanId === d.spanId).map((s) => s.name);
			expect(steps.sort()).toEqual(["gavel.cache.lookup", "gavel.decision_log", "gavel.evaluate"]);
		}
		expect(perDecision.map((d) => d.attributes["gavel.outcome"]).sort()).toEqual([
			"allow",
			"allow",
			"deny",
		]);
		const ids = new Set(perDecision.map((d) => d.attributes["gavel.decision_id"]));
		const logged = t.logs.filter((e) => e.trace_id === traceId);
		expect(logged).toHaveLength(3);
		for (const e of logged) {
			expect(ids.has(e.decision_id as string)).toBe(true);
			expect(perDecision.some((d) => d.spanId === e.span_id)).toBe(true);
		}
	});

	it("the Data API's batch is one request span with a decision span per input", async () => {
		const traceId = hex(16);
		const callerSpan = hex(8);
		const res = await t.post(
			"/v1/batch/data/tests/allow",
			{ inputs: { a: { subject: { role: "admin" } }, b: { subject: { role: "guest" } } } },
			{ traceparent: `00-${traceId}-${callerSpan}-01` },
		);
		expect(res.status).toBe(200);
		const spans = await spansOf(traceId, 7);
		const request = one(spans, "gavel.batch");
		expect(request.parentSpanId).toBe(callerSpan);
		expect(request.attributes["http.route"]).toBe("/v1/batch/data/*");
		const perDecision = spans.filter((s) => s.name === "gavel.decision");
		expect(perDecision.map((d) => d.parentSpanId)).toEqual([request.spanId, request.spanId]);
		expect(perDecision.map((d) => d.attributes["gavel.outcome"]).sort()).toEqual(["allow", "deny"]);
		for (const d of perDecision) {
			const steps = spans.filter((s) => s.parentSpanId === d.spanId).map((s) => s.name);
			expect(steps.sort()).toEqual(["gavel.decision_log", "gavel.evaluate"]);
		}
	});

	it("forward auth: the proxy gets Gavel's traceparent to pass to the upstream", async () => {
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const traceId = hex(16);
		const res = await fetch(`${t.url}/v1/authz/orders`, {
			headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${hex(8)}-01` },
		});
		expect(res.status).toBe(200);
		const [, tid, gavelSpan] = parts(res.headers.get("traceparent"));
		expect(tid).toBe(traceId);
		const decision = one(await spansOf(traceId, 5), "gavel.decision");
		expect(decision.spanId).toBe(gavelSpan);
		expect(decision.attributes["http.route"]).toBe("/v1/authz/*");
		expect(decision.attributes["gavel.outcome"]).toBe("allow");
	});

	it("the Data API: a decision span with evaluation and log steps", async () => {
		const traceId = hex(16);
		const res = await t.post(
			"/v1/data/tests/allow",
			{ input: { subject: { role: "admin" } } },
			{ traceparent: `00-${traceId}-${hex(8)}-01` },
		);
		expect(res.status).toBe(200);
		const spans = await spansOf(traceId, 3);
		expect(spans.map((s) => s.name).sort()).toEqual([
			"gavel.decision",
			"gavel.decision_log",
			"gavel.evaluate",
		]);
		expect(one(spans, "gavel.decision").attributes).toMatchObject({
			"gavel.policy": "tests/allow",
			"gavel.outcome": "allow",
			"http.route": "/v1/data/*",
		});
	});

	it("a decision outside any HTTP request (as Envoy's gRPC Check makes) is a root span", async () => {
		const before = new Set(receiver.spans.map((s) => s.spanId));
		const out = t.running.gavel.decisions.query("tests/allow", { subject: { role: "admin" } });
		expect("error" in out).toBe(false);
		const id = (out as { decision_id: string }).decision_id;
		await until(
			() => receiver.spans.some((s) => s.attributes["gavel.decision_id"] === id),
			"the gRPC-style decision's span",
		);
		const decision = receiver.spans.find((s) => s.attributes["gavel.decision_id"] === id);
		expect(decision).toMatchObject({ name: "gavel.decision", parentSpanId: "", kind: 2 });
		const spans = await spansOf(decision?.traceId as string, 3);
		expect(
			spans
				.filter((s) => !before.has(s.spanId))
				.map((s) => s.name)
				.sort(),
		).toEqual(["gavel.decision", "gavel.decision_log", "gavel.evaluate"]);
		expect(t.logs.find((e) => e.decision_id === id)?.trace_id).toBe(decision?.traceId);
	});

	it("routes that decide nothing, and malformed traceparents: no spans, no error", async () => {
		const before = receiver.spans.length;
		const metrics = await fetch(`${t.url}/metrics`, {
			headers: { traceparent: `00-${hex(16)}-${hex(8)}-01` },
		});
		expect(metrics.status).toBe(200);
		expect(metrics.headers.get("traceparent")).toBeNull();
		// A malformed traceparent is ignored: a new trace starts.
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const { res } = await decide(token, { action: `x-${hex(4)}` }, { traceparent: "00-zz-yy-01" });
		expect(res.status).toBe(200);
		const [, traceId] = parts(res.headers.get("traceparent"));
		expect(one(await spansOf(traceId, 6), "gavel.decision").parentSpanId).toBe("");
		expect(
			receiver.spans.slice(before).every((s) => s.attributes["http.route"] !== "/metrics"),
		).toBe(true);
	});
});

describe("what reaches the collector", () => {
	it("protobuf only, never token contents, claims or input", async () => {
		await until(() => receiver.bodies.length > 0, "an export");
		expect(new Set(receiver.contentTypes)).toEqual(new Set(["application/x-protobuf"]));
		const token = await sign(t.rsa, { sub: SUB, role: ROLE });
		const traceId = hex(16);
		await decide(
			token,
			{ action: `read-${hex(4)}` },
			{ traceparent: `00-${traceId}-${hex(8)}-01` },
		);
		await spansOf(traceId, 6);
		const all = Buffer.concat(receiver.bodies);
		const [header, payload, signature] = token.split(".");
		for (const secret of [token, header, payload, signature, SUB, "Bearer"]) {
			expect(all.includes(Buffer.from(secret)), secret).toBe(false);
		}
		const keys = new Set(receiver.spans.flatMap((s) => Object.keys(s.attributes)));
		expect([...keys].sort()).toEqual([
			"gavel.cache.hit",
			"gavel.cache.key",
			"gavel.cached",
			"gavel.decision_id",
			"gavel.error.code",
			"gavel.outcome",
			"gavel.policy",
			"gavel.revision",
			"gavel.token.cached",
			"gavel.token.outcome",
			"http.request.method",
			"http.response.status_code",
			"http.route",
		]);
	});
});

describe("a collector that is down", () => {
	it("decisions go on; the failed export is reported, once", async () => {
		// A port that was just listening and is now closed: connections are refused.
		const gone = await startOtlpReceiver();
		await gone.close();
		const messages: string[] = [];
		const tracing = await createOtelTracing(
			{
				endpoint: gone.url,
				serviceName: "gavel",
				sampleRatio: 1,
				flushIntervalMs: 10,
				maxQueueSize: 100,
			},
			(m) => messages.push(m),
		);
		const s = await startTestServer({
			bundle: { path: bundleFile },
			policy: { default: "tests/allow" },
			tracing: { enabled: true, endpoint: gone.url, flushIntervalMs: 10 },
		});
		try {
			const token = await sign(s.rsa, { sub: SUB, role: ROLE });
			for (let i = 0; i < 3; i++) {
				const res = await s.post(
					"/v1/decide",
					{ action: `down-${i}` },
					{ authorization: `Bearer ${token}` },
				);
				expect(res.status).toBe(200);
				expect(((await res.json()) as { allow: boolean }).allow).toBe(true);
			}
			// The same exporter on its own, to read what it reports.
			const decisionWithStep = () => {
				const d = tracing.decision();
				d.step("gavel.evaluate").end();
				d.end({ "gavel.outcome": "allow" });
			};
			decisionWithStep();
			await until(() => messages.length > 0, "a report of the failed export");
			expect(messages[0]).toMatch(
				/^gavel: tracing: export of \d+ spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: /,
			);
			// A second failed batch (shutdown waits for its export): not reported within the minute.
			decisionWithStep();
			await tracing.shutdown().catch(() => {});
			expect(messages).toHaveLength(1);
		} finally {
			await s.close();
			await tracing.shutdown().catch(() => {});
		}
	});
});

describe("tracing off", () => {
	it("no traceparent back, no trace ids in the log, nothing sent", async () => {
		const off = await startOtlpReceiver();
		const s = await startTestServer({
			bundle: { path: bundleFile },
			policy: { default: "tests/allow" },
			tracing: { enabled: false, endpoint: off.url, flushIntervalMs: 1 },
		});
		try {
			const token = await sign(s.rsa, { sub: SUB, role: ROLE });
			const res = await s.post(
				"/v1/decide",
				{},
				{ authorization: `Bearer ${token}`, traceparent: `00-${hex(16)}-${hex(8)}-01` },
			);
			expect(res.status).toBe(200);
			expect(res.headers.get("traceparent")).toBeNull();
			const id = ((await res.json()) as { decision_id: string }).decision_id;
			const entry = s.logs.find((e) => e.decision_id === id);
			expect(entry).toBeDefined();
			expect(entry).not.toHaveProperty("trace_id");
			expect(entry).not.toHaveProperty("span_id");
		} finally {
			await s.close();
		}
		// Closing flushes whatever a tracer would have queued: nothing was.
		expect(off.bodies).toEqual([]);
		expect(off.contentTypes).toEqual([]);
		await off.close();
	});

	it("the CLI build loads OpenTelemetry only on demand; the Worker build not at all", async () => {
		const { build } = await import("esbuild");
		const cli = await build({
			entryPoints: [join(ROOT, "src/cli/main.ts")],
			bundle: true,
			platform: "node",
			format: "esm",
			packages: "external",
			write: false,
			metafile: true,
			logLevel: "silent",
		});
		// Static imports are evaluated at start-up; only import() calls may name the packages.
		const otel = Object.values(cli.metafile.outputs)
			.flatMap((o) => o.imports)
			.filter((i) => i.path.startsWith("@opentelemetry/"));
		expect(otel.map((i) => i.path).sort()).toEqual([
			"@opentelemetry/api",
			"@opentelemetry/core",
			"@opentelemetry/exporter-trace-otlp-proto",
			"@opentelemetry/resources",
			"@opentelemetry/sdk-trace",
		]);
		expect(new Set(otel.map((i) => i.kind))).toEqual(new Set(["dynamic-import"]));
		const worker = await build({
			entryPoints: [join(ROOT, "src/worker.ts")],
			bundle: true,
			platform: "node",
			format: "esm",
			external: ["gavel-edge/*", "node:*"],
			write: false,
			metafile: true,
			logLevel: "silent",
		});
		const inputs = Object.keys(worker.metafile.inputs);
		expect(inputs.some((p) => p.endsWith("src/server/app.ts"))).toBe(true);
		expect(inputs.filter((p) => p.includes("opentelemetry") || p.includes("tracing-otel"))).toEqual(
			[],
		);
	});
});
