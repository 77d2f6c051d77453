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
	 * Write out whatever is buffered (synchronously where the destination can). A destination
	 * that stays unwritable is given up on after the flush deadline: what was still buffered
	 * is dropped (its bytes counted in droppedAtFlushBytes) rather than retried forever.
	 */
	flush(): void;
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
	// Set only while flush() runs: outside it, a busy fd is retried later off the request path.
	let flushDeadline: number | undefined;
	const flushDeadlineMs = options.flushDeadlineMs ?? 2000;
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
					droppedAtFlushBytes = writing + remaining;
					return false;
				},
			});
	if (!write) {
		(destination as { on(event: "drop", f: () => void): void }).on("drop", () => {
			dropped++;
		});
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
		flush() {
			const d = destination as { flushSync?: () => void };
			flushDeadline = Date.now() + flushDeadlineMs;
			try {
				d.flushSync?.();
			} catch (e) {
				if (
					(e as { code?: string }).code === "EAGAIN" ||
					(e as { code?: string }).code === "EBUSY"
				) {
					// Given up: pino's exit hook would call flushSync again and retry the same
					// stuck bytes without end, so nothing more is flushed from this destination.
					d.flushSync = () => {};
				} else {
					// flushSync throws while the destination is still opening (nothing is buffered then).
					logger.flush();
				}
			} finally {
				flushDeadline = undefined;
			}
		},
		get droppedAtFlushBytes() {
			return droppedAtFlushBytes;
		},
		get dropped() {
			return dropped;
		},
	};
}
