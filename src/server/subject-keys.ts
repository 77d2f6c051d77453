// Per-token stand-ins for a request's subject, made once per verified token: the verifier
// hands out one claims object per token for as long as it caches it, so the object's
// identity stands for the token without hashing or serialising its text again.

import type { InputShape } from "../compiler/input-shape.ts";
import { projectedJson } from "../engine/input-projection.ts";
import { canonicalJson } from "./canonical-json.ts";

// Ids are never reused, so a key made for an object that is gone can never match another
// subject.
const subjectIds = new WeakMap<object, string>();
let nextSubjectId = 0;

/** A short id for the claims object, for cache keys. */
export function subjectId(claims: object): string {
	let id = subjectIds.get(claims);
	if (id === undefined) {
		id = (nextSubjectId++).toString(36);
		subjectIds.set(claims, id);
	}
	return id;
}

const subjectJsons = new WeakMap<object, string>();
// The claims as one entrypoint's input shape projects them: the last shape asked for, per
// claims object (a server mostly asks one entrypoint).
const projectedJsons = new WeakMap<object, { shape: InputShape; json: string }>();

/**
 * The claims as JSON with sorted keys (the policy module then need not sort them), made once
 * per claims object, for input texts. With a shape (see src/engine/input-projection.ts), only
 * the claims it names, made once per claims object and shape.
 */
export function subjectJson(claims: object, shape: InputShape = true): string {
	if (shape !== true) {
		const kept = projectedJsons.get(claims);
		if (kept?.shape === shape) return kept.json;
		const json = projectedJson(claims, shape);
		projectedJsons.set(claims, { shape, json });
		return json;
	}
	let json = subjectJsons.get(claims);
	if (json === undefined) {
		json = canonicalJson(claims);
		subjectJsons.set(claims, json);
	}
	return json;
}
