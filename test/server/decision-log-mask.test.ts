// decisionLog.mask on every route that decides, through the real server: each route logs the
// input its policy saw (docs/api.md, "Decision log"), and the configured pointers, with
// wildcards, are erased from it before the line is written.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleFile } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";

const POLICY = `package tests

import rego.v1

allow if true
`;

type Line = Record<string, unknown> & { input?: unknown; erased?: string[] };

let t: TestServer;
beforeAll(async () => {
	const file = writeBundleFile({
		sources: { "tests.rego": POLICY },
		entrypoints: ["tests/allow"],
		revision: "mask-1",
	});
	t = await startTestServer({
		bundle: { path: file },
		policy: { default: "tests/allow" },
		authzen: { policy: "tests/allow" },
		cache: { enabled: false },
		decisionLog: {
			mask: [
				"/input/subject/email",
				"/input/subject/properties/*",
				"/input/context/items/*/secret",
				"/input/**/ssn",
			],
		},
	});
});
afterAll(async () => {
	await t.close();
});

/** The log lines a request produced. */
async function linesOf(send: () => Promise<Response>): Promise<Line[]> {
	const before = t.logs.length;
	const res = await send();
	expect(res.status).toBeLessThan(300);
	await res.arrayBuffer();
	return t.logs.slice(before) as Line[];
}

const context = {
	items: [
		{ id: 1, secret: "s1" },
		{ id: 2, secret: "s2" },
	],
	deep: { nested: [{ ssn: "123-45-6789" }] },
};

describe("decision-log masks on every route", () => {
	it("/v1/decide: the token's email, array elements by wildcard, a key at any depth", async () => {
		const token = await sign(t.rsa, { email: "alice@example.com", ssn: "987-65-4321" });
		const lines = await linesOf(() =>
			t.post("/v1/decide", { action: "read", context }, { authorization: `Bearer ${token}` }),
		);
		expect(lines).toHaveLength(1);
		const text = JSON.stringify(lines[0].input);
		for (const secret of ["alice@example.com", "s1", "s2", "123-45-6789", "987-65-4321"]) {
			expect(text).not.toContain(secret);
		}
		expect(lines[0].input).toMatchObject({
			subject: { sub: "alice" },
			context: { items: [{ id: 1 }, { id: 2 }] },
		});
		expect(lines[0].erased).toEqual(
			expect.arrayContaining([
				"/input/subject/email",
				"/input/context/items/0/secret",
				"/input/context/items/1/secret",
				"/input/context/deep/nested/0/ssn",
				"/input/subject/ssn",
			]),
		);
	});

	it("AuthZEN evaluation: the subject's properties (its email) are masked", async () => {
		const lines = await linesOf(() =>
			t.post("/access/v1/evaluation", {
				subject: { type: "user", id: "alice", properties: { email: "alice@example.com" } },
				action: { name: "read" },
				resource: { type: "record", id: "r1" },
				context,
			}),
		);
		expect(lines).toHaveLength(1);
		const text = JSON.stringify(lines[0].input);
		for (const secret of ["alice@example.com", "s1", "s2", "123-45-6789"]) {
			expect(text).not.toContain(secret);
		}
		expect(lines[0].input).toMatchObject({
			subject: { type: "user", id: "alice", properties: {} },
		});
		expect(lines[0].erased).toContain("/input/subject/properties/email");
	});

	it("AuthZEN evaluations: every item's log line is masked", async () => {
		const lines = await linesOf(() =>
			t.post("/access/v1/evaluations", {
				subject: { type: "user", id: "alice", properties: { email: "alice@example.com" } },
				action: { name: "read" },
				evaluations: [
					{ resource: { type: "record", id: "r1" } },
					{
						subject: { type: "user", id: "bob", email: "bob@example.com" },
						resource: { type: "record", id: "r2" },
						context,
					},
				],
			}),
		);
		expect(lines).toHaveLength(2);
		const text = JSON.stringify(lines.map((l) => l.input));
		for (const secret of ["alice@example.com", "bob@example.com", "s1", "s2", "123-45-6789"]) {
			expect(text).not.toContain(secret);
		}
	});

	it("Data API and POST /: the caller's input as sent, masked", async () => {
		const input = {
			subject: { email: "carol@example.com", properties: { phone: "555" } },
			context,
		};
		for (const send of [
			() => t.post("/v1/data/tests/allow", { input }),
			() => t.post("/", input),
			() =>
				fetch(`${t.url}/v1/data/tests/allow?input=${encodeURIComponent(JSON.stringify(input))}`),
		]) {
			const lines = await linesOf(send);
			expect(lines).toHaveLength(1);
			const text = JSON.stringify(lines[0].input);
			for (const secret of ["carol@example.com", "555", "s1", "s2", "123-45-6789"]) {
				expect(text).not.toContain(secret);
			}
			expect(lines[0].input).toMatchObject({ context: { items: [{ id: 1 }, { id: 2 }] } });
		}
	});

	it("/v1/authz: the forwarded request's subject (token claims) is masked", async () => {
		const token = await sign(t.rsa, { email: "dave@example.com", ssn: "111-22-3333" });
		const lines = await linesOf(() =>
			fetch(`${t.url}/v1/authz`, {
				headers: { authorization: `Bearer ${token}`, "x-original-uri": "/docs/1" },
			}),
		);
		expect(lines).toHaveLength(1);
		const text = JSON.stringify(lines[0].input);
		expect(text).not.toContain("dave@example.com");
		expect(text).not.toContain("111-22-3333");
		expect(lines[0].input).toMatchObject({
			subject: { sub: "alice" },
			resource: { path: "/docs/1" },
		});
	});
});
