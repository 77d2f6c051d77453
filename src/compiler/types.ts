// Structural Rego types for the type checker, with OPA's notions (learned from its docs and
// `opa check` answers): arrays have per-position ("static") element types and/or one
// "dynamic" element type, objects static keys and/or a dynamic key/value type, sets one
// element type, and `any<a, b>` is a union. Builtin signatures come from OPA 1.22.3's
// capabilities (opa-capabilities.json, the snapshot builtins.test.ts holds to OPA).
//
// Two types unify when some value could have both: `any` with everything, a union when one
// member does, arrays when every position both sides describe unifies (a position only one
// side has does not), objects likewise by key, sets by element type.

import capabilities from "./opa-capabilities.json" with { type: "json" };

export type Ty =
	| { t: "any" }
	| { t: "null" }
	| { t: "boolean" }
	| { t: "number" }
	| { t: "string" }
	| { t: "array"; static: Ty[]; dyn?: Ty }
	| { t: "set"; of: Ty }
	| { t: "object"; static: [string, Ty][]; dyn?: [Ty, Ty] }
	| { t: "union"; of: Ty[] };

export const ANY: Ty = { t: "any" };
export const NULL: Ty = { t: "null" };
export const BOOLEAN: Ty = { t: "boolean" };
export const NUMBER: Ty = { t: "number" };
export const STRING: Ty = { t: "string" };
export const arrayOf = (dyn: Ty): Ty => ({ t: "array", static: [], dyn });
export const setOf = (of: Ty): Ty => ({ t: "set", of });
export const objectOf = (k: Ty, v: Ty): Ty => ({ t: "object", static: [], dyn: [k, v] });

const same = (a: Ty, b: Ty) => typeText(a) === typeText(b);

/** The union of some types, flattened and without repeats; `any` absorbs everything. */
export function union(types: Ty[]): Ty {
	const out: Ty[] = [];
	for (const t of types) {
		for (const m of t.t === "union" ? t.of : [t]) {
			if (m.t === "any") return ANY;
			if (!out.some((o) => same(o, m))) out.push(m);
		}
	}
	if (out.length === 0) return ANY;
	return out.length === 1 ? out[0] : { t: "union", of: out };
}

/** The element at position i, if the array type describes one. */
function arrayAt(a: Ty & { t: "array" }, i: number): Ty | undefined {
	return i < a.static.length ? a.static[i] : a.dyn;
}

function objectAt(o: Ty & { t: "object" }, key: string): Ty | undefined {
	const hit = o.static.find(([k]) => k === key);
	return hit ? hit[1] : o.dyn?.[1];
}

export function unifies(a: Ty, b: Ty): boolean {
	if (a.t === "any" || b.t === "any") return true;
	if (a.t === "union") return a.of.some((m) => unifies(m, b));
	if (b.t === "union") return b.of.some((m) => unifies(a, m));
	if (a.t !== b.t) return false;
	switch (a.t) {
		case "array": {
			const o = b as Ty & { t: "array" };
			const n = Math.max(a.static.length, o.static.length);
			for (let i = 0; i < n; i++) {
				const x = arrayAt(a, i);
				const y = arrayAt(o, i);
				if (!x || !y || !unifies(x, y)) return false;
			}
			return !a.dyn || !o.dyn || unifies(a.dyn, o.dyn);
		}
		case "object": {
			const o = b as Ty & { t: "object" };
			for (const [k] of [...a.static, ...o.static]) {
				const x = objectAt(a, k);
				const y = objectAt(o, k);
				if (!x || !y || !unifies(x, y)) return false;
			}
			// As OPA (measured): dynamic parts meet on their values; key types are not compared.
			return !a.dyn || !o.dyn || unifies(a.dyn[1], o.dyn[1]);
		}
		case "set":
			return unifies(a.of, (b as Ty & { t: "set" }).of);
		default:
			return true;
	}
}

/**
 * Can a value of type `have` be passed where a builtin wants `want`? As unifies, except that
 * an object is judged key by key as OPA does (measured with opa check): each static key
 * must fit the wanted key's type or the wanted dynamic part, and a wanted static key may be
 * absent (json.marshal_with_options(x, {"indent": "  "}) is accepted, {"pretty": 1} is not;
 * literal non-string keys are judged by TypeChecker.argFits).
 */
export function fitsArg(have: Ty, want: Ty): boolean {
	if (have.t === "any" || want.t === "any") return true;
	if (have.t === "union") return have.of.some((m) => fitsArg(m, want));
	if (want.t === "union") return want.of.some((m) => fitsArg(have, m));
	if (have.t !== "object" || want.t !== "object" || (have.dyn && !want.dyn))
		return unifies(have, want);
	const dyn = want.dyn;
	for (const [k, v] of have.static) {
		const hit = want.static.find(([wk]) => wk === k);
		const w = hit ? hit[1] : dyn && unifies(STRING, dyn[0]) ? dyn[1] : undefined;
		if (!w || !fitsArg(v, w)) return false;
	}
	// Dynamic parts meet on their values, as in unifies (a comprehension's keys are not typed).
	if (have.dyn && dyn) return fitsArg(have.dyn[1], dyn[1]);
	return true;
}

/** Every element type an array or set may hold (for iteration and unknown indexes). */
export function elementType(t: Ty): Ty {
	if (t.t === "array") return union([...t.static, ...(t.dyn ? [t.dyn] : [])]);
	if (t.t === "set") return t.of;
	if (t.t === "object") return union([...t.static.map(([, v]) => v), ...(t.dyn ? [t.dyn[1]] : [])]);
	return ANY;
}

/** As OPA prints types in its messages. */
export function typeText(t: Ty): string {
	switch (t.t) {
		case "array":
			if (t.static.length === 0) return `array[${typeText(t.dyn ?? ANY)}]`;
			return `array<${t.static.map(typeText).join(", ")}>${t.dyn ? `[${typeText(t.dyn)}]` : ""}`;
		case "set":
			return `set[${typeText(t.of)}]`;
		case "object": {
			const dyn = t.dyn ? `[${typeText(t.dyn[0])}: ${typeText(t.dyn[1])}]` : "";
			if (t.static.length === 0) return `object${dyn || "[any: any]"}`;
			return `object<${t.static.map(([k, v]) => `${k}: ${typeText(v)}`).join(", ")}>${dyn}`;
		}
		case "union":
			return `any<${t.of.map(typeText).sort().join(", ")}>`;
		default:
			return t.t;
	}
}

// ---- OPA's builtin signatures ------------------------------------------------------------

interface JsonType {
	type: string;
	of?: JsonType | JsonType[];
	static?: JsonType[] | { key: unknown; value: JsonType }[];
	dynamic?: JsonType | { key: JsonType; value: JsonType };
	args?: JsonType[];
	result?: JsonType;
	variadic?: JsonType;
}

function fromJson(j: JsonType | undefined): Ty {
	if (!j) return ANY;
	switch (j.type) {
		case "null":
		case "boolean":
		case "number":
		case "string":
			return { t: j.type };
		case "any":
			return Array.isArray(j.of) ? union(j.of.map(fromJson)) : ANY;
		case "set":
			return setOf(fromJson(j.of as JsonType));
		case "array":
			return {
				t: "array",
				static: ((j.static ?? []) as JsonType[]).map(fromJson),
				dyn: j.dynamic ? fromJson(j.dynamic as JsonType) : undefined,
			};
		case "object": {
			const d = j.dynamic as { key: JsonType; value: JsonType } | undefined;
			return {
				t: "object",
				static: ((j.static ?? []) as { key: unknown; value: JsonType }[]).map((s) => [
					String(s.key),
					fromJson(s.value),
				]),
				dyn: d ? [fromJson(d.key), fromJson(d.value)] : undefined,
			};
		}
		default:
			return ANY; // functions (as values) and anything newer: no claim
	}
}

export interface Signature {
	args: Ty[];
	result: Ty;
}

const SIGNATURES = new Map<string, Signature>();
for (const b of (capabilities as { builtins: { name: string; decl: JsonType }[] }).builtins) {
	if (b.decl.variadic || !b.decl.args) continue;
	SIGNATURES.set(b.name, { args: b.decl.args.map(fromJson), result: fromJson(b.decl.result) });
}

/** OPA's signature of a builtin with fixed arity, if it has one. */
export function signature(name: string): Signature | undefined {
	return SIGNATURES.get(name);
}
