// Loading a bundle's base document into an SDK instance. The SDK's setData takes an object,
// which it JSON.stringify-s and encodes before the module parses it, or an ArrayBuffer of JSON
// text, which it copies in as it is. When the bundle has its data's text (PolicyBundle.dataJson)
// that text goes in, saving a stringify and an encode of the whole document per load.

import type { PolicyBundle } from "./policy-bundle.ts";

interface DataSink {
	setData(data: unknown): void;
}

/** The bytes as an ArrayBuffer of exactly their length (the SDK tests `instanceof ArrayBuffer`). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
	const b = bytes.buffer;
	if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength)
		return b;
	return bytes.slice().buffer as ArrayBuffer;
}

/** Which form was loaded: the bundle's text, or the parsed document. */
export type DataForm = "text" | "object";

export function setBundleData(sdk: DataSink, bundle: PolicyBundle): DataForm {
	if (bundle.dataJson) {
		try {
			sdk.setData(exactBuffer(bundle.dataJson));
			return "text";
		} catch {
			// The module's parser refused text that JSON.parse took (a number past its range, say):
			// the document as JavaScript read it goes in instead, as it always did. setData starts
			// from the heap's base again, so the failed attempt leaves nothing behind.
		}
	}
	sdk.setData(bundle.data ?? {});
	return "object";
}
