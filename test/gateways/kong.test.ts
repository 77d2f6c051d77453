// Kong's OPA plugin against a real Gavel: Kong calls the Data API (POST /v1/data/<path>) with
// its request description as input and reads `result` as a boolean or as
// {allow, status, headers, message}. The policy is the one docs/gateways.md shows.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleFile } from "../server/build-bundle.ts";
import { startTestServer, type TestServer } from "../server/helpers.ts";
import { kongInput, kongReads } from "./kong-contract.ts";
import { KONG_POLICY } from "./kong-policy.ts";

let gavel: TestServer;

beforeAll(async () => {
	const bundleFile = writeBundleFile({
		sources: { "kong.rego": KONG_POLICY },
		entrypoints: ["kong/allow", "kong/decision", "kong/unfinished"],
		revision: "kong-1",
	});
	gavel = await startTestServer({
		bundle: { path: bundleFile, watch: false },
		decisionLog: { enabled: false },
	});
}, 120_000);

afterAll(async () => {
	await gavel?.close();
});

// config.opa_path in Kong's plugin.
const ask = (opaPath: string, req: Parameters<typeof kongInput>[0]) =>
	gavel.post(opaPath, kongInput(req)).then(kongReads);

describe("Kong's OPA plugin → Gavel's Data API", () => {
	it("boolean result: true forwards, false is Kong's 403", async () => {
		const ok = await ask("/v1/data/kong/allow", {
			method: "GET",
			path: "/payments/1",
			headers: { "x-team": "payments" },
		});
		expect(ok).toEqual({ kind: "forward", upstreamHeaders: {} });
		const no = await ask("/v1/data/kong/allow", {
			method: "GET",
			path: "/payments/1",
			headers: { "x-team": "growth" },
		});
		expect(no).toMatchObject({ kind: "reject", status: 403 });
	});

	it("object result: an allow adds headers to the upstream request", async () => {
		const out = await ask("/v1/data/kong/decision", {
			method: "POST",
			path: "/payments",
			headers: { "x-team": "payments" },
		});
		expect(out).toEqual({ kind: "forward", upstreamHeaders: { "x-gavel-team": "payments" } });
	});

	it("object result: a deny sets Kong's status, headers and message", async () => {
		const out = await ask("/v1/data/kong/decision", {
			method: "DELETE",
			path: "/payments/1",
			headers: { "x-team": "growth" },
			query: { force: "true" },
		});
		expect(out).toEqual({
			kind: "reject",
			status: 418,
			headers: { "x-gavel-reason": "team" },
			message: "only the payments team may call /payments",
		});
	});

	it("an undefined result is a 500 at Kong, so nothing is let through", async () => {
		const res = await gavel.post(
			"/v1/data/kong/unfinished",
			kongInput({ method: "GET", path: "/", headers: {} }),
		);
		expect(res.status).toBe(200);
		const body = (await res.clone().json()) as Record<string, unknown>;
		expect(body).not.toHaveProperty("result");
		expect(await kongReads(res)).toMatchObject({ kind: "error", status: 500 });
	});
});
