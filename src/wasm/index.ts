// The back end's public face: IR Policy → a Wasm module that follows OPA's Wasm ABI 1.3.

import type { Policy } from "../compiler/ir.ts";
import { type EmitOptions, emitModule } from "./emit.ts";
import { loadRuntime } from "./runtime.ts";

export { EmitError, type EmitOptions } from "./emit.ts";

export function emitWasm(policy: Policy, opts?: EmitOptions): Uint8Array {
	return emitModule(policy, opts);
}

/** Names of the builtins implemented inside the module (the rest go to the host). */
export const NATIVE_BUILTINS: ReadonlySet<string> = new Set(loadRuntime().natives.keys());
