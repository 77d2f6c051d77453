import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { DecisionLogEntry } from "./decision-log.ts";
import { createPinoDecisionLogger } from "./pino-log.ts";

const entry = (id: string): DecisionLogEntry => ({
	decision_id: id,
	timestamp: "2026-01-01T00:00:00.000Z",
	path: "example/allow",
	input: { subject: { sub: "alice", email: "a@example.com" }, action: "read" },
	result: true,
	bundles: { gavel: { revision: "r1" } },
	requested_by: "127.0.0.1",
	cached: false,
	metrics: { timer_server_handler_ns: 1234 },
});

describe("decision log through pino", () => {
	it("writes one JSON line per decision: the entry's fields, masked, with OPA's console tags", () => {
		const lines: string[] = [];
		const log = createPinoDecisionLogger({
			write: (l) => lines.push(l),
			mask: ["/input/subject/email"],
		});
		log.log(entry("d1"));
		log.log(entry("d2"));
		expect(lines).toHaveLength(2);
		expect(lines[0].endsWith("\n")).toBe(true);
		const first = JSON.parse(lines[0]);
		const expected = {
			...entry("d1"),
			erased: ["/input/subject/email"],
			level: "info",
			msg: "Decision Log",
			type: "openpolicyagent.org/decision_logs",
		};
		delete (expected.input as { subject: { email?: string } }).subject.email;
		// No time, pid or hostname of pino's own.
		expect(first).toEqual(expected);
		expect(JSON.parse(lines[1]).decision_id).toBe("d2");
	});

	it("goes to stdout by default and is all written out by flush before exit", () => {
		// A child process, so the real fd-1 destination is used and read back.
		const script = `
			import { createPinoDecisionLogger } from ${JSON.stringify(new URL("./pino-log.ts", import.meta.url).pathname)};
			const log = createPinoDecisionLogger();
			for (let i = 0; i < 500; i++) log.log({ decision_id: "d" + i, timestamp: "t", path: "p", metrics: { timer_server_handler_ns: i } });
			await log.flush();
			process.exit(0);
		`;
		const out = spawnSync(
			process.execPath,
			["--import", "tsx", "--input-type=module", "-e", script],
			{
				encoding: "utf8",
			},
		);
		expect(out.stderr).toBe("");
		const lines = out.stdout.trimEnd().split("\n");
		expect(lines).toHaveLength(500);
		expect(JSON.parse(lines[499])).toMatchObject({
			decision_id: "d499",
			timestamp: "t",
			path: "p",
			metrics: { timer_server_handler_ns: 499 },
		});
	});

	it("does not hold a quiet service's line back for a fuller buffer", () => {
		// One line, no flush, no exit: the process ends when the event loop is empty, which
		// is once the asynchronous write is done.
		const script = `
			import { createPinoDecisionLogger } from ${JSON.stringify(new URL("./pino-log.ts", import.meta.url).pathname)};
			createPinoDecisionLogger().log({ decision_id: "only", timestamp: "t", path: "p", metrics: { timer_server_handler_ns: 1 } });
		`;
		const out = spawnSync(
			process.execPath,
			["--import", "tsx", "--input-type=module", "-e", script],
			{ encoding: "utf8" },
		);
		expect(JSON.parse(out.stdout)).toMatchObject({ decision_id: "only" });
	});

	it("bounds what it buffers for a stdout that stops reading: lines past the bound are dropped and counted", async () => {
		// The parent never reads the child's stdout, so the pipe fills and stays full.
		const script = `
			import { writeSync } from "node:fs";
			import { createPinoDecisionLogger } from ${JSON.stringify(new URL("./pino-log.ts", import.meta.url).pathname)};
			const log = createPinoDecisionLogger({ maxBufferedBytes: 1024 * 1024 });
			const blob = "z".repeat(100 * 1024);
			for (let i = 0; i < 200; i++) {
				log.log({ decision_id: "d" + i, timestamp: "t", path: "p", input: { blob }, metrics: { timer_server_handler_ns: i } });
			}
			writeSync(2, JSON.stringify({ dropped: log.dropped }));
			process.exit(0);
		`;
		const child = spawn(
			process.execPath,
			["--import", "tsx", "--input-type=module", "-e", script],
			{
				stdio: ["ignore", "pipe", "pipe"],
			},
		);
		let err = "";
		let out = "";
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (d: string) => {
			err += d;
			// The count is out: now read stdout, so the exit-time flush of the kept lines can end.
			if (err.endsWith("}")) {
				child.stdout.setEncoding("utf8");
				child.stdout.on("data", (o: string) => {
					out += o;
				});
			}
		});
		const code = await new Promise<number | null>((r) => child.on("close", r));
		expect(code).toBe(0);
		const { dropped } = JSON.parse(err) as { dropped: number };
		// ~20 MB logged against a 1 MiB buffer (and a 64 KiB pipe): nearly all dropped, not held.
		expect(dropped).toBeGreaterThanOrEqual(180);
		// The lines kept are all written, whole, in order.
		const lines = out.trimEnd().split("\n");
		expect(lines.length + dropped).toBe(200);
		expect(dropped).toBeLessThan(200);
		// Which lines survive depends on when the pipe drains (d0 is usually, not always, one of
		// them on a loaded machine); what is kept is whole JSON, in the order it was logged.
		const ids = lines.map((l) =>
			Number((JSON.parse(l) as { decision_id: string }).decision_id.slice(1)),
		);
		expect(ids).toEqual([...ids].sort((a, b) => a - b));
		expect(new Set(ids).size).toBe(ids.length);
	});
});

describe("flush on shutdown", () => {
	it("gives up on a stdout that is never read, counts the bytes left, and lets the process exit", async () => {
		// ~5 MB buffered against a 64 KiB pipe the parent never reads: an unbounded flushSync
		// (and pino's own at exit) would retry forever.
		const script = `
			import { writeSync } from "node:fs";
			import { createPinoDecisionLogger } from ${JSON.stringify(new URL("./pino-log.ts", import.meta.url).pathname)};
			const log = createPinoDecisionLogger({ flushDeadlineMs: 200 });
			const blob = "z".repeat(50 * 1024);
			for (let i = 0; i < 100; i++) {
				log.log({ decision_id: "d" + i, timestamp: "t", path: "p", input: { blob }, metrics: { timer_server_handler_ns: i } });
			}
			await log.flush();
			writeSync(2, JSON.stringify({ dropped: log.dropped, bytes: log.droppedAtFlushBytes }));
			process.exit(0);
		`;
		const child = spawn(
			process.execPath,
			["--import", "tsx", "--input-type=module", "-e", script],
			{ stdio: ["ignore", "pipe", "pipe"] },
		);
		let err = "";
		child.stderr.setEncoding("utf8");
		child.stderr.on("data", (d: string) => {
			err += d;
		});
		const code = await new Promise<number | null>((r) => child.on("close", r));
		expect(code).toBe(0);
		const { dropped, bytes } = JSON.parse(err) as { dropped: number; bytes: number };
		expect(dropped).toBe(0);
		// Most of the 5 MB never left the process; the pipe took at most its capacity.
		expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
	});
});
