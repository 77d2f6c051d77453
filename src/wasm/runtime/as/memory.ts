// The bump allocator. Nothing is ever freed: every evaluation resets the heap pointer to
// where the SDK says evaluation memory starts, which keeps memory flat without a GC.

/** First heap byte: past the runtime's static data and the policy's constants. The back
 * end sets this global's initial value (a constant initialiser, so no start function
 * overwrites it); 0 means "right after the runtime's own data". */
export let cfg_heap_start: usize = 0;

let heapPtr: usize = 0;
let heapTop: usize = 0;

export function heapGet(): usize {
	if (heapPtr == 0) heapPtr = ((cfg_heap_start != 0 ? cfg_heap_start : __heap_base) + 7) & ~7;
	return heapPtr;
}

export function heapSet(p: usize): void {
	heapPtr = (p + 7) & ~7;
}

function grow(end: usize): void {
	// The host may grow memory behind our back (the SDK does for big inputs): re-read it.
	heapTop = (<usize>memory.size()) << 16;
	if (end <= heapTop) return;
	const need = <i32>((end - heapTop + 0xffff) >>> 16);
	if (memory.grow(need) < 0) unreachable();
	heapTop = (<usize>memory.size()) << 16;
}

/** Allocate `size` bytes, 8-aligned. */
export function alloc(size: usize): usize {
	const p = heapGet();
	const end = (p + size + 7) & ~7;
	if (end > heapTop) grow(end);
	heapPtr = end;
	return p;
}

/** Allocate zeroed bytes. */
export function allocZero(size: usize): usize {
	const p = alloc(size);
	memory.fill(p, 0, size);
	return p;
}
