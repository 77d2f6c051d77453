// Safety: every variable must be bound before it is used. Bodies are reordered (stable: the
// first expression that is ready goes next, as OPA does) so the planner can lower them left
// to right; what cannot be ordered is reported as `rego_unsafe_var_error`.
// Which positions bind a variable is bindings.ts.

import type { Body, Expr, Loc, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { type ArityOf, analyseExpr, analyseTerm } from "./bindings.ts";
import { isWildcard } from "./resolved-names.ts";
import { bodyShallowVars, deepVars } from "./term-vars.ts";

export interface Reordered {
	body: Body;
	bound: Set<string>;
}

function at(loc: Loc): RegoError["loc"] {
	return { file: loc.file, row: loc.row, col: loc.col };
}

/**
 * Reorder a body so every var is bound before use, recursively for closures inside it.
 * `bound` is what is bound on entry; `outer` the vars of enclosing scopes.
 */
export function reorderBody(
	body: Body,
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
	names: Map<string, string>,
	errors: RegoError[],
): Reordered {
	const B = new Set(bound);
	const remaining = [...body];
	const out: Body = [];
	const scopeVars = new Set(outer);
	bodyShallowVars(body, scopeVars);
	while (remaining.length > 0) {
		let picked = -1;
		for (let i = 0; i < remaining.length; i++) {
			const r = analyseExpr(remaining[i], B, scopeVars, arityOf);
			if (r.ready) {
				picked = i;
				for (const b of r.binds) B.add(b);
				break;
			}
		}
		if (picked < 0) {
			// Named vars are reported where they first occur; when only `_`s are stuck (which
			// the author cannot name), the expressions are reported instead, as OPA does.
			// A var declared by `:=` is unbound only because its right side is: OPA names the
			// cause, not the declaration (`y := x` reports x alone).
			const declared = assignedVars(remaining);
			const reported = new Set<string>();
			const found: RegoError[] = [];
			const stuck: Expr[] = [];
			for (const e of remaining) {
				const r = analyseExpr(e, B, scopeVars, arityOf);
				if (r.missing.size > 0) stuck.push(e);
				// Unless the declaration itself can bind nothing (`[x, y] := []`): then its vars.
				const own = assignedVars([e]);
				const ownOnly = [...r.missing].every((v) => own.has(v) || isWildcard(v));
				// OPA names every unbound var of a stuck expression, the ones it would bind too
				// (`r = f(x)` with x unbound: r and x).
				const unbound = new Set(r.missing);
				if (r.missing.size > 0) for (const v of stuckVars(e, B)) unbound.add(v);
				for (const v of unbound) {
					if (reported.has(v) || isWildcard(v)) continue;
					if (declared.has(v) && !(ownOnly && own.has(v))) continue;
					reported.add(v);
					found.push({
						code: "rego_unsafe_var_error",
						message: `var ${names.get(v) ?? v} is unsafe`,
						loc: at(e.loc),
					});
				}
			}
			if (found.length === 0) {
				for (const e of stuck) {
					found.push({
						code: "rego_unsafe_var_error",
						message: "expression is unsafe",
						loc: at(e.loc),
					});
				}
			}
			errors.push(...found);
			return { body: [...out, ...remaining], bound: B };
		}
		const [e] = remaining.splice(picked, 1);
		out.push(reorderClosures(e, B, scopeVars, arityOf, names, errors));
	}
	return { body: out, bound: B };
}

/**
 * The unbound vars of a stuck expression as OPA names them: all of them, except that an
 * array-to-array `=` is split into its element pairs first (`[a, b] = [x, 1]` names a and x:
 * `b = 1` could bind).
 */
function stuckVars(e: Expr, B: Set<string>): Set<string> {
	const out = new Set<string>();
	const varsOf = (t: Term): string[] => {
		const s = new Set<string>();
		bodyShallowVars([{ ...e, terms: t, with: [] }], s);
		return [...s].filter((v) => !B.has(v));
	};
	const pair = (l: Term, r: Term): void => {
		if (l.type === "array" && r.type === "array" && l.items.length === r.items.length) {
			for (let i = 0; i < l.items.length; i++) pair(l.items[i], r.items[i]);
			return;
		}
		const lv = varsOf(l);
		const rv = varsOf(r);
		if (lv.length > 0 && rv.length > 0) for (const v of [...lv, ...rv]) out.add(v);
	};
	const t = e.terms;
	const isEq =
		!e.negated &&
		t.type === "call" &&
		t.fn.head.type === "var" &&
		t.fn.path.length === 0 &&
		t.fn.head.name === "eq" &&
		t.args.length === 2 &&
		t.args[0].type === "array" &&
		t.args[1].type === "array";
	if (isEq && t.type === "call") {
		pair(t.args[0], t.args[1]);
		for (const w of e.with) for (const v of varsOf(w.value)) out.add(v);
		return out;
	}
	bodyShallowVars([e], out);
	for (const v of [...out]) if (B.has(v)) out.delete(v);
	return out;
}

/** Vars on the left of `:=` in these expressions (their declarations). */
function assignedVars(body: Body): Set<string> {
	const out = new Set<string>();
	for (const e of body) {
		const t = e.terms;
		if (t.type !== "call" || t.fn.head.type !== "var" || t.fn.path.length > 0) continue;
		if (t.fn.head.name === "assign" && t.args.length === 2) deepVars(t.args[0], out);
	}
	return out;
}

function reorderClosures(
	e: Expr,
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
	names: Map<string, string>,
	errors: RegoError[],
): Expr {
	const fix = (t: Term): Term => reorderTermClosures(t, bound, outer, arityOf, names, errors);
	const t = e.terms;
	const withs = e.with.map((w) => ({ ...w, value: fix(w.value) }));
	if (t.type === "some") return { ...e, with: withs };
	if (t.type === "someIn") {
		return { ...e, with: withs, terms: { ...t, collection: fix(t.collection) } };
	}
	if (t.type === "every") {
		const inner = new Set(bound);
		if (t.key) deepVars(t.key, inner);
		deepVars(t.value, inner);
		const r = reorderBody(t.body, inner, outer, arityOf, names, errors);
		return { ...e, with: withs, terms: { ...t, domain: fix(t.domain), body: r.body } };
	}
	return { ...e, with: withs, terms: fix(t) };
}

export function reorderTermClosures(
	t: Term,
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
	names: Map<string, string>,
	errors: RegoError[],
): Term {
	const fix = (x: Term): Term => reorderTermClosures(x, bound, outer, arityOf, names, errors);
	switch (t.type) {
		case "ref":
			return { ...t, head: fix(t.head), path: t.path.map(fix) };
		case "array":
		case "set":
			return { ...t, items: t.items.map(fix) };
		case "object":
			return { ...t, entries: t.entries.map(([k, v]) => [fix(k), fix(v)]) };
		case "call":
			return { ...t, args: t.args.map(fix) };
		case "arrayCompr":
		case "setCompr":
		case "objectCompr": {
			const r = reorderBody(t.body, bound, outer, arityOf, names, errors);
			const heads = t.type === "objectCompr" ? [t.key, t.value] : [t.term];
			// The heads see the comprehension's own body: a closure in a head (`{[y | y = x] |
			// some x in xs}`) reads x as bound, as a rule's head closures read its body.
			const scope = new Set(outer);
			bodyShallowVars(t.body, scope);
			for (const h of heads)
				bodyShallowVars([{ type: "expr", negated: false, terms: h, with: [], loc: h.loc }], scope);
			checkHeads(heads, r.bound, scope, arityOf, names, errors, t.loc);
			const head = (x: Term): Term =>
				reorderTermClosures(x, r.bound, scope, arityOf, names, errors);
			const body = r.body;
			if (t.type === "objectCompr") {
				return { ...t, key: head(t.key), value: head(t.value), body };
			}
			return { ...t, term: head(t.term), body };
		}
		default:
			return t;
	}
}

/** Head terms (rule key/value, comprehension terms) must be bound by the body. */
export function checkHeads(
	heads: Term[],
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
	names: Map<string, string>,
	errors: RegoError[],
	loc: Loc,
	leftToBody: Set<string> = new Set(),
): void {
	const B = new Set(bound);
	for (const h of heads) {
		const r = analyseTerm(h, B, outer, arityOf);
		for (const v of r.missing) {
			if (leftToBody.has(v)) continue;
			errors.push({
				code: "rego_unsafe_var_error",
				message: `var ${names.get(v) ?? v} is unsafe`,
				loc: at(varLoc(h, v) ?? loc),
			});
		}
		for (const b of r.binds) B.add(b);
	}
}

/** Where var `name` first occurs in a term (for errors that point at the var itself). */
function varLoc(t: Term, name: string): Loc | undefined {
	switch (t.type) {
		case "var":
			return t.name === name ? t.loc : undefined;
		case "ref":
			return varLoc(t.head, name) ?? t.path.map((p) => varLoc(p, name)).find((l) => l);
		case "array":
		case "set":
			return t.items.map((i) => varLoc(i, name)).find((l) => l);
		case "object":
			return t.entries.flatMap(([k, v]) => [varLoc(k, name), varLoc(v, name)]).find((l) => l);
		case "call":
			return t.args.map((a) => varLoc(a, name)).find((l) => l);
		default:
			return undefined;
	}
}
