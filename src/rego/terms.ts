// Small constructors and predicates over terms, shared by the parser, the checks and the printer.

import type { BooleanTerm, Loc, RefTerm, StringTerm, Term, VarTerm } from "./ast.ts";

export function varTerm(name: string, loc: Loc): VarTerm {
	return { type: "var", name, loc };
}

export function stringTerm(value: string, loc: Loc): StringTerm {
	return { type: "string", value, loc };
}

export function trueTerm(loc: Loc): BooleanTerm {
	return { type: "boolean", value: true, loc };
}

/** The ref naming a builtin: `plus` is head var `plus`; `internal.member_2` has a path. */
export function builtinRef(name: string, loc: Loc): RefTerm {
	const parts = name.split(".");
	return {
		type: "ref",
		head: varTerm(parts[0], loc),
		path: parts.slice(1).map((p) => stringTerm(p, loc)),
		loc,
	};
}

/** `count`, `io.jwt.decode`, `data.lib.f`: the dotted name of a ref whose path is all strings. */
export function refName(ref: RefTerm): string | undefined {
	if (ref.head.type !== "var") return undefined;
	let s = ref.head.name;
	for (const p of ref.path) {
		if (p.type !== "string") return undefined;
		s += `.${p.value}`;
	}
	return s;
}

/** The operator builtins and how they are written infix. Higher level binds tighter. */
export const INFIX_OPERATORS: Record<string, { name: string; level: number }> = {
	in: { name: "internal.member_2", level: 1 },
	"==": { name: "equal", level: 2 },
	"!=": { name: "neq", level: 2 },
	"<": { name: "lt", level: 2 },
	"<=": { name: "lte", level: 2 },
	">": { name: "gt", level: 2 },
	">=": { name: "gte", level: 2 },
	"|": { name: "or", level: 3 },
	"&": { name: "and", level: 4 },
	"+": { name: "plus", level: 5 },
	"-": { name: "minus", level: 5 },
	"*": { name: "mul", level: 6 },
	"/": { name: "div", level: 6 },
	"%": { name: "rem", level: 6 },
};

/** Builtin name → operator symbol, for the printer. */
export const OPERATOR_SYMBOLS: Record<string, { symbol: string; level: number }> = (() => {
	const out: Record<string, { symbol: string; level: number }> = {
		eq: { symbol: "=", level: 0 },
		assign: { symbol: ":=", level: 0 },
	};
	for (const [symbol, { name, level }] of Object.entries(INFIX_OPERATORS)) {
		out[name] = { symbol, level };
	}
	return out;
})();

/**
 * Ground for rule-head purposes: no variables, refs, calls or comprehensions anywhere (OPA
 * treats a ref in a head key as a dynamic key, not a constant).
 */
export function isGroundTerm(t: Term): boolean {
	switch (t.type) {
		case "null":
		case "boolean":
		case "number":
		case "string":
			return true;
		case "array":
		case "set":
			return t.items.every(isGroundTerm);
		case "object":
			return t.entries.every(([k, v]) => isGroundTerm(k) && isGroundTerm(v));
		default:
			return false;
	}
}

/** The name OPA gives a value's type in messages ("var cannot be used for rule name"). */
export function typeName(t: Term): string {
	switch (t.type) {
		case "arrayCompr":
			return "arraycomprehension";
		case "setCompr":
			return "setcomprehension";
		case "objectCompr":
			return "objectcomprehension";
		default:
			return t.type;
	}
}
