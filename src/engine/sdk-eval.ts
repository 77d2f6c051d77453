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

// The window the last input was encoded into: a view from the data heap pointer, kept while
// the memory's buffer and that pointer stay the same (a new view per call cost as much as
// the encoding). A window, not the whole rest of memory: encodeInto writes nothing into a view
// of a whole 4 GiB memory.
let windowOf: ArrayBuffer | undefined;
let windowAt = -1;
let window: Uint8Array = new Uint8Array(0);
const WINDOW = 64 * 1024;

function inputWindow(sdk: SdkInstance, at: number, need: number): Uint8Array {
	const buffer = sdk.mem.buffer;
	if (buffer === windowOf && at === windowAt && window.length >= need) return window;
	if (at + need > buffer.byteLength) {
		sdk.mem.grow(Math.ceil((at + need - buffer.byteLength) / PAGE));
		return inputWindow(sdk, at, need);
	}
	windowOf = buffer;
	windowAt = at;
	window = new Uint8Array(buffer, at, Math.min(Math.max(need, WINDOW), buffer.byteLength - at));
	return window;
}

// The result sets most decisions end in, recognised by their bytes: decoding the result and
// JSON.parse cost more than all the rest of reading it back (bench:path).
const RESULT_TRUE = encoder.encode('[{"result":true}]');
const RESULT_FALSE = encoder.encode('[{"result":false}]');
const NO_RESULT = encoder.encode("[]");

function bytesAre(mem: Uint8Array, at: number, end: number, want: Uint8Array): boolean {
	if (end - at !== want.length) return false;
	for (let i = 0; i < want.length; i++) if (mem[at + i] !== want[i]) return false;
	return true;
}

/** The result set in mem from `at` to `end`, as JSON.parse reads it (a fresh value each time). */
function resultSet(mem: Uint8Array, at: number, end: number): Array<{ result: unknown }> {
	if (bytesAre(mem, at, end, RESULT_TRUE)) return [{ result: true }];
	if (bytesAre(mem, at, end, RESULT_FALSE)) return [{ result: false }];
	if (bytesAre(mem, at, end, NO_RESULT)) return [];
	return JSON.parse(decoder.decode(mem.subarray(at, end)));
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
		// was written.
		length = encoder.encodeInto(inputJson, inputWindow(sdk, at, 3 * inputJson.length)).written;
	}
	const opaEval = (sdk.wasmInstance.exports as { opa_eval: OpaEval }).opa_eval;
	// An i32 result: an address past 2 GiB comes back negative.
	const out =
		opaEval(0, entrypoint, sdk.dataAddr, length > 0 ? at : 0, length, at + length, 0) >>> 0;
	const mem = bytes(sdk.mem);
	const end = mem.indexOf(0, out);
	return resultSet(mem, out, end < 0 ? mem.length : end);
}
