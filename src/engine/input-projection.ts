// Handing a policy module only the input it can observe. Gavel's compiler records, per
// entrypoint, which parts of `input` the policy's code can reach (src/compiler/input-shape.ts,
// a custom section of the module); the module parses input JSON on every evaluation, so text
// nobody reads (most of a JWT's claims, request metadata) is work saved on every decision.
// Modules without the section (built by `opa build`) get the whole input, as before.

import type { InputShape } from "../compiler/input-shape.ts";
import { INPUT_SHAPE_SECTION } from "../wasm/input-shape-section.ts";
import { normalizeEntrypoint } from "./policy-bundle.ts";

function isShape(x: unknown, depth = 0): x is InputShape {
	if (x === true) return true;
	if (typeof x !== "object" || x === null || Array.isArray(x) || depth > 64) return false;
	for (const v of Object.values(x)) if (!isShape(v, depth + 1)) return false;
	return true;
}

type WasmModuleApi = {
	Module: {
		new (bytes: Uint8Array): WebAssembly.Module;
		customSections(m: WebAssembly.Module, name: string): ArrayBuffer[];
	};
};

/**
 * The module's input shapes by normalised entrypoint name; empty when it records none (or
 * records them in a form this version does not read: then every input is passed whole).
 */
export function readInputShapes(module: WebAssembly.Module | Uint8Array): Map<string, InputShape> {
	const out = new Map<string, InputShape>();
	const api = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly;
	const compiled = module instanceof Uint8Array ? new api.Module(module) : module;
	const sections = api.Module.customSections(compiled, INPUT_SHAPE_SECTION);
	if (sections.length !== 1) return out;
	let parsed: unknown;
	try {
		parsed = JSON.parse(new TextDecoder().decode(sections[0]));
	} catch {
		return out;
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return out;
	for (const [name, shape] of Object.entries(parsed)) {
		if (!isShape(shape)) return new Map();
		out.set(normalizeEntrypoint(name), shape);
	}
	return out;
}

/** A plain JSON object (not an array, not something with its own toJSON). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
	return (
		typeof v === "object" &&
		v !== null &&
		!Array.isArray(v) &&
		typeof (v as { toJSON?: unknown }).toJSON !== "function"
	);
}

/** Writes a value as JSON, keeping only what a shape names. */
export type Projector = (value: unknown) => string;

/**
 * JSON.stringify(v), the same text, with short strings and scalars written directly: most of
 * an input's leaves are names and ids, and each JSON.stringify call costs several times the
 * scan that shows a short string needs no escapes.
 */
export function jsonText(v: unknown): string {
	if (typeof v === "string") {
		if (v.length > 64) return JSON.stringify(v);
		for (let i = 0; i < v.length; i++) {
			const c = v.charCodeAt(i);
			// Control characters, quote and backslash are escaped; so is a lone surrogate.
			if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
				return JSON.stringify(v);
			}
		}
		return `"${v}"`;
	}
	if (typeof v === "boolean") return v ? "true" : "false";
	if (typeof v === "number") return Number.isFinite(v) ? String(v) : "null";
	return JSON.stringify(v);
}

const whole: Projector = jsonText;
const projectors = new WeakMap<object, Projector>();

/**
 * The projector for `shape`, made once per shape object (a module's shapes live as long as
 * it does): keys quoted once, one function per level. An object keeps the shape's keys it
 * has, each projected in turn; anything else, and everything under a `true`, is written whole.
 * The result has the same value as JSON.stringify(value) at every path the shape names.
 */
export function projector(shape: InputShape): Projector {
	if (shape === true) return whole;
	let p = projectors.get(shape);
	if (p === undefined) {
		p = objectProjector(shape);
		projectors.set(shape, p);
	}
	return p;
}

function objectProjector(shape: { [key: string]: InputShape }): Projector {
	const keys = Object.keys(shape);
	const heads = keys.map((k) => `${JSON.stringify(k)}:`);
	const parts = keys.map((k) => projector(shape[k]));
	// Only for names an object inherits (toString, __proto__, …) does an own-key check matter.
	const inherited = keys.map((k) => k in Object.prototype);
	return (value) => {
		if (!isPlainObject(value)) return jsonText(value);
		let out = "";
		for (let i = 0; i < keys.length; i++) {
			const v = value[keys[i]];
			// As JSON.stringify: keys whose value has no JSON form are left out.
			if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
			if (inherited[i] && !Object.hasOwn(value, keys[i])) continue;
			out += `${out === "" ? "{" : ","}${heads[i]}${parts[i](v)}`;
		}
		return out === "" ? "{}" : `${out}}`;
	};
}

/** `value` as JSON with only what `shape` names (see projector). */
export function projectedJson(value: unknown, shape: InputShape): string {
	return projector(shape)(value);
}
