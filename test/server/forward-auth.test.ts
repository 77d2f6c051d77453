// /v1/authz, the forward-auth endpoint gateways call: the original request recovered from
// nginx, Traefik and Envoy conventions (only from trusted proxies), 200 with identity
// headers, 401 with a challenge, 403 on deny.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";

const GATEWAY = `package gateway

import rego.v1

default decision := {"allow": false, "reasons": ["no rule allows this"]}

decision := {"allow": true, "obligations": {"headers": {"x-tenant": "acme", "Content-Type": "text/html"}}} if {
	input.request.method == "GET"
	input.request.path == "/orders"
}

decision := {"allow": true} if "admin" in input.subject.roles
`;

let bundleFile: string;
let t: TestServer;
beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), "gavel-fa-"));
	bundleFile = join(dir, "gw.tar.gz");
	writeFileSync(
		bundleFile,
		buildBundle({
			sources: { "gw.rego": GATEWAY },
			entrypoints: ["gateway/decision"],
			revision: "gw-1",
		}),
	);
	t = await startTestServer({
		bundle: { path: bundleFile },
		forwardAuth: { policy: "gateway/decision" },
	});
});
afterAll(async () => {
	await t.close();
});

async function authz(path: string, headers: Record<string, string>, method = "GET") {
	const res = await fetch(`${t.url}${path}`, { method, headers });
	return {
		status: res.status,
		headers: res.headers,
		body: (await res.json()) as Record<string, unknown>,
	};
}

describe("forward-auth", () => {
	it("nginx auth_request: X-Original-URI / X-Original-Method; identity and policy headers on allow", async () => {
		const token = await sign(t.rsa, { sub: "alice", roles: ["clerk", "viewer"] });
		const r = await authz("/v1/authz", {
			authorization: `Bearer ${token}`,
			"x-original-uri": "/orders?page=2",
			"x-original-method": "GET",
		});
		expect(r.status).toBe(200);
		expect(r.headers.get("x-auth-subject")).toBe("alice");
		expect(r.headers.get("x-auth-roles")).toBe("clerk,viewer");
		expect(r.headers.get("x-tenant")).toBe("acme");
		// A policy's header cannot replace the answer's own content type: not in the app's
		// answer (a token's first use), nor in the Node listener's (the token now verified).
		expect(r.headers.get("content-type")).toBe("application/json");
		const again = await authz("/v1/authz", {
			authorization: `Bearer ${token}`,
			"x-original-uri": "/orders?page=2",
			"x-original-method": "GET",
		});
		expect(again.headers.get("x-tenant")).toBe("acme");
		expect(again.headers.get("content-type")).toBe("application/json");
		const logged = t.logs.at(-1) as { input: { request: Record<string, unknown>; action: string } };
		expect(logged.input.request).toMatchObject({ method: "GET", path: "/orders", query: "page=2" });
		expect(logged.input.action).toBe("GET");
	});

	it("Traefik ForwardAuth: X-Forwarded-Method / -Uri / -Host; 403 on deny", async () => {
		const token = await sign(t.rsa, { sub: "alice" });
		const r = await authz("/v1/authz", {
			authorization: `Bearer ${token}`,
			"x-forwarded-method": "DELETE",
			"x-forwarded-uri": "/orders",
			"x-forwarded-host": "shop.example",
			"x-forwarded-proto": "https",
		});
		expect(r.status).toBe(403);
		expect(r.body).toMatchObject({ allow: false, reasons: ["no rule allows this"] });
		expect((t.logs.at(-1) as { input: { request: { host: string } } }).input.request.host).toBe(
			"shop.example",
		);
	});

	it("Envoy ext_authz (HTTP): the original path after the prefix, any method", async () => {
		const token = await sign(t.rsa, { sub: "alice" });
		expect((await authz("/v1/authz/orders", { authorization: `Bearer ${token}` })).status).toBe(
			200,
		);
		expect(
			(await authz("/v1/authz/orders", { authorization: `Bearer ${token}` }, "POST")).status,
		).toBe(403);
		const admin = await sign(t.ec, { sub: "root", roles: ["admin"] });
		expect(
			(await authz("/v1/authz/anything", { authorization: `Bearer ${admin}` }, "PUT")).status,
		).toBe(200);
	});

	it("401 with WWW-Authenticate for a missing or invalid token", async () => {
		const none = await authz("/v1/authz", {
			"x-original-uri": "/orders",
			"x-original-method": "GET",
		});
		expect(none.status).toBe(401);
		expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
		const bad = await authz("/v1/authz", { authorization: "Bearer a.b.c" });
		expect(bad.status).toBe(401);
		expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
	});

	it("ignores forwarded headers from a peer that is not a trusted proxy", async () => {
		const s = await startTestServer({
			bundle: { path: bundleFile },
			forwardAuth: { policy: "gateway/decision", trustedProxies: ["10.9.9.9"] },
		});
		try {
			const token = await sign(s.rsa, { sub: "alice" });
			// Claims to be about GET /orders, but the headers are not believed: the request is POST /v1/authz.
			const res = await fetch(`${s.url}/v1/authz`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${token}`,
					"x-original-uri": "/orders",
					"x-original-method": "GET",
				},
			});
			expect(res.status).toBe(403);
			expect((s.logs.at(-1) as { input: { request: { path: string } } }).input.request.path).toBe(
				"/",
			);
		} finally {
			await s.close();
		}
	});

	it("claims that cannot be written as header values are percent-encoded, never a 500 or an injected header", async () => {
		const token = await sign(t.rsa, {
			sub: "alice\r\nx-admin: true",
			roles: ["admin", "日本", "user,root"],
		});
		const r = await authz("/v1/authz", { authorization: `Bearer ${token}` });
		expect(r.status).toBe(200);
		expect(r.headers.get("x-auth-subject")).toBe("alice%0D%0Ax-admin: true");
		expect(r.headers.get("x-admin")).toBeNull();
		expect(r.headers.get("x-auth-roles")).toBe("admin,%E6%97%A5%E6%9C%AC,user%2Croot");
		for (const sub of ["a\u0000b", "日本"]) {
			const res = await authz("/v1/authz", {
				authorization: `Bearer ${await sign(t.rsa, { sub, roles: ["admin"] })}`,
			});
			expect(res.status).toBe(200);
			expect(decodeURIComponent(res.headers.get("x-auth-subject") ?? "")).toBe(sub);
		}
	});
});
