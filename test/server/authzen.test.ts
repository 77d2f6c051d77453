// AuthZEN Authorization API 1.0 certification (openid/authzen,
// certification/authorization-api-1_0-scenario.md): the Basic (Core, Properties), Batch
// (Core, Properties) and Discovery levels, against the fixture policy in policies/authzen.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPolicies, writeBundleFile } from "./build-bundle.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
beforeAll(async () => {
	const { sources, data } = repoPolicies();
	const file = writeBundleFile({ sources, data, entrypoints: ["authzen/allow"], revision: "az-1" });
	t = await startTestServer({ bundle: { path: file } });
});
afterAll(async () => {
	await t.close();
});

const alice = { type: "user", id: "alice" };
const bob = { type: "user", id: "bob" };
const bobAdmin = { type: "user", id: "bob", properties: { role: "admin" } };
const record1 = { type: "record", id: "record-1" };
const archived2 = { type: "record", id: "record-2", properties: { status: "archived" } };

async function evaluation(body: unknown, path = "/access/v1/evaluation") {
	const res = await t.post(path, body);
	expect(res.status).toBe(200);
	expect(res.headers.get("content-type")).toContain("application/json");
	return (await res.json()) as Record<string, unknown>;
}

describe("Basic Core", () => {
	it("C.2.2.1/2: fixture permit and deny", async () => {
		expect(
			await evaluation({ subject: alice, action: { name: "read" }, resource: record1 }),
		).toEqual({ decision: true });
		expect(
			await evaluation({ subject: bob, action: { name: "write" }, resource: record1 }),
		).toEqual({ decision: false });
	});
	it("C.2.2.3/8/9: optional context, extra properties and unknown fields change nothing", async () => {
		const ctx = { time: "2025-06-27T18:03-07:00", ip: "192.168.1.1" };
		expect(
			(
				await evaluation({
					subject: alice,
					action: { name: "read" },
					resource: record1,
					context: ctx,
				})
			).decision,
		).toBe(true);
		const extra = {
			subject: { ...alice, properties: { department: "Sales", role: "manager" } },
			action: { name: "read", properties: { method: "GET" } },
			resource: { ...record1, properties: { status: "active", owner: "bob" } },
		};
		expect((await evaluation(extra)).decision).toBe(true);
		const unknown = {
			subject: alice,
			action: { name: "read" },
			resource: record1,
			foo: "bar",
			futureField: { nested: true },
		};
		expect((await evaluation(unknown)).decision).toBe(true);
	});
	it("C.2.6: idempotent", async () => {
		const body = { subject: bob, action: { name: "read" }, resource: record1 };
		for (let i = 0; i < 3; i++) expect((await evaluation(body)).decision).toBe(true);
	});
});

describe("Basic Properties", () => {
	it("C.2.2.4-7: decisions from resource, subject and action properties", async () => {
		expect(
			(await evaluation({ subject: alice, action: { name: "write" }, resource: archived2 }))
				.decision,
		).toBe(false);
		expect(
			(await evaluation({ subject: bobAdmin, action: { name: "write" }, resource: archived2 }))
				.decision,
		).toBe(true);
		const del = (soft: boolean) => ({
			subject: alice,
			action: { name: "delete", properties: { soft } },
			resource: record1,
		});
		expect((await evaluation(del(true))).decision).toBe(true);
		expect((await evaluation(del(false))).decision).toBe(false);
	});
});

const batch = (body: unknown) => evaluation(body, "/access/v1/evaluations");
const decisions = (r: Record<string, unknown>) =>
	(r.evaluations as { decision: boolean }[]).map((e) => e.decision);

describe("Batch Core", () => {
	it("C.3.2.1/2/5: defaults merged into each item, order kept", async () => {
		const r1 = await batch({
			subject: alice,
			action: { name: "read" },
			evaluations: [{ resource: record1 }, { resource: { type: "record", id: "record-2" } }],
		});
		expect(decisions(r1)).toHaveLength(2);
		expect(r1.decision).toBeUndefined();
		const r2 = await batch({
			subject: bob,
			resource: record1,
			evaluations: [{ action: { name: "read" } }, { action: { name: "write" } }],
		});
		expect(decisions(r2)).toEqual([true, false]);
		const r3 = await batch({
			evaluations: [
				{ subject: alice, action: { name: "read" }, resource: record1 },
				{ subject: bob, action: { name: "write" }, resource: record1 },
			],
		});
		expect(decisions(r3)).toEqual([true, false]);
	});
	it("C.3.2.6: context inheritance is accepted", async () => {
		const r = await batch({
			subject: alice,
			action: { name: "read" },
			context: { time: "2025-06-27T18:03-07:00" },
			evaluations: [
				{ resource: record1 },
				{ resource: { type: "record", id: "record-2" }, context: { source: "batch-override" } },
			],
		});
		expect(decisions(r)).toHaveLength(2);
	});
	it("C.3.4: an invalid item is a deny in place; no or empty evaluations answer like a single evaluation", async () => {
		const r = await batch({
			subject: alice,
			action: { name: "read" },
			evaluations: [{ resource: record1 }, {}],
		});
		expect(decisions(r)).toEqual([true, false]);
		expect((r.evaluations as Record<string, unknown>[])[1].context).toBeDefined();
		expect(await batch({ subject: alice, action: { name: "read" }, resource: record1 })).toEqual({
			decision: true,
		});
		expect(
			await batch({ subject: alice, action: { name: "read" }, resource: record1, evaluations: [] }),
		).toEqual({ decision: true });
	});
	it("a batch over authzen.maxEvaluations is a 400 naming the limit, evaluated not at all", async () => {
		const body = (n: number) => ({
			subject: alice,
			action: { name: "read" },
			resource: record1,
			evaluations: Array.from({ length: n }, () => ({})),
		});
		expect(decisions(await batch(body(1000)))).toHaveLength(1000);
		const res = await t.post("/access/v1/evaluations", body(1001));
		expect(res.status).toBe(400);
		expect(((await res.json()) as { message: string }).message).toMatch(/1001.*1000 allowed/);
	});

	it("evaluations_semantic: deny_on_first_deny and permit_on_first_permit stop early", async () => {
		const items = [
			{ action: { name: "read" } },
			{ action: { name: "write" } },
			{ action: { name: "read" } },
		];
		const base = { subject: bob, resource: record1, evaluations: items };
		expect(decisions(await batch(base))).toEqual([true, false, true]);
		expect(
			decisions(await batch({ ...base, options: { evaluations_semantic: "deny_on_first_deny" } })),
		).toEqual([true, false]);
		expect(
			decisions(
				await batch({ ...base, options: { evaluations_semantic: "permit_on_first_permit" } }),
			),
		).toEqual([true]);
		const bad = await t.post("/access/v1/evaluations", {
			...base,
			options: { evaluations_semantic: "whatever" },
		});
		expect(bad.status).toBe(400);
	});
});

describe("Batch Properties", () => {
	it("C.3.2.3/4/7: properties per item; an item's entity replaces the default whole", async () => {
		const r3 = await batch({
			subject: alice,
			action: { name: "write" },
			evaluations: [
				{ resource: { ...record1, properties: { status: "active" } } },
				{ resource: archived2 },
			],
		});
		expect(decisions(r3)).toEqual([true, false]);
		const r4 = await batch({
			action: { name: "write" },
			resource: archived2,
			evaluations: [{ subject: alice }, { subject: bobAdmin }],
		});
		expect(decisions(r4)).toEqual([false, true]);
		// No sub-field merging: an item's resource without a type does not borrow the
		// default's, it is an invalid item (a deny in place).
		const r7 = await batch({
			subject: alice,
			action: { name: "write" },
			resource: { type: "record" },
			evaluations: [
				{ resource: { ...record1, properties: { status: "active" } } },
				{ resource: { id: "record-1", properties: { status: "active" } } },
				{ resource: archived2 },
			],
		});
		expect(decisions(r7)).toEqual([true, false, false]);
		expect((r7.evaluations as Record<string, unknown>[])[1].context).toMatchObject({
			error: { code: "bad_request", message: "resource.type is required" },
		});
	});

	it("an incomplete entity in an item never borrows the default's fields: a per-item error, decision false", async () => {
		const r = await batch({
			subject: alice,
			action: { name: "read" },
			resource: record1,
			evaluations: [
				{},
				{ resource: { type: "record" } },
				{ subject: { id: "alice" } },
				{ subject: { type: "user" } },
				{ action: {} },
				{ action: { properties: { soft: true } } },
			],
		});
		const out = r.evaluations as { decision: boolean; context?: { error?: { code: string } } }[];
		expect(out.map((e) => e.decision)).toEqual([true, false, false, false, false, false]);
		for (const e of out.slice(1)) expect(e.context?.error?.code).toBe("bad_request");
	});

	it("non-object items (string, null, number, array, boolean) are per-item errors, decision false", async () => {
		const r = await batch({
			subject: alice,
			action: { name: "read" },
			resource: record1,
			evaluations: ["x", null, 5, [], true, { resource: record1 }],
		});
		const out = r.evaluations as { decision: boolean; context?: { error?: { message: string } } }[];
		expect(out.map((e) => e.decision)).toEqual([false, false, false, false, false, true]);
		for (const e of out.slice(0, 5))
			expect(e.context?.error?.message).toMatch(/^evaluations\[\d\] must be an object$/);
	});
});

describe("Discovery", () => {
	it("C.6: metadata at the well-known URI, PDP base URL matching the one used", async () => {
		const res = await fetch(`${t.url}/.well-known/authzen-configuration`);
		expect(res.status).toBe(200);
		const meta = (await res.json()) as Record<string, string>;
		expect(meta.policy_decision_point).toBe(t.url);
		expect(new URL(meta.access_evaluation_endpoint).pathname).toBe("/access/v1/evaluation");
		expect(new URL(meta.access_evaluations_endpoint).pathname).toBe("/access/v1/evaluations");
	});
});

describe("decision cache", () => {
	it("answers a repeated evaluation from the cache, logged with its input, and a different one afresh", async () => {
		const body = {
			subject: bob,
			action: { name: "read" },
			resource: { type: "record", id: "c-1" },
		};
		const first = t.logs.length;
		expect(await evaluation(body)).toEqual({ decision: true });
		expect(await evaluation(body)).toEqual({ decision: true });
		// The same request with its keys in another order: the same input.
		const reordered = { resource: body.resource, action: body.action, subject: bob };
		expect(await evaluation(reordered)).toEqual({ decision: true });
		const write = { ...body, action: { name: "write" } };
		expect(await evaluation(write)).toEqual({ decision: false });
		const entries = t.logs.slice(first);
		expect(entries.map((e) => e.cached)).toEqual([false, true, true, false]);
		expect(entries[1].input).toEqual(entries[0].input);
		expect((entries[3].input as { action: unknown }).action).toEqual({ name: "write" });
	});
});
