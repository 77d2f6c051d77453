// Data API paths strictly inside a rule document whose keys are computed (`p[q].r`, a partial
// object or set): no entrypoint names them, so Gavel compiles data.<path> from the running
// policy's sources, as OPA evaluates it. The answers were taken from `opa run --server` 1.22.3
// on this policy; test/differential/data-api.ts checks the same kind of paths against OPA.
// Known difference: OPA reads a numeric segment as a number even where a rule's key is the
// string ("1"), so s["1"] := 1 answers /v1/data/pkg/s/1 in Gavel (its entrypoint) and not in OPA.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

const POLICY = `package test

p[q].r contains s if {
	x := ["a", "b", "c"]
	q := x[_]
	s := x[_]
	q != s
}

p.b.r contains "foo"

n[1] := "one"

arr := [1, 2]

echo[k] := {"deep": input.v} if some k in ["m"]
`;

/** Path under /v1/data → OPA's body (GET, no input). */
const OPA_ANSWERS: Record<string, unknown> = {
	"test/p/b/r/c": { result: "c" },
	"test/p/a/r/b": { result: "b" },
	"test/p/b/r/foo": { result: "foo" },
	"test/p/b/r/zz": {},
	"test/p/z": {},
	// A segment spelled as a number is the number: n's key is 1.
	"test/n/1": { result: "one" },
	"test/n/01": { result: "one" },
	"test/arr/0": { result: 1 },
	"test/arr/1.0": { result: 2 },
	// Base data beside the rules is looked up as before.
	"test/base/k/0": { result: 1 },
};

let dir: string;
let server: TestServer;
beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "gavel-inside-"));
	writeFileSync(join(dir, "p.rego"), POLICY);
	writeFileSync(join(dir, "data.json"), JSON.stringify({ test: { base: { k: [1] } } }));
	server = await startTestServer({ bundle: { path: dir, watch: false } });
});
afterAll(async () => {
	await server?.close();
	rmSync(dir, { recursive: true, force: true });
});

describe("Data API paths inside rule documents", () => {
	it("answers each path as OPA's server does", async () => {
		for (const [path, want] of Object.entries(OPA_ANSWERS)) {
			const res = await fetch(`${server.url}/v1/data/${path}`);
			expect(res.status, path).toBe(200);
			const body = (await res.json()) as Record<string, unknown>;
			delete body.decision_id;
			expect(body, path).toEqual(want);
		}
	});

	it("evaluates the path with the request's input", async () => {
		const res = await fetch(`${server.url}/v1/data/test/echo/m/deep`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input: { v: 7 } }),
		});
		expect(((await res.json()) as { result?: unknown }).result).toBe(7);
	});

	it("answers the batch API the same way", async () => {
		const res = await fetch(`${server.url}/v1/batch/data/test/echo/m/deep`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ inputs: { one: { v: 1 }, two: { v: 2 } } }),
		});
		const body = (await res.json()) as { responses: Record<string, { result?: unknown }> };
		expect(body.responses.one.result).toBe(1);
		expect(body.responses.two.result).toBe(2);
	});

	it("answers a path the type checker refuses with OPA's 500 and its first line", async () => {
		const res = await fetch(`${server.url}/v1/data/test/arr/x`);
		expect(res.status).toBe(500);
		const body = (await res.json()) as { code: string; message: string };
		expect(body.code).toBe("internal_error");
		// OPA 1.22.3: the same line, then the ref with a caret and have/want lines.
		expect(body.message.split("\n")[0]).toBe(
			"1 error occurred: 1:1: rego_type_error: undefined ref: data.test.arr.x",
		);
	});

	it("logs and counts the decision under its path", async () => {
		server.logs.length = 0;
		await fetch(`${server.url}/v1/data/test/p/b/r/c`);
		const entry = server.logs.find((l) => l.path === "test/p/b/r/c");
		expect(entry?.result).toBe("c");
	});
});
