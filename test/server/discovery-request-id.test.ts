// AuthZEN discovery announces a base URL from configuration (authzen.baseUrl, else the
// address the server listens on), never one built from the request's Host header; and
// X-Request-ID is echoed on every response, discovery and 404s included.

import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

/** A raw GET with exactly these headers (fetch would not send a forged Host). */
function get(
	url: string,
	path: string,
	headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(`${url}${path}`, { method: "GET", headers }, (res) => {
			let body = "";
			res.setEncoding("utf8");
			res.on("data", (d) => {
				body += d;
			});
			res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
		});
		req.on("error", reject);
		req.end();
	});
}

let t: TestServer;
beforeAll(async () => {
	t = await startTestServer();
});
afterAll(async () => {
	await t.close();
});

describe("AuthZEN discovery base URL", () => {
	it("ignores a forged Host: the listen address stands in when authzen.baseUrl is unset", async () => {
		const res = await get(t.url, "/.well-known/authzen-configuration", {
			host: "evil.example",
			"x-forwarded-host": "evil.example",
		});
		expect(res.status).toBe(200);
		const meta = JSON.parse(res.body) as Record<string, string>;
		expect(meta.policy_decision_point).toBe(t.url);
		expect(meta.access_evaluation_endpoint).toBe(`${t.url}/access/v1/evaluation`);
		expect(res.body).not.toContain("evil");
	});

	it("uses authzen.baseUrl when configured", async () => {
		const s = await startTestServer({ authzen: { baseUrl: "https://pdp.example.com/" } });
		try {
			const res = await get(s.url, "/.well-known/authzen-configuration", { host: "evil.example" });
			expect(JSON.parse(res.body)).toEqual({
				policy_decision_point: "https://pdp.example.com",
				access_evaluation_endpoint: "https://pdp.example.com/access/v1/evaluation",
				access_evaluations_endpoint: "https://pdp.example.com/access/v1/evaluations",
			});
		} finally {
			await s.close();
		}
	});
});

describe("X-Request-ID", () => {
	it("is echoed on discovery, 404s, health, metrics and refusals alike", async () => {
		const id = { "x-request-id": "req-7f3a" };
		for (const path of [
			"/.well-known/authzen-configuration",
			"/no/such/route",
			"/health",
			"/ready",
			"/metrics",
			"/openapi.json",
			"/v1/authz/x",
		]) {
			const res = await get(t.url, path, id);
			expect(res.headers["x-request-id"], path).toBe("req-7f3a");
		}
		const posted = await t.post("/v1/decide", {}, id);
		expect(posted.status).toBe(401);
		expect(posted.headers.get("x-request-id")).toBe("req-7f3a");
		const az = await t.post("/access/v1/evaluation", "{", id);
		expect(az.status).toBe(400);
		expect(az.headers.get("x-request-id")).toBe("req-7f3a");
		// Echoed once, not twice, on the AuthZEN routes that set it themselves.
		expect(az.headers.get("x-request-id")).not.toContain(",");
	});
});
