// The Data API's OPA-compatible details, against a real Gavel server on a bundle built by
// Gavel's own compiler: what OPA's server does that clients rely on (warnings, error shapes,
// gzip, any content type, 405s, health checks, batch through OPA's TypeScript client).
// test/differential/data-api.ts checks the same against a real `opa run --server`.

import { gunzipSync, gzipSync } from "node:zlib";
import { OPAClient } from "@open-policy-agent/opa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeInputs } from "../../src/server/data-api.ts";
import { writeBundleFile } from "./build-bundle.ts";
import { parseMetrics, startTestServer, type TestServer } from "./helpers.ts";

const AUTHZ = `package authz

default allow := false

allow if input.user == "alice"

allow if input.role == "admin"

conflict := 1 if input.a

conflict := 2 if input.b
`;

const HEALTH = `package system.health

live := true

down := false
`;

let t: TestServer;
beforeAll(async () => {
	const file = writeBundleFile({
		sources: { "authz.rego": AUTHZ, "health.rego": HEALTH },
		data: { "dotted.key": { v: 1 }, big: Array.from({ length: 300 }, (_, i) => `item-${i}`) },
		entrypoints: ["authz/allow", "authz/conflict", "system/health/live", "system/health/down"],
		revision: "r-1",
	});
	t = await startTestServer({ bundle: { path: file }, policy: { default: "authz/allow" } });
});
afterAll(async () => {
	await t.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const jsonOf = async (r: Response): Promise<Json> => r.json();

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
	fetch(`${t.url}${path}`, { method: "POST", body, headers });

describe("Data API as OPA's server answers it", () => {
	it("warns when a POST has no input, and reads any content type as JSON", async () => {
		for (const [body, type] of [
			["{}", "application/json"],
			["", "application/json"],
			['{"input":null}', "application/json"],
		]) {
			const res = await post("/v1/data/authz/allow", body, { "content-type": type });
			expect(res.status).toBe(200);
			expect(await jsonOf(res)).toMatchObject({
				result: false,
				warning: { code: "api_usage_warning", message: "'input' key missing from the request" },
			});
		}
		const text = await post("/v1/data/authz/allow", '{"input":{"user":"alice"}}', {
			"content-type": "text/plain",
		});
		expect(text.status).toBe(200);
		const body = await text.text();
		expect(body).toMatch(/^\{"decision_id":"[0-9a-f-]{36}","result":true\}\n$/);
	});

	it("reads gzip bodies and compresses big answers for clients that accept gzip", async () => {
		const res = await post("/v1/data/authz/allow", gzipSync('{"input":{"user":"alice"}}'), {
			"content-type": "application/json",
			"content-encoding": "gzip",
		});
		expect((await jsonOf(res)).result).toBe(true);
		const bad = await post("/v1/data/authz/allow", "not gzip", { "content-encoding": "gzip" });
		expect(bad.status).toBe(400);
		expect((await jsonOf(bad)).code).toBe("invalid_parameter");
		// A bomb: small compressed, over the body limit once inflated.
		const bomb = gzipSync(`{"input":"${"a".repeat(2 * 1024 * 1024)}"}`);
		const big = await post("/v1/data/authz/allow", bomb, { "content-encoding": "gzip" });
		expect(big.status).toBe(413);

		const { request } = await import("node:http");
		const url = new URL(`${t.url}/v1/data/big`);
		const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((done) => {
			request(
				{
					host: url.hostname,
					port: url.port,
					path: url.pathname,
					headers: { "accept-encoding": "gzip" },
				},
				(r) => {
					const chunks: Buffer[] = [];
					r.on("data", (c: Buffer) => chunks.push(c));
					r.on("end", () => done({ headers: r.headers, body: Buffer.concat(chunks) }));
				},
			).end();
		});
		expect(raw.headers["content-encoding"]).toBe("gzip");
		expect(raw.headers.vary).toBe("Accept-Encoding");
		expect(JSON.parse(gunzipSync(raw.body).toString()).result).toHaveLength(300);
		const small = await fetch(`${t.url}/v1/data/authz/allow`, {
			headers: { "accept-encoding": "gzip" },
		});
		expect(small.headers.get("content-encoding")).toBeNull();
	});

	it("answers an evaluation error as OPA: 500 internal_error with the engine's errors[]", async () => {
		const res = await post("/v1/data/authz/conflict", '{"input":{"a":true,"b":true}}');
		expect(res.status).toBe(500);
		const text = await res.text();
		expect(text.startsWith("{\n  ")).toBe(true);
		const body = JSON.parse(text);
		expect(body).toMatchObject({
			code: "internal_error",
			message: "error(s) occurred while evaluating query",
			errors: [{ code: "eval_conflict_error" }],
		});
		expect(body.decision_id).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("refuses what it cannot do instead of ignoring it", async () => {
		const explain = await post("/v1/data/authz/allow?explain=full", "{}");
		expect(explain.status).toBe(400);
		expect((await jsonOf(explain)).message).toMatch(/explain=full is not supported/);
		// explain=off is no trace at all, as in OPA.
		expect((await post("/v1/data/authz/allow?explain=off", "{}")).status).toBe(200);
		const strict = await post("/v1/data/authz/allow?strict-builtin-errors", "{}");
		expect(strict.status).toBe(400);
		const q = await post("/v1/query?explain=full", '{"query":"x := 1"}');
		expect(q.status).toBe(400);
		expect((await jsonOf(q)).message).toMatch(/explain=full is not supported/);
	});

	it("answers 405 with Allow for other methods, and writes as to bundle-owned data", async () => {
		for (const [method, path, allow] of [
			["OPTIONS", "/v1/data", "GET, POST, PUT, PATCH, DELETE"],
			["HEAD", "/v1/data/authz", "GET, POST"],
			["PUT", "/health", "GET, HEAD"],
			["POST", "/health/live", "GET, HEAD"],
			["GET", "/v1/batch/data/authz/allow", "POST"],
			["PATCH", "/v1/query", "GET, POST"],
		]) {
			const res = await fetch(`${t.url}${path}`, { method });
			expect([method, path, res.status]).toEqual([method, path, 405]);
			expect(res.headers.get("allow")).toBe(allow);
		}
		const put = await fetch(`${t.url}/v1/data/x`, { method: "PUT", body: "1" });
		expect(put.status).toBe(400);
		expect(await jsonOf(put)).toEqual({
			code: "invalid_parameter",
			message: 'all paths owned by bundle "gavel"',
		});
	});

	it("has OPA's custom health checks under /health/<name>", async () => {
		expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
		const down = await fetch(`${t.url}/health/down`);
		expect(down.status).toBe(500);
		expect(await jsonOf(down)).toEqual({
			error: "health check (data.system.health.down) returned unexpected value",
		});
		const none = await fetch(`${t.url}/health/ready`);
		expect(await jsonOf(none)).toEqual({
			error: "health check (data.system.health.ready) was undefined",
		});
	});

	it("counts /health/<name> and /v1/query under one route label each, not as unmatched", async () => {
		await fetch(`${t.url}/health/live`);
		await fetch(`${t.url}/health/whatever-name`);
		await post("/v1/query", "{}");
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(
			m.get('gavel_http_requests_total{route="/health/*",method="GET",status="200"}'),
		).toBeGreaterThan(0);
		expect(
			m.get('gavel_http_requests_total{route="/health/*",method="GET",status="500"}'),
		).toBeGreaterThan(0);
		expect(
			m.get('gavel_http_requests_total{route="/v1/query",method="POST",status="400"}'),
		).toBeGreaterThan(0);
	});

	it("reads a dotted segment as one key, never as a rule path; leaves data.system out of data", async () => {
		expect(await jsonOf(await fetch(`${t.url}/v1/data/dotted.key`))).toMatchObject({
			result: { v: 1 },
		});
		const dotted = await jsonOf(await fetch(`${t.url}/v1/data/authz.allow`));
		expect(dotted).not.toHaveProperty("result");
		const root = await jsonOf(await fetch(`${t.url}/v1/data`));
		expect(root.result).toHaveProperty("authz");
		expect(root.result).not.toHaveProperty("system");
	});

	it("reports timers with ?metrics and the version and bundle with ?provenance", async () => {
		const res = await post("/v1/data/authz/allow?metrics&provenance", '{"input":{}}');
		const body = await jsonOf(res);
		expect(Object.keys(body)).toEqual(["decision_id", "metrics", "provenance", "result"]);
		expect(Object.keys(body.metrics)).toEqual([
			"timer_rego_input_parse_ns",
			"timer_rego_query_eval_ns",
			"timer_server_handler_ns",
		]);
		expect(body.provenance.bundles).toEqual({ gavel: { revision: "r-1" } });
		expect(typeof body.provenance.version).toBe("string");
	});

	it("answers POST / (the default decision) as OPA: any JSON body, any type, gzip, bare value", async () => {
		const alice = await post("/", '{"user":"alice"}', { "content-type": "text/plain" });
		expect(await alice.text()).toBe("true\n");
		expect(await (await post("/", "[1]")).text()).toBe("false\n");
		expect(await (await post("/", "")).text()).toBe("false\n");
		const gz = await post("/", gzipSync('{"role":"admin"}'), { "content-encoding": "gzip" });
		expect(await gz.text()).toBe("true\n");
		const bad = await post("/", "{");
		expect(bad.status).toBe(400);
		expect((await jsonOf(bad)).message).toMatch(
			/^unexpected parse error for input: body contains malformed input document: /,
		);
	});

	it("gives random decision ids", async () => {
		const ids = new Set<string>();
		for (let i = 0; i < 5; i++)
			ids.add((await jsonOf(await post("/v1/data/authz/allow", "{}"))).decision_id);
		expect(ids.size).toBe(5);
		const [a, b] = [...ids];
		// Not a shared prefix and a counter: the ids have no common leading 24 characters.
		expect(a.slice(0, 24)).not.toBe(b.slice(0, 24));
	});
});

describe("batch (Enterprise OPA's /v1/batch/data)", () => {
	it("answers OPA's TypeScript client's evaluateBatch without its fallback", async () => {
		const opa = new OPAClient(t.url);
		const out = await opa.evaluateBatch("authz/allow", {
			a: { user: "alice" },
			b: { user: "bob" },
		});
		expect(out).toEqual({ a: true, b: false });
	});

	it("merges common_input under each input and answers 207 with per-response statuses on a failure", async () => {
		const ok = await post(
			"/v1/batch/data/authz/allow",
			JSON.stringify({ inputs: { x: {}, y: { role: "user" } }, common_input: { role: "admin" } }),
		);
		expect(ok.status).toBe(200);
		const okBody = await jsonOf(ok);
		expect(okBody.batch_decision_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(okBody.responses.x.result).toBe(true);
		expect(okBody.responses.y.result).toBe(false);

		const mixed = await post(
			"/v1/batch/data/authz/conflict",
			JSON.stringify({ inputs: { bad: { a: true, b: true }, good: { a: true } } }),
		);
		expect(mixed.status).toBe(207);
		const body = await jsonOf(mixed);
		expect(body.responses.good).toMatchObject({ http_status_code: "200", result: 1 });
		expect(body.responses.bad).toMatchObject({
			http_status_code: "500",
			code: "internal_error",
			errors: [{ code: "eval_conflict_error" }],
		});
	});

	it("deep-merges inputs without letting a __proto__ key reach a prototype", () => {
		expect(mergeInputs({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 } })).toEqual({
			a: { b: 3, c: 2 },
			d: 1,
		});
		const merged = mergeInputs({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
			string,
			unknown
		>;
		expect(Object.hasOwn(merged, "__proto__")).toBe(true);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
	});
});

describe("Data API without a decision log", () => {
	let quiet: TestServer;
	beforeAll(async () => {
		const file = writeBundleFile({
			sources: { "authz.rego": AUTHZ },
			entrypoints: ["authz/allow", "authz/conflict"],
			revision: "r-quiet",
		});
		quiet = await startTestServer({
			bundle: { path: file },
			policy: { default: "authz/allow" },
			decisionLog: { enabled: false },
		});
	});
	afterAll(async () => {
		await quiet.close();
	});
	const ask = (path: string, body: string) =>
		fetch(`${quiet.url}${path}`, { method: "POST", body });

	// As OPA's server: a decision_id names a decision-log event, and none is written.
	it("answers without a decision_id, on the Node listener and through the app", async () => {
		for (const path of ["/v1/data/authz/allow", "/v1/data/authz/allow?pretty=false"]) {
			const res = await ask(path, '{"input":{"user":"alice"}}');
			expect(res.status).toBe(200);
			expect(await res.text()).toBe('{"result":true}\n');
		}
		const failed = await jsonOf(await ask("/v1/data/authz/conflict", '{"input":{"a":1,"b":1}}'));
		expect(failed.code).toBe("internal_error");
		expect(failed).not.toHaveProperty("decision_id");
		const batch = await jsonOf(
			await ask("/v1/batch/data/authz/allow", JSON.stringify({ inputs: { x: { user: "alice" } } })),
		);
		expect(batch.responses.x).toEqual({ result: true });
		expect(batch.batch_decision_id).toMatch(/^[0-9a-f-]{36}$/);
	});
});
