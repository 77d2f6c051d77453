// One JSON line per decision, in OPA's decision-log shape (decision_id, timestamp, path,
// input, result, bundles, requested_by, metrics), with configured JSON pointers erased from
// the entry the way OPA's system.log.mask "remove" does, and listed under `erased`.

export interface DecisionLogEntry {
	decision_id: string;
	timestamp: string;
	path: string;
	input?: unknown;
	result?: unknown;
	bundles?: Record<string, { revision: string }>;
	requested_by?: string;
	error?: { code: string; message: string };
	cached?: boolean;
	metrics: { timer_server_handler_ns: number };
	erased?: string[];
}

export interface DecisionLogger {
	log(entry: DecisionLogEntry): void;
}

function unescapePointer(seg: string): string {
	return seg.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** Remove the value a JSON pointer names, on a structured clone. True if something was removed. */
function erase(root: Record<string, unknown>, pointer: string): boolean {
	const segs = pointer.split("/").slice(1).map(unescapePointer);
	let node: unknown = root;
	for (const seg of segs.slice(0, -1)) {
		if (node === null || typeof node !== "object") return false;
		node = (node as Record<string, unknown>)[seg];
	}
	const last = segs[segs.length - 1];
	if (node === null || typeof node !== "object" || last === undefined) return false;
	if (Array.isArray(node)) {
		const i = Number(last);
		if (!Number.isInteger(i) || i < 0 || i >= node.length) return false;
		node.splice(i, 1);
		return true;
	}
	if (!(last in (node as object))) return false;
	delete (node as Record<string, unknown>)[last];
	return true;
}

export function maskEntry(entry: DecisionLogEntry, mask: readonly string[]): DecisionLogEntry {
	if (mask.length === 0) return entry;
	const copy = structuredClone(entry) as unknown as Record<string, unknown>;
	const erased = mask.filter((p) => erase(copy, p));
	if (erased.length > 0) copy.erased = erased;
	return copy as unknown as DecisionLogEntry;
}

export function createJsonLineLogger(
	write: (line: string) => void,
	mask: readonly string[] = [],
): DecisionLogger {
	return {
		log(entry) {
			write(`${JSON.stringify(maskEntry(entry, mask))}\n`);
		},
	};
}

export const nullLogger: DecisionLogger = { log() {} };

export interface HttpSinkOptions {
	url: string;
	mask?: readonly string[];
	/** Send when this many entries are waiting (default 100). */
	batchSize?: number;
	/** …or this long after the first one arrived (default 1000 ms). */
	flushIntervalMs?: number;
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
}

export interface HttpDecisionLogger extends DecisionLogger {
	/** Send what is waiting now. */
	flush(): Promise<void>;
	/** Entries dropped because the buffer was full. */
	readonly dropped: number;
	/** JSON bytes waiting to be sent (not counting an upload in flight). */
	readonly bufferedBytes: number;
}

/**
 * Decision log lines POSTed in batches as a JSON array (the shape OPA's decision log
 * service accepts). A failed upload keeps its entries for the next attempt.
 */
export function createHttpLogger(options: HttpSinkOptions): HttpDecisionLogger {
	const batchSize = options.batchSize ?? 100;
	const interval = options.flushIntervalMs ?? 1000;
	const maxBuffered = options.maxBuffered ?? 10_000;
	const doFetch = options.fetch ?? fetch;
	const maxBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
	// Entries are kept as their JSON lines: that is what is sent, and its length is the
	// figure the byte bound is stated in.
	let buffer: string[] = [];
	let bufferedBytes = 0;
	let dropped = 0;
	/** Drop the oldest entries until the buffer is within both bounds. */
	const trim = () => {
		let cut = 0;
		while (buffer.length - cut > maxBuffered || (bufferedBytes > maxBytes && cut < buffer.length)) {
			bufferedBytes -= buffer[cut].length;
			cut++;
		}
		if (cut > 0) {
			dropped += cut;
			buffer = buffer.slice(cut);
		}
	};
	let timer: ReturnType<typeof setTimeout> | undefined;
	let inFlight: Promise<void> = Promise.resolve();

	const send = async (): Promise<void> => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		if (buffer.length === 0) return;
		const batch = buffer;
		buffer = [];
		bufferedBytes = 0;
		try {
			const res = await doFetch(options.url, {
				method: "POST",
				headers: { "content-type": "application/json", ...options.headers },
				body: `[${batch.join(",")}]`,
				// A sink that accepts and never answers would otherwise hold every later upload,
				// and the shutdown flush, forever.
				signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
			});
			if (!res.ok) throw new Error(`HTTP ${res.status}`);
		} catch (e) {
			options.onError?.(`decision log upload failed: ${(e as Error).message}`);
			// Put the batch back in front, then trim to the bound (oldest first).
			buffer = [...batch, ...buffer];
			for (const line of batch) bufferedBytes += line.length;
			trim();
		}
	};
	// At most one send waits behind the one in flight; it takes everything buffered by the
	// time it runs, so further flush calls join it instead of growing a chain per entry.
	let queued: Promise<void> | undefined;
	const flush = (): Promise<void> => {
		if (queued) return queued;
		queued = inFlight.then(() => {
			queued = undefined;
			return send();
		});
		inFlight = queued;
		return queued;
	};
	return {
		log(entry) {
			const line = JSON.stringify(maskEntry(entry, options.mask ?? []));
			buffer.push(line);
			bufferedBytes += line.length;
			trim();
			if (buffer.length >= batchSize) void flush();
			else if (!timer) {
				timer = setTimeout(() => void flush(), interval);
				timer.unref?.();
			}
		},
		flush,
		get dropped() {
			return dropped;
		},
		get bufferedBytes() {
			return bufferedBytes;
		},
	};
}
