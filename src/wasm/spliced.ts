// The back end without binaryen: emitWasm for the default (unoptimised) build, whose import
// graph never loads binaryen.js (≈0.3–0.6 s per process). index.ts offers the same plus
// `optimize`, at that cost. Use this entry where start-up time matters (the CLI's build).

import type { Policy } from "../compiler/ir.ts";
import { EmitError } from "./function-emitter.ts";
import { loadRuntime } from "./runtime.ts";
import { spliceModule } from "./splice.ts";

export { EmitError };

export function emitWasm(policy: Policy, opts?: { optimize?: boolean }): Uint8Array {
	if (opts?.optimize) {
		throw new EmitError("optimising needs binaryen: use emitWasm from src/wasm/index.ts");
	}
	return spliceModule(policy, loadRuntime().bytes);
}

/** Names of the builtins implemented inside the module (the rest go to the host). */
export const NATIVE_BUILTINS: ReadonlySet<string> = new Set(loadRuntime().natives.keys());
