// The floors the request benchmarks compare Gavel with, one definition for all of them
// (bench/http-server.ts serves them, bench/path.ts times them in process): an endpoint that
// parses the JSON body and answers a small JSON decision, on Hono and on node:http alone.

import type { IncomingMessage, ServerResponse } from "node:http";
import { Hono } from "hono";

/** POST /v1/decide on Hono: the floor any Hono service pays. */
export function bareHono(): Hono {
	const app = new Hono();
	app.post("/v1/decide", async (c) => {
		const body = await c.req.json();
		return c.json({ allow: typeof body === "object", cached: false });
	});
	return app;
}

/** The same endpoint on node:http alone (any path): what Hono's Node adapter itself costs. */
export function bareNode(req: IncomingMessage, res: ServerResponse): void {
	const chunks: Buffer[] = [];
	req.on("data", (c: Buffer) => chunks.push(c));
	req.on("end", () => {
		const body: unknown = JSON.parse(Buffer.concat(chunks).toString());
		const out = JSON.stringify({ allow: typeof body === "object", cached: false });
		res
			.writeHead(200, {
				"content-type": "application/json",
				"content-length": Buffer.byteLength(out),
			})
			.end(out);
	});
}
