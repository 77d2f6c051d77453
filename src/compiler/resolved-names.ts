// How resolved terms spell what resolve.ts decided, for every later pass: the roots, names of
// wildcards, builtins named as values, and the target of a call.

import type { RefTerm } from "../rego/ast.ts";

/** Prefix of generated names: `$` cannot appear in a Rego identifier. */
export const WILDCARD_PREFIX = "$_";

export function isWildcard(name: string): boolean {
	return name.startsWith(WILDCARD_PREFIX);
}

/**
 * Head of a ref that names a builtin as a value (`with f as count`); its path spells the
 * builtin's name. Like the roots, it is never a variable.
 */
export const BUILTIN_HEAD = "$builtin";

export function isRoot(name: string): boolean {
	return name === "data" || name === "input" || name === BUILTIN_HEAD;
}

/** A resolved function call target. */
export type FnTarget = { kind: "user"; path: string[] } | { kind: "builtin"; name: string };

/** Reads back what resolveFn decided (user function refs are rooted at data). */
export function fnTarget(fn: RefTerm): FnTarget {
	const parts: string[] = [];
	for (const p of fn.path) if (p.type === "string") parts.push(p.value);
	if (fn.head.type === "var" && fn.head.name === "data") return { kind: "user", path: parts };
	if (fn.head.type === "var" && fn.head.name === BUILTIN_HEAD)
		return { kind: "builtin", name: parts.join(".") };
	const head = fn.head.type === "var" ? fn.head.name : "?";
	return { kind: "builtin", name: [head, ...parts].join(".") };
}
