// Routes and their error contracts on the real server, before any bundle is active: every
// decision fails closed, and malformed requests get JSON errors with the right status.

import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
let token: string;
beforeAll(async () => {
	t = await startTestServer({ server: { bodyLimitBytes: 2048, maxJsonDepth: 8 } });
	token = await sign(t.rsa);
});
afterAll(async () => {
	await t.close();
});

describe("without an active bundle", () => {
	it("health and ready say 503; metrics render", async () => {
		expect((await fetch(`${t.url}/health`)).status).toBe(503);
		expect((await fetch(`${t.url}/ready`)).status).toBe(503);
		const res = await fetch(`${t.url}/metrics`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/plain");
	});

	it("/v1/decide fails closed with allow:false, counted and logged", async () => {
		const before = t.logs.length;
		const res = await t.post(
			"/v1/decide",
			{ action: "read", resource: { id: "r1" } },
			{ authorization: `Bearer ${token}` },
		);
		expect(res.status).toBe(503);
		const body = (await res.json()) as { decision_id: string; error: { code: string } };
		expect(body).toMatchObject({
			allow: false,
			policy: "example/allow",
			revision: null,
			cached: false,
		});
		expect(body.error.code).toBe("no_bundle");
		expect(t.logs.length).toBe(before + 1);
		expect(t.logs.at(-1)).toMatchObject({ decision_id: body.decision_id, path: "example/allow" });
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(
			m.get('gavel_decisions_total{policy="example/allow",outcome="error"}'),
		).toBeGreaterThanOrEqual(1);
		expect(
			m.get('gavel_http_requests_total{route="/v1/decide",method="POST",status="503"}'),
		).toBeGreaterThanOrEqual(1);
	});

	it("the Data API and AuthZEN answer 503 with a JSON error", async () => {
		const data = await t.post("/v1/data/example/allow", { input: {} });
		expect(data.status).toBe(503);
		expect(await data.json()).toMatchObject({ code: "no_bundle" });
		const az = await t.post("/access/v1/evaluation", {
			subject: { type: "user", id: "alice" },
			action: { name: "read" },
			resource: { type: "record", id: "record-1" },
		});
		expect(az.status).toBe(503);
	});
});

describe("request limits and errors (JSON bodies)", () => {
	const auth = () => ({ authorization: `Bearer ${token}` });
	it("413 over the body limit, 415 for a non-JSON type, 400 for malformed or too deep JSON", async () => {
		const big = await t.post("/v1/decide", { context: { pad: "x".repeat(4000) } }, auth());
		expect(big.status).toBe(413);
		expect(await big.json()).toMatchObject({ code: "request_too_large" });
		const text = await fetch(`${t.url}/v1/decide`, {
			method: "POST",
			headers: { ...auth(), "content-type": "text/plain" },
			body: "{}",
		});
		expect(text.status).toBe(415);
		const bad = await t.post("/v1/decide", "{not json", auth());
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ code: "invalid_parameter" });
		let deep: unknown = 1;
		for (let i = 0; i < 20; i++) deep = [deep];
		const tooDeep = await t.post("/v1/decide", { context: deep }, auth());
		expect(tooDeep.status).toBe(400);
		expect(((await tooDeep.json()) as { message: string }).message).toMatch(/deeper than 8/);
	});

	it("413 for a chunked body (no Content-Length) over the limit; a small one is read", async () => {
		const { request } = await import("node:http");
		const send = (chunks: string[]) =>
			new Promise<number>((resolve, reject) => {
				const req = request(`${t.url}/v1/decide`, {
					method: "POST",
					headers: {
						...auth(),
						"content-type": "application/json",
						"transfer-encoding": "chunked",
					},
				});
				req.on("response", (res) => {
					res.resume();
					resolve(res.statusCode ?? 0);
				});
				req.on("error", reject);
				for (const c of chunks) req.write(c);
				req.end();
			});
		expect(await send(['{"action":', '"read"}'])).toBe(503); // read and decided: no bundle
		const status = await new Promise<number>((resolve, reject) => {
			const req = request(`${t.url}/v1/decide`, {
				method: "POST",
				headers: { ...auth(), "content-type": "application/json", "transfer-encoding": "chunked" },
			});
			req.on("response", (res) => {
				res.resume();
				resolve(res.statusCode ?? 0);
			});
			req.on("error", reject);
			req.write('{"context":{"pad":"');
			for (let i = 0; i < 10; i++) req.write("x".repeat(1000));
			req.end('"}}');
		});
		expect(status).toBe(413);
	});

	it("requests Node's parser refuses get JSON errors too (431, 400), counted", async () => {
		const raw = (text: string) =>
			new Promise<string>((resolve, reject) => {
				const socket = connect(t.running.port, "127.0.0.1");
				let out = "";
				socket.on("data", (d) => {
					out += d;
				});
				socket.on("close", () => resolve(out));
				socket.on("error", reject);
				socket.write(text);
			});
		const huge = await raw(
			`GET /health HTTP/1.1\r\nHost: x\r\nX-Long: ${"a".repeat(70_000)}\r\n\r\n`,
		);
		expect(huge).toMatch(/^HTTP\/1\.1 431 /);
		expect(huge).toMatch(/content-type: application\/json/i);
		expect(JSON.parse(huge.slice(huge.indexOf("\r\n\r\n") + 4))).toMatchObject({
			code: "headers_too_large",
		});
		const bad = await raw(
			"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
		);
		expect(bad).toMatch(/^HTTP\/1\.1 400 /);
		expect(JSON.parse(bad.slice(bad.indexOf("\r\n\r\n") + 4))).toMatchObject({
			code: "bad_request",
		});
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		const refused = [...m].filter(([k]) => k.includes('route="unparsed"'));
		expect(refused.map(([k]) => /status="(\d+)"/.exec(k)?.[1]).sort()).toEqual(["400", "431"]);
	});

	it("unknown routes are JSON 404s", async () => {
		const res = await fetch(`${t.url}/v2/nothing`);
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: "not_found" });
	});
});

describe("AuthZEN request validation (certification §C.2.4, C.2.5, C.6)", () => {
	const valid = {
		subject: { type: "user", id: "alice" },
		action: { name: "read" },
		resource: { type: "record", id: "record-1" },
	};
	const invalid: [string, unknown][] = [
		["missing subject", { action: valid.action, resource: valid.resource }],
		["missing action", { subject: valid.subject, resource: valid.resource }],
		["missing resource", { subject: valid.subject, action: valid.action }],
		["subject without type", { ...valid, subject: { id: "alice" } }],
		["subject without id", { ...valid, subject: { type: "user" } }],
		["action without name", { ...valid, action: {} }],
		["resource without type", { ...valid, resource: { id: "record-1" } }],
		["resource without id", { ...valid, resource: { type: "record" } }],
		["subject as a string", { ...valid, subject: "alice" }],
		["action.name as a number", { ...valid, action: { name: 123 } }],
	];
	for (const [name, body] of invalid) {
		it(`400 for ${name}`, async () => {
			const res = await t.post("/access/v1/evaluation", body);
			expect(res.status).toBe(400);
		});
	}

	it("400 for an empty body, malformed JSON and a non-JSON content type", async () => {
		expect((await t.post("/access/v1/evaluation", "")).status).toBe(400);
		expect((await t.post("/access/v1/evaluation", "{")).status).toBe(400);
		const res = await fetch(`${t.url}/access/v1/evaluation`, {
			method: "POST",
			headers: { "content-type": "text/plain" },
			body: JSON.stringify(valid),
		});
		expect(res.status).toBe(400);
	});

	it("echoes X-Request-ID", async () => {
		const res = await t.post("/access/v1/evaluation", {}, { "x-request-id": "req-42" });
		expect(res.headers.get("x-request-id")).toBe("req-42");
	});

	it("serves discovery metadata with the PDP base URL", async () => {
		const res = await fetch(`${t.url}/.well-known/authzen-configuration`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("application/json");
		expect(await res.json()).toEqual({
			policy_decision_point: t.url,
			access_evaluation_endpoint: `${t.url}/access/v1/evaluation`,
			access_evaluations_endpoint: `${t.url}/access/v1/evaluations`,
		});
	});
});

describe("caller authentication on AuthZEN and the Data API", () => {
	it("api-key mode refuses callers without a configured key", async () => {
		const s = await startTestServer({ callerAuth: { mode: "api-key", apiKeys: ["k-123"] } });
		try {
			const none = await s.post("/v1/data/example/allow", { input: {} });
			expect(none.status).toBe(401);
			const wrong = await s.post(
				"/v1/data/example/allow",
				{ input: {} },
				{ authorization: "Bearer nope" },
			);
			expect(wrong.status).toBe(401);
			const right = await s.post(
				"/v1/data/example/allow",
				{ input: {} },
				{ authorization: "Bearer k-123" },
			);
			expect(right.status).toBe(503); // authenticated; fails closed for lack of a bundle
			const az = await s.post("/access/v1/evaluation", {});
			expect(az.status).toBe(401);
		} finally {
			await s.close();
		}
	});

	it("jwt mode requires the caller's own verified token", async () => {
		const s = await startTestServer({ callerAuth: { mode: "jwt" } });
		try {
			const none = await s.post("/access/v1/evaluation", {});
			expect(none.status).toBe(401);
			const bad = await s.post("/v1/data/x", { input: {} }, { authorization: "Bearer not.a.jwt" });
			expect(bad.status).toBe(401);
			expect(((await bad.json()) as { reason: string }).reason).toBe("malformed");
			const token = await sign(s.rsa, { sub: "pep-1" });
			const ok = await s.post("/v1/data/x", { input: {} }, { authorization: `Bearer ${token}` });
			expect(ok.status).toBe(503); // authenticated; fails closed for lack of a bundle
		} finally {
			await s.close();
		}
	});
});
