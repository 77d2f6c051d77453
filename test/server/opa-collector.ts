// A control plane on loopback for the OPA management-API tests: serves one bundle under
// /bundles/, answers OAuth2 client-credentials requests on /token, accepts /logs and /status,
// and records every request (gzip bodies inflated, JSON parsed). HTTP, or HTTPS asking for a
// client certificate (recorded, not required). Used for both OPA and Gavel.

import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { gunzipSync } from "node:zlib";

export interface Recorded {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	/** Parsed JSON (or the text when it is not JSON). */
	body: unknown;
	raw: string;
	/** CN of a client certificate the TLS layer verified, if any. */
	clientCn?: string;
	at: number;
}

export interface Collector {
	url: string;
	requests: Recorded[];
	/** Status to answer per path prefix (default 200). */
	answer: Record<string, number>;
	/** Resolves with the first request (from `from`) that matches, or rejects after timeoutMs. */
	wait(pred: (r: Recorded) => boolean, timeoutMs?: number, from?: number): Promise<Recorded>;
	close(): Promise<void>;
}

export async function startCollector(options: {
	bundle: Uint8Array;
	tls?: { cert: Buffer; key: Buffer; ca: Buffer };
	token?: { access_token: string; expires_in: number };
}): Promise<Collector> {
	const requests: Recorded[] = [];
	const answer: Record<string, number> = {};
	const waiters: {
		pred: (r: Recorded) => boolean;
		from: number;
		resolve: (r: Recorded) => void;
	}[] = [];
	const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			let bytes = Buffer.concat(chunks);
			if (req.headers["content-encoding"] === "gzip") bytes = gunzipSync(bytes);
			const raw = bytes.toString("utf8");
			let body: unknown = raw;
			try {
				body = JSON.parse(raw);
			} catch {}
			const socket = req.socket as TLSSocket;
			const cert =
				typeof socket.getPeerCertificate === "function" && socket.authorized
					? socket.getPeerCertificate()
					: undefined;
			const r: Recorded = {
				method: req.method ?? "",
				url: req.url ?? "",
				headers: req.headers,
				body,
				raw,
				clientCn: cert?.subject?.CN as string | undefined,
				at: Date.now(),
			};
			requests.push(r);
			const path = r.url.split("?")[0];
			const status = Object.entries(answer).find(([p]) => path.startsWith(p))?.[1] ?? 200;
			if (status !== 200) {
				res.writeHead(status, { "content-type": "text/plain" });
				res.end("refused by the test");
			} else if (path.startsWith("/bundles/")) {
				res.writeHead(200, { "content-type": "application/gzip", etag: '"b1"' });
				res.end(options.bundle);
			} else if (path === "/token" && options.token) {
				res.writeHead(200, { "content-type": "application/json" });
				res.end(JSON.stringify({ ...options.token, token_type: "bearer" }));
			} else {
				res.writeHead(200);
				res.end();
			}
			for (const w of [...waiters]) {
				if (requests.indexOf(r) >= w.from && w.pred(r)) {
					waiters.splice(waiters.indexOf(w), 1);
					w.resolve(r);
				}
			}
		});
	};
	const server = options.tls
		? https.createServer({ ...options.tls, requestCert: true, rejectUnauthorized: false }, handler)
		: http.createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
		requests,
		answer,
		wait(pred, timeoutMs = 30_000, from = 0) {
			const seen = requests.slice(from).find(pred);
			if (seen) return Promise.resolve(seen);
			return new Promise((resolve, reject) => {
				const w = { pred, from, resolve };
				waiters.push(w);
				setTimeout(() => {
					const i = waiters.indexOf(w);
					if (i >= 0) {
						waiters.splice(i, 1);
						reject(new Error(`collector: no matching request within ${timeoutMs} ms`));
					}
				}, timeoutMs).unref();
			});
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
