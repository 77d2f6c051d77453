// The batched HTTP decision-log sink against real collectors on loopback: one that refuses
// bodies over 1 MiB (as many collectors and proxies do), and one that is down for a while.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { writeBundleFile } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

const MiB = 1024 * 1024;

const POLICY = `package tests

import rego.v1

allow if true
`;

interface Collector {
	url: string;
	server: Server;
	/** Every POST received, with the status answered. */
	hits: { status: number; bytes: number }[];
	/** decision_id of every entry accepted. */
	delivered: string[];
	close(): Promise<void>;
}

/** A decision-log collector: answers `status(req, bytes)` for each upload it reads. */
async function collector(status: (bytes: number) => number): Promise<Collector> {
	const hits: Collector["hits"] = [];
	const delivered: string[] = [];
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks);
			const s = status(body.length);
			hits.push({ status: s, bytes: body.length });
			if (s < 300) {
				for (const e of JSON.parse(body.toString("utf8")) as { decision_id: string }[]) {
					delivered.push(e.decision_id);
				}
			}
			res.writeHead(s, { "content-type": "application/json" }).end("{}");
		});
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`,
		server,
		hits,
		delivered,
		close: () =>
			new Promise<void>((r) => {
				server.closeAllConnections();
				server.close(() => r());
			}),
	};
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
	for (let i = 0; i < 600; i++) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`not reached: ${what}`);
}

let t: TestServer | undefined;
let sink: Collector | undefined;
afterEach(async () => {
	await t?.close();
	await sink?.close();
	t = undefined;
	sink = undefined;
});

async function serverWith(url: string, decisionLog: Record<string, unknown>) {
	const file = writeBundleFile({
		sources: { "tests.rego": POLICY },
		entrypoints: ["tests/allow"],
		revision: "sink-1",
	});
	return startTestServer({
		bundle: { path: file },
		policy: { default: "tests/allow" },
		cache: { enabled: false },
		server: { bodyLimitBytes: 4 * MiB },
		decisionLog: { url, ...decisionLog },
	});
}

async function decide(server: TestServer, token: string, context: unknown): Promise<string> {
	const res = await server.post("/v1/decide", { context }, { authorization: `Bearer ${token}` });
	expect(res.status).toBe(200);
	return ((await res.json()) as { decision_id: string }).decision_id;
}

describe("HTTP decision-log sink and a collector with a 1 MiB body limit", () => {
	it("uploads stay within the byte cap and batchSize: every entry is delivered", async () => {
		// Down at first, so entries pile up (as after any outage), then up with a 1 MiB limit.
		let up = false;
		sink = await collector((bytes) => (!up ? 503 : bytes > MiB ? 413 : 204));
		// A batch size the byte cap must override: 300 entries of ~20 KB is ~6 MB in one batch.
		t = await serverWith(sink.url, { batchSize: 1000, flushIntervalMs: 50, retryMaxMs: 500 });
		const token = await sign(t.rsa);
		const ids: string[] = [];
		for (let i = 0; i < 300; i++) ids.push(await decide(t, token, { i, blob: "x".repeat(20_000) }));
		await until(() => (sink?.hits.length ?? 0) > 0, "a first upload (refused)");
		up = true;
		await until(() => sink?.delivered.length === ids.length, "all 300 entries delivered");
		expect(new Set(sink.delivered)).toEqual(new Set(ids));
		expect(sink.hits.every((h) => h.bytes <= MiB)).toBe(true);
	});

	it("a cap above the collector's limit: a 413 splits the batch; one entry too large alone is dropped and counted", async () => {
		sink = await collector((bytes) => (bytes > MiB ? 413 : 204));
		t = await serverWith(sink.url, {
			batchSize: 50,
			flushIntervalMs: 50,
			maxUploadBytes: 8 * MiB,
		});
		const token = await sign(t.rsa);
		const ids: string[] = [];
		for (let i = 0; i < 40; i++) ids.push(await decide(t, token, { i, blob: "y".repeat(100_000) }));
		const huge = await decide(t, token, { blob: "h".repeat(1.5 * MiB) });
		for (let i = 40; i < 50; i++)
			ids.push(await decide(t, token, { i, blob: "y".repeat(100_000) }));
		await until(() => sink?.delivered.length === ids.length, "all 50 ordinary entries delivered");
		expect(new Set(sink.delivered)).toEqual(new Set(ids));
		expect(sink.delivered).not.toContain(huge);
		expect(sink.hits.some((h) => h.status === 413)).toBe(true);
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(m.get('gavel_decision_log_dropped_total{sink="http"}')).toBe(1);
	});
});

describe("HTTP decision-log sink that fails", () => {
	it("retries are spaced out by backoff while decisions are answered; once it recovers, the buffer drains", async () => {
		let up = false;
		sink = await collector(() => (up ? 204 : 500));
		t = await serverWith(sink.url, {
			batchSize: 5,
			flushIntervalMs: 10,
			retryMinMs: 200,
			retryMaxMs: 1000,
		});
		const token = await sign(t.rsa);
		const ids: string[] = [];
		// Decisions for a while against a sink answering 500: each full batch of 5 would be an
		// upload without backoff.
		const windowStart = Date.now();
		while (ids.length < 400 || Date.now() - windowStart < 2000) {
			ids.push(await decide(t, token, { i: ids.length }));
		}
		const elapsed = Date.now() - windowStart;
		const failed = sink.hits.length;
		// With backoff from 200 ms doubling to 1000 ms, jittered to no less than half of each
		// step, the retries over `elapsed` ms are few; this bound follows from the delays alone,
		// not from how fast the server answers.
		let bound = 1;
		for (let spent = 0, step = 200; spent < elapsed; bound++) {
			spent += step / 2;
			step = Math.min(step * 2, 1000);
		}
		expect(failed).toBeGreaterThanOrEqual(1);
		expect(failed).toBeLessThanOrEqual(bound + 1);
		expect(ids.length).toBeGreaterThanOrEqual(400);
		up = true;
		await until(() => sink?.delivered.length === ids.length, "the buffered entries delivered");
		expect(new Set(sink.delivered)).toEqual(new Set(ids));
	});
});
