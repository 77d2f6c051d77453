// HTTP bundle downloads are bounded before and after decompression: a real loopback bundle
// server sends oversize bodies, and each is a failed activation that keeps the active bundle.

import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ActivationEvent, Engine, HttpBundleSource } from "../../src/engine/index.ts";
import { buildBundle } from "./build-bundle.ts";
import { startTestServer } from "./helpers.ts";

type Mode = "good" | "declared" | "chunked" | "bomb";
let mode: Mode = "good";
const LIMIT = 256 * 1024;
const good = buildBundle({
	sources: { "app.rego": "package app\n\nimport rego.v1\n\nallow := true\n" },
	entrypoints: ["app/allow"],
	revision: "ok-1",
});
// Small on the wire, 8 MiB once inflated.
const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
const sent = { bytes: 0, finished: false, closed: false };

/** Streams `total` bytes in 64 KiB chunks, honouring backpressure, until the client goes. */
async function streamBody(res: ServerResponse, total: number): Promise<void> {
	const chunk = Buffer.alloc(64 * 1024, 7);
	while (sent.bytes < total && !res.destroyed) {
		sent.bytes += chunk.length;
		if (!res.write(chunk)) {
			await new Promise<void>((r) => {
				const done = () => {
					res.off("drain", done);
					res.off("close", done);
					r();
				};
				res.on("drain", done);
				res.on("close", done);
			});
		}
	}
	if (!res.destroyed) {
		res.end();
		sent.finished = true;
	}
}

let server: Server;
let url: string;
beforeAll(async () => {
	server = createServer((_req, res) => {
		sent.bytes = 0;
		sent.finished = false;
		sent.closed = false;
		res.on("close", () => {
			sent.closed = true;
		});
		if (mode === "good") return void res.writeHead(200).end(good);
		if (mode === "bomb") return void res.writeHead(200).end(bomb);
		if (mode === "declared") {
			res.writeHead(200, { "content-length": String(32 * 1024 * 1024) });
		} else {
			// No Content-Length: only counting the stream can catch it.
			res.writeHead(200, { "transfer-encoding": "chunked" });
		}
		void streamBody(res, 32 * 1024 * 1024);
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundle.tar.gz`;
});
afterAll(() => {
	server.closeAllConnections();
	server.close();
});

async function activeSource() {
	const engine = new Engine();
	const events: ActivationEvent[] = [];
	engine.onActivation((e) => events.push(e));
	const source = new HttpBundleSource(engine, {
		url,
		maxDownloadBytes: LIMIT,
		limits: { maxArchiveBytes: 1024 * 1024 },
		timeoutMs: 10_000,
	});
	mode = "good";
	expect(await source.poll()).toMatchObject({ outcome: "success", revision: "ok-1" });
	return { engine, events, source };
}

describe("HTTP bundle download limits", () => {
	it("refuses a body whose Content-Length is over bundle.maxDownloadBytes, keeping the active bundle", async () => {
		const { engine, events, source } = await activeSource();
		mode = "declared";
		const event = await source.poll();
		expect(event).toMatchObject({ outcome: "failure" });
		expect(event?.error).toMatch(/download failed: .*exceeds the 262144-byte download limit/);
		expect(events.map((e) => e.outcome)).toEqual(["success", "failure"]);
		expect(engine.current()?.revision).toBe("ok-1");
		expect(engine.current()?.evaluate("app/allow", {})).toBe(true);
	});

	it("aborts a chunked body mid-stream once it passes the cap", async () => {
		const { engine, events, source } = await activeSource();
		mode = "chunked";
		const event = await source.poll();
		expect(event).toMatchObject({ outcome: "failure" });
		expect(event?.error).toMatch(/exceeds the 262144-byte download limit/);
		expect(events.map((e) => e.outcome)).toEqual(["success", "failure"]);
		expect(engine.current()?.revision).toBe("ok-1");
		// The client hung up: the server never got to send the whole 32 MiB.
		expect(sent.finished).toBe(false);
		expect(sent.bytes).toBeLessThan(32 * 1024 * 1024);
	});

	it("refuses a small download that inflates past the reader's archive limit", async () => {
		const { engine, events, source } = await activeSource();
		expect(bomb.length).toBeLessThan(LIMIT);
		mode = "bomb";
		const event = await source.poll();
		expect(event).toMatchObject({ outcome: "failure" });
		expect(event?.error).toMatch(/inflates beyond the 1048576-byte limit/);
		expect(events.map((e) => e.outcome)).toEqual(["success", "failure"]);
		expect(engine.current()?.revision).toBe("ok-1");
	});

	it("takes bundle.maxDownloadBytes from the server's configuration", async () => {
		mode = "chunked";
		const gavel = await startTestServer({
			bundle: { url, maxDownloadBytes: LIMIT, minDelaySeconds: 60, maxDelaySeconds: 120 },
		});
		try {
			for (let i = 0; i < 200 && !sent.closed; i++) await new Promise((r) => setTimeout(r, 25));
			// The configured cap (not the 64 MiB default) ended the 32 MiB download early.
			expect(sent.closed).toBe(true);
			expect(sent.finished).toBe(false);
			expect(sent.bytes).toBeLessThan(32 * 1024 * 1024);
			expect(gavel.running.engine.current()).toBeUndefined();
		} finally {
			await gavel.close();
		}
	});

	it("defaults to a 64 MiB download cap, as the configuration documents", async () => {
		const { DEFAULT_MAX_DOWNLOAD_BYTES } = await import("../../src/engine/sources/http-source.ts");
		const { DEFAULT_CONFIG } = await import("../../src/server/config.ts");
		expect(DEFAULT_MAX_DOWNLOAD_BYTES).toBe(64 * 1024 * 1024);
		expect(DEFAULT_CONFIG.bundle.maxDownloadBytes).toBe(DEFAULT_MAX_DOWNLOAD_BYTES);
	});
});
