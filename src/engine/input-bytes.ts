// The input as UTF-8 bytes for the SDK's evaluate, which takes an ArrayBuffer holding JSON as
// well as a value: given a value it runs JSON.stringify and `new TextEncoder().encode` on
// every call, and allocating that fresh ArrayBuffer is most of the encoding's cost (bench:path:
// ~1.3 µs of a ~300-byte input; encodeInto an existing buffer ~0.1 µs). The SDK copies the
// bytes into the module's memory before it returns, so one buffer per byte length is reused.

const encoder = new TextEncoder();
/** Inputs up to this many UTF-16 units go through the reused buffers; larger ones are rare. */
const SMALL = 16 * 1024;
const scratch = new Uint8Array(3 * SMALL);
/** Reused buffers, one per exact byte length (the SDK sizes the input by the whole buffer). */
const byLength = new Map<number, Uint8Array>();
/** Bytes the reused buffers may hold together: inputs of many sizes start the set afresh. */
const MAX_HELD = 1024 * 1024;
let held = 0;

/** `json` encoded as UTF-8 in an ArrayBuffer of exactly its length, valid until the next call. */
export function inputBytes(json: string): ArrayBuffer {
	if (json.length > SMALL) return encoder.encode(json).buffer as ArrayBuffer;
	const { written } = encoder.encodeInto(json, scratch);
	let out = byLength.get(written);
	if (out === undefined) {
		// Bounded: lengths vary with the input, and a flood of distinct ones must not pile up.
		if (held + written > MAX_HELD) {
			byLength.clear();
			held = 0;
		}
		out = new Uint8Array(written);
		byLength.set(written, out);
		held += written;
	}
	out.set(scratch.subarray(0, written));
	return out.buffer as ArrayBuffer;
}
