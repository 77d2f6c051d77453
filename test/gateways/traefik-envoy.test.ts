// Traefik ForwardAuth and Envoy ext_authz (HTTP) have no Debian package and cannot run here,
// so this test does the next best thing: it reads the exact configuration files
// docs/gateways.md shows, sends a real Gavel the request each gateway builds from them (by
// the gateways' documented conventions), and checks what the gateway would then do with the
// answer (which headers reach the app or the client).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { writeBundleFile } from "../server/build-bundle.ts";
import { sign, startTestServer, type TestServer } from "../server/helpers.ts";
import { GATEWAY_POLICY } from "./gateway-policy.ts";

interface TraefikConfig {
	http: {
		middlewares: {
			gavel: { forwardAuth: { address: string; authResponseHeaders: string[] } };
		};
	};
}

const traefik = parse(
	readFileSync(join(import.meta.dirname, "traefik-dynamic.yml"), "utf8"),
) as TraefikConfig;
const envoyText = readFileSync(join(import.meta.dirname, "envoy.yaml"), "utf8");

/** The ext_authz http_service block, wherever it sits in the listener. */
function findKey(node: unknown, key: string): unknown {
	if (node === null || typeof node !== "object") return undefined;
	if (key in node) return (node as Record<string, unknown>)[key];
	for (const v of Object.values(node)) {
		const found = findKey(v, key);
		if (found !== undefined) return found;
	}
	return undefined;
}
const envoyHttp = findKey(parse(envoyText), "http_service") as {
	path_prefix: string;
	authorization_request: { allowed_headers: { patterns: { exact: string }[] } };
	authorization_response: {
		allowed_upstream_headers: { patterns: { exact: string }[] };
		allowed_client_headers: { patterns: { exact: string }[] };
	};
};

let gavel: TestServer;

beforeAll(async () => {
	const bundleFile = writeBundleFile({
		sources: { "gateway.rego": GATEWAY_POLICY },
		entrypoints: ["gateway/decision"],
		revision: "gw-2",
	});
	gavel = await startTestServer({
		bundle: { path: bundleFile, watch: false },
		policy: { default: "gateway/decision" },
		decisionLog: { enabled: false },
	});
}, 120_000);

afterAll(async () => {
	await gavel?.close();
});

/** The configured Gavel address, pointed at this test's server. */
const atGavel = (configured: string) =>
	configured.replace("127.0.0.1:8181", new URL(gavel.url).host);

describe("Traefik ForwardAuth, as docs/gateways.md configures it", () => {
	const fa = traefik.http.middlewares.gavel.forwardAuth;
	// Traefik asks with GET, the client's headers, and the original request in X-Forwarded-*.
	const ask = (token: string | undefined, method: string, uri: string) =>
		fetch(atGavel(fa.address), {
			headers: {
				...(token ? { authorization: `Bearer ${token}` } : {}),
				"x-forwarded-method": method,
				"x-forwarded-proto": "https",
				"x-forwarded-host": "shop.example.test",
				"x-forwarded-uri": uri,
				"x-forwarded-for": "203.0.113.9",
			},
		});

	it("allows with every authResponseHeaders header for the app", async () => {
		const token = await sign(gavel.ec, { sub: "alice", roles: ["viewer"], tenant: "acme" });
		const res = await ask(token, "GET", "/public/price-list?currency=EUR");
		expect(res.status).toBe(200);
		const forApp = Object.fromEntries(fa.authResponseHeaders.map((h) => [h, res.headers.get(h)]));
		expect(forApp).toEqual({
			"X-Auth-Subject": "alice",
			"X-Auth-Roles": "viewer",
			"X-Auth-Tenant": "acme",
		});
	});

	it("denies on the forwarded method and URI, and challenges without a token", async () => {
		const token = await sign(gavel.ec, { sub: "alice", roles: ["viewer"] });
		expect((await ask(token, "POST", "/public/price-list")).status).toBe(403);
		expect((await ask(token, "GET", "/admin")).status).toBe(403);
		const none = await ask(undefined, "GET", "/public/price-list");
		expect(none.status).toBe(401);
		expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
	});
});

describe("Envoy ext_authz (HTTP service), as docs/gateways.md configures it", () => {
	const prefix = envoyHttp.path_prefix;
	const upstream = envoyHttp.authorization_response.allowed_upstream_headers.patterns.map(
		(p) => p.exact,
	);
	const client = envoyHttp.authorization_response.allowed_client_headers.patterns.map(
		(p) => p.exact,
	);
	// Envoy asks with the original method, path_prefix + the original path, the Host and
	// Authorization headers and the allowed ones, and no body.
	const ask = (token: string | undefined, method: string, path: string) =>
		fetch(`${gavel.url}${prefix}${path}`, {
			method,
			headers: {
				...(token ? { authorization: `Bearer ${token}` } : {}),
				host: "shop.example.test",
				"x-request-id": "req-1",
			},
		});

	it("allows with the allowed_upstream_headers for the app", async () => {
		const token = await sign(gavel.rsa, { sub: "root", roles: ["admin"], tenant: "acme" });
		const res = await ask(token, "DELETE", "/orders/9");
		expect(res.status).toBe(200);
		expect(Object.fromEntries(upstream.map((h) => [h, res.headers.get(h)]))).toEqual({
			"x-auth-subject": "root",
			"x-auth-roles": "admin",
			"x-auth-tenant": "acme",
		});
	});

	it("denies with 403, and a 401's challenge is among allowed_client_headers", async () => {
		const token = await sign(gavel.ec, { sub: "bob", roles: ["viewer"] });
		expect((await ask(token, "DELETE", "/orders/9")).status).toBe(403);
		expect((await ask(token, "GET", "/public/x")).status).toBe(200);
		const none = await ask(undefined, "GET", "/public/x");
		expect(none.status).toBe(401);
		expect(client).toContain("www-authenticate");
		expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
	});
});
