// Decision-log lines a sink could not take are visible in /metrics as
// gavel_decision_log_dropped_total{sink}: here an HTTP decision-log service that keeps failing,
// against the real server's 16 MiB sink buffer. (The stdout sink is covered with a child
// process whose stdout is never read, in shutdown-stdout.test.ts.)

import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer | undefined;
let sink: Server | undefined;
afterAll(async () => {
	await t?.close();
	await new Promise((r) => sink?.close(r));
});

describe("gavel_decision_log_dropped_total", () => {
	it("counts lines the HTTP sink dropped, starting from 0", async () => {
		// A decision-log service that is down: every upload fails, entries pile up in the buffer.
		let uploads = 0;
		sink = createServer((req, res) => {
			uploads++;
			req.resume();
			req.on("end", () => res.writeHead(503).end());
		});
		await new Promise<void>((r) => sink?.listen(0, "127.0.0.1", r));
		const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/logs`;
		const dir = mkdtempSync(join(tmpdir(), "gavel-dropped-"));
		const path = join(dir, "example.tar.gz");
		const { sources, data } = repoPolicies();
		writeFileSync(
			path,
			buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "d-1" }),
		);
		t = await startTestServer({
			bundle: { path },
			stateDir: dir,
			decisionLog: { enabled: true, url: sinkUrl, batchSize: 5, flushIntervalMs: 1 },
		});
		const before = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(before.get('gavel_decision_log_dropped_total{sink="http"}')).toBe(0);
		const token = await sign(t.ec, { roles: ["admin"] });
		// 24 entries of ~900 KB: ~21 MB against the 16 MiB buffer, so some must go.
		const blob = "z".repeat(900 * 1024);
		for (let i = 0; i < 24; i++) {
			const res = await t.post(
				"/v1/decide",
				{ action: "read", context: { blob, i } },
				{ authorization: `Bearer ${token}` },
			);
			expect(res.status).toBe(200);
		}
		// Entries in a failing upload rejoin the buffer when it fails, and are trimmed then: scrape
		// until every upload so far has come back (the sink keeps failing, so this converges).
		let after = new Map<string, number>();
		let dropped = 0;
		while (dropped < 24 - 18) {
			await new Promise((r) => setTimeout(r, 50));
			after = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
			dropped = after.get('gavel_decision_log_dropped_total{sink="http"}') ?? 0;
		}
		expect(uploads).toBeGreaterThan(0);
		// At most 16 MiB / 900 KB = 18 entries fit; the rest were dropped, oldest first.
		expect(dropped).toBeGreaterThanOrEqual(24 - 18);
		expect(dropped).toBeLessThan(24);
		expect(after.has('gavel_decision_log_dropped_total{sink="stdout"}')).toBe(false);
	}, 60_000);
});
