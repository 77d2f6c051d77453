// End to end: the repository's policies compiled by Gavel's compiler into an OPA bundle on
// disk, loaded through the official SDK by the real server, and answered over HTTP with
// real signed tokens.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_DOCUMENT } from "../../src/server/openapi.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { ISSUER, parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

const EXTRA = `package tests

import rego.v1

decision := {"allow": true, "reasons": ["welcome"], "obligations": {"audit": true}} if input.subject.sub == "alice"

conflict := 1 if true
conflict := 2 if true

wrong_shape := "yes"

maybe if input.action == "never"
`;

let t: TestServer;
let dir: string;
const entrypoints = [
	"example/allow",
	"authzen/allow",
	"tests/decision",
	"tests/conflict",
	"tests/wrong_shape",
	"tests/maybe",
];

function bundle(revision: string): Uint8Array {
	const { sources, data } = repoPolicies();
	return buildBundle({ sources: { ...sources, "tests.rego": EXTRA }, data, entrypoints, revision });
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
	for (let i = 0; i < 200; i++) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error("condition not reached");
}

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "gavel-decide-"));
	writeFileSync(join(dir, "app.tar.gz"), bundle("rev-1"));
	t = await startTestServer({
		bundle: { path: dir },
		// nope/allow: listed but not in the bundle, for the 404.
		policy: { decideEntrypoints: [...entrypoints, "nope/allow"] },
		decisionLog: { mask: ["/input/subject/email"] },
		input: { headers: ["user-agent"] },
	});
});
afterAll(async () => {
	await t.close();
});

async function decide(
	token: string,
	body: Record<string, unknown>,
	headers: Record<string, string> = {},
) {
	const res = await t.post("/v1/decide", body, { authorization: `Bearer ${token}`, ...headers });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /v1/decide with the example policy", () => {
	it("admins may do anything; users read their own; others are denied", async () => {
		const admin = await sign(t.rsa, { sub: "root", roles: ["admin"] });
		const alice = await sign(t.ec, { sub: "alice", email: "alice@example.com" });
		const a = await decide(admin, { action: "delete", resource: { id: "r1", owner: "bob" } });
		expect(a.status).toBe(200);
		expect(a.body).toMatchObject({
			allow: true,
			policy: "example/allow",
			revision: "rev-1",
			cached: false,
		});
		expect(a.body.decision_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(
			(await decide(alice, { action: "read", resource: { id: "r1", owner: "alice" } })).body.allow,
		).toBe(true);
		expect(
			(await decide(alice, { action: "read", resource: { id: "r1", owner: "bob" } })).body.allow,
		).toBe(false);
		expect(
			(await decide(alice, { action: "write", resource: { id: "r1", owner: "alice" } })).body.allow,
		).toBe(false);
		expect((await decide(alice, { action: "read", resource: { id: "handbook" } })).body.allow).toBe(
			true,
		);
	});

	it("caches by revision + policy + input, reports hits, and honours the bypass header", async () => {
		const token = await sign(t.rsa, { sub: "carol" });
		const body = { action: "read", resource: { owner: "carol", id: "c1" } };
		const first = await decide(token, body);
		const second = await decide(token, { resource: { id: "c1", owner: "carol" }, action: "read" });
		expect(first.body.cached).toBe(false);
		expect(second.body.cached).toBe(true);
		expect(second.body.allow).toBe(true);
		expect((await decide(token, body, { "x-gavel-no-cache": "1" })).body.cached).toBe(false);
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(m.get("gavel_decision_cache_hits_total")).toBeGreaterThanOrEqual(1);
		expect(m.get("gavel_decision_cache_misses_total")).toBeGreaterThanOrEqual(1);
		expect(
			m.get('gavel_decisions_total{policy="example/allow",outcome="allow"}'),
		).toBeGreaterThanOrEqual(3);
		expect(
			m.get('gavel_decisions_total{policy="example/allow",outcome="deny"}'),
		).toBeGreaterThanOrEqual(2);
		expect(m.get('gavel_bundle_info{revision="rev-1"}')).toBe(1);
		expect(
			m.get('gavel_decision_duration_seconds_bucket{le="1",policy="example/allow"}'),
		).toBeGreaterThan(0);
	});

	it("answers a repeated request from the cache, per token, header and policy, logging its input", async () => {
		const token = await sign(t.rsa, { sub: "dave", email: "dave@example.com" });
		const other = await sign(t.rsa, { sub: "erin" });
		const body = { action: "read", resource: { owner: "dave", id: "d1" } };
		const ua = { "user-agent": "tests/1" };
		expect((await decide(token, body, ua)).body.cached).toBe(false);
		const before = t.logs.length;
		const hit = await decide(token, body, ua);
		expect(hit.body).toMatchObject({ cached: true, allow: true, policy: "example/allow" });
		expect(hit.body.decision_id).toMatch(/^[0-9a-f-]{36}$/);
		// A hit's body (serialised from the cache entry) has the documented fields only.
		const documented = Object.keys(OPENAPI_DOCUMENT.components.schemas.Decision.properties);
		expect(Object.keys(hit.body).filter((k) => !documented.includes(k))).toEqual([]);
		const raw = await t.post("/v1/decide", body, { authorization: `Bearer ${token}`, ...ua });
		expect(raw.headers.get("content-type")).toMatch(/^application\/json/);
		expect(((await raw.json()) as { cached: boolean }).cached).toBe(true);
		// The hit's log line still carries the input the policy saw, with masking applied.
		const line = t.logs.slice(before).find((l) => l.decision_id === hit.body.decision_id);
		const input = line?.input as Record<string, Record<string, unknown>>;
		expect(input.resource).toEqual(body.resource);
		expect(input.request.headers).toEqual(ua);
		expect(input.subject.sub).toBe("dave");
		expect(input.subject.email).toBeUndefined();
		// Anything else the input carries is a different entry.
		expect((await decide(other, { ...body, resource: { owner: "erin" } }, ua)).body.cached).toBe(
			false,
		);
		expect((await decide(token, body, { "user-agent": "tests/2" })).body.cached).toBe(false);
		const alice = await sign(t.ec, { sub: "alice" });
		const named = { ...body, policy: "tests/decision" };
		expect((await decide(alice, named, ua)).body).toMatchObject({
			cached: false,
			policy: "tests/decision",
		});
		expect((await decide(alice, named, ua)).body).toMatchObject({
			cached: true,
			policy: "tests/decision",
			reasons: ["welcome"],
		});
	});

	it("returns reasons and obligations from an object result", async () => {
		const r = await decide(await sign(t.rsa), { policy: "tests/decision" });
		expect(r.body).toMatchObject({
			allow: true,
			reasons: ["welcome"],
			obligations: { audit: true },
		});
	});

	it("fails closed with an error on a conflict, a wrong shape or an undefined result", async () => {
		const token = await sign(t.rsa);
		const conflict = await decide(token, { policy: "tests/conflict" });
		expect(conflict.status).toBe(200);
		expect(conflict.body).toMatchObject({ allow: false, error: { code: "eval_conflict_error" } });
		const shape = await decide(token, { policy: "tests/wrong_shape" });
		expect(shape.body).toMatchObject({ allow: false, error: { code: "unexpected_result" } });
		const undef = await decide(token, { policy: "tests/maybe" });
		expect(undef.body).toMatchObject({ allow: false, error: { code: "undefined_result" } });
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(m.get('gavel_decisions_total{policy="tests/conflict",outcome="error"}')).toBe(1);
	});

	it("404 for a policy the bundle does not have", async () => {
		const r = await decide(await sign(t.rsa), { policy: "nope/allow" });
		expect(r.status).toBe(404);
		expect(r.body.code).toBe("unknown_policy");
	});

	it("logs one JSON line per decision, OPA's fields, masked paths erased", async () => {
		const token = await sign(t.rsa, { sub: "dave", email: "dave@example.com" });
		const before = t.logs.length;
		const r = await decide(
			token,
			{ action: "read", resource: { owner: "dave" } },
			{ "user-agent": "vitest" },
		);
		expect(t.logs.length).toBe(before + 1);
		const line = t.logs.at(-1) as Record<string, unknown> & {
			input: { subject: Record<string, unknown>; request: Record<string, unknown> };
		};
		expect(line).toMatchObject({
			decision_id: r.body.decision_id,
			path: "example/allow",
			result: true,
			bundles: { gavel: { revision: "rev-1" } },
			erased: ["/input/subject/email"],
		});
		expect(line.input.subject.sub).toBe("dave");
		expect(line.input.subject.email).toBeUndefined();
		expect(line.input.request).toMatchObject({
			method: "POST",
			path: "/v1/decide",
			headers: { "user-agent": "vitest" },
		});
		expect(JSON.stringify(line.input.request)).not.toContain("Bearer");
	});

	it("hands the policy only the input it reads, and logs the whole input", async () => {
		// What the compiler recorded the example policy can observe (see input-projection.ts).
		expect(t.running.engine.current()?.inputShape("example/allow")).toEqual({
			action: true,
			resource: { id: true, owner: true },
			subject: { roles: true, sub: true },
		});
		const token = await sign(t.ec, { sub: "fay", groups: ["a", "b"], name: "Fay" });
		const before = t.logs.length;
		const allowed = await decide(token, { action: "read", resource: { owner: "fay", extra: 1 } });
		const denied = await decide(token, { action: "read", resource: { owner: "gus" } });
		expect([allowed.body.allow, denied.body.allow]).toEqual([true, false]);
		const line = t.logs.slice(before).find((l) => l.decision_id === allowed.body.decision_id) as {
			input: { subject: Record<string, unknown>; resource: Record<string, unknown> };
		};
		expect(line.input.subject).toMatchObject({ sub: "fay", groups: ["a", "b"], iss: ISSUER });
		expect(line.input.resource).toEqual({ owner: "fay", extra: 1 });
	});
});

describe("health", () => {
	it("is 200 once a bundle is active, with its revision under ?bundles", async () => {
		expect((await fetch(`${t.url}/ready`)).status).toBe(200);
		const res = await fetch(`${t.url}/health?bundles`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ bundles: { gavel: { revision: "rev-1" } } });
	});
});

describe("bundle activation", () => {
	it("swaps in a new revision on change, drops the cache, and keeps the last good on a bad bundle", async () => {
		const token = await sign(t.rsa, { sub: "erin" });
		const body = { action: "read", resource: { owner: "erin" } };
		await decide(token, body);
		expect((await decide(token, body)).body.cached).toBe(true);

		writeFileSync(join(dir, "app.tar.gz"), bundle("rev-2"));
		await waitFor(async () => (await decide(token, body)).body.revision === "rev-2");
		// The first answer from rev-2 was computed afresh, the next one is cached again.
		expect((await decide(token, body)).body).toMatchObject({ revision: "rev-2", cached: true });

		writeFileSync(join(dir, "app.tar.gz"), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
		await waitFor(async () => {
			const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
			return (m.get('gavel_bundle_activations_total{outcome="failure"}') ?? 0) >= 1;
		});
		const after = await decide(token, body);
		expect(after.body).toMatchObject({ allow: true, revision: "rev-2" });
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(m.get('gavel_bundle_activations_total{outcome="success"}')).toBe(2);
		expect(m.get('gavel_bundle_info{revision="rev-2"}')).toBe(1);
		expect(m.has('gavel_bundle_info{revision="rev-1"}')).toBe(false);
	});
});
