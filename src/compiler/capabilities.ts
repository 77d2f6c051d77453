// OPA's capabilities JSON (`opa capabilities --current`, `opa build --capabilities FILE`):
// the builtins a policy may call, with their declared types. Gavel reads the builtin names to
// refuse calls outside them, and compares its catalogue with OPA's own file (builtins.test.ts).

/** A type as OPA's capabilities declare it (only the fields Gavel reads). */
export interface CapType {
	type: string;
	of?: CapType | CapType[];
	static?: CapType[];
	dynamic?: CapType | { key: CapType; value: CapType };
	key?: CapType;
	value?: CapType;
}

export interface CapBuiltin {
	name: string;
	decl: { type: string; args?: CapType[]; result?: CapType; variadic?: CapType };
	infix?: string;
	relation?: boolean;
	deprecated?: boolean;
	nondeterministic?: boolean;
}

export interface Capabilities {
	builtins: CapBuiltin[];
	future_keywords?: string[];
	features?: string[];
}

export class CapabilitiesError extends Error {}

/** Parse a capabilities file's text; a file OPA would not read is an error naming why. */
export function parseCapabilities(text: string, file: string): Capabilities {
	let v: unknown;
	try {
		v = JSON.parse(text);
	} catch (e) {
		throw new CapabilitiesError(`${file}: not JSON: ${(e as Error).message}`);
	}
	if (v === null || typeof v !== "object" || Array.isArray(v)) {
		throw new CapabilitiesError(`${file}: a capabilities file is a JSON object`);
	}
	const builtins = (v as { builtins?: unknown }).builtins ?? [];
	if (!Array.isArray(builtins)) throw new CapabilitiesError(`${file}: "builtins" is not an array`);
	for (const b of builtins) {
		if (b === null || typeof b !== "object" || typeof (b as CapBuiltin).name !== "string") {
			throw new CapabilitiesError(`${file}: every builtin needs a "name"`);
		}
	}
	return v as Capabilities;
}

/** The builtin names a capabilities file allows. */
export function capabilityNames(c: Capabilities): Set<string> {
	return new Set(c.builtins.map((b) => b.name));
}

/**
 * A capabilities file without OPA's prose (descriptions and argument names): what the
 * committed snapshot holds, and what a live `opa capabilities` is compared with.
 */
export function stripCapabilities(c: Capabilities): Capabilities {
	const strip = (x: unknown): unknown => {
		if (Array.isArray(x)) return x.map(strip);
		if (x === null || typeof x !== "object") return x;
		const out: Record<string, unknown> = {};
		for (const [k, val] of Object.entries(x)) {
			if (k === "description" || k === "name" || k === "categories") continue;
			out[k] = strip(val);
		}
		return out;
	};
	return {
		builtins: c.builtins
			.map((b) => ({ ...(strip(b) as CapBuiltin), name: b.name }))
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
		future_keywords: c.future_keywords,
		features: c.features,
	};
}

const BASIC = ["null", "boolean", "number", "string", "array", "object", "set"];

/** The basic types a declared type admits, as Gavel's catalogue writes them (`array|set`). */
export function basicTypes(t: CapType | undefined): string {
	const kinds = new Set<string>();
	const add = (x: CapType | undefined): void => {
		if (!x || (x.type === "any" && !x.of)) {
			for (const k of BASIC) kinds.add(k);
			return;
		}
		if (x.type === "any") {
			for (const o of Array.isArray(x.of) ? x.of : [x.of as CapType]) add(o);
			return;
		}
		kinds.add(x.type);
	};
	add(t);
	if (kinds.size === BASIC.length) return "any";
	return [...kinds].sort().join("|");
}
