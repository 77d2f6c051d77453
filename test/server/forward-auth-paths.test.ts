// Forward-auth evaluates the path the upstream will serve, not the spelling the client sent:
// with the routes/allow example policy a manager of tenant acme must not reach another
// tenant's invoices (or /admin) through dot segments, encoded dots or doubled slashes; an
// encoded "/" or "\" is refused outright (upstreams disagree on what it means).

import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPolicies, writeBundleFile } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";

let file: string;
let t: TestServer;
let manager: string;
beforeAll(async () => {
	const { sources, data } = repoPolicies("policies", ["routes"]);
	file = writeBundleFile({ sources, data, entrypoints: ["routes/allow"], revision: "paths-1" });
	t = await startTestServer({ bundle: { path: file }, forwardAuth: { policy: "routes/allow" } });
	manager = await sign(t.rsa, { sub: "mia", roles: ["manager"], tenant: "acme" });
});
afterAll(async () => {
	await t.close();
});

/** A raw HTTP request: fetch would resolve dot segments in the URL before sending it. */
function raw(
	url: string,
	path: string,
	headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(`${url}/`, { method: "GET", path, headers }, (res) => {
			let body = "";
			res.setEncoding("utf8");
			res.on("data", (d) => {
				body += d;
			});
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
		});
		req.on("error", reject);
		req.end();
	});
}

const nginx = (uri: string, server = t) =>
	raw(server.url, "/v1/authz", {
		authorization: `Bearer ${manager}`,
		"x-original-uri": uri,
		"x-original-method": "GET",
	});

describe("forward-auth path normalisation (routes/allow)", () => {
	it("the manager's own tenant is allowed (control)", async () => {
		expect((await nginx("/tenants/acme/invoices/1")).status).toBe(200);
		expect((await nginx("/tenants/globex/invoices/1")).status).toBe(403);
	});

	it("dot segments, encoded dots and doubled slashes resolve before the policy sees the path", async () => {
		for (const uri of [
			"/tenants/acme/invoices/../../globex/invoices/1",
			"/tenants/acme/invoices/%2e%2e/%2E%2E/globex/invoices/1",
			"/tenants/acme/invoices/.%2e/.%2E/globex/invoices/1",
			"/tenants/acme/invoices/../../../admin/users",
			"/../../../admin/users",
			"/tenants/acme/invoices/./../..//..//admin/users?x=1",
		]) {
			const r = await nginx(uri);
			expect(r.status, uri).toBe(403);
		}
		const logged = t.logs.at(-1) as { input: { request: Record<string, unknown> } };
		expect(logged.input.request).toMatchObject({
			path: "/admin/users",
			raw_path: "/tenants/acme/invoices/./../..//..//admin/users",
			query: "x=1",
		});
		// Resolved inside the tenant, the answer stays an allow.
		expect((await nginx("/tenants/acme/invoices/x/../1")).status).toBe(200);
		expect((await nginx("/tenants//acme/invoices/%31")).status).toBe(200);
	});

	it("an encoded / or \\ in a segment is a 400 JSON error by default, in any case", async () => {
		for (const uri of [
			"/tenants/acme/invoices/..%2f..%2fglobex/invoices/1",
			"/tenants/acme/invoices/..%2F..%2Fglobex/invoices/1",
			"/tenants/acme/invoices/..%5c..%5Cglobex/invoices/1",
		]) {
			const r = await nginx(uri);
			expect(r.status, uri).toBe(400);
			expect(r.body.code).toBe("invalid_path");
			expect(String(r.body.message)).toContain("input.escapedSlashesAction");
		}
		const malformed = await nginx("/tenants/acme/invoices/%zz");
		expect(malformed.status).toBe(400);
		expect(malformed.body).toMatchObject({ code: "invalid_path" });
	});

	it("Envoy mode (the path after /v1/authz) is normalised the same way", async () => {
		const envoy = (path: string) => raw(t.url, path, { authorization: `Bearer ${manager}` });
		expect((await envoy("/v1/authz/tenants/acme/invoices/1")).status).toBe(200);
		expect(
			(await envoy("/v1/authz/tenants/acme/invoices/%2e%2e/%2e%2e/globex/invoices/1")).status,
		).toBe(403);
		expect(
			(await envoy("/v1/authz/tenants/acme/invoices/..%2f..%2fglobex/invoices/1")).status,
		).toBe(400);
	});

	it("escapedSlashesAction unescape decodes %2F to / before dot-segment removal", async () => {
		const s = await startTestServer({
			bundle: { path: file },
			forwardAuth: { policy: "routes/allow" },
			input: { escapedSlashesAction: "unescape" },
		});
		try {
			const token = await sign(s.rsa, { sub: "mia", roles: ["manager"], tenant: "acme" });
			const r = await raw(s.url, "/v1/authz", {
				authorization: `Bearer ${token}`,
				"x-original-uri": "/tenants/acme/invoices/..%2f..%2fglobex/invoices/1",
			});
			expect(r.status).toBe(403);
			expect((s.logs.at(-1) as { input: { request: { path: string } } }).input.request.path).toBe(
				"/tenants/globex/invoices/1",
			);
		} finally {
			await s.close();
		}
	});
});
