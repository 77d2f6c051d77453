// The back end's public face: IR Policy → a Wasm module that follows OPA's Wasm ABI 1.3 and
// loads unmodified in the official SDK.
//
// How it is built: the runtime (values, JSON, Rego's order, allocator, ABI exports, native
// builtins) is AssemblyScript under runtime/as, compiled once by scripts/build-runtime.mjs to
// runtime/build/runtime.wasm (its `policy.*` placeholders made defined functions there).
// Two assemblers share the IR lowering (function-emitter.ts) and the constants layout
// (layout.ts):
// - spliced (default, splice.ts): policy functions encoded directly (expr.ts) and spliced into
//   the runtime's sections (binary.ts): placeholder bodies replaced, cfg_* globals set,
//   non-ABI exports dropped, runtime functions the policy cannot reach emptied (call graph
//   read from the bodies). Milliseconds, no binaryen; modules ~5% larger than binaryen's.
// - binaryen (emitOptimizedWasm, emit.ts): reads the runtime with binaryen, optimises the
//   policy's functions, drops runtime code the policy never reaches (smaller modules). emit.ts
//   is imported only when asked for, since loading binaryen.js costs ~0.5 s per process.
//
// Memory: the SDK gives a module 5 pages by default and a module's imported memory may not ask
// for more. Constants that would end beyond that go in a passive segment that the module's
// start function copies in after growing memory.
//
// Case mapping (upper/lower) uses range tables in runtime/as/casemap-data.ts, generated from
// the JS engine's Unicode data by runtime/case-tables.mjs (`build-runtime.mjs --case-tables`).
//
// Every module ends with a custom section, gavel.input_shape (input-shape-section.ts): what
// of `input` each entrypoint can observe, so a host may pass only that.
//
// Adding a native builtin: export `b_<name>` (dots written "__") from a family file in
// runtime/as/builtins/ that runtime/as/index.ts re-exports; rebuild the runtime. The emitter
// finds it by that export name; anything else a policy calls goes to the host through
// opa_builtin<arity> and is listed in builtins().

import type { Policy } from "../compiler/ir.ts";
import { withInputShapes } from "./input-shape-section.ts";
import { loadRuntime } from "./runtime.ts";
import { type SpliceOptions, spliceModule } from "./splice.ts";

export { EmitError } from "./function-emitter.ts";
export { INPUT_SHAPE_SECTION } from "./input-shape-section.ts";

/** The module for a policy, in milliseconds and without binaryen. */
export function emitWasm(policy: Policy, opts: SpliceOptions = {}): Uint8Array {
	return withInputShapes(spliceModule(policy, loadRuntime().bytes, opts), policy);
}

/** The module with the policy's functions optimised by binaryen (`gavel build -O`). */
export async function emitOptimizedWasm(policy: Policy): Promise<Uint8Array> {
	const { emitModule } = await import("./emit.ts");
	return withInputShapes(emitModule(policy, { optimize: true }), policy);
}

/** Names of the builtins implemented inside the module (the rest go to the host). */
export const NATIVE_BUILTINS: ReadonlySet<string> = new Set(loadRuntime().natives.keys());

export {
	applyEvalLimits,
	DEFAULT_EVAL_LIMITS,
	DEFAULT_EVAL_MEMORY_BYTES,
	DEFAULT_EVAL_STEPS,
	type EvalLimits,
	readEvalLimits,
	type WasmInstance,
} from "./limits.ts";
