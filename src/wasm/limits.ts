// Per-evaluation limits a host sets on a Gavel module before it evaluates: a budget of steps
// (scan iterations, calls, allocation and the heavy builtins' work, see runtime/as/meter.ts)
// and the bytes one evaluation may allocate. They are mutable exported globals, so the
// official SDK loads the module unmodified and the host writes them around its `evaluate`.

import { LIMIT_EXPORTS } from "./module-shape.ts";

/** Steps one evaluation may take by default: about a second of the heaviest work measured. */
export const DEFAULT_EVAL_STEPS = 20_000_000;
/** Bytes one evaluation may allocate by default. */
export const DEFAULT_EVAL_MEMORY_BYTES = 256 * 1024 * 1024;
/** The most a u32 global can say; a wasm32 memory holds at most 4 GiB anyway. */
const MAX_MEMORY_LIMIT = 0xffff_ffff;
const MAX_STEPS = 0x7fff_ffff;

export interface EvalLimits {
	/** Steps per evaluation; 0 = unlimited. */
	steps: number;
	/** Bytes per evaluation; 0 = no limit beyond the memory itself. */
	memoryBytes: number;
}

export const DEFAULT_EVAL_LIMITS: EvalLimits = {
	steps: DEFAULT_EVAL_STEPS,
	memoryBytes: DEFAULT_EVAL_MEMORY_BYTES,
};

type Exports = Record<string, unknown>;
/** What is used of a WebAssembly.Instance (the project's lib has no DOM typings for it). */
export interface WasmInstance {
	exports: object;
}
interface WasmGlobal {
	value: number;
}

function global(exports: Exports, name: string): WasmGlobal | undefined {
	const g = exports[name];
	return typeof g === "object" && g !== null && "value" in g ? (g as WasmGlobal) : undefined;
}

/**
 * Write the limits into a loaded module. False when the module has no such globals (one built
 * by `opa build`, say): its evaluations are then unbounded.
 */
export function applyEvalLimits(instance: WasmInstance, limits: EvalLimits): boolean {
	const exports = instance.exports as Exports;
	const budget = global(exports, LIMIT_EXPORTS.budget);
	const memory = global(exports, LIMIT_EXPORTS.memoryLimit);
	if (!budget || !memory) return false;
	budget.value = clamp(limits.steps, MAX_STEPS);
	// A u32 global reads back as a signed i32 in JS: write the bit pattern.
	memory.value = clamp(limits.memoryBytes, MAX_MEMORY_LIMIT) | 0;
	return true;
}

function clamp(n: number, max: number): number {
	if (!Number.isFinite(n) || n <= 0) return n === Number.POSITIVE_INFINITY ? max : 0;
	return Math.min(Math.floor(n), max);
}

/** The limits, read back (tests and diagnostics). */
export function readEvalLimits(instance: WasmInstance): EvalLimits | undefined {
	const exports = instance.exports as Exports;
	const budget = global(exports, LIMIT_EXPORTS.budget);
	const memory = global(exports, LIMIT_EXPORTS.memoryLimit);
	if (!budget || !memory) return undefined;
	return { steps: budget.value, memoryBytes: memory.value >>> 0 };
}
