// JSON with object keys sorted at every level, so equal inputs give equal cache keys
// whatever order the client wrote them in.

import { jsonText } from "../engine/input-projection.ts";

export function canonicalJson(v: unknown): string {
	if (v === null || typeof v !== "object") return jsonText(v) ?? "null";
	// Concatenated, not joined from arrays; keys sorted only when they are not already (the
	// objects the server builds, and many clients', come sorted).
	if (Array.isArray(v)) {
		let out = "[";
		for (let i = 0; i < v.length; i++)
			out += i === 0 ? canonicalJson(v[i]) : `,${canonicalJson(v[i])}`;
		return `${out}]`;
	}
	const keys = Object.keys(v);
	if (!inOrder(keys)) keys.sort();
	let out = "";
	for (const k of keys) {
		const x = (v as Record<string, unknown>)[k];
		if (x === undefined) continue;
		out += `${out === "" ? "{" : ","}${jsonText(k)}:${canonicalJson(x)}`;
	}
	return out === "" ? "{}" : `${out}}`;
}

/** Whether `keys` are in the order Array.prototype.sort leaves them (UTF-16 code units). */
function inOrder(keys: string[]): boolean {
	for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
	return true;
}

/** Nesting depth of a parsed JSON value (a scalar is 0). */
export function jsonDepth(v: unknown, limit: number, depth = 0): number {
	if (v === null || typeof v !== "object") return depth;
	if (depth >= limit) return depth + 1;
	let max = depth + 1;
	// Indexed and for-in loops: no array of values is made for every object on the way.
	if (Array.isArray(v)) {
		for (let i = 0; i < v.length && max <= limit; i++) {
			const d = jsonDepth(v[i], limit, depth + 1);
			if (d > max) max = d;
		}
		return max;
	}
	for (const k in v) {
		const d = jsonDepth((v as Record<string, unknown>)[k], limit, depth + 1);
		if (d > max) max = d;
		if (max > limit) break;
	}
	return max;
}
