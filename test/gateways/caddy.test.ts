// Caddy (Debian's, the real binary) in front of a small app, with forward_auth to a real
// Gavel server: the exact Caddyfile docs/gateways.md shows (Caddyfile.template).

import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleFile } from "../server/build-bundle.ts";
import { sign, startTestServer, type TestServer } from "../server/helpers.ts";
import { findCaddy, type RunningCaddy, startCaddy } from "./caddy.ts";
import { GATEWAY_POLICY } from "./gateway-policy.ts";
import { startUpstream, type Upstream } from "./upstream.ts";

const caddyBinary = findCaddy();
const inCi = Boolean(process.env.CI);

if (!caddyBinary && !inCi) {
	console.warn(
		"test/gateways/caddy.test.ts: skipped, caddy is not installed (apt-get install caddy; .ci/run does)",
	);
}

describe.runIf(!caddyBinary && inCi)("Caddy in CI", () => {
	it("is installed (.ci/run installs Debian's caddy)", () => {
		expect.fail("caddy not found and CI is set: the Caddy gateway test must run");
	});
});

describe.skipIf(!caddyBinary)("Caddy forward_auth → Gavel /v1/authz", () => {
	let gavel: TestServer;
	let app: Upstream;
	let caddy: RunningCaddy;

	beforeAll(async () => {
		const bundleFile = writeBundleFile({
			sources: { "gateway.rego": GATEWAY_POLICY },
			entrypoints: ["gateway/decision"],
			revision: "gw-caddy-1",
		});
		gavel = await startTestServer({
			bundle: { path: bundleFile, watch: false },
			policy: { default: "gateway/decision" },
			decisionLog: { enabled: false },
		});
		app = await startUpstream();
		caddy = await startCaddy(caddyBinary as string, {
			gavel: new URL(gavel.url).host,
			app: app.address,
		});
	}, 120_000);

	afterAll(async () => {
		await caddy?.close();
		await app?.close();
		await gavel?.close();
	});

	const through = (path: string, init: RequestInit = {}) => fetch(`${caddy.url}${path}`, init);
	const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

	it("lets an allowed request reach the app with Gavel's identity headers and without the token", async () => {
		const token = await sign(gavel.ec, {
			sub: "alice",
			roles: ["viewer", "auditor"],
			tenant: "acme",
		});
		const before = app.seen.length;
		const res = await through("/public/readme?lang=en", { headers: bearer(token) });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("upstream ok");
		expect(app.seen.length).toBe(before + 1);
		const got = app.seen[app.seen.length - 1];
		expect(got.url).toBe("/public/readme?lang=en");
		expect(got.headers["x-auth-subject"]).toBe("alice");
		expect(got.headers["x-auth-roles"]).toBe("viewer,auditor");
		expect(got.headers["x-auth-tenant"]).toBe("acme");
		expect(got.headers.authorization).toBeUndefined();
	});

	it("decides on the method and URI Caddy forwards (X-Forwarded-Method/-Uri)", async () => {
		const admin = await sign(gavel.rsa, { sub: "root", roles: ["admin"] });
		const ok = await through("/orders/7", { method: "DELETE", headers: bearer(admin) });
		expect(ok.status).toBe(200);
		expect(app.seen[app.seen.length - 1]).toMatchObject({ method: "DELETE", url: "/orders/7" });
		const viewer = await sign(gavel.ec, { sub: "bob", roles: ["viewer"] });
		const before = app.seen.length;
		expect((await through("/orders/7", { headers: bearer(viewer) })).status).toBe(403);
		const wrongMethod = await through("/public/readme", {
			method: "DELETE",
			headers: bearer(viewer),
		});
		expect(wrongMethod.status).toBe(403);
		expect(app.seen.length).toBe(before);
	});

	it("does not let a dot-segment URI escape the public prefix", async () => {
		const viewer = await sign(gavel.ec, { sub: "bob", roles: ["viewer"] });
		const before = app.seen.length;
		// Raw request targets (fetch would resolve the dot segments before sending).
		for (const path of [
			"/public/../orders/7",
			"/public/%2e%2e/orders/7",
			"/public/..%2forders/7",
		]) {
			const status = await rawGet(caddy.url, path, { authorization: `Bearer ${viewer}` });
			expect(status, path).not.toBe(200);
		}
		expect(app.seen.length).toBe(before);
	});

	it("returns Gavel's 401 and challenge when the token is missing or expired", async () => {
		const before = app.seen.length;
		const none = await through("/public/readme");
		expect(none.status).toBe(401);
		expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
		const expired = await sign(gavel.ec, { sub: "alice" }, { expSeconds: -3600 });
		const bad = await through("/public/readme", { headers: bearer(expired) });
		expect(bad.status).toBe(401);
		expect(bad.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
		expect(app.seen.length).toBe(before);
	});

	it("fails closed when Gavel is down", async () => {
		const token = await sign(gavel.ec, { sub: "alice", roles: ["admin"] });
		expect((await through("/public/readme", { headers: bearer(token) })).status).toBe(200);
		await gavel.close();
		const before = app.seen.length;
		const res = await through("/public/readme", { headers: bearer(token) });
		expect(res.status).toBeGreaterThanOrEqual(500);
		expect(app.seen.length).toBe(before);
	});
});

/** GET with the request target sent exactly as given; resolves to the status code. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<number> {
	const { hostname, port } = new URL(base);
	return new Promise((resolve, reject) => {
		const req = request({ hostname, port, path, method: "GET", headers }, (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		});
		req.once("error", reject);
		req.end();
	});
}
