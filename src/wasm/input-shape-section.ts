// The module's input shapes (src/compiler/input-shape.ts) as a custom section: what of
// `input` each entrypoint can observe, so a host may hand it only that. Custom sections are
// ignored by every engine and by the SDK; a module without this one (built by `opa build`, or
// by an older Gavel) is simply given the whole input.

import { inputShapes } from "../compiler/input-shape.ts";
import type { Policy } from "../compiler/ir.ts";
import { Writer } from "./binary.ts";

/** The custom section's name. Its payload: JSON `{"<entrypoint>": shape, …}`. */
export const INPUT_SHAPE_SECTION = "gavel.input_shape";

/** `module` with the policy's input shapes appended as a custom section (id 0, at the end). */
export function withInputShapes(module: Uint8Array, policy: Policy): Uint8Array {
	const shapes = JSON.stringify(Object.fromEntries(inputShapes(policy)));
	const body = new Writer().name(INPUT_SHAPE_SECTION).bytes(new TextEncoder().encode(shapes));
	const section = new Writer().byte(0).sized(body).done();
	const out = new Uint8Array(module.length + section.length);
	out.set(module);
	out.set(section, module.length);
	return out;
}
