// gzip through node:zlib, bounded so a small "zip bomb" cannot inflate into gigabytes.
// (In Workers, decompress with DecompressionStream and hand the tar bytes to readBundleTar.)

import { gunzipSync, gzipSync } from "node:zlib";
import { BundleError } from "./errors.ts";

export function isGzip(bytes: Uint8Array): boolean {
	return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function gunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
	if (!isGzip(bytes)) throw new BundleError("not a gzip archive (bad magic bytes)");
	try {
		return new Uint8Array(gunzipSync(bytes, { maxOutputLength: maxBytes }));
	} catch (e) {
		const err = e as NodeJS.ErrnoException;
		if (err.code === "ERR_BUFFER_TOO_LARGE" || /too large|maxOutputLength/i.test(err.message)) {
			throw new BundleError(`archive inflates beyond the ${maxBytes}-byte limit`);
		}
		throw new BundleError(`bad gzip data: ${err.message}`);
	}
}

export function gzip(bytes: Uint8Array): Uint8Array {
	return new Uint8Array(gzipSync(bytes, { level: 9 }));
}
