// A small upstream app for the gateway tests: records what reaches it and answers 200.

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
}

export interface Upstream {
	address: string;
	seen: SeenRequest[];
	close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
	const seen: SeenRequest[] = [];
	const server = createServer((req, res) => {
		seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
		res.writeHead(200, { "content-type": "text/plain" });
		res.end("upstream ok");
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		address: `127.0.0.1:${port}`,
		seen,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
