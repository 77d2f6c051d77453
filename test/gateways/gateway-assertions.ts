// What every forward-auth gateway in front of Gavel must do, asserted the same way for each
// real gateway (nginx auth_request, Caddy forward_auth): the configuration docs/gateways.md
// shows, a real Gavel with GATEWAY_POLICY, and a small upstream app that records what reaches it.

import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryRequirement } from "../binaries.ts";
import { writeBundleFile } from "../server/build-bundle.ts";
import { sign, startTestServer, type TestServer } from "../server/helpers.ts";
import { GATEWAY_POLICY } from "./gateway-policy.ts";
import { startUpstream, type Upstream } from "./upstream.ts";

export interface GatewayUnderTest {
	/** "nginx auth_request", "Caddy forward_auth" */
	title: string;
	/** The program (found with findBinary) and how to install it. */
	binary: string;
	installHint: string;
	/** The test file, for the skip message. */
	suite: string;
	start(
		binary: string,
		upstreams: { gavel: string; app: string },
	): Promise<{ url: string; close(): Promise<void> }>;
}

export function describeGateway(g: GatewayUnderTest): void {
	const { binary, missing } = binaryRequirement(g.binary, g.suite, g.installHint);
	describe.runIf(missing === "fail")(`${g.title} in CI`, () => {
		it(`${g.binary} is installed (.ci/run installs it)`, () => {
			expect.fail(`${g.binary} not found and CI is set: the ${g.title} test must run`);
		});
	});

	describe.skipIf(binary === undefined)(`${g.title} → Gavel /v1/authz`, () => {
		let gavel: TestServer;
		let app: Upstream;
		let gateway: { url: string; close(): Promise<void> };

		beforeAll(async () => {
			const bundleFile = writeBundleFile({
				sources: { "gateway.rego": GATEWAY_POLICY },
				entrypoints: ["gateway/decision"],
				revision: `gw-${g.binary}-1`,
			});
			gavel = await startTestServer({
				bundle: { path: bundleFile, watch: false },
				policy: { default: "gateway/decision" },
				decisionLog: { enabled: false },
			});
			app = await startUpstream();
			gateway = await g.start(binary as string, {
				gavel: new URL(gavel.url).host,
				app: app.address,
			});
		}, 120_000);

		afterAll(async () => {
			await gateway?.close();
			await app?.close();
			await gavel?.close();
		});

		const through = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, init);
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
			// obligations.headers from the policy, passed on by the gateway.
			expect(got.headers["x-auth-tenant"]).toBe("acme");
			expect(got.headers.authorization).toBeUndefined();
		});

		it("decides on the original method and URI the gateway forwards", async () => {
			const admin = await sign(gavel.rsa, { sub: "root", roles: ["admin"] });
			const ok = await through("/orders/7", { method: "DELETE", headers: bearer(admin) });
			expect(ok.status).toBe(200);
			expect(app.seen[app.seen.length - 1]).toMatchObject({ method: "DELETE", url: "/orders/7" });
			const viewer = await sign(gavel.ec, { sub: "bob", roles: ["viewer"] });
			const before = app.seen.length;
			// GET is allowed under /public/ only.
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
				const status = await rawGet(gateway.url, path, { authorization: `Bearer ${viewer}` });
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
}

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
