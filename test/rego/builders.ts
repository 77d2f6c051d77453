// Location-free AST builders for golden tests: `call("plus", num("1"), v("x"))` reads like the
// tree it stands for and compares with `stripLocations(parsed)` by deep equality.

import type { Body, Expr, Term, With } from "../../src/rego/ast.ts";

type NoLoc<T> = T extends { loc: unknown } ? Omit<T, "loc"> : T;
// biome-ignore lint/suspicious/noExplicitAny: builders produce loose shapes compared structurally.
type T = any;

export const v = (name: string): T => ({ type: "var", name });
export const num = (text: string): T => ({ type: "number", text });
export const str = (value: string): T => ({ type: "string", value });
export const bool = (value: boolean): T => ({ type: "boolean", value });
export const nul = (): T => ({ type: "null" });
export const ref = (head: T, ...path: T[]): T => ({ type: "ref", head, path });
/** `input.a.b` → ref(var input, "a", "b"); brackets given as terms. */
export const dotted = (name: string, ...rest: T[]): T => {
	const [h, ...p] = name.split(".");
	return ref(v(h), ...p.map(str), ...rest);
};
export const fn = (name: string): T => dotted(name);
export const call = (name: string, ...args: T[]): T => ({ type: "call", fn: fn(name), args });
export const op = (name: string, ...args: T[]): T => ({
	type: "call",
	fn: fn(name),
	args,
	infix: true,
});
export const arr = (...items: T[]): T => ({ type: "array", items });
export const set = (...items: T[]): T => ({ type: "set", items });
export const obj = (...entries: [T, T][]): T => ({ type: "object", entries });
export const arrC = (term: T, body: T[]): T => ({ type: "arrayCompr", term, body });
export const setC = (term: T, body: T[]): T => ({ type: "setCompr", term, body });
export const objC = (key: T, value: T, body: T[]): T => ({ type: "objectCompr", key, value, body });

export const expr = (terms: T, opts: { negated?: boolean; with?: NoLoc<With>[] } = {}): T => ({
	type: "expr",
	negated: opts.negated ?? false,
	terms,
	with: opts.with ?? [],
});
export const withm = (target: T, value: T): T => ({ target, value });
export const some = (...vars: string[]): T => ({ type: "some", vars: vars.map(v) });
export const someIn = (value: T, collection: T, key?: T): T =>
	key ? { type: "someIn", key, value, collection } : { type: "someIn", value, collection };
export const every = (value: T, domain: T, body: T[], key?: T): T =>
	key ? { type: "every", key, value, domain, body } : { type: "every", value, domain, body };

export type { Body, Expr, Term };
