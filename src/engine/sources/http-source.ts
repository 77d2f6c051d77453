// OPA's bundle protocol from an HTTP bundle server: GET with If-None-Match, 304 means keep
// the current revision, polled at a jittered interval so replicas do not stampede. The last
// good archive is persisted, and used at start-up when the server cannot be reached.

import type { BundleLimits } from "../../bundle/index.ts";
import { policyBundleFromArchive } from "../bundle-loading.ts";
import type { SigningConfig } from "../bundle-signature.ts";
import type { ActivationEvent, Engine } from "../engine.ts";
import { persistBundle } from "./persisted-bundle.ts";
import { PolledBundleSource } from "./polled-source.ts";

export interface HttpSourceOptions {
	url: string;
	/** Poll delay bounds in seconds (OPA's min_delay_seconds / max_delay_seconds). */
	minDelaySeconds?: number;
	maxDelaySeconds?: number;
	/** Extra request headers, e.g. Authorization for the bundle server. */
	headers?: Record<string, string>;
	/** File to keep the last good archive in. */
	persistPath?: string;
	timeoutMs?: number;
	fetch?: typeof fetch;
	/** Verify .signatures.json. */
	signing?: SigningConfig;
	/** Largest compressed download; past it the transfer is aborted (default 64 MiB). */
	maxDownloadBytes?: number;
	/** Reader limits (inflated archive, per file, file count); default: the reader's own. */
	limits?: Partial<BundleLimits>;
}

export const DEFAULT_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Reads a response body, never holding more than `max` bytes: a declared Content-Length over
 * the cap is refused before reading, and a body that streams past it is cancelled there
 * (servers may omit or understate the length).
 */
export async function readCapped(res: Response, max: number): Promise<Uint8Array> {
	const declared = Number(res.headers.get("content-length") ?? Number.NaN);
	if (declared > max) {
		await res.body?.cancel();
		throw new Error(`bundle of ${declared} bytes exceeds the ${max}-byte download limit`);
	}
	if (!res.body) return new Uint8Array(0);
	const reader = res.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > max) {
			await reader.cancel();
			throw new Error(`bundle exceeds the ${max}-byte download limit`);
		}
		chunks.push(value);
	}
	const out = new Uint8Array(total);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.byteLength;
	}
	return out;
}

export class HttpBundleSource extends PolledBundleSource {
	private etag: string | undefined;
	constructor(
		engine: Engine,
		private readonly options: HttpSourceOptions,
	) {
		super(engine, options);
	}

	get name(): string {
		return `http:${this.options.url}`;
	}

	/** One poll; returns the activation event, or undefined for 304 (not modified). */
	async poll(): Promise<ActivationEvent | undefined> {
		const doFetch = this.options.fetch ?? fetch;
		const headers: Record<string, string> = { ...this.options.headers };
		if (this.etag && this.engine.current()) headers["if-none-match"] = this.etag;
		let res: Response;
		let bytes: Uint8Array;
		try {
			res = await doFetch(this.options.url, {
				headers,
				signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
			});
			if (res.status === 304) return undefined;
			if (res.status !== 200) {
				await res.body?.cancel();
				return this.engine.reportFailure(this.name, `download failed: HTTP ${res.status}`);
			}
			// The body can fail too (connection cut, timeout while it streams): a download
			// failure like any other, not a rejection that would end the polling.
			bytes = await readCapped(res, this.options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES);
		} catch (e) {
			return this.engine.reportFailure(this.name, `download failed: ${(e as Error).message}`);
		}
		let event: ActivationEvent;
		try {
			event = await this.engine.activate(
				await policyBundleFromArchive(bytes, {
					signing: this.options.signing,
					limits: this.options.limits,
				}),
				this.name,
			);
		} catch (e) {
			return this.engine.reportFailure(this.name, (e as Error).message);
		}
		if (event.outcome === "success") {
			this.etag = res.headers.get("etag") ?? undefined;
			await persistBundle(this.options.persistPath, bytes);
		}
		return event;
	}
}
