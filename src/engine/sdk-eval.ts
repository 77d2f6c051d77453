// One evaluation on an instance the official SDK loaded, for modules of ABI 1.2 and later:
// the same steps as the SDK's own evaluate (input JSON written at the data heap pointer, one
// opa_eval call, the NUL-terminated result JSON read back), without what that costs per call
// beyond the work itself. The SDK builds a fresh TextDecoder and three Uint8Array views on every
// call, and needs the input as an ArrayBuffer of exactly its length, so the input is encoded
// into one buffer and copied again into the module's memory. Here the input's UTF-8 goes
// straight into the module's memory and the views and decoder are kept while the memory's
// buffer stays the same. bench:path times both on the same instance ("SDK evaluate" and
// "Gavel's evaluate"); the SDK still loads the module, wires its imports (builtins, abort),
// owns its memory and loads its data. Older ABIs go through the SDK's evaluate.

/** The parts of an SDK policy instance an evaluation reads. */
export interface SdkInstance {
	minorVersion: number;
	mem: { buffer: ArrayBuffer; grow(pages: number): number };
	dataAddr: number;
	dataHeapPtr: number;
	wasmInstance: { exports: object };
	evaluate(input: unknown, entrypoint: number): Array<{ result: unknown }>;
}

type OpaEval = (
	reserved: number,
	entrypoint: number,
	data: number,
	inputAddr: number,
	inputLen: number,
	heapPtr: number,
	format: number,
) => number;

const PAGE = 65536;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let viewOf: ArrayBuffer | undefined;
let view: Uint8Array = new Uint8Array(0);
/** Views of other instances' memories (several bundles or revisions evaluate in turn). */
const views = new WeakMap<ArrayBuffer, Uint8Array>();

/** A byte view of the memory, made again only when the memory grew (its buffer changed). */
function bytes(mem: SdkInstance["mem"]): Uint8Array {
	const buffer = mem.buffer;
	if (buffer !== viewOf) {
		viewOf = buffer;
		let v = views.get(buffer);
		if (v === undefined) {
			v = new Uint8Array(buffer);
			views.set(buffer, v);
		}
		view = v;
	}
	return view;
}

/** Whether evaluateJson may be used on this instance (otherwise call its evaluate). */
export function directEvaluation(sdk: SdkInstance): boolean {
	return (
		sdk.minorVersion >= 2 &&
		typeof (sdk.wasmInstance.exports as { opa_eval?: unknown }).opa_eval === "function"
	);
}

/**
 * Evaluate `entrypoint` with the input given as JSON text (undefined: no input) and return the
 * result set as the SDK's evaluate does. Errors are thrown as the SDK throws them.
 */
export function evaluateJson(
	sdk: SdkInstance,
	entrypoint: number,
	inputJson: string | undefined,
): Array<{ result: unknown }> {
	const at = sdk.dataHeapPtr;
	let length = 0;
	if (inputJson !== undefined && inputJson.length > 0) {
		// UTF-8 takes at most three bytes per UTF-16 unit: room for that, then exactly what
		// was written. (A window of that size: encodeInto writes nothing into a view of a whole
		// 4 GiB memory.)
		const need = 3 * inputJson.length;
		const room = at + need - sdk.mem.buffer.byteLength;
		if (room > 0) sdk.mem.grow(Math.ceil(room / PAGE));
		length = encoder.encodeInto(inputJson, bytes(sdk.mem).subarray(at, at + need)).written;
	}
	const opaEval = (sdk.wasmInstance.exports as { opa_eval: OpaEval }).opa_eval;
	// An i32 result: an address past 2 GiB comes back negative.
	const out =
		opaEval(0, entrypoint, sdk.dataAddr, length > 0 ? at : 0, length, at + length, 0) >>> 0;
	const mem = bytes(sdk.mem);
	const end = mem.indexOf(0, out);
	return JSON.parse(decoder.decode(mem.subarray(out, end < 0 ? mem.length : end)));
}
