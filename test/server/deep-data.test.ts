// Bundle data nested 2,000 levels deep (a JSON file is just text; nothing stops a bundle
// author from writing it): reading it through the Data API must not crash the request with
// "Maximum call stack size exceeded". Either the activation refuses it with the reason, or
// the answer is served; never a 500. (The base document with the rules' values merged in was
// deep-cloned with structuredClone, which recurses and overflowed at this depth.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleFile } from "./build-bundle.ts";
import { startTestServer, type TestServer } from "./helpers.ts";

const POLICY = `package example

import rego.v1

default allow := false

allow if input.user == "alice"
`;

function nested(depth: number): unknown {
	let v: unknown = "bottom";
	for (let i = 0; i < depth; i++) v = { d: v };
	return v;
}

let t: TestServer;
beforeAll(async () => {
	const file = writeBundleFile({
		sources: { "example.rego": POLICY },
		data: { deep: nested(2000), shallow: { ok: true } },
		entrypoints: ["example/allow"],
		revision: "deep-1",
	});
	t = await startTestServer({ bundle: { path: file, watch: false } });
});
afterAll(async () => {
	await t.close();
});

describe("2,000 levels of bundle data", () => {
	it("GET /v1/data/deep answers without a 500, and the service keeps answering", async () => {
		for (const path of ["/v1/data/deep", "/v1/data", "/v1/data/deep/d/d/d"]) {
			const res = await fetch(`${t.url}${path}`);
			const text = await res.text();
			expect(res.status, `${path}: ${text.slice(0, 200)}`).toBeLessThan(500);
			expect(text).not.toMatch(/call stack/i);
		}
		const res = await fetch(`${t.url}/v1/data/shallow`);
		expect(await res.json()).toMatchObject({ result: { ok: true } });
	}, 60_000);
});
