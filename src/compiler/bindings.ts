// What an expression needs and binds, given the vars bound so far: the rules about which
// positions bind a variable, which safety.ts orders bodies by and the planner follows
// (plan-unify.ts, plan-refs.ts, plan-calls.ts): an unbound var on one side of `=`/`:=` (or
// inside an array/object pattern) takes the other side's value; an unbound var in a ref's
// path iterates; the last argument of a call with one argument too many is an output;
// everything else must already be bound.

import type { Expr, RefTerm, Term } from "../rego/ast.ts";
import { isRoot, isWildcard } from "./resolved-names.ts";
import { bodyDeepVars, deepVars } from "./term-vars.ts";

export type ArityOf = (fn: RefTerm) => number | undefined;

export function isPattern(t: Term, bound: Set<string>): boolean {
	if (t.type === "var") return !isRoot(t.name) && !bound.has(t.name);
	if (t.type === "array") return t.items.some((i) => isPattern(i, bound));
	if (t.type === "object") return t.entries.some(([, v]) => isPattern(v, bound));
	return false;
}

interface Acc {
	missing: Set<string>;
	binds: Set<string>;
}

/**
 * The analysis of one expression given the vars bound so far. `outer` holds the vars of the
 * enclosing scopes: a closure's reference to one of them must wait until it is bound.
 */
class Analysis {
	constructor(
		private readonly bound: Set<string>,
		private readonly outer: Set<string>,
		private readonly arityOf: ArityOf,
	) {}
	readonly acc: Acc = { missing: new Set(), binds: new Set() };

	private has(n: string): boolean {
		return isRoot(n) || this.bound.has(n) || this.acc.binds.has(n);
	}

	private boundNow(): Set<string> {
		return new Set([...this.bound, ...this.acc.binds]);
	}

	value(t: Term): void {
		switch (t.type) {
			case "var":
				if (!this.has(t.name)) this.acc.missing.add(t.name);
				return;
			case "ref":
				this.value(t.head);
				for (const p of t.path) {
					if (p.type === "var" || isPattern(p, this.boundNow())) this.bindPattern(p);
					else this.value(p);
				}
				return;
			case "array":
			case "set":
				for (const i of t.items) this.value(i);
				return;
			case "object":
				for (const [k, v] of t.entries) {
					this.value(k);
					this.value(v);
				}
				return;
			case "call":
				for (const a of t.args) this.value(a);
				return;
			case "arrayCompr":
			case "setCompr":
			case "objectCompr": {
				const vs = new Set<string>();
				deepVars(t, vs);
				for (const v of vs) if (this.outer.has(v) && !this.has(v)) this.acc.missing.add(v);
				return;
			}
			default:
				return;
		}
	}

	/** Bind the unbound vars of a pattern; its other parts are values. */
	bindPattern(t: Term): void {
		if (t.type === "var") {
			if (!this.has(t.name)) this.acc.binds.add(t.name);
		} else if (t.type === "array") for (const i of t.items) this.bindPattern(i);
		else if (t.type === "object") {
			for (const [k, v] of t.entries) {
				this.value(k);
				this.bindPattern(v);
			}
		} else this.value(t);
	}

	/** Nothing in `a = b` can bind (OPA: lengths or key sets differ): their vars are unsafe. */
	private bindsNothing(a: Term, b: Term): void {
		const vs = new Set<string>();
		deepVars(a, vs);
		deepVars(b, vs);
		for (const v of vs) if (!this.has(v)) this.acc.missing.add(v);
	}

	unify(a: Term, b: Term): void {
		// Two literal arrays (objects) unify element by element (key by key) when their lengths
		// (key sets) match; otherwise they can never be equal and OPA binds nothing from them.
		if (a.type === "array" && b.type === "array") {
			if (a.items.length !== b.items.length) this.bindsNothing(a, b);
			else for (let i = 0; i < a.items.length; i++) this.unify(a.items[i], b.items[i]);
			return;
		}
		const ka = literalKind(a);
		const kb = literalKind(b);
		if (ka && kb && ka !== kb) {
			this.bindsNothing(a, b); // `[x] = {"a": 1}`, `[x] = 1`: they never meet
			return;
		}
		// As OPA (measured): an object pattern binds nothing from a comprehension of any kind
		// (`{"a": x} = {"a": 1 | true}`: x is unsafe), though an array pattern does.
		if ((a.type === "object" && isCompr(b)) || (b.type === "object" && isCompr(a))) {
			this.bindsNothing(a, b);
			return;
		}
		if (a.type === "object" && b.type === "object") {
			const pairs = a.entries.map(([k, v]) => ({ v, w: b.entries.find(([k2]) => sameKey(k, k2)) }));
			if (a.entries.length !== b.entries.length || pairs.some((p) => p.w === undefined)) {
				this.bindsNothing(a, b);
				return;
			}
			for (const [k] of a.entries) this.value(k);
			for (const { v, w } of pairs) if (w) this.unify(v, w[1]);
			return;
		}
		const B = this.boundNow();
		const pa = isPattern(a, B);
		const pb = isPattern(b, B);
		if (pa && pb) {
			if (a.type === "array" && b.type === "array" && a.items.length === b.items.length) {
				for (let i = 0; i < a.items.length; i++) this.unify(a.items[i], b.items[i]);
				return;
			}
			const ka = literalKind(a);
			const kb = literalKind(b);
			if (ka && kb && ka !== kb) {
				this.bindsNothing(a, b); // `[x] = {"a": 1}`, `[x] = 1`: they never meet
				return;
			}
			if (a.type === "object" && b.type === "object") {
				for (const [k, v] of a.entries) {
					const other = b.entries.find(([k2]) => sameKey(k, k2));
					if (other) this.unify(v, other[1]);
					else this.bindPattern(v);
				}
				return;
			}
			// var = var (or var = pattern) with nothing bound: nothing can give a value.
			const vs = new Set<string>();
			deepVars(a, vs);
			deepVars(b, vs);
			for (const v of vs) if (!this.has(v)) this.acc.missing.add(v);
			return;
		}
		if (pa) {
			this.value(b);
			this.bindPattern(a);
		} else if (pb) {
			this.value(a);
			this.bindPattern(b);
		} else {
			this.value(a);
			this.value(b);
		}
	}

	expr(e: Expr): void {
		for (const w of e.with) this.value(w.value);
		const t = e.terms;
		if (t.type === "some") return;
		if (t.type === "someIn") {
			this.value(t.collection);
			if (t.key) this.bindPattern(t.key);
			this.bindPattern(t.value);
			return;
		}
		if (t.type === "every") {
			this.value(t.domain);
			const vs = new Set<string>();
			bodyDeepVars(t.body, vs);
			for (const v of vs) if (this.outer.has(v) && !this.has(v)) this.acc.missing.add(v);
			return;
		}
		if (t.type === "call") {
			const fn = t.fn;
			const name = fn.head.type === "var" && fn.path.length === 0 ? fn.head.name : "";
			if (name === "eq" || name === "assign") {
				this.unify(t.args[0], t.args[1]);
				return;
			}
			const arity = this.arityOf(fn);
			if (arity !== undefined && t.args.length === arity + 1) {
				for (const a of t.args.slice(0, arity)) this.value(a);
				this.bindPattern(t.args[arity]);
				return;
			}
		}
		this.value(t);
	}
}

const isCompr = (t: Term) =>
	t.type === "arrayCompr" || t.type === "setCompr" || t.type === "objectCompr";

/** The kind of value a literal term is; undefined for vars, refs, calls and comprehensions. */
function literalKind(t: Term): string | undefined {
	switch (t.type) {
		case "var":
		case "ref":
		case "call":
		case "arrayCompr":
		case "setCompr":
		case "objectCompr":
			return undefined;
		default:
			return t.type;
	}
}

function sameKey(a: Term, b: Term): boolean {
	if (a.type !== b.type) return false;
	if (a.type === "string" && b.type === "string") return a.value === b.value;
	if (a.type === "number" && b.type === "number") return Number(a.text) === Number(b.text);
	if (a.type === "boolean" && b.type === "boolean") return a.value === b.value;
	if (a.type === "null") return true;
	if (a.type === "var" && b.type === "var") return a.name === b.name;
	return false;
}

/** What an expression needs and binds, given what is bound. */
export function analyseExpr(
	e: Expr,
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
): { ready: boolean; binds: Set<string>; missing: Set<string> } {
	const a = new Analysis(bound, outer, arityOf);
	a.expr(e);
	// A var the expression itself binds by iterating (`x == input.xs[x]`) is no longer needed
	// from before it: the planner evaluates the binding term first (see planTerms).
	for (const b of a.acc.binds) a.acc.missing.delete(b);
	// But `with` values are evaluated before the expression: what they read must be bound
	// before it (OPA: `x := xs[i] with input as i` has i unsafe).
	const w = new Analysis(bound, outer, arityOf);
	for (const m of e.with) w.value(m.value);
	for (const v of w.acc.missing) a.acc.missing.add(v);
	if (e.negated) {
		// Negation binds nothing; its own `_` iterations stay inside it.
		const missing = new Set(a.acc.missing);
		for (const b of a.acc.binds) if (!isWildcard(b)) missing.add(b);
		return { ready: missing.size === 0, binds: new Set(), missing };
	}
	return { ready: a.acc.missing.size === 0, binds: a.acc.binds, missing: a.acc.missing };
}

export function analyseTerm(
	t: Term,
	bound: Set<string>,
	outer: Set<string>,
	arityOf: ArityOf,
): { binds: Set<string>; missing: Set<string> } {
	const a = new Analysis(bound, outer, arityOf);
	a.value(t);
	return a.acc;
}
