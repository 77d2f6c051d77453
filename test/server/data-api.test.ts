// OPA's Data API, exercised with OPA's own TypeScript client (@open-policy-agent/opa), which
// nobody here wrote, plus raw HTTP for the details the client hides.

import { OPAClient } from "@open-policy-agent/opa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPolicies, writeBundleFile } from "./build-bundle.ts";
import { parseMetrics, startTestServer, type TestServer } from "./helpers.ts";

const KONG = `package kong

import rego.v1

default decision := {"allow": false, "status": 403, "message": "forbidden"}

decision := {"allow": true, "headers": {"x-user": input.user}} if input.user == "alice"
`;

let t: TestServer;
beforeAll(async () => {
	const { sources, data } = repoPolicies();
	const file = writeBundleFile({
		sources: { ...sources, "kong.rego": KONG },
		data,
		entrypoints: ["example/allow", "authzen/allow", "kong/decision"],
		revision: "d-1",
	});
	t = await startTestServer({ bundle: { path: file } });
});
afterAll(async () => {
	await t.close();
});

describe("Data API through the OPA TypeScript client", () => {
	it("evaluates a rule with input", async () => {
		const opa = new OPAClient(t.url);
		const admin = { subject: { sub: "root", roles: ["admin"] }, action: "delete" };
		expect(await opa.evaluate("example/allow", admin)).toBe(true);
		expect(await opa.evaluate("example/allow", { subject: { sub: "x" }, action: "write" })).toBe(
			false,
		);
	});

	it("returns base data and a Kong-style object result", async () => {
		const opa = new OPAClient(t.url);
		expect(await opa.evaluate("example/public_documents")).toEqual([
			"handbook",
			"holiday-calendar",
		]);
		expect(await opa.evaluate("kong/decision", { user: "alice" })).toEqual({
			allow: true,
			headers: { "x-user": "alice" },
		});
		expect(await opa.evaluate("kong/decision", { user: "bob" })).toEqual({
			allow: false,
			status: 403,
			message: "forbidden",
		});
	});
});

describe("OPA's default decision (POST /)", () => {
	it("evaluates policy.default with the body as input, through the OPA client's evaluateDefault", async () => {
		const opa = new OPAClient(t.url);
		expect(await opa.evaluateDefault({ subject: { roles: ["admin"] }, action: "delete" })).toBe(
			true,
		);
		// The client treats any falsy body as "no result", so a deny is checked over raw HTTP.
		const deny = await t.post("/", { subject: { sub: "x" }, action: "write" });
		expect(deny.status).toBe(200);
		expect(await deny.json()).toBe(false);
	});
});

describe("Data API over raw HTTP", () => {
	it("POST with input → result and decision_id; undefined → 200 without result", async () => {
		const ok = await t.post("/v1/data/example/allow", { input: { subject: { roles: "admin" } } });
		expect(ok.status).toBe(200);
		const body = (await ok.json()) as Record<string, unknown>;
		expect(body.result).toBe(true);
		expect(typeof body.decision_id).toBe("string");
		const undef = await t.post("/v1/data/example/nothing_here", { input: {} });
		expect(undef.status).toBe(200);
		expect(await undef.json()).not.toHaveProperty("result");
	});

	it("GET a package assembles its rules and data; ?pretty indents", async () => {
		const res = await fetch(`${t.url}/v1/data/example?pretty=true`);
		const text = await res.text();
		expect(text).toContain('\n  "result"');
		expect(JSON.parse(text).result).toEqual({
			allow: false,
			public_documents: ["handbook", "holiday-calendar"],
		});
		const withInput = await fetch(
			`${t.url}/v1/data/example/allow?input=${encodeURIComponent('{"subject":{"roles":["admin"]}}')}`,
		);
		expect(((await withInput.json()) as { result: unknown }).result).toBe(true);
	});

	it("paths step through own keys and array indexes only: no prototype members as documents", async () => {
		const get = async (path: string) =>
			(await (await fetch(`${t.url}/v1/data/${path}`)).json()) as Record<string, unknown>;
		expect((await get("example/public_documents/1")).result).toBe("holiday-calendar");
		for (const path of [
			"constructor/name",
			"example/constructor/name",
			"example/public_documents/length",
			"example/public_documents/01",
			"__proto__",
			"example/toString",
		]) {
			expect(await get(path), path).not.toHaveProperty("result");
		}
	});

	it("paths the bundle does not define share one metric series, whatever a client requests", async () => {
		for (let i = 0; i < 5; i++) await t.post(`/v1/data/nowhere/n${i}`, { input: {} });
		await t.post("/v1/data/kong/decision", { input: {} });
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		const policies = [...m.keys()]
			.map((k) => /^gavel_decisions_total\{policy="([^"]*)"/.exec(k)?.[1])
			.filter((p) => p !== undefined);
		expect(policies.some((p) => p.startsWith("nowhere"))).toBe(false);
		expect(policies).toContain("data");
		expect(policies).toContain("kong/decision");
	});

	it("GET ?input= is held to the same JSON depth limit as a POSTed body", async () => {
		const nested = (depth: number) =>
			fetch(
				`${t.url}/v1/data/example/allow?input=${encodeURIComponent("[".repeat(depth) + "]".repeat(depth))}`,
			);
		expect((await nested(10)).status).toBe(200);
		const deep = await nested(1000);
		expect(deep.status).toBe(400);
		expect(await deep.json()).toMatchObject({ code: "invalid_parameter" });
	});
});
