// A client that sends half a body and closes is the client's failure, not the server's: it
// is counted as gavel_http_requests_total{status="aborted"}, never as a 5xx (which would fire
// GavelServerErrors), on /v1/decide, the Data API and AuthZEN. Real sockets on loopback.

import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), "gavel-abort-"));
	const { sources, data } = repoPolicies();
	const file = join(dir, "b.tar.gz");
	writeFileSync(
		file,
		buildBundle({
			sources,
			data,
			entrypoints: ["example/allow", "authzen/allow"],
			revision: "abort-1",
		}),
	);
	t = await startTestServer({ bundle: { path: file, watch: false } });
});
afterAll(async () => {
	await t.close();
});

/** Send the headers and half of a 200-byte body, then close; resolves when closed. */
function halfBody(path: string, headers: Record<string, string> = {}): Promise<void> {
	const { hostname, port } = new URL(t.url);
	return new Promise((resolve) => {
		const s = connect(Number(port), hostname, () => {
			const extra = Object.entries(headers)
				.map(([k, v]) => `${k}: ${v}\r\n`)
				.join("");
			s.write(
				`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n${extra}\r\n{"input": {"a": `,
			);
			// Once the server has the headers (it answers nothing yet), hang up mid-body.
			setTimeout(() => s.destroy(), 100);
		});
		s.on("error", () => {});
		s.on("close", () => resolve());
	});
}

async function series(): Promise<Map<string, number>> {
	return parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
}

describe("a client that closes mid-body", () => {
	it.each([
		["/v1/decide", "/v1/decide", true],
		["/v1/data/example/allow", "/v1/data/*", false],
		["/access/v1/evaluation", "/access/v1/evaluation", false],
		["/access/v1/evaluations", "/access/v1/evaluations", false],
	])(
		"on %s is counted as aborted, not as a 5xx",
		async (path, route, needsToken) => {
			const headers: Record<string, string> = needsToken
				? { Authorization: `Bearer ${await sign(t.rsa, { roles: ["admin"] })}` }
				: {};
			const key = `gavel_http_requests_total{route="${route}",method="POST",status="aborted"}`;
			const before = (await series()).get(key) ?? 0;
			await halfBody(path, headers);
			// The server sees the close asynchronously: scrape until the request is counted.
			let m = await series();
			while ((m.get(key) ?? 0) === before) m = await series();
			expect(m.get(key)).toBe(before + 1);
			const errors = [...m].filter(([k, v]) => /status="5\d\d"/.test(k) && v > 0);
			expect(errors).toEqual([]);
			// And the service answers the next caller normally.
			expect((await fetch(`${t.url}/health`)).status).toBe(200);
		},
		30_000,
	);
});
