// Type checking as OPA's checker does it for the common mistakes, each a rego_type_error:
// - an argument whose type is known at compile time and can never be what the builtin takes
//   (`count(1)`, `x := count(xs); startswith(x, "a")`, `concat(",", [1, 2])`, `p := 1; upper(p)`);
// - unifying values of types that cannot meet (`[a, b] := {"k": 1}`, `"a" == 1`): "match error";
// - a ref that can select nothing: below a rule whose value is a scalar (`p := 1` … `p.x`), into
//   a scalar, past the end of an array, a missing key of a literal object: "undefined ref".
//
// Types are structural (types.ts) and come only from what OPA's checker also knows: literals,
// comprehensions, builtin results (OPA's own signatures), locals first bound by `=`/`:=` to
// such terms, and the values of rules (the union over their definitions). Input, base data,
// iteration over unknown values and function arguments are `any`, so they are never an error:
// this checker may miss what OPA finds, but never reports what OPA would accept.

import type { Body, Expr, Loc, RefTerm, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { printTerm } from "../rego/printer.ts";
import { lookupBuiltin } from "./builtins.ts";
import { BUILTIN_HEAD, fnTarget, isWildcard } from "./resolved-names.ts";
import { type CRule, getNode, pathName, type RuleNode, ruleNodes } from "./ruletree.ts";
import { forEachVar } from "./term-vars.ts";
import {
	ANY,
	arrayOf,
	BOOLEAN,
	elementType,
	NULL,
	NUMBER,
	objectOf,
	STRING,
	setOf,
	signature,
	type Ty,
	typeText,
	unifies,
	union,
} from "./types.ts";

type Env = Map<string, Ty>;

const isScalar = (t: Ty) =>
	t.t === "null" || t.t === "boolean" || t.t === "number" || t.t === "string";

/** A literal key as OPA's static object keys spell it (strings by value, others as JSON). */
function literalKey(t: Term): string | undefined {
	if (t.type === "string") return t.value;
	if (t.type === "number") return t.text;
	if (t.type === "boolean") return String(t.value);
	if (t.type === "null") return "null";
	return undefined;
}

export class TypeChecker {
	/** Rule node → the type of its value; in progress while being computed (recursion). */
	private readonly nodeTypes = new Map<RuleNode, Ty | "pending">();
	/** Function node → the types its parameters take (the union over its definitions). */
	private readonly paramTypes = new Map<RuleNode, Ty[] | "pending">();

	constructor(
		private readonly root: RuleNode,
		private readonly errors: RegoError[],
	) {}

	/** Check every rule's body and head. */
	checkRules(): void {
		// Functions first: as OPA, a call is not held to the parameters of a function whose
		// own definitions have type errors.
		const nodes = ruleNodes(this.root);
		const ordered = [
			...nodes.filter((n) => n.kind === "function"),
			...nodes.filter((n) => n.kind !== "function"),
		];
		for (const n of ordered) {
			const before = this.errors.length;
			for (const r of n.rules) {
				for (let link: CRule | undefined = r; link; link = link.else) this.checkRule(link);
			}
			if (this.errors.length > before) this.failed.add(n);
		}
	}

	private readonly failed = new Set<RuleNode>();
	/** Inside an `every` body: its comprehensions are checked though its expressions are not. */
	private closureCheck = false;

	checkQuery(body: Body): void {
		this.body(body, new Map(), new Set(), true);
	}

	private checkRule(rule: CRule): void {
		const seen = new Set<string>();
		for (const a of rule.args ?? []) vars(a, seen);
		const env = paramEnv(rule);
		this.body(rule.body, env, seen, true);
		for (const t of [...rule.dynKeys, rule.key, rule.value]) {
			if (t) this.term(t, env, seen, true);
		}
	}

	/**
	 * As OPA: a function parameter takes the type of the first builtin argument it is passed
	 * as (`f(x) := upper(x)`: x is a string), a literal parameter its own; a call's arguments
	 * must fit the union of those over the function's definitions.
	 */
	private functionParams(node: RuleNode): Ty[] | undefined {
		const known = this.paramTypes.get(node);
		if (known === "pending") return undefined;
		if (known) return known;
		this.paramTypes.set(node, "pending");
		const perArg: Ty[][] = [];
		for (const r of node.rules) {
			const seen = new Set<string>();
			for (const a of r.args ?? []) vars(a, seen);
			const env = paramEnv(r);
			this.body(r.body, env, seen, false);
			for (const t of [...r.dynKeys, r.key, r.value]) if (t) this.term(t, env, seen, false);
			(r.args ?? []).forEach((a, i) => {
				const ty = a.type === "var" ? env.get(a.name) : this.typeOf(a, env);
				if (!perArg[i]) perArg[i] = [];
				perArg[i].push(!ty || ty === UNKNOWN ? ANY : ty);
			});
		}
		const types = perArg.map((ts) => union(ts));
		this.paramTypes.set(node, types);
		return types;
	}

	// ---- inference -------------------------------------------------------------------------

	private nodeType(node: RuleNode): Ty {
		const known = this.nodeTypes.get(node);
		if (known === "pending") return ANY;
		if (known !== undefined) return known;
		this.nodeTypes.set(node, "pending");
		let ty: Ty;
		if (node.kind === "set") ty = setOf(ANY);
		else if (node.kind === "object") ty = objectOf(ANY, ANY);
		else {
			const values: Ty[] = [];
			for (const r of node.rules) {
				for (let link: CRule | undefined = r; link; link = link.else) {
					values.push(this.ruleValueType(link));
				}
			}
			ty = union(values);
		}
		this.nodeTypes.set(node, ty);
		return ty;
	}

	private ruleValueType(rule: CRule): Ty {
		const seen = new Set<string>();
		for (const a of rule.args ?? []) vars(a, seen);
		const env = paramEnv(rule);
		this.body(rule.body, env, seen, false);
		return this.typeOf(rule.value, env);
	}

	private typeOf(t: Term, env: Env): Ty {
		switch (t.type) {
			case "null":
				return NULL;
			case "boolean":
				return BOOLEAN;
			case "number":
				return NUMBER;
			case "string":
				return STRING;
			case "array":
				return { t: "array", static: t.items.map((i) => this.typeOf(i, env)) };
			case "set":
				return setOf(t.items.length === 0 ? ANY : union(t.items.map((i) => this.typeOf(i, env))));
			case "object": {
				const st: [string, Ty][] = [];
				const dk: Ty[] = [];
				const dv: Ty[] = [];
				for (const [k, v] of t.entries) {
					const key = literalKey(k);
					if (key !== undefined && k.type === "string") st.push([key, this.typeOf(v, env)]);
					else {
						dk.push(this.typeOf(k, env));
						dv.push(this.typeOf(v, env));
					}
				}
				return {
					t: "object",
					static: st,
					dyn: dk.length > 0 ? [union(dk), union(dv)] : undefined,
				};
			}
			case "arrayCompr":
			case "setCompr": {
				const inner = new Map(env);
				this.body(t.body, inner, new Set(), false);
				const el = this.typeOf(t.term, inner);
				return t.type === "arrayCompr" ? arrayOf(el) : setOf(el);
			}
			case "objectCompr": {
				const inner = new Map(env);
				this.body(t.body, inner, new Set(), false);
				// As OPA: an object comprehension's keys are not typed, its values are.
				return objectOf(ANY, this.typeOf(t.value, inner));
			}
			case "var": {
				const ty = env.get(t.name);
				return !ty || ty === UNKNOWN ? ANY : ty;
			}
			case "ref":
				return this.refType(t, env, false);
			case "call": {
				const target = fnTarget(t.fn);
				if (target.kind === "user") {
					const node = getNode(this.root, target.path, false);
					return node && node.kind === "function" ? this.nodeType(node) : ANY;
				}
				const b = lookupBuiltin(target.name, 0);
				if (!b || b.relation || b.variadic) return ANY;
				return signature(target.name)?.result ?? ANY;
			}
		}
	}

	/**
	 * The type a ref selects; with `report`, a selection that can find nothing is an
	 * "undefined ref" error. Only heads whose type is known are followed: data refs into rules,
	 * locals, literals and calls.
	 */
	private refType(t: RefTerm, env: Env, report: boolean): Ty {
		let cur: Ty;
		let path = t.path;
		if (t.head.type === "var" && t.head.name === "data") {
			const names: string[] = [];
			let node: RuleNode | undefined = this.root;
			let i = 0;
			for (; i < path.length; i++) {
				const p = path[i];
				if (p.type !== "string" || !node) return ANY;
				node = node.children.get(p.value);
				names.push(p.value);
				if (node && node.raw.length > 0) break;
			}
			if (!node || i >= path.length || node.kind === "function") return ANY;
			cur = this.nodeType(node);
			path = path.slice(i + 1);
			if (report && path.length > 0 && isScalar(cur)) {
				if (!t.path.every((p) => p.type === "string")) return ANY;
				const text = pathName(t.path.map((p) => (p.type === "string" ? p.value : "")));
				const prefix = pathName(names);
				this.errors.push({
					code: "rego_type_error",
					message: `undefined ref: ${text}\n\t${text}\n\t${"^".repeat(prefix.length)}\n\thave: ${typeText(cur)}`,
					loc: { file: t.loc.file, row: t.loc.row, col: t.loc.col },
				});
				return ANY;
			}
		} else if (t.head.type === "var" && t.head.name === "input") return ANY;
		else cur = this.typeOf(t.head, env);
		for (const p of path) {
			const next = this.select(cur, p, env);
			if (next === undefined) {
				if (report) {
					this.errors.push({
						code: "rego_type_error",
						message: `undefined ref: ${printTerm(t)}\n\thave: ${typeText(cur)}`,
						loc: { file: t.loc.file, row: t.loc.row, col: t.loc.col },
					});
				}
				return ANY;
			}
			cur = next;
		}
		return cur;
	}

	/** What `cur[p]` can be; undefined when it can be nothing at all. */
	private select(cur: Ty, p: Term, env: Env): Ty | undefined {
		if (cur.t === "any" || cur.t === "union") return ANY;
		if (isScalar(cur)) return undefined;
		const known = p.type !== "var" && p.type !== "ref" && p.type !== "call";
		if (cur.t === "array") {
			if (p.type === "number") {
				// OPA indexes arrays by int64s written as such: not 1e3, 2.5, -1 or 2^64.
				if (!/^\d+$/.test(p.text) || BigInt(p.text) > 9223372036854775807n) return undefined;
				const n = Number(p.text);
				return n < cur.static.length ? cur.static[n] : cur.dyn;
			}
			if (known) return undefined;
			// A key whose type is known and is no number selects nothing.
			if (!unifies(this.typeOf(p, env), NUMBER)) return undefined;
			return elementType(cur);
		}
		if (cur.t === "object") {
			if (p.type === "string") {
				const hit = cur.static.find(([k]) => k === p.value);
				if (hit) return hit[1];
				if (!cur.dyn) return undefined;
				return unifies(cur.dyn[0], STRING) ? cur.dyn[1] : undefined;
			}
			if (known) {
				if (!cur.dyn) return undefined;
				return unifies(cur.dyn[0], this.typeOf(p, env)) ? cur.dyn[1] : undefined;
			}
			return elementType(cur);
		}
		// A set selects its own elements.
		if (known && !unifies(cur.of, this.typeOf(p, env))) return undefined;
		return cur.of;
	}

	// ---- walking bodies --------------------------------------------------------------------

	/**
	 * Walk a body in order, typing locals at their first binding; `report` says whether calls
	 * are checked (false while only inferring a rule's type).
	 */
	private body(body: Body, env: Env, seen: Set<string>, report: boolean): void {
		for (const e of body) this.expr(e, env, seen, report);
	}

	private expr(e: Expr, env: Env, seen: Set<string>, report: boolean): void {
		// As OPA: a `with` on data may replace a rule's value, so its type says nothing there;
		// `with input` and mocked functions leave the checks as they are.
		const check =
			report && !e.with.some((w) => w.target.head.type === "var" && w.target.head.name === "data");
		for (const w of e.with) this.term(w.value, env, seen, check);
		const t = e.terms;
		switch (t.type) {
			case "some":
				return;
			case "someIn": {
				this.term(t.collection, env, seen, check);
				const coll = this.typeOf(t.collection, env);
				if (t.value.type === "var" && !seen.has(t.value.name))
					env.set(t.value.name, elementType(coll));
				if (t.key) vars(t.key, seen);
				vars(t.value, seen);
				return;
			}
			case "every": {
				// OPA refuses a function named by a `with` on an `every` (target or value).
				if (report) {
					for (const w of e.with) {
						for (const named of [w.target, w.value]) {
							const f = this.functionNamed(named);
							if (f)
								this.errors.push({
									code: "rego_type_error",
									message: `function ${f.name} used as reference, not called`,
									loc: f.loc && { file: f.loc.file, row: f.loc.row, col: f.loc.col },
								});
						}
					}
				}
				this.term(t.domain, env, seen, check);
				const inner = new Set(seen);
				if (t.key) vars(t.key, inner);
				vars(t.value, inner);
				// As OPA (measured): the expressions of an `every` body are not type-checked, the
				// comprehensions inside them are.
				const saved = this.closureCheck;
				this.closureCheck = check;
				this.body(t.body, new Map(env), inner, false);
				this.closureCheck = saved;
				return;
			}
		}
		if (t.type === "call" && t.fn.head.type === "var" && t.fn.path.length === 0) {
			const op = t.fn.head.name;
			if ((op === "eq" || op === "assign") && t.args.length === 2) {
				const [a, b] = t.args;
				// The first binding of a local (or use of an untyped parameter) gives it the other
				// side's type.
				const bindA =
					a.type === "var" &&
					(!seen.has(a.name) || (env.get(a.name) === UNKNOWN && isScalarTerm(b)));
				const bindB =
					!bindA &&
					b.type === "var" &&
					(!seen.has(b.name) || (env.get(b.name) === UNKNOWN && isScalarTerm(a)));
				if (bindA) env.set(a.name, this.typeOf(b, env));
				else if (bindB) env.set(b.name, this.typeOf(a, env));
				this.term(a, env, seen, check);
				this.term(b, env, seen, check);
				if (!bindA && !bindB && check)
					this.matchError(this.typeOf(a, env), this.typeOf(b, env), e.loc);
				vars(a, seen);
				vars(b, seen);
				return;
			}
			// OPA's checker unifies the sides of a `==` expression as it does `=` (but not a
			// nested `x := a == b`, whose value is just false).
			if (op === "equal" && t.args.length === 2) {
				const [a, b] = t.args;
				if (a.type === "var" && env.get(a.name) === UNKNOWN && isScalarTerm(b))
					env.set(a.name, this.typeOf(b, env));
				if (b.type === "var" && env.get(b.name) === UNKNOWN && isScalarTerm(a))
					env.set(b.name, this.typeOf(a, env));
			}
			if (op === "equal" && t.args.length === 2 && check) {
				this.term(t, env, seen, check, true);
				this.matchError(this.typeOf(t.args[0], env), this.typeOf(t.args[1], env), e.loc);
				vars(t, seen);
				return;
			}
		}
		this.term(t, env, seen, check, true, e.loc);
		vars(t, seen);
	}

	/** The function a term names (a user function at its ref, a builtin without a location). */
	private functionNamed(t: Term): { name: string; loc?: Loc } | undefined {
		const head = t.type === "ref" ? t.head : t;
		const path = t.type === "ref" ? t.path : [];
		if (head.type !== "var" || head.name === "input") return undefined;
		const names: string[] = [];
		for (const p of path) {
			if (p.type !== "string") return undefined;
			names.push(p.value);
		}
		if (head.name === "data") {
			const node = getNode(this.root, names, false);
			return node?.kind === "function" ? { name: pathName(names), loc: t.loc } : undefined;
		}
		// A with value naming a builtin comes resolved as `$builtin.name…`.
		const name = (head.name === BUILTIN_HEAD ? names : [head.name, ...names]).join(".");
		return lookupBuiltin(name, 0) ? { name } : undefined;
	}

	private matchError(ta: Ty, tb: Ty, loc: Loc): void {
		if (unifies(ta, tb)) return;
		this.errors.push({
			code: "rego_type_error",
			message: `match error\n\tleft  : ${typeText(ta)}\n\tright : ${typeText(tb)}`,
			loc: { file: loc.file, row: loc.row, col: loc.col },
		});
	}

	/** Check the calls in a term (closures get their own scope). */
	private term(
		t: Term,
		env: Env,
		seen: Set<string>,
		check: boolean,
		asExpr = false,
		exprLoc?: Loc,
	): void {
		switch (t.type) {
			case "ref":
				this.term(t.head, env, seen, check);
				for (const p of t.path) this.term(p, env, seen, check);
				if (check) this.refType(t, env, true);
				return;
			case "array":
			case "set":
				for (const i of t.items) this.term(i, env, seen, check);
				return;
			case "object":
				for (const [k, v] of t.entries) {
					this.term(k, env, seen, check);
					this.term(v, env, seen, check);
				}
				return;
			case "arrayCompr":
			case "setCompr":
			case "objectCompr": {
				const innerEnv = new Map(env);
				const innerSeen = new Set(seen);
				const c = check || this.closureCheck;
				const saved = this.closureCheck;
				this.closureCheck = false;
				this.body(t.body, innerEnv, innerSeen, c);
				if (t.type === "objectCompr") {
					this.term(t.key, innerEnv, innerSeen, c);
					this.term(t.value, innerEnv, innerSeen, c);
				} else this.term(t.term, innerEnv, innerSeen, c);
				this.closureCheck = saved;
				return;
			}
			case "call": {
				const target = fnTarget(t.fn);
				const sig = target.kind === "builtin" ? signature(target.name) : undefined;
				// Nested terms first (OPA evaluates inner calls before outer ones); then a parameter
				// not typed yet, passed bare, takes the type this builtin wants of it.
				for (const a of t.args) if (a.type !== "var") this.term(a, env, seen, check);
				sig?.args.forEach((want, i) => {
					const a = t.args[i];
					if (a?.type === "var" && env.get(a.name) === UNKNOWN) env.set(a.name, want);
				});
				for (const a of t.args) if (a.type === "var") this.term(a, env, seen, check);
				if (target.kind === "user") {
					const node = getNode(this.root, target.path, false);
					const params = node?.kind === "function" ? this.functionParams(node) : undefined;
					if (check && params && node && !this.failed.has(node) && t.args.length >= params.length)
						this.checkArgs(pathName(target.path), params, t.args, env, t.loc);
					return;
				}
				const b = lookupBuiltin(target.name, 0);
				if (!b || b.variadic || !sig) return;
				if (check) this.checkArgs(target.name, sig.args, t.args, env, t.loc);
				if (check) this.checkMember(target.name, t.args, env, exprLoc ?? t.loc);
				// `count(xs, n)`: an output argument seen for the first time takes the result type.
				const out = t.args[sig.args.length];
				if (asExpr && out?.type === "var" && !seen.has(out.name) && !b.relation) {
					env.set(out.name, sig.result);
				}
				return;
			}
			case "var":
				// Used other than as a builtin argument first: the parameter stays `any`.
				if (env.get(t.name) === UNKNOWN) env.set(t.name, ANY);
				return;
			default:
				return;
		}
	}

	/** `x in xs`, `k, v in xs`: OPA unifies x (k) with what xs holds (its keys): "match error". */
	private checkMember(name: string, args: Term[], env: Env, loc: Loc): void {
		if (name !== "internal.member_2" && name !== "internal.member_3") return;
		const coll = this.typeOf(args[args.length - 1], env);
		if (coll.t !== "array" && coll.t !== "set" && coll.t !== "object") return;
		const value = args[args.length - 2];
		this.matchError(this.typeOf(value, env), elementType(coll), loc);
		if (name === "internal.member_3") {
			const keys: Ty =
				coll.t === "array"
					? NUMBER
					: coll.t === "set"
						? coll.of
						: union([...coll.static.map(() => STRING), ...(coll.dyn ? [coll.dyn[0]] : [])]);
			this.matchError(this.typeOf(args[0], env), keys, loc);
		}
	}

	/**
	 * Can the argument term be of the wanted type? Literal collections are judged element by
	 * element, as OPA does (`concat(",", {1, "a"})` fails though a set of number-or-string
	 * values as such could hold strings).
	 */
	private argFits(arg: Term, want: Ty, env: Env): boolean {
		if (want.t === "any") return true;
		if (want.t === "union") return want.of.some((w) => this.argFits(arg, w, env));
		if (arg.type === "set" && want.t === "set")
			return arg.items.every((i) => this.argFits(i, want.of, env));
		if (arg.type === "array" && want.t === "array") {
			if (want.static.length > 0 && !want.dyn && want.static.length !== arg.items.length)
				return false;
			return arg.items.every((item, i) => {
				const w = i < want.static.length ? want.static[i] : want.dyn;
				return w !== undefined && this.argFits(item, w, env);
			});
		}
		return unifies(this.typeOf(arg, env), want);
	}

	private checkArgs(name: string, want: Ty[], args: Term[], env: Env, loc: Loc): void {
		const bad = want.some((w, i) => args[i] !== undefined && !this.argFits(args[i], w, env));
		if (!bad) return;
		const have = want.map((_, i) => (args[i] ? this.typeOf(args[i], env) : ANY));
		this.errors.push({
			code: "rego_type_error",
			message: `${name}: invalid argument(s)\n\thave: (${have.map(typeText).join(", ")})\n\twant: (${want.map(typeText).join(", ")})`,
			loc: { file: loc.file, row: loc.row, col: loc.col },
		});
	}
}

const isScalarTerm = (t: Term) =>
	t.type === "null" || t.type === "boolean" || t.type === "number" || t.type === "string";

/** The type of a function parameter nothing has constrained yet (it acts as any). */
const UNKNOWN: Ty = { t: "any" };

/** A rule's starting locals: its parameters that are plain vars, untyped until first used. */
function paramEnv(rule: CRule): Env {
	const env: Env = new Map();
	for (const a of rule.args ?? [])
		if (a.type === "var" && !isWildcard(a.name)) env.set(a.name, UNKNOWN);
	return env;
}

/** Add every var a term mentions (outside closures) to `out`. */
function vars(t: Term, out: Set<string>): void {
	forEachVar(t, (v) => out.add(v.name));
}
