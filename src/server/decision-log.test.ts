import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createJsonLineLogger, type DecisionLogEntry, maskEntry } from "./decision-log.ts";
import { createHttpLogger } from "./decision-log-http.ts";

const entry = (): DecisionLogEntry => ({
	decision_id: "d1",
	timestamp: "2026-01-01T00:00:00Z",
	path: "example/allow",
	input: {
		subject: { sub: "alice", email: "a@example.com" },
		context: { cards: ["1", "2"] },
		"a/b": 1,
	},
	result: true,
	metrics: { timer_server_handler_ns: 10 },
});

describe("decision log", () => {
	it("erases masked JSON pointers and lists them, leaving the original intact", () => {
		const e = entry();
		const masked = maskEntry(e, [
			"/input/subject/email",
			"/input/context/cards/0",
			"/input/a~1b",
			"/input/absent",
		]);
		expect(masked.input).toEqual({ subject: { sub: "alice" }, context: { cards: ["2"] } });
		expect(masked.erased).toEqual([
			"/input/subject/email",
			"/input/context/cards/0",
			"/input/a~1b",
		]);
		expect((e.input as { subject: { email?: string } }).subject.email).toBe("a@example.com");
	});

	it("wildcards: * is any one key or index, ** any run of them; array elements removed without shifting", () => {
		const e: DecisionLogEntry = {
			...entry(),
			input: {
				cards: ["a", "b", "c"],
				rows: [
					[1, 2],
					[3, 4],
				],
				items: [{ secret: 1, keep: 1 }, { keep: 2 }, { secret: 3 }],
				deep: { a: { email: "x" }, b: [{ email: "y" }], email: "z" },
			},
		};
		const masked = maskEntry(e, [
			"/input/cards/*",
			"/input/rows/*/0",
			"/input/items/*/secret",
			"/input/**/email",
			"/input/deep/**/email",
		]);
		expect(masked.input).toEqual({
			cards: [],
			rows: [[2], [4]],
			items: [{ keep: 1 }, { keep: 2 }, {}],
			deep: { a: {}, b: [{}] },
		});
		expect(masked.erased).toEqual([
			"/input/cards/0",
			"/input/cards/1",
			"/input/cards/2",
			"/input/rows/0/0",
			"/input/rows/1/0",
			"/input/items/0/secret",
			"/input/items/2/secret",
			"/input/deep/email",
			"/input/deep/a/email",
			"/input/deep/b/0/email",
		]);
		// A removal reaching an array element and something inside a later element.
		const both = maskEntry({ ...entry(), input: { xs: [{ s: 1 }, { s: 2 }] } }, [
			"/input/xs/0",
			"/input/xs/1/s",
		]);
		expect(both.input).toEqual({ xs: [{}] });
	});

	it("writes one JSON line per decision", () => {
		const lines: string[] = [];
		const log = createJsonLineLogger((l) => lines.push(l), ["/input/subject/email"]);
		log.log(entry());
		log.log(entry());
		expect(lines).toHaveLength(2);
		expect(lines[0].endsWith("\n")).toBe(true);
		expect(lines[0].trimEnd().includes("\n")).toBe(false);
		expect(JSON.parse(lines[0])).toMatchObject({
			decision_id: "d1",
			path: "example/allow",
			erased: ["/input/subject/email"],
		});
	});
});

describe("batched HTTP decision log sink", () => {
	it("posts JSON arrays in batches, keeps a failed batch for the next attempt, masks entries", async () => {
		const batches: DecisionLogEntry[][] = [];
		let failNext = false;
		const server = createServer((req, res) => {
			let body = "";
			req.on("data", (c) => {
				body += c;
			});
			req.on("end", () => {
				if (failNext) {
					failNext = false;
					return void res.writeHead(503).end();
				}
				batches.push(JSON.parse(body));
				res.writeHead(204).end();
			});
		});
		await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
		const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`;
		const errors: string[] = [];
		const log = createHttpLogger({
			url,
			batchSize: 2,
			flushIntervalMs: 60_000,
			mask: ["/input/subject/email"],
			onError: (m) => errors.push(m),
		});
		try {
			log.log(entry());
			log.log({ ...entry(), decision_id: "d2" }); // a full batch goes out
			await log.flush();
			expect(batches).toHaveLength(1);
			expect(batches[0].map((e) => e.decision_id)).toEqual(["d1", "d2"]);
			expect(batches[0][0].erased).toEqual(["/input/subject/email"]);

			failNext = true;
			log.log({ ...entry(), decision_id: "d3" });
			await log.flush();
			expect(errors[0]).toMatch(/HTTP 503/);
			log.log({ ...entry(), decision_id: "d4" });
			await log.flush();
			expect(batches.at(-1)?.map((e) => e.decision_id)).toEqual(["d3", "d4"]);
			expect(log.dropped).toBe(0);
		} finally {
			server.close();
		}
	});

	it("a sink that never answers: uploads time out, at most one waits, the buffer stays bounded, flush returns", async () => {
		let received = 0;
		const hanging = createServer((req) => {
			received++;
			req.resume(); // read the body, never answer
		});
		await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", () => r()));
		const errors: string[] = [];
		const log = createHttpLogger({
			url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/logs`,
			batchSize: 10,
			flushIntervalMs: 60_000,
			maxBuffered: 100,
			timeoutMs: 200,
			onError: (m) => errors.push(m),
		});
		try {
			// 500 entries: 50 full batches' worth of flush requests while the first upload hangs.
			for (let i = 0; i < 500; i++) log.log({ ...entry(), decision_id: `d${i}` });
			await log.flush();
			// The first upload, then one more carrying whatever was buffered: not one per batch.
			expect(received).toBeLessThanOrEqual(2);
			expect(errors.length).toBeGreaterThanOrEqual(1);
			expect(errors[0]).toMatch(/decision log upload failed/);
			expect(log.dropped).toBe(400);
		} finally {
			hanging.closeAllConnections();
			hanging.close();
		}
	});

	it("bounds the buffer by bytes too: large inputs against a failing sink drop the oldest, keep the newest", async () => {
		let up = false;
		const batches: DecisionLogEntry[][] = [];
		const sink = createServer((req, res) => {
			let body = "";
			req.on("data", (c) => {
				body += c;
			});
			req.on("end", () => {
				if (!up) return void res.writeHead(503).end();
				batches.push(JSON.parse(body));
				res.writeHead(204).end();
			});
		});
		await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
		const maxBufferedBytes = 1024 * 1024;
		const log = createHttpLogger({
			url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/logs`,
			batchSize: 5,
			flushIntervalMs: 60_000,
			maxBufferedBytes,
			onError: () => {},
		});
		const big = (i: number): DecisionLogEntry => ({
			...entry(),
			decision_id: `big${i}`,
			input: { context: { blob: "z".repeat(100 * 1024) } },
		});
		try {
			// 40 entries of ~100 KB (~4 MB) against a sink that refuses them all: far under the
			// 10,000-entry bound, four times the byte bound.
			for (let i = 0; i < 40; i++) {
				log.log(big(i));
				await log.flush();
				expect(log.bufferedBytes).toBeLessThanOrEqual(maxBufferedBytes);
			}
			expect(log.dropped).toBeGreaterThan(0);
			up = true;
			await log.flush();
			const delivered = batches.flat().map((e) => e.decision_id);
			expect(delivered.length + log.dropped).toBe(40);
			expect(delivered.at(-1)).toBe("big39");
			expect(delivered).not.toContain("big0");
			expect(log.bufferedBytes).toBe(0);
		} finally {
			sink.closeAllConnections();
			sink.close();
		}
	});
});
