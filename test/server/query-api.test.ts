// OPA's Query API (/v1/query) on a real Gavel server: bindings per solution, one-expression
// queries answered [{}] as OPA answers them, undefined as {}, located 400s for queries that do
// not parse or compile, 500s (never a result) when evaluation fails, compiled queries reused
// and dropped with the policy they were compiled against, uploaded modules visible, wasm-only
// bundles, oversized queries and unauthenticated callers refused.
// (test/differential/data-api.ts compares the answers with a real `opa run --server`.)

import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { buildBundle, writeBundleFile } from "./build-bundle.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

const AUTHZ = `package authz

default allow := false

allow if input.user in data.admins

users := ["a", "b"]

conflict := x if some x in [1, 2]
`;

const spec = (revision: string, admins: string[]) => ({
	sources: { "authz.rego": AUTHZ },
	entrypoints: ["authz/allow"],
	data: { admins },
	revision,
	roots: ["authz", "admins"],
});

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

type Json = Record<string, unknown>;
const get = async (s: TestServer, q: string, extra = "") => {
	const r = await fetch(`${s.url}/v1/query?q=${encodeURIComponent(q)}${extra}`);
	return { status: r.status, text: await r.text() };
};
const post = async (s: TestServer, body: string, headers: Record<string, string> = {}) => {
	const r = await fetch(`${s.url}/v1/query`, { method: "POST", body, headers });
	return { status: r.status, json: (await r.json()) as Json };
};

describe("/v1/query", () => {
	it("answers bindings, [{}] for a one-expression query, {} when undefined, as OPA", async () => {
		server = await startTestServer({ bundle: { path: writeBundleFile(spec("r1", ["alice"])) } });
		const s = server;
		expect(await get(s, "x := data.authz.users[_]")).toEqual({
			status: 200,
			text: '{"result":[{"x":"a"},{"x":"b"}]}\n',
		});
		// OPA keeps the value of a lone expression, false included: it holds.
		expect((await get(s, "1 == 2")).text).toBe('{"result":[{}]}\n');
		expect((await get(s, "data.authz.allow")).text).toBe('{"result":[{}]}\n');
		expect((await get(s, "x := 1; x > 5")).text).toBe("{}\n");
		expect((await get(s, "data.authz.nope")).text).toBe("{}\n");
		expect((await get(s, "data.authz.users[i]")).text).toBe('{"result":[{"i":0},{"i":1}]}\n');
		expect(
			await post(s, JSON.stringify({ query: "x := data.authz.allow", input: { user: "alice" } })),
		).toEqual({ status: 200, json: { result: [{ x: true }] } });
		expect(
			(await post(s, JSON.stringify({ query: "x := data.authz.allow", input: { user: "bob" } })))
				.json,
		).toEqual({ result: [{ x: false }] });
		const pretty = await get(s, "x := 1", "&pretty&metrics");
		const body = JSON.parse(pretty.text) as Json;
		expect(Object.keys(body)).toEqual(["metrics", "result"]);
		expect(Object.keys(body.metrics as Json)).toEqual([
			"timer_rego_query_compile_ns",
			"timer_rego_query_eval_ns",
		]);
		expect(pretty.text).toContain('\n  "result": [\n');
	});

	it("refuses bad queries with OPA's 400s and fails closed on evaluation errors", async () => {
		server = await startTestServer({ bundle: { path: writeBundleFile(spec("r1", [])) } });
		const s = server;
		const missing = await fetch(`${s.url}/v1/query`);
		expect(missing.status).toBe(400);
		expect(await missing.json()).toEqual({
			code: "invalid_parameter",
			message: "missing parameter 'q'",
		});
		const parse = JSON.parse((await get(s, "x :=")).text) as Json;
		expect(parse).toMatchObject({
			code: "invalid_parameter",
			message: "error(s) occurred while parsing query",
			errors: [{ code: "rego_parse_error", location: { file: "", row: 1 } }],
		});
		const unsafe = JSON.parse((await get(s, "y")).text) as Json;
		expect(unsafe).toMatchObject({
			message: "error(s) occurred while compiling query",
			errors: [{ code: "rego_unsafe_var_error", message: "var y is unsafe" }],
		});
		expect((await post(s, "{}")).json).toEqual({
			code: "invalid_parameter",
			message: "cannot evaluate empty query",
		});
		expect((await post(s, "xx")).status).toBe(400);
		expect((await post(s, '{"query": 1}')).status).toBe(400);
		expect((await post(s, "[]")).status).toBe(400);
		const huge = await post(s, JSON.stringify({ query: `x := [${"1, ".repeat(10_000)}1]` }));
		expect(huge).toEqual({
			status: 400,
			json: { code: "invalid_parameter", message: "the query exceeds 16384 bytes" },
		});
		const conflict = await post(s, JSON.stringify({ query: "x := data.authz.conflict" }));
		expect(conflict.status).toBe(500);
		expect(conflict.json).toMatchObject({
			code: "internal_error",
			errors: [{ code: "eval_conflict_error" }],
		});
		expect(conflict.json).not.toHaveProperty("result");
	});

	it("compiles against the running policy: uploads count, a new bundle replaces cached queries", async () => {
		const file = writeBundleFile(spec("r1", ["alice"]));
		server = await startTestServer({ bundle: { path: file, watch: true } });
		const s = server;
		const q = JSON.stringify({ query: "x := data.authz.allow", input: { user: "bob" } });
		expect((await post(s, q)).json).toEqual({ result: [{ x: false }] });
		const up = await fetch(`${s.url}/v1/policies/ext.rego`, {
			method: "PUT",
			body: "package ext\n\nsum := 1 + 2\n",
		});
		expect(up.status).toBe(200);
		expect((await get(s, "x := data.ext.sum")).text).toBe('{"result":[{"x":3}]}\n');
		// The same query text, a new bundle: the answer is the new policy's, not a cached one.
		const activated = new Promise<void>((resolve) => {
			const off = s.running.engine.onActivation((e) => {
				if (e.revision === "r2" && e.outcome === "success") {
					off();
					resolve();
				}
			});
		});
		writeFileSync(file, buildBundle(spec("r2", ["alice", "bob"])));
		await activated;
		expect((await post(s, q)).json).toEqual({ result: [{ x: true }] });
		expect((await get(s, "x := data.ext.sum")).text).toBe('{"result":[{"x":3}]}\n');
	});

	it("refuses a wasm-only bundle and unauthenticated callers", async () => {
		server = await startTestServer({
			bundle: { path: writeBundleFile({ ...spec("r1", []), withoutSources: true }) },
		});
		const wasmOnly = await get(server, "x := 1");
		expect(wasmOnly.status).toBe(400);
		expect(JSON.parse(wasmOnly.text).message).toMatch(/without its \.rego sources/);
		await server.close();
		server = await startTestServer({
			bundle: { path: writeBundleFile(spec("r1", [])) },
			callerAuth: { mode: "api-key", apiKeys: ["k1"] },
		});
		expect((await get(server, "x := 1")).status).toBe(401);
		const ok = await fetch(`${server.url}/v1/query?q=x%3A%3D1`, {
			headers: { authorization: "Bearer k1" },
		});
		expect(await ok.text()).toBe('{"result":[{"x":1}]}\n');
	});
});
