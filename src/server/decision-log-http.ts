// The decision log POSTed to a collector in batches, as JSON arrays (the body OPA's decision
// log service accepts). Off the decision path: log() only buffers; uploads run one at a time,
// each within `batchSize` entries and `maxUploadBytes` bytes; a 413 halves the batch; a
// failed upload is retried after an exponential, jittered backoff, so a sink that is down
// costs a few requests, not one per batch.

import { createMasker, type DecisionLogger } from "./decision-log.ts";

export interface HttpSinkOptions {
	url: string;
	mask?: readonly string[];
	/** Send when this many entries are waiting (default 100); also the most one upload holds. */
	batchSize?: number;
	/** …or this long after the first one arrived (default 1000 ms). */
	flushIntervalMs?: number;
	/**
	 * When set, each wait is drawn between flushIntervalMs and this (OPA's reporting
	 * min/max_delay_seconds), so replicas started together do not upload together.
	 */
	flushIntervalMaxMs?: number;
	/**
	 * Most bytes in one upload's body (default 512 KiB): collectors and the proxies in front of
	 * them refuse large bodies. A single entry larger than this is sent alone.
	 */
	maxUploadBytes?: number;
	/** Backoff after a failed upload: the first wait (default 500 ms), doubling… */
	retryMinMs?: number;
	/** …up to this (default 30,000 ms); each wait is jittered to between half and all of it. */
	retryMaxMs?: number;
	/** Oldest entries are dropped beyond this, so a dead sink cannot exhaust memory. */
	maxBuffered?: number;
	/**
	 * …and beyond this many bytes of JSON (default 16 MiB): entries carry client input of up to
	 * the body limit each, so a count alone would allow gigabytes.
	 */
	maxBufferedBytes?: number;
	headers?: Record<string, string>;
	/** An upload not answered within this is abandoned and retried (default 5000 ms). */
	timeoutMs?: number;
	fetch?: typeof fetch;
	onError?: (message: string) => void;
	/** The jitter's source of randomness in [0, 1) (default Math.random). */
	random?: () => number;
	/** Send each body gzip-compressed (Content-Encoding: gzip), as OPA's decision-log plugin does. */
	gzip?: boolean;
	/** Told after each upload: delivered, or why not (the HTTP status when there was an answer). */
	onUpload?: (result: { ok: true } | { ok: false; message: string; status?: number }) => void;
}

export interface HttpDecisionLogger extends DecisionLogger {
	/** Buffer a value that is already the event to upload (no masking applied). */
	send(value: unknown): void;
	/**
	 * Send everything waiting now, ignoring the backoff, until the buffer is empty, an upload
	 * fails, or `deadlineMs` has passed (default: no deadline).
	 */
	flush(deadlineMs?: number): Promise<void>;
	/** Entries dropped: the buffer was full, or the collector refused an entry alone as too large. */
	readonly dropped: number;
	/** Of those, entries the collector refused with 413 even alone. */
	readonly tooLarge: number;
	/** JSON bytes (UTF-8) waiting to be sent (not counting an upload in flight). */
	readonly bufferedBytes: number;
}

interface Pending {
	line: string;
	bytes: number;
}

/** UTF-8 length of a string, without Node's Buffer (the module also builds for Workers). */
export function utf8Length(s: string): number {
	let n = s.length;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x80) continue;
		if (c < 0x800) n += 1;
		else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			// A surrogate pair: 2 units, 4 bytes.
			n += 2;
			i++;
		} else n += 2;
	}
	return n;
}

export function createHttpLogger(options: HttpSinkOptions): HttpDecisionLogger {
	const batchSize = options.batchSize ?? 100;
	const interval = options.flushIntervalMs ?? 1000;
	const maxBuffered = options.maxBuffered ?? 10_000;
	const maxBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
	const maxUpload = options.maxUploadBytes ?? 512 * 1024;
	const retryMin = options.retryMinMs ?? 500;
	const retryMax = Math.max(options.retryMaxMs ?? 30_000, retryMin);
	const random = options.random ?? Math.random;
	const doFetch = options.fetch ?? fetch;
	const masked = createMasker(options.mask ?? []);

	let buffer: Pending[] = [];
	let bufferedBytes = 0;
	let dropped = 0;
	let tooLarge = 0;
	/** Consecutive failed uploads; the backoff grows with it. */
	let failures = 0;
	/** No upload starts on its own before this (Date.now()). */
	let backoffUntil = 0;
	let flushTimer: ReturnType<typeof setTimeout> | undefined;
	let retryTimer: ReturnType<typeof setTimeout> | undefined;
	/** The pump running now, if any: at most one upload is ever in flight. */
	let pumping: Promise<void> = Promise.resolve();
	/** Set while the pump runs (a pump that finds nothing to do finishes synchronously). */
	let busy = false;
	/** A partial batch became due (interval) while the pump ran. */
	let partialDue = false;

	/** Drop the oldest entries until the buffer is within both bounds. */
	const trim = () => {
		let cut = 0;
		while (buffer.length - cut > maxBuffered || (bufferedBytes > maxBytes && cut < buffer.length)) {
			bufferedBytes -= buffer[cut].bytes;
			cut++;
		}
		if (cut > 0) {
			dropped += cut;
			buffer = buffer.slice(cut);
		}
	};

	/** The oldest entries that fit one upload: at least one, at most batchSize and maxUpload bytes. */
	const take = (): Pending[] => {
		let n = 0;
		let bytes = 1;
		while (n < buffer.length && n < batchSize) {
			const next = bytes + buffer[n].bytes + 1;
			if (n > 0 && next > maxUpload) break;
			bytes = next;
			n++;
		}
		const batch = buffer.slice(0, n);
		buffer = buffer.slice(n);
		for (const p of batch) bufferedBytes -= p.bytes;
		return batch;
	};

	const putBack = (batch: Pending[]) => {
		buffer = [...batch, ...buffer];
		for (const p of batch) bufferedBytes += p.bytes;
		trim();
	};

	const post = async (batch: readonly Pending[]) => {
		const text = `[${batch.map((p) => p.line).join(",")}]`;
		const headers: Record<string, string> = {
			"content-type": "application/json",
			...options.headers,
		};
		let body: string | Uint8Array = text;
		if (options.gzip) {
			// CompressionStream rather than zlib: this module also builds for Workers.
			body = new Uint8Array(
				await new Response(
					new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
				).arrayBuffer(),
			);
			headers["content-encoding"] = "gzip";
		}
		return doFetch(options.url, {
			method: "POST",
			headers,
			body,
			// A sink that accepts and never answers would otherwise hold every later upload,
			// and the shutdown flush, forever.
			signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
		});
	};

	/** Upload a batch; returns the entries not delivered (to be retried), [] when all went. */
	const deliver = async (batch: Pending[]): Promise<Pending[]> => {
		let res: Response;
		try {
			res = await post(batch);
			// Read the answer so the connection can be reused.
			await res.arrayBuffer().catch(() => undefined);
		} catch (e) {
			options.onError?.(`decision log upload failed: ${(e as Error).message}`);
			options.onUpload?.({ ok: false, message: (e as Error).message });
			return batch;
		}
		if (res.ok) {
			options.onUpload?.({ ok: true });
			return [];
		}
		if (res.status === 413) {
			if (batch.length === 1) {
				// It will never fit this collector: keeping it would block everything behind it.
				dropped++;
				tooLarge++;
				options.onError?.(
					`decision log entry of ${batch[0].bytes} bytes refused by the collector as too large (413); dropped`,
				);
				return [];
			}
			const half = Math.ceil(batch.length / 2);
			const first = await deliver(batch.slice(0, half));
			if (first.length > 0) return [...first, ...batch.slice(half)];
			return deliver(batch.slice(half));
		}
		options.onError?.(`decision log upload failed: HTTP ${res.status}`);
		options.onUpload?.({ ok: false, message: `HTTP ${res.status}`, status: res.status });
		return batch;
	};

	// Drawn only with a range: the backoff's jitter keeps its own sequence of random numbers.
	const flushWait = () =>
		options.flushIntervalMaxMs === undefined || options.flushIntervalMaxMs <= interval
			? interval
			: interval + random() * (options.flushIntervalMaxMs - interval);

	const armFlushTimer = () => {
		if (flushTimer || buffer.length === 0) return;
		flushTimer = setTimeout(() => {
			flushTimer = undefined;
			partialDue = true;
			void pump({ all: true, ignoreBackoff: false });
		}, flushWait());
		flushTimer.unref?.();
	};

	const failed = () => {
		failures++;
		const step = Math.min(retryMax, retryMin * 2 ** Math.min(failures - 1, 30));
		// "Equal jitter": half the step fixed, half random, so replicas that failed together
		// do not retry together, yet the wait never collapses to nothing.
		const wait = step / 2 + (random() * step) / 2;
		backoffUntil = Date.now() + wait;
		if (retryTimer) clearTimeout(retryTimer);
		retryTimer = setTimeout(() => {
			retryTimer = undefined;
			void pump({ all: true, ignoreBackoff: true });
		}, wait);
		retryTimer.unref?.();
	};

	interface PumpMode {
		/** Send a partial batch too (else only full ones). */
		all: boolean;
		ignoreBackoff: boolean;
		deadline?: number;
	}

	const pump = (mode: PumpMode): Promise<void> => {
		if (busy) {
			if (mode.all) partialDue = true;
			return pumping;
		}
		busy = true;
		pumping = (async () => {
			try {
				for (;;) {
					if (buffer.length === 0) break;
					if (!mode.all && !partialDue && buffer.length < batchSize) break;
					if (!mode.ignoreBackoff && Date.now() < backoffUntil) break;
					if (mode.deadline !== undefined && Date.now() >= mode.deadline) break;
					if (buffer.length < batchSize) partialDue = false;
					const left = await deliver(take());
					if (left.length > 0) {
						putBack(left);
						failed();
						break;
					}
					failures = 0;
					backoffUntil = 0;
				}
			} finally {
				busy = false;
			}
			// A partial batch left behind goes out after the interval (or the retry, if failing).
			if (!retryTimer) armFlushTimer();
		})();
		return pumping;
	};

	const push = (line: string) => {
		buffer.push({ line, bytes: utf8Length(line) });
		bufferedBytes += buffer[buffer.length - 1].bytes;
		trim();
		if (buffer.length >= batchSize && !busy) void pump({ all: false, ignoreBackoff: false });
		else armFlushTimer();
	};

	return {
		log(entry) {
			push(JSON.stringify(masked(entry)));
		},
		send(value) {
			push(JSON.stringify(value));
		},
		async flush(deadlineMs?: number) {
			const deadline = deadlineMs === undefined ? undefined : Date.now() + deadlineMs;
			while (busy) await pumping;
			await pump({ all: true, ignoreBackoff: true, deadline });
		},
		get dropped() {
			return dropped;
		},
		get tooLarge() {
			return tooLarge;
		},
		get bufferedBytes() {
			return bufferedBytes;
		},
	};
}
