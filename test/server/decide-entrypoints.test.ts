// /v1/decide evaluates only the entrypoints policy.decideEntrypoints lists (default: just
// policy.default): a caller who names another entrypoint of the bundle, one with a looser
// rule, gets a 403 naming the setting, not that entrypoint's allow.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPolicies, writeBundleFile } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

let file: string;
let t: TestServer;
beforeAll(async () => {
	const { sources, data } = repoPolicies();
	file = writeBundleFile({
		sources,
		data,
		entrypoints: ["example/allow", "authzen/allow"],
		revision: "ep-1",
	});
	t = await startTestServer({ bundle: { path: file } });
});
afterAll(async () => {
	await t.close();
});

// Denied by example/allow (bob owns nothing, is no admin); authzen/allow lets anyone read.
const body = { action: { name: "read" }, resource: { id: "r1" } };

describe("/v1/decide entrypoint allow-list", () => {
	it("by default only policy.default: naming another entrypoint is a 403 naming the setting", async () => {
		const token = await sign(t.rsa, { sub: "bob" });
		const auth = { authorization: `Bearer ${token}` };
		const plain = await t.post("/v1/decide", body, auth);
		expect(plain.status).toBe(200);
		expect(await plain.json()).toMatchObject({ allow: false, policy: "example/allow" });

		const named = await t.post("/v1/decide", { ...body, policy: "authzen/allow" }, auth);
		expect(named.status).toBe(403);
		const err = (await named.json()) as Record<string, unknown>;
		expect(err).toMatchObject({ code: "policy_not_allowed", setting: "policy.decideEntrypoints" });
		expect(err.message).toContain("authzen/allow");
		expect(err.message).toContain("policy.decideEntrypoints");
		// Twice, so a cached answer cannot slip past the check either.
		expect((await t.post("/v1/decide", { ...body, policy: "authzen/allow" }, auth)).status).toBe(
			403,
		);
		// Naming the default explicitly is fine.
		const explicit = await t.post("/v1/decide", { ...body, policy: "example/allow" }, auth);
		expect(explicit.status).toBe(200);
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(m.get('gavel_decisions_total{policy="authzen/allow",outcome="allow"}')).toBeUndefined();
	});

	it("entrypoints the configuration lists may be named", async () => {
		const s = await startTestServer({
			bundle: { path: file },
			policy: { decideEntrypoints: ["example/allow", "authzen/allow"] },
		});
		try {
			const token = await sign(s.rsa, { sub: "bob" });
			const res = await s.post(
				"/v1/decide",
				{ ...body, policy: "authzen/allow" },
				{ authorization: `Bearer ${token}` },
			);
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({ allow: true, policy: "authzen/allow" });
		} finally {
			await s.close();
		}
	});
});
