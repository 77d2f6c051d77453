// The service under the faults an operator meets: bundles rewritten (partly written, broken)
// while requests are in flight, the JWKS server going away, tokens expiring while their
// decisions sit in the cache. Every answer must be a valid decision or a named refusal.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeBundle } from "../../src/bundle/index.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { makeSigner, parseMetrics, sign, startTestServer } from "./helpers.ts";

function bundle(revision: string): Uint8Array {
	const { sources, data } = repoPolicies();
	return buildBundle({ sources, data, entrypoints: ["example/allow"], revision });
}

/** A well-formed archive whose policy.wasm is not a Wasm module. */
function brokenWasm(revision: string): Uint8Array {
	return writeBundle({
		manifest: {
			revision,
			roots: [""],
			wasm: [{ entrypoint: "example/allow", module: "/policy.wasm" }],
		},
		data: {},
		wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5]),
		rego: new Map(),
	});
}

describe("bundle rewritten while requests are in flight", () => {
	it("every answer is a decision from a revision that was good; partial and broken bundles never activate", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-swap-"));
		const file = join(dir, "app.tar.gz");
		writeFileSync(file, bundle("rev-0"));
		const t = await startTestServer({ bundle: { path: dir } });
		try {
			const token = await sign(t.rsa, { roles: ["admin"] });
			const good = new Set(["rev-0"]);
			const answers: string[] = [];
			let writing = true;
			const client = async () => {
				let n = 0;
				while (writing) {
					const res = await t.post(
						"/v1/decide",
						{ action: "read", context: { n: n++ } },
						{ authorization: `Bearer ${token}` },
					);
					const body = (await res.json()) as { allow?: boolean; revision?: string };
					answers.push(`${res.status} ${body.allow} ${body.revision}`);
				}
			};
			const clients = Array.from({ length: 6 }, client);
			for (let i = 1; i <= 6; i++) {
				const next = bundle(`rev-${i}`);
				// Written in place, not renamed: the watcher sees the half-written file first.
				writeFileSync(file, next.slice(0, next.length >> 1));
				await new Promise((r) => setTimeout(r, 60));
				const events: string[] = [];
				const off = t.running.engine.onActivation((e) => events.push(e.revision ?? e.outcome));
				const broken = i % 3 === 0;
				writeFileSync(file, broken ? brokenWasm(`broken-${i}`) : next);
				if (!broken) good.add(`rev-${i}`);
				// Until the watcher has read the final file: its revision activates, or it fails.
				const settled = () => (broken ? events.includes("failure") : events.includes(`rev-${i}`));
				for (let w = 0; w < 400 && !settled(); w++) await new Promise((r) => setTimeout(r, 25));
				off();
				expect(settled()).toBe(true);
			}
			writing = false;
			await Promise.all(clients);
			expect(answers.length).toBeGreaterThan(0);
			const bad = answers.filter((a) => {
				const [status, allow, revision] = a.split(" ");
				return status !== "200" || allow !== "true" || !good.has(revision);
			});
			expect(bad).toEqual([]);
			const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
			expect(m.get('gavel_bundle_activations_total{outcome="failure"}')).toBeGreaterThanOrEqual(2);
			expect([...m.keys()].some((k) => k.includes('revision="broken-'))).toBe(false);
		} finally {
			await t.close();
		}
	});
});

describe("JWKS server gone mid-run", () => {
	it("keys already fetched keep verifying new tokens; an unknown kid is a 401 naming the reason", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-jwks-down-"));
		writeFileSync(join(dir, "app.tar.gz"), bundle("rev-1"));
		const t = await startTestServer({ bundle: { path: dir } });
		try {
			const warm = await t.post("/v1/decide", {}, { authorization: `Bearer ${await sign(t.ec)}` });
			expect(warm.status).toBe(200);
			await t.jwks.close();
			// A token never seen before, signed by a key the JWKS listed: no fetch needed.
			const fresh = await sign(t.rsa, { roles: ["admin"], jti: "after-outage" });
			const ok = await t.post("/v1/decide", {}, { authorization: `Bearer ${fresh}` });
			expect(ok.status).toBe(200);
			expect(await ok.json()).toMatchObject({ allow: true });
			const stranger = await sign(await makeSigner("RS256", "rotated-in-during-outage"));
			const refused = await t.post("/v1/decide", {}, { authorization: `Bearer ${stranger}` });
			expect(refused.status).toBe(401);
			expect(refused.headers.get("www-authenticate")).toMatch(/invalid_token/);
			const body = (await refused.json()) as { reason: string };
			expect(["unknown_key", "keys_unavailable"]).toContain(body.reason);
		} finally {
			await t.close();
		}
	});
});

describe("decision cache and token expiry", () => {
	it("a cached allow is never served once the token has expired", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-exp-"));
		writeFileSync(join(dir, "app.tar.gz"), bundle("rev-1"));
		const t = await startTestServer({
			bundle: { path: dir },
			auth: { clockToleranceSeconds: 0 },
			cache: { ttlSeconds: 600 },
		});
		try {
			const token = await sign(t.rsa, { roles: ["admin"] }, { expSeconds: 2 });
			const exp = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).exp;
			const call = async () => {
				const res = await t.post(
					"/v1/decide",
					{ action: "read" },
					{ authorization: `Bearer ${token}` },
				);
				return { status: res.status, body: (await res.json()) as Record<string, unknown> };
			};
			expect((await call()).body).toMatchObject({ allow: true, cached: false });
			expect((await call()).body).toMatchObject({ allow: true, cached: true });
			while (Date.now() / 1000 < exp) await new Promise((r) => setTimeout(r, 100));
			const after = await call();
			expect(after.status).toBe(401);
			expect(after.body).toMatchObject({ reason: "expired" });
		} finally {
			await t.close();
		}
	});
});

describe("graceful shutdown", () => {
	it("a request in flight when shutdown starts is answered; new connections are refused", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-shutdown-"));
		writeFileSync(join(dir, "app.tar.gz"), bundle("rev-1"));
		const t = await startTestServer({
			bundle: { path: dir },
			server: { shutdownGraceSeconds: 30 },
		});
		const token = await sign(t.rsa, { roles: ["admin"] });
		let push: (s: string | null) => void = () => {};
		const body = new ReadableStream<Uint8Array>({
			start(ctrl) {
				push = (s) => (s === null ? ctrl.close() : ctrl.enqueue(new TextEncoder().encode(s)));
			},
		});
		const inflight = fetch(`${t.url}/v1/decide`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body,
			duplex: "half",
		} as RequestInit);
		push('{"action":');
		// Let the headers and first bytes reach the server, so the connection is busy, not idle.
		await new Promise((r) => setTimeout(r, 200));
		const closing = t.running.close();
		await expect(fetch(`${t.url}/health`)).rejects.toThrow();
		push('"read"}');
		push(null);
		const res = await inflight;
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ allow: true });
		await closing;
		await t.jwks.close();
	});
});
