// For the suites that check the input projection (src/engine/input-projection.ts) on Rego
// nobody wrote for it (OPA's conformance cases, the differential harness's random programs):
// the same input whole and projected must give the same answer.

import { projectedJson, readInputShapes } from "../src/engine/input-projection.ts";

/**
 * `json` with two keys no policy under test names added to every object in it, so that a
 * projection has something to leave out wherever the policy does not look.
 */
export function withUnreadKeys(json: unknown): unknown {
	if (Array.isArray(json)) return json.map(withUnreadKeys);
	if (typeof json !== "object" || json === null) return json;
	const out: Record<string, unknown> = { " gavel unread": [1, { a: null }], "~gavel unread": "x" };
	for (const [k, v] of Object.entries(json)) out[k] = withUnreadKeys(v);
	return out;
}

/**
 * The input with unread keys added (`full`), and that input as the server would hand the
 * module's (only) plan over: what it can observe. Undefined when it may observe all of it.
 */
export function projection(
	wasm: Uint8Array,
	json: unknown,
): { full: unknown; json: unknown; text: string } | undefined {
	if (json === undefined) return undefined;
	const [shape] = readInputShapes(wasm).values();
	if (shape === undefined || shape === true) return undefined;
	const full = withUnreadKeys(json);
	const text = projectedJson(full, shape);
	return { full, json: JSON.parse(text), text };
}
