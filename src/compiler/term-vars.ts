// Which variables terms, expressions and bodies mention. Resolution (declaring locals), safety
// (what an expression needs and binds, what closures capture) and type checking all ask; they
// differ only in whether closures count and what they collect, so one walk serves them.

import type { Body, Expr, Term, VarTerm } from "../rego/ast.ts";
import { isRoot } from "./resolved-names.ts";

type Closure = Term & { type: "arrayCompr" | "setCompr" | "objectCompr" };

/**
 * Calls `visit` on each var a term uses directly, in source order: not a call's function
 * name (that is not a use), and nothing inside a comprehension unless `closure` is given,
 * which then receives each comprehension in place of its vars.
 */
export function forEachVar(
	t: Term,
	visit: (v: VarTerm) => void,
	closure?: (c: Closure) => void,
): void {
	const walk = (x: Term): void => {
		switch (x.type) {
			case "var":
				visit(x);
				return;
			case "ref":
				walk(x.head);
				for (const p of x.path) walk(p);
				return;
			case "array":
			case "set":
				for (const i of x.items) walk(i);
				return;
			case "object":
				for (const [k, v] of x.entries) {
					walk(k);
					walk(v);
				}
				return;
			case "call":
				for (const a of x.args) walk(a);
				return;
			case "arrayCompr":
			case "setCompr":
			case "objectCompr":
				closure?.(x);
				return;
			default:
				return;
		}
	};
	walk(t);
}

/** Every var in a term but the roots, closures included. */
export function deepVars(t: Term, out: Set<string>): void {
	forEachVar(
		t,
		(v) => {
			if (!isRoot(v.name)) out.add(v.name);
		},
		(c) => {
			if (c.type === "objectCompr") {
				deepVars(c.key, out);
				deepVars(c.value, out);
			} else deepVars(c.term, out);
			bodyDeepVars(c.body, out);
		},
	);
}

export function exprDeepVars(e: Expr, out: Set<string>): void {
	const t = e.terms;
	if (t.type === "some") for (const v of t.vars) out.add(v.name);
	else if (t.type === "someIn") {
		if (t.key) deepVars(t.key, out);
		deepVars(t.value, out);
		deepVars(t.collection, out);
	} else if (t.type === "every") {
		if (t.key) deepVars(t.key, out);
		deepVars(t.value, out);
		deepVars(t.domain, out);
		bodyDeepVars(t.body, out);
	} else deepVars(t, out);
	for (const w of e.with) deepVars(w.value, out);
}

export function bodyDeepVars(b: Body, out: Set<string>): void {
	for (const e of b) exprDeepVars(e, out);
}

/** Vars of a body outside its closures: the ones closures inside it may capture. */
export function bodyShallowVars(b: Body, out: Set<string>): void {
	const shallow = (t: Term): void =>
		forEachVar(t, (v) => {
			if (!isRoot(v.name)) out.add(v.name);
		});
	for (const e of b) {
		const t = e.terms;
		if (t.type === "some") for (const v of t.vars) out.add(v.name);
		else if (t.type === "someIn") {
			if (t.key) shallow(t.key);
			shallow(t.value);
			shallow(t.collection);
		} else if (t.type === "every") shallow(t.domain);
		else shallow(t);
		for (const w of e.with) shallow(w.value);
	}
}

/** Vars a body mentions outside closures, `some` declarations left out (rule head safety). */
export function bodyMentionedVars(b: Body, out: Set<string>): void {
	bodyShallowVars(
		b.filter((e) => e.terms.type !== "some"),
		out,
	);
}
