// A server for bench/http.ts, run in its own process so the load generator does not share its
// event loop: `gavel CONFIG_JSON` starts Gavel; `hono` starts a bare Hono endpoint of the same
// shape (parse the JSON body, answer a small JSON decision): the floor any Hono service pays;
// `node` the same endpoint on node:http alone, to show what Hono's adapter itself costs;
// `otlp` starts a trace sink for Gavel with tracing on: it decodes each OTLP/HTTP export to
// count its spans, and answers GET /count with {"exports", "spans", "bytes"}.
// Prints {"port": N} on stdout once listening.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import { startGavel } from "../src/node.ts";
import { validateConfig } from "../src/server/config.ts";
import { decodeTraceRequest } from "../test/server/otlp-receiver.ts";
import { bareHono, bareNode } from "./bare-endpoints.ts";

const [mode, configJson] = process.argv.slice(2);

if (mode === "gavel") {
	const running = await startGavel(validateConfig(JSON.parse(configJson ?? "{}")), {
		writeLog: () => {},
		info: () => {},
	});
	console.log(JSON.stringify({ port: running.port }));
} else if (mode === "hono") {
	const server = serve({ fetch: bareHono().fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
		console.log(JSON.stringify({ port: info.port }));
	});
	process.on("SIGTERM", () => server.close());
} else if (mode === "node") {
	const server = createServer(bareNode);
	server.listen(0, "127.0.0.1", () => {
		console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
	});
	process.on("SIGTERM", () => server.close());
} else if (mode === "otlp") {
	const count = { exports: 0, spans: 0, bytes: 0 };
	const server = createServer((req, res) => {
		if (req.method === "GET") {
			res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(count));
			return;
		}
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks);
			count.exports++;
			count.bytes += body.length;
			count.spans += decodeTraceRequest(body).length;
			res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
		});
	});
	server.listen(0, "127.0.0.1", () => {
		console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
	});
	process.on("SIGTERM", () => server.close());
} else {
	console.error("usage: http-server.ts gavel CONFIG_JSON | hono | node | otlp");
	process.exit(2);
}
