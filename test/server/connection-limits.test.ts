// Slow clients must not exhaust the server: headers and bodies that trickle in are cut off
// by server.headersTimeoutSeconds / requestTimeoutSeconds (Node's defaults are 60 s and
// 300 s, checked every 30 s), and server.maxConnections caps open sockets, so a normal client
// keeps getting answers. Loopback only; every socket is closed by the test or the server.

import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer | undefined;
afterEach(async () => {
	await t?.close();
	t = undefined;
});

interface RawSocket {
	socket: Socket;
	/** Everything the server sent, once it closed the connection. */
	closed: Promise<string>;
	/** Whether the server had closed it (set when closed resolves). */
	done: () => boolean;
}

function open(url: string): Promise<RawSocket> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve, reject) => {
		const socket = connect(Number(port), hostname);
		let received = "";
		let isDone = false;
		socket.setEncoding("utf8");
		socket.on("data", (d: string) => {
			received += d;
		});
		const closed = new Promise<string>((r) =>
			socket.on("close", () => {
				isDone = true;
				r(received);
			}),
		);
		socket.on("error", () => {});
		socket.once("connect", () => resolve({ socket, closed, done: () => isDone }));
		socket.once("error", reject);
	});
}

describe("slow clients", () => {
	it("300 sockets sending headers that never end are cut off while a normal client keeps getting answers", async () => {
		t = await startTestServer({
			server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 },
		});
		const slow = await Promise.all(Array.from({ length: 300 }, () => open(t?.url ?? "")));
		for (const s of slow)
			s.socket.write("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
		// A normal client, meanwhile, is answered every time.
		for (let i = 0; i < 20; i++) {
			const res = await fetch(`${t.url}/openapi.json`);
			expect(res.status).toBe(200);
			await res.arrayBuffer();
		}
		// Every slow socket is closed by the server (a 408 answer), not by the test.
		const answers = await Promise.all(slow.map((s) => s.closed));
		expect(answers.every((a) => a.startsWith("HTTP/1.1 408"))).toBe(true);
		expect((await fetch(`${t.url}/openapi.json`)).status).toBe(200);
	}, 60_000);

	it("a request body that trickles in is cut off at server.requestTimeoutSeconds", async () => {
		t = await startTestServer({
			server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 },
		});
		const token = await sign(t.rsa, { roles: ["admin"] });
		const s = await open(t.url);
		const length = 100_000;
		s.socket.write(
			`POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`,
		);
		let sent = 1;
		// One byte every 50 ms: the whole body would take over an hour.
		while (!s.done() && sent < length) {
			await new Promise((r) => setTimeout(r, 50));
			if (!s.done()) s.socket.write(" ");
			sent++;
		}
		expect(s.done()).toBe(true);
		expect(sent).toBeLessThan(length);
		expect(await s.closed).toMatch(/^HTTP\/1\.1 408/);
		// Not a server error in the metrics.
		const m = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		const fiveHundreds = [...m].filter(([k, v]) => /status="5\d\d"/.test(k) && v > 0);
		expect(fiveHundreds).toEqual([]);
	}, 60_000);

	it("server.maxConnections: a connection past the cap is closed at once; under it, clients are answered", async () => {
		t = await startTestServer({ server: { maxConnections: 20 } });
		const held = await Promise.all(Array.from({ length: 20 }, () => open(t?.url ?? "")));
		// Wait until the server has counted them all (connections are accepted asynchronously).
		const extra = await open(t.url);
		extra.socket.write("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
		expect(await extra.closed).toBe("");
		for (const h of held) h.socket.destroy();
		await Promise.all(held.map((h) => h.closed));
		// The server learns of the closes asynchronously; a client retries until answered.
		let status = 0;
		while (status !== 200) {
			status = await fetch(`${t.url}/openapi.json`).then(
				(r) => r.status,
				() => 0,
			);
		}
		expect(status).toBe(200);
	}, 60_000);

	it("an idle keep-alive connection is closed after server.keepAliveTimeoutSeconds", async () => {
		t = await startTestServer({ server: { keepAliveTimeoutSeconds: 1 } });
		const s = await open(t.url);
		s.socket.write("GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
		const answer = await s.closed;
		expect(answer).toMatch(/^HTTP\/1\.1 200/);
		expect(answer).toMatch(/Keep-Alive: timeout=1/i);
	}, 30_000);

	it("validates the settings", async () => {
		const { validateConfig, ConfigError } = await import("../../src/server/config.ts");
		const c = validateConfig({});
		expect(c.server.headersTimeoutSeconds).toBeGreaterThan(0);
		expect(c.server.requestTimeoutSeconds).toBeGreaterThanOrEqual(c.server.headersTimeoutSeconds);
		expect(c.server.keepAliveTimeoutSeconds).toBeGreaterThan(0);
		expect(c.server.maxConnections).toBeGreaterThan(0);
		expect(() =>
			validateConfig({ server: { headersTimeoutSeconds: 30, requestTimeoutSeconds: 10 } }),
		).toThrow(ConfigError);
		expect(() => validateConfig({ server: { maxConnections: 0 } })).toThrow(/maxConnections/);
	});
});
