// The decision log on Node, through pino: one JSON line per decision with the entry's fields
// (OPA's decision-log shape), masked as decision-log.ts defines, tagged the way OPA's console
// decision logger tags its lines ("level":"info", "msg":"Decision Log", "type"); no pino
// time/pid/hostname (the entry has its own timestamp). By default lines go to stdout through pino's asynchronous
// destination, which buffers and writes off the request path; flush() drains it on shutdown.
// (The edge keeps createJsonLineLogger: pino's destinations need Node's file descriptors.)

import pino from "pino";
import { createMasker, type DecisionLogger } from "./decision-log.ts";

export interface PinoDecisionLogger extends DecisionLogger {
	/**
	 * Wait for whatever is buffered to be written out. A destination that stays unwritable is
	 * given up on after the flush deadline: what was still buffered is dropped (its bytes
	 * counted in droppedAtFlushBytes) rather than retried forever.
	 */
	flush(): Promise<void>;
	/** Bytes given up on by flush() because the destination stayed unwritable. */
	readonly droppedAtFlushBytes: number;
	/** Lines dropped because the destination's buffer was full (stdout not keeping up). */
	readonly dropped: number;
}

export interface PinoLogOptions {
	mask?: readonly string[];
	/** Where lines go instead of stdout; each call receives one line ending in "\n". */
	write?: (line: string) => void;
	/** File descriptor for the asynchronous destination (default 1, stdout). */
	fd?: number;
	/**
	 * Bytes the asynchronous destination may buffer while its fd is not writable (default
	 * 16 MiB); lines past it are dropped and counted. Unbounded, a stdout pipe that stops
	 * reading would grow the heap by every decision's input.
	 */
	maxBufferedBytes?: number;
	/**
	 * How long flush() keeps retrying a destination that is not writable (default 2000 ms).
	 * sonic-boom's flushSync retries EAGAIN without end, so a stdout nobody reads would
	 * otherwise hang shutdown, and pino's own flush at exit with it.
	 */
	flushDeadlineMs?: number;
}

export function createPinoDecisionLogger(options: PinoLogOptions = {}): PinoDecisionLogger {
	const masked = createMasker(options.mask ?? []);
	const write = options.write;
	let dropped = 0;
	let droppedAtFlushBytes = 0;
	// Set by flush() (shutdown) and kept: before it, a busy fd is retried later off the request
	// path; after it, every retry past the deadline gives up, including the asynchronous write
	// still in flight and pino's own flushSync at exit (which would otherwise sleep-retry a
	// stdout nobody reads forever and hold process.exit).
	let flushDeadline: number | undefined;
	const flushDeadlineMs = options.flushDeadlineMs ?? 2000;
	// A stdout pipe inherited from the parent is usually in blocking mode; sonic-boom's writes
	// to it then block a libuv thread once nobody reads, and process exit waits on that thread
	// for good. Opening process.stdout puts a pipe in non-blocking mode (libuv), so a full pipe
	// answers EAGAIN, which is retried, bounded at shutdown, and given up on.
	if (!write && (options.fd ?? 1) === 1) void process.stdout.fd;
	const destination = write
		? { write }
		: // Asynchronous, and no minLength: lines coalesce while a write is in flight, yet a
			// quiet service's last decision is not held back waiting for a full buffer.
			pino.destination({
				dest: options.fd ?? 1,
				sync: false,
				maxLength: options.maxBufferedBytes ?? 16 * 1024 * 1024,
				retryEAGAIN: (_err: Error, writing: number, remaining: number) => {
					if (flushDeadline === undefined || Date.now() < flushDeadline) return true;
					droppedAtFlushBytes = Math.max(droppedAtFlushBytes, writing + remaining);
					return false;
				},
			});
	if (!write) {
		const events = destination as { on(event: string, f: () => void): void };
		events.on("drop", () => {
			dropped++;
		});
		// A write given up on after the deadline is reported as an error event; unhandled, it
		// would crash the process mid-shutdown. The bytes are counted in droppedAtFlushBytes.
		events.on("error", () => {});
	}
	const logger = pino(
		{
			base: { type: "openpolicyagent.org/decision_logs" },
			timestamp: false,
			formatters: { level: (label) => ({ level: label }) },
		},
		destination,
	);
	return {
		log(entry) {
			logger.info(masked(entry), "Decision Log");
		},
		async flush() {
			if (write) return;
			// Asynchronous and bounded: sonic-boom's flushSync sleeps and retries without end on
			// a stdout that is not writable (it was seen looping there under load, holding
			// SIGTERM for good), and a blocking write cannot be interrupted at all. Instead the
			// writes already under way are given until the deadline to drain the buffer.
			const d = destination as {
				flushSync?: () => void;
				_len?: number;
				_writing?: boolean;
			};
			flushDeadline = Date.now() + flushDeadlineMs;
			const pending = () => (d._len ?? 0) > 0 || d._writing === true;
			if (pending() && !d._writing) {
				try {
					logger.flush();
				} catch {
					// Still opening: nothing was written yet, the wait below covers it.
				}
			}
			while (pending() && Date.now() < flushDeadline) {
				await new Promise((r) => setTimeout(r, 20));
			}
			if (pending()) droppedAtFlushBytes = Math.max(droppedAtFlushBytes, d._len ?? 0);
			// This was the shutdown flush: pino's exit hook must not start a synchronous one on
			// what is still stuck.
			d.flushSync = () => {};
		},
		get droppedAtFlushBytes() {
			return droppedAtFlushBytes;
		},
		get dropped() {
			return dropped;
		},
	};
}
