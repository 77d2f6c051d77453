// The bump allocator. Nothing is ever freed: every evaluation resets the heap pointer to
// where the SDK says evaluation memory starts, which keeps memory flat without a GC.
//
// Addresses are computed in 64 bits: a full wasm32 memory is 65,536 pages, whose byte size
// (2^32) does not fit a u32 and would wrap to 0, leaving every later allocation failing.

import { opa_abort } from "./env";
import { meterStop, tick } from "./meter";

/** First heap byte: past the runtime's static data and the policy's constants. The back
 * end sets this global's initial value (a constant initialiser, so no start function
 * overwrites it); 0 means "right after the runtime's own data". */
export let cfg_heap_start: usize = 0;

/** Bytes one evaluation may allocate beyond where its heap starts; 0 means no limit. The host
 * may set it before each call. */
export let gavel_memory_limit: u32 = 0;

/** Highest end of any allocation: 8 below 2^32, so the heap pointer itself never wraps. */
const ADDRESS_END: u64 = 0x1_0000_0000 - 8;

let heapPtr: usize = 0;
/** Bytes of memory known to exist (memory.size in bytes, re-read when exceeded). */
let memTop: u64 = 0;
/** End of this evaluation's allowance, ADDRESS_END outside evaluations or without a limit. */
let limitEnd: u64 = 0xffff_fff8;
/** Where the fast path must stop: the least of memTop and limitEnd. */
let heapCeil: u64 = 0;

export function heapGet(): usize {
	if (heapPtr == 0) heapPtr = ((cfg_heap_start != 0 ? cfg_heap_start : __heap_base) + 7) & ~7;
	return heapPtr;
}

export function heapSet(p: usize): void {
	heapPtr = (p + 7) & ~7;
}

function refreshCeil(): void {
	heapCeil = memTop < limitEnd ? memTop : limitEnd;
}

/** Start this evaluation's memory allowance at the current heap pointer. */
export function limitStart(): void {
	limitEnd = ADDRESS_END;
	if (gavel_memory_limit != 0) {
		const end = <u64>heapGet() + <u64>gavel_memory_limit;
		if (end < limitEnd) limitEnd = end;
	}
	refreshCeil();
}

export function limitStop(): void {
	limitEnd = ADDRESS_END;
	refreshCeil();
}

const overLimit = memory.data<u8>([
	// "eval_memory_limit_error: evaluation exceeded its memory limit"
	101, 118, 97, 108, 95, 109, 101, 109, 111, 114, 121, 95, 108, 105, 109, 105, 116, 95, 101, 114,
	114, 111, 114, 58, 32, 101, 118, 97, 108, 117, 97, 116, 105, 111, 110, 32, 101, 120, 99, 101, 101,
	100, 101, 100, 32, 105, 116, 115, 32, 109, 101, 109, 111, 114, 121, 32, 108, 105, 109, 105, 116,
	0,
]);
const outOfMemory = memory.data<u8>([
	// "eval_memory_limit_error: out of memory"
	101, 118, 97, 108, 95, 109, 101, 109, 111, 114, 121, 95, 108, 105, 109, 105, 116, 95, 101, 114,
	114, 111, 114, 58, 32, 111, 117, 116, 32, 111, 102, 32, 109, 101, 109, 111, 114, 121, 0,
]);

/** No allocation may follow (the message is static): stop limits and metering, abort. */
function fail(message: usize): void {
	limitStop();
	meterStop();
	opa_abort(message);
	unreachable();
}

/** Abort: more memory than a wasm32 memory can hold was asked for (a 2^32-long range, say). */
export function failOutOfMemory(): void {
	fail(outOfMemory);
}

function grow(end: u64): void {
	if (end > limitEnd) fail(limitEnd < ADDRESS_END ? overLimit : outOfMemory);
	// The host may grow memory behind our back (the SDK does for big inputs): re-read it.
	memTop = (<u64>memory.size()) << 16;
	if (end > memTop) {
		const need = <i32>((end - memTop + 0xffff) >> 16);
		// Grow by half again at least: each grow costs far more than the pages it adds, and a
		// page at a time makes a big evaluation quadratic. Short of that, exactly what is needed.
		const size = memory.size();
		let more = size >> 1;
		if (more > 65536 - size) more = 65536 - size;
		if (more < need || memory.grow(more) < 0) {
			if (memory.grow(need) < 0) fail(outOfMemory);
		}
		memTop = (<u64>memory.size()) << 16;
	}
	refreshCeil();
}

/** Allocate `size` bytes, 8-aligned. Charges the budget one step per 32 bytes (and one). */
export function alloc(size: usize): usize {
	const p = heapGet();
	const end = (<u64>p + <u64>size + 7) & ~7;
	if (end > heapCeil) grow(end);
	heapPtr = <usize>end;
	tick(1 + <i32>(size >>> 5));
	return p;
}

/** Allocate zeroed bytes. */
export function allocZero(size: usize): usize {
	const p = alloc(size);
	memory.fill(p, 0, size);
	return p;
}
