// The decision log on Node, through pino: one JSON line per decision with the entry's fields
// (OPA's decision-log shape), masked as decision-log.ts defines, tagged the way OPA's console
// decision logger tags its lines ("level":"info", "msg":"Decision Log", "type"); no pino
// time/pid/hostname (the entry has its own timestamp). By default lines go to stdout through pino's asynchronous
// destination, which buffers and writes off the request path; flush() drains it on shutdown.
// (The edge keeps createJsonLineLogger: pino's destinations need Node's file descriptors.)

import pino from "pino";
import { type DecisionLogger, maskEntry } from "./decision-log.ts";

export interface PinoDecisionLogger extends DecisionLogger {
	/** Write out whatever is buffered (synchronously where the destination can). */
	flush(): void;
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
}

export function createPinoDecisionLogger(options: PinoLogOptions = {}): PinoDecisionLogger {
	const mask = options.mask ?? [];
	const write = options.write;
	let dropped = 0;
	const destination = write
		? { write }
		: // Asynchronous, and no minLength: lines coalesce while a write is in flight, yet a
			// quiet service's last decision is not held back waiting for a full buffer.
			pino.destination({
				dest: options.fd ?? 1,
				sync: false,
				maxLength: options.maxBufferedBytes ?? 16 * 1024 * 1024,
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
			logger.info(maskEntry(entry, mask), "Decision Log");
		},
		flush() {
			const d = destination as { flushSync?: () => void };
			// flushSync throws while the destination is still opening (nothing is buffered then).
			try {
				d.flushSync?.();
			} catch {
				logger.flush();
			}
		},
		get dropped() {
			return dropped;
		},
	};
}
