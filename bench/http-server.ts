// A server for bench/http.ts, run in its own process so the load generator does not share its
// event loop: `gavel CONFIG_JSON` starts Gavel; `hono` starts a bare Hono endpoint of the same
// shape (parse the JSON body, answer a small JSON decision): the floor any Hono service pays.
// Prints {"port": N} on stdout once listening.

import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { startGavel } from "../src/node.ts";
import { validateConfig } from "../src/server/config.ts";

const [mode, configJson] = process.argv.slice(2);

if (mode === "gavel") {
	const running = await startGavel(validateConfig(JSON.parse(configJson ?? "{}")), {
		writeLog: () => {},
		info: () => {},
	});
	console.log(JSON.stringify({ port: running.port }));
} else if (mode === "hono") {
	const app = new Hono();
	app.post("/v1/decide", async (c) => {
		const body = await c.req.json();
		return c.json({ allow: typeof body === "object", cached: false });
	});
	const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
		console.log(JSON.stringify({ port: info.port }));
	});
	process.on("SIGTERM", () => server.close());
} else {
	console.error("usage: http-server.ts gavel CONFIG_JSON | hono");
	process.exit(2);
}
