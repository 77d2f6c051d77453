// OPA's Policy API on a real Gavel server: uploads compiled with the bundle's own sources,
// kept across bundle activations, a cached decision never outliving the policy it came from,
// bundle-owned packages and wasm-only bundles refused, and nothing refused replacing anything.
// (test/differential/data-api.ts compares the answers with a real `opa run --server`.)

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeBundleFile } from "./build-bundle.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

const APP = `package app

import rego.v1

default allow := false

allow if input.user in data.admins
`;

let server: TestServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

const put = (s: TestServer, id: string, text: string) =>
	fetch(`${s.url}/v1/policies/${id}`, { method: "PUT", body: text });
const get = async (s: TestServer, path: string, input?: unknown) => {
	const res = await fetch(`${s.url}/v1/data/${path}`, {
		method: "POST",
		body: JSON.stringify({ input }),
	});
	return ((await res.json()) as { result?: unknown }).result;
};

describe("/v1/policies", () => {
	it("without a bundle: an upload is the running policy, a delete takes it away", async () => {
		server = await startTestServer({});
		expect((await fetch(`${server.url}/ready`)).status).toBe(503);
		const r = await put(server, "a.rego", "package a\n\nx := 1 + 1\n");
		expect(r.status).toBe(200);
		expect(await r.text()).toBe("{}\n");
		expect(await get(server, "a/x")).toBe(2);
		expect((await fetch(`${server.url}/ready`)).status).toBe(200);
		expect(await (await fetch(`${server.url}/v1/policies`)).json()).toEqual({
			result: [{ id: "a.rego", raw: "package a\n\nx := 1 + 1\n" }],
		});
		expect((await fetch(`${server.url}/v1/policies/a.rego`, { method: "DELETE" })).status).toBe(
			200,
		);
		expect(await get(server, "a/x")).toBeUndefined();
		const noId = await put(server, "", "package b\n\ny := 1\n");
		expect(noId.status).toBe(400);
		expect(((await noId.json()) as { message: string }).message).toMatch(/a policy id is needed/);
	});

	it("compiles uploads with the bundle, answers with a replaced module at once, keeps uploads across a new bundle", async () => {
		const spec = (admins: string[], revision: string) => ({
			sources: { "app/app.rego": APP },
			entrypoints: ["app/allow"],
			data: { admins },
			revision,
			roots: ["app", "admins"],
		});
		const file = writeBundleFile(spec(["alice"], "r1"));
		server = await startTestServer({ bundle: { path: file, watch: true } });
		const s = server;
		expect(await get(s, "app/allow", { user: "alice" })).toBe(true);

		const uses = `package ext

import data.app

default alice := false

default bob := false

alice if app.allow with input as {"user": "alice"}

bob if app.allow with input as {"user": "bob"}
`;
		const up = await put(s, "ext.rego", uses);
		expect(up.status, await up.clone().text()).toBe(200);
		expect(await get(s, "ext/alice")).toBe(true);
		expect(await get(s, "ext/bob")).toBe(false);
		expect(await get(s, "app/allow", { user: "alice" })).toBe(true);

		// Owned by the bundle: refused by name, as OPA refuses it.
		const owned = await put(s, "mine.rego", "package app.extra\n\nx := 1\n");
		expect(owned.status).toBe(400);
		expect(await owned.json()).toEqual({
			code: "invalid_parameter",
			message: `path app/extra is owned by bundle ${JSON.stringify(file)}`,
		});
		const del = await fetch(`${s.url}/v1/policies/${file}/app/app.rego`, { method: "DELETE" });
		expect(del.status).toBe(400);
		expect(((await del.json()) as { message: string }).message).toBe(
			`path app is owned by bundle ${JSON.stringify(file)}`,
		);

		// A compile error leaves the running policy as it was.
		const bad = await put(s, "ext.rego", "package ext\n\nalice := nope\n");
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({
			code: "invalid_parameter",
			errors: [
				{
					code: "rego_unsafe_var_error",
					message: "var nope is unsafe",
					location: { file: "ext.rego", row: 3, col: 10 },
				},
			],
		});
		expect(await get(s, "ext/alice")).toBe(true);

		// The same question after a replacement gets the new module's answer.
		expect((await put(s, "v.rego", "package v\n\nx := input.n\n")).status).toBe(200);
		expect(await get(s, "v/x", { n: 1 })).toBe(1);
		expect((await put(s, "v.rego", "package v\n\nx := input.n + 1\n")).status).toBe(200);
		expect(await get(s, "v/x", { n: 1 })).toBe(2);

		// A new bundle revision: bob is an admin now, and the upload is still compiled in.
		const activated = new Promise<void>((resolve) => {
			const off = s.running.engine.onActivation((e) => {
				if (e.revision === "r2" && e.outcome === "success") {
					off();
					resolve();
				}
			});
		});
		writeFileSync(
			file,
			await (async () => {
				const { buildBundle } = await import("./build-bundle.ts");
				return buildBundle(spec(["alice", "bob"], "r2"));
			})(),
		);
		await activated;
		expect(await get(s, "ext/bob")).toBe(true);
		expect((await (await fetch(`${s.url}/v1/policies/ext.rego`)).json()) as unknown).toEqual({
			result: { id: "ext.rego", raw: uses },
		});
	});

	it("next to a folder of .rego sources (plain files, as opa run -s loads them): uploads anywhere", async () => {
		const folder = mkdtempSync(join(tmpdir(), "gavel-policies-src-"));
		writeFileSync(join(folder, "app.rego"), "package app\n\np := 1\n");
		server = await startTestServer({ bundle: { path: folder, watch: false } });
		expect((await put(server, "more.rego", "package app\n\nr := 2\n")).status).toBe(200);
		expect(await get(server, "app/r")).toBe(2);
		expect(await get(server, "app/p")).toBe(1);
		const del = await fetch(`${server.url}/v1/policies/${folder}/app.rego`, { method: "DELETE" });
		expect(del.status).toBe(400);
		expect(((await del.json()) as { message: string }).message).toMatch(
			/is a file of the served source folder/,
		);
	});

	it("refuses uploads next to a bundle that carries policy.wasm without its sources", async () => {
		const file = writeBundleFile({
			sources: { "app.rego": APP },
			entrypoints: ["app/allow"],
			data: { admins: [] },
			revision: "w1",
			roots: ["app"],
			withoutSources: true,
		});
		server = await startTestServer({ bundle: { path: file, watch: false } });
		const r = await put(server, "ext.rego", "package ext\n\nx := 1\n");
		expect(r.status).toBe(400);
		expect(((await r.json()) as { message: string }).message).toMatch(
			/carries policy\.wasm without its \.rego sources/,
		);
		expect(await get(server, "app/allow", { user: "x" })).toBe(false);
		expect((await fetch(`${server.url}/v1/policies/ext.rego`)).status).toBe(404);
	});
});
