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

import type { Body, Expr, Loc, RefTerm, Term, With } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { printTerm } from "../rego/printer.ts";
import { lookupBuiltin } from "./builtins.ts";
import { BUILTIN_HEAD, fnTarget, isWildcard } from "./resolved-names.ts";
import { type CRule, getNode, hasRules, pathName, type RuleNode, ruleNodes } from "./ruletree.ts";
import { forEachVar } from "./term-vars.ts";
import {
	ANY,
	arrayOf,
	BOOLEAN,
	elementType,
	fitsArg,
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
const allScalar = (t: Ty) => isScalar(t) || (t.t === "union" && t.of.every(isScalar));

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
		for (const n of ruleNodes(this.root)) this.ensureChecked(n);
	}

	/**
	 * Check a node's definitions once, before anything that refers to it is checked (OPA checks
	 * rules in dependency order), and record which of them had type errors.
	 */
	private ensureChecked(n: RuleNode): void {
		if (this.checked.has(n) || n.raw.length === 0) return;
		this.checked.set(n, "pending");
		const fails = this.isolated(() =>
			n.rules.map((r) => {
				const before = this.errors.length;
				for (let link: CRule | undefined = r; link; link = link.else) this.checkRule(link);
				return this.errors.length > before;
			}),
		);
		this.checked.set(n, fails);
	}

	/** Another rule's check or inference runs outside the expression being looked at now. */
	private isolated<T>(f: () => T): T {
		const saved = [this.withTypes, this.closureCheck, this.inputType] as const;
		this.withTypes = new Map();
		this.closureCheck = false;
		this.inputType = undefined;
		try {
			return f();
		} finally {
			[this.withTypes, this.closureCheck, this.inputType] = saved;
		}
	}

	/**
	 * What a node's type is made of once checked, as OPA's type environment has it (measured):
	 * a definition with type errors makes the path `any`; for a function, a definition that
	 * checks after that makes it no function at all (calls are "undefined function") and the
	 * next one starts its type afresh. Undefined while the node is being checked itself.
	 */
	private typedDefs(n: RuleNode): "any" | "none" | CRule[] | undefined {
		this.ensureChecked(n);
		const fails = this.checked.get(n);
		if (fails === undefined || fails === "pending") return undefined;
		if (n.kind !== "function") return fails.some((f) => f) ? "any" : n.rules;
		let state: "any" | "none" | CRule[] = "none";
		n.rules.forEach((r, i) => {
			if (fails[i]) state = "any";
			else if (state === "any") state = "none";
			else state = state === "none" ? [r] : [...state, r];
		});
		return state;
	}

	private readonly checked = new Map<RuleNode, "pending" | boolean[]>();
	/** Calls whose arguments failed the check: their results are untyped. */
	private readonly failedCalls = new WeakSet<Term>();
	/** Rule types replaced by the `with` modifiers of the expression being checked. */
	private withTypes = new Map<RuleNode, Ty>();
	/** The type of a bare `input` in the expression being checked (any unless a with says). */
	private inputType: Ty | undefined;
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
		const types = this.isolated(() => this.inferParams(node));
		this.paramTypes.set(node, types);
		return types;
	}

	private inferParams(node: RuleNode): Ty[] {
		const perArg: Ty[][] = [];
		const defs = this.typedDefs(node);
		for (const r of Array.isArray(defs) ? defs : node.rules) {
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
		return perArg.map((ts) => union(ts));
	}

	// ---- inference -------------------------------------------------------------------------

	private nodeType(node: RuleNode): Ty {
		const known = this.nodeTypes.get(node);
		if (known === "pending") return ANY;
		if (known !== undefined) return known;
		this.nodeTypes.set(node, "pending");
		const ty = this.isolated(() => this.inferNode(node));
		this.nodeTypes.set(node, ty);
		return ty;
	}

	private inferNode(node: RuleNode): Ty {
		let ty: Ty;
		const defs = this.typedDefs(node);
		if (defs === "any" || defs === "none") ty = ANY;
		else if (node.kind === "set") {
			// As OPA: a partial set holds the union of its definitions' element types, a partial
			// object the union of their keys and values (deeper ref heads stay any).
			const els = (defs ?? node.rules).map((r) => this.headTypes(r, r.key)[0]);
			ty = setOf(union(els));
		} else if (node.kind === "object") {
			const rules = defs ?? node.rules;
			const deeper = [...node.children.values()].some(hasRules);
			if (!deeper && rules.every((r) => r.dynKeys.length === 1 && !r.setLeaf)) {
				const kv = rules.map((r) => this.headTypes(r, r.dynKeys[0], r.value));
				ty = objectOf(union(kv.map((x) => x[0])), union(kv.map((x) => x[1])));
			} else ty = objectOf(ANY, ANY);
		} else {
			const values: Ty[] = [];
			for (const r of defs ?? node.rules) {
				for (let link: CRule | undefined = r; link; link = link.else) {
					values.push(this.ruleValueType(link));
				}
			}
			ty = union(values);
		}
		return ty;
	}

	/** The types of head terms of a rule, after inferring its body. */
	private headTypes(rule: CRule, ...terms: (Term | undefined)[]): Ty[] {
		const seen = new Set<string>();
		const env = paramEnv(rule);
		this.body(rule.body, env, seen, false);
		return terms.map((t) => (t ? this.typeOf(t, env) : ANY));
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
			case "set": {
				// The empty set's element type is unknown (NO_ELEMENT): OPA never holds an `in` over
				// what contains it to a type (`1 in {set() | true}` passes).
				// Untyped parameters among the elements add nothing (OPA: `{p, h}` is h's type).
				const typed = t.items.filter((i) => !(i.type === "var" && env.get(i.name) === UNKNOWN));
				if (typed.length === 0) return setOf(NO_ELEMENT);
				return setOf(union(typed.map((i) => this.typeOf(i, env))));
			}
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
				// As OPA: an array comprehension whose head is an untyped parameter has no element
				// type, so it never fits a fixed-length pattern (`[a, b] = [p | true]`: match error).
				if (t.type === "arrayCompr" && t.term.type === "var" && inner.get(t.term.name) === UNKNOWN)
					return { t: "array", static: [] };
				const el = this.typeOf(t.term, inner);
				return t.type === "arrayCompr" ? arrayOf(el) : setOf(el);
			}
			case "objectCompr": {
				const inner = new Map(env);
				this.body(t.body, inner, new Set(), false);
				// As OPA: keys and values typed (object types unify on their values only, see
				// types.ts); an untyped parameter as the value leaves no value type, like arrays.
				if (t.value.type === "var" && inner.get(t.value.name) === UNKNOWN)
					return { t: "object", static: [] };
				return objectOf(this.typeOf(t.key, inner), this.typeOf(t.value, inner));
			}
			case "var": {
				if (t.name === "input" && this.inputType) return this.inputType;
				const ty = env.get(t.name);
				return !ty || ty === UNKNOWN ? ANY : ty;
			}
			case "ref":
				return this.refType(t, env, false);
			case "call": {
				if (this.failedCalls.has(t)) return ANY;
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
			// A document holding rules below it (a package, a ref-head prefix) is an object.
			if (node && i >= path.length && node.raw.length === 0 && hasRules(node))
				return this.withTypes.size > 0 ? ANY : objectOf(ANY, ANY);
			if (!node || i >= path.length || node.kind === "function") return ANY;
			cur = this.withTypes.get(node) ?? this.nodeType(node);
			path = path.slice(i + 1);
			if (report && path.length > 0 && allScalar(cur)) {
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
		} else if (t.head.type === "var" && t.head.name === "input")
			return path.length === 0 && this.inputType ? this.inputType : ANY;
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
		if (cur.t === "any") return ANY;
		if (cur.t === "union") {
			// As OPA: what any member can select (none: the ref is undefined).
			const parts: Ty[] = [];
			for (const m of cur.of) {
				const sel = this.select(m, p, env);
				if (sel) parts.push(sel);
			}
			return parts.length > 0 ? union(parts) : undefined;
		}
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
		const check = report;
		for (const w of e.with) this.term(w.value, env, seen, check);
		if (check) for (const w of e.with) this.checkMock(w);
		// As OPA (measured): a with value that is an array or object holding a ref or call is
		// bound to a local before the expression, so its untyped parameters become any
		// (`with input.n as [input.x, p]`; `[0, p]` leaves p untyped).
		for (const w of e.with) {
			if ((w.value.type === "array" || w.value.type === "object") && readsRefOrCall(w.value))
				this.unifyTerm(w.value, ANY, env, seen);
		}
		// As OPA (measured): a `with` replacing a rule widens that rule's type within the
		// expression to the union with the value's type (`upper(r) with data.t.r as "x"` passes
		// where r := 1; `as 2` does not); one replacing a package or more leaves its rules untyped.
		// And (measured) a `with` on a part of input makes a bare `input` an object there
		// (`upper(input) with input.n as 1` fails; refs below input stay any).
		const saved = [this.withTypes, this.inputType] as const;
		const overrides = this.withOverrides(e, env);
		if (overrides) this.withTypes = overrides;
		if (
			e.with.some(
				(w) =>
					w.target.head.type === "var" &&
					w.target.head.name === "input" &&
					w.target.path.length > 0,
			)
		)
			this.inputType = objectOf(ANY, ANY);
		try {
			this.exprTerms(e, env, seen, report, check);
		} finally {
			[this.withTypes, this.inputType] = saved;
		}
	}

	/** The rule types a data `with` changes for one expression, or undefined when none. */
	private withOverrides(e: Expr, env: Env): Map<RuleNode, Ty> | undefined {
		let out: Map<RuleNode, Ty> | undefined;
		for (const w of e.with) {
			const tgt = w.target;
			if (tgt.head.type !== "var" || tgt.head.name !== "data") continue;
			const names: string[] = [];
			for (const p of tgt.path) if (p.type === "string") names.push(p.value);
			if (names.length !== tgt.path.length) continue;
			const node = getNode(this.root, names, false);
			if (!node) continue;
			out ??= new Map(this.withTypes);
			if (node.raw.length > 0)
				out.set(node, union([this.nodeType(node), this.typeOf(w.value, env)]));
			else for (const n of ruleNodes(node)) out.set(n, ANY);
		}
		return out;
	}

	private exprTerms(e: Expr, env: Env, seen: Set<string>, report: boolean, check: boolean): void {
		const t = e.terms;
		switch (t.type) {
			case "some":
				return;
			case "someIn": {
				this.term(t.collection, env, seen, check);
				// An untyped parameter iterated over is any (OPA: `some x in p` types p so).
				if (t.collection.type === "var") this.unifyParams(t.collection, ANY, env);
				const coll = this.typeOf(t.collection, env);
				// As OPA: iterating what can only be a scalar selects nothing ("undefined ref"; a
				// literal scalar is not checked).
				if (check && allScalar(coll) && !isScalarTerm(t.collection)) {
					const key = t.key ? printTerm(t.key) : "_";
					this.errors.push({
						code: "rego_type_error",
						message: `undefined ref: ${printTerm(t.collection)}[${key}]\n\thave: ${typeText(coll)}`,
						loc: {
							file: t.collection.loc.file,
							row: t.collection.loc.row,
							col: t.collection.loc.col,
						},
					});
				}
				// As OPA: the key takes what the collection is indexed by, the value what it holds;
				// patterns (`some [a, b] in xs`) bind element by element.
				if (t.key) this.unifyTerm(t.key, keyType(coll), env, seen);
				this.unifyTerm(t.value, elementType(coll), env, seen);
				if (t.key) vars(t.key, seen);
				vars(t.value, seen);
				return;
			}
			case "every": {
				// OPA refuses a function named by a `with` on an `every` (target or value), also
				// on one nested in another every's body.
				if (report || this.closureCheck) {
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
				// As `some x in p`: an untyped parameter iterated over is any.
				if (t.domain.type === "var") this.unifyParams(t.domain, ANY, env);
				const inner = new Set(seen);
				if (t.key) vars(t.key, inner);
				vars(t.value, inner);
				// As OPA (measured): the expressions of an `every` body are not type-checked, the
				// comprehensions inside them are.
				const saved = this.closureCheck;
				this.closureCheck = check || saved;
				this.body(t.body, new Map(env), inner, false);
				this.closureCheck = saved;
				return;
			}
		}
		if (t.type === "call" && t.fn.head.type === "var" && t.fn.path.length === 0) {
			const op = t.fn.head.name;
			// OPA's checker unifies the sides of `=`, `:=` and of a `==` expression alike (not of a
			// nested `x := a == b`, whose value is just false): the operands are typed first
			// (their nested calls and closures), then a local bound for the first time, or an
			// untyped parameter, takes the other side's type, element by element in patterns.
			if ((op === "eq" || op === "assign" || op === "equal") && t.args.length === 2) {
				const [a, b] = t.args;
				this.term(a, env, seen, check);
				this.term(b, env, seen, check);
				const bindA = a.type === "var" && !seen.has(a.name);
				const bindB = !bindA && b.type === "var" && !seen.has(b.name);
				if (bindA) env.set(a.name, this.typeOf(b, env));
				else if (bindB) env.set(b.name, this.typeOf(a, env));
				this.unifyTerm(a, this.typeOf(b, env), env, seen);
				this.unifyTerm(b, this.typeOf(a, env), env, seen);
				if (!bindA && !bindB && check)
					this.matchError(this.typeOf(a, env), this.typeOf(b, env), e.loc);
				vars(a, seen);
				vars(b, seen);
				return;
			}
		}
		this.term(t, env, seen, check, true, e.loc);
		vars(t, seen);
	}

	/** The function a term names (a user function at its ref, a builtin without a location). */
	/**
	 * As OPA (measured): a function replaced by another with `with` must take as many arguments
	 * of types that can meet, else "<replaced>: arity mismatch" at the with.
	 */
	private checkMock(w: With): void {
		const target = this.functionNamed(w.target);
		const value = target && this.functionNamed(w.value);
		if (!target || !value) return;
		const want = this.paramsOf(target);
		const have = this.paramsOf(value);
		if (!want || !have) return;
		if (want.length === have.length && want.every((t, i) => unifies(t, have[i]))) return;
		this.errors.push({
			code: "rego_type_error",
			message: `${target.name}: arity mismatch\n\thave: (${have.map(typeText).join(", ")})\n\twant: (${want.map(typeText).join(", ")})`,
			loc: { file: w.loc.file, row: w.loc.row, col: w.loc.col },
		});
	}

	/** The parameter types of a function functionNamed found. */
	private paramsOf(f: { name: string; node?: RuleNode }): Ty[] | undefined {
		if (!f.node) return signature(f.name)?.args;
		if (!Array.isArray(this.typedDefs(f.node))) return undefined;
		return this.functionParams(f.node);
	}

	private functionNamed(t: Term): { name: string; loc?: Loc; node?: RuleNode } | undefined {
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
			return node?.kind === "function" ? { name: pathName(names), loc: t.loc, node } : undefined;
		}
		// A with value naming a builtin comes resolved as `$builtin.name…`.
		const name = (head.name === BUILTIN_HEAD ? names : [head.name, ...names]).join(".");
		return lookupBuiltin(name, 0) ? { name } : undefined;
	}

	/**
	 * OPA's unification of a term with a type: a var bound here for the first time (not yet
	 * seen) or a parameter not typed yet takes it; arrays and objects pass it on element by
	 * element (object keys that are not strings take the key type); sets and the rest keep theirs.
	 */
	private unifyTerm(t: Term, ty: Ty, env: Env, seen: Set<string>): void {
		if (t.type === "var") {
			if (isWildcard(t.name)) return;
			const fresh = !seen.has(t.name) && !env.has(t.name);
			if (fresh || env.get(t.name) === UNKNOWN) env.set(t.name, ty);
			return;
		}
		if (t.type === "array") {
			t.items.forEach((item, i) => {
				this.unifyTerm(item, arrayAt(ty, i), env, seen);
			});
			return;
		}
		if (t.type === "object") {
			for (const [k, v] of t.entries) {
				if (k.type === "string") this.unifyTerm(v, objectAt(ty, k.value), env, seen);
				else {
					this.unifyTerm(k, objectKey(ty), env, seen);
					this.unifyTerm(v, objectAt(ty, undefined), env, seen);
				}
			}
		}
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
				// As OPA: an untyped parameter at the head is any; a var in the path (a parameter
				// not typed yet, or one bound here) takes what the collection before it is keyed by
				// (`[1, 2][i]`: i is a number).
				if (t.head.type === "var" && env.get(t.head.name) === UNKNOWN) env.set(t.head.name, ANY);
				t.path.forEach((p, i) => {
					if (p.type !== "var") return;
					const fresh = !seen.has(p.name) && !env.has(p.name) && !isWildcard(p.name);
					if (!fresh && env.get(p.name) !== UNKNOWN) return;
					env.set(p.name, keyType(this.refType({ ...t, path: t.path.slice(0, i) }, env, false)));
				});
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
				// not typed yet takes the type the callee wants of it (inside array and object
				// arguments too: `concat(",", [x])` makes x a string); `x in xs` unifies x with
				// what xs holds instead.
				for (const a of t.args) this.term(a, env, seen, check);
				const member = target.kind === "builtin" && this.narrowMember(target.name, t.args, env);
				if (sig && !member) {
					sig.args.forEach((want, i) => {
						const a = t.args[i];
						if (a) this.unifyParams(a, want, env);
					});
				}
				if (target.kind === "user") {
					const node = getNode(this.root, target.path, false);
					if (node?.kind !== "function") return;
					const defs = this.typedDefs(node);
					if (defs === "none" && check) {
						this.errors.push({
							code: "rego_type_error",
							message: `undefined function ${pathName(target.path)}`,
							loc: at(exprLoc ?? t.loc),
						});
					}
					if (!Array.isArray(defs)) return;
					const params = this.functionParams(node);
					params?.forEach((want, i) => {
						const a = t.args[i];
						if (a) this.unifyParams(a, want, env);
					});
					if (check && params && t.args.length >= params.length)
						this.checkArgs(t, pathName(target.path), params, t.args, env, t.loc);
					return;
				}
				const b = lookupBuiltin(target.name, 0);
				if (!b || b.variadic || !sig) return;
				if (check) this.checkArgs(t, target.name, sig.args, t.args, env, t.loc);
				if (check) this.checkMember(target.name, t.args, env, exprLoc ?? t.loc);
				// `count(xs, n)`: an output argument seen for the first time takes the result type.
				const out = t.args[sig.args.length];
				if (asExpr && out && !b.relation)
					this.unifyTerm(out, this.failedCalls.has(t) ? ANY : sig.result, env, seen);
				return;
			}
			case "var":
				// A use alone types nothing (OPA: `not x`, `x` as an expression, a with value).
				return;
			default:
				return;
		}
	}

	/** unifyTerm for parameters not typed yet only (a call's arguments bind nothing new). */
	private unifyParams(t: Term, ty: Ty, env: Env): void {
		if (t.type === "var") {
			if (env.get(t.name) === UNKNOWN) env.set(t.name, ty);
		} else if (t.type === "array") {
			t.items.forEach((item, i) => {
				this.unifyParams(item, arrayAt(ty, i), env);
			});
		} else if (t.type === "set") {
			// Unlike `=`, a call's set argument passes the element type on (`or({x}, s)`: x is any).
			// In OPA's set order: vars before refs and composites (`{{p}, p}` meets p bare first).
			for (const item of [...t.items].sort((a, b) => setRank(a) - setRank(b)))
				this.unifyParams(item, setOfAt(ty), env);
		} else if (t.type === "object") {
			for (const [k, v] of t.entries) {
				if (k.type === "string") this.unifyParams(v, objectAt(ty, k.value), env);
				else {
					this.unifyParams(k, objectKey(ty), env);
					this.unifyParams(v, objectAt(ty, undefined), env);
				}
			}
		}
	}

	/** `x in xs`, `k, v in xs`: untyped parameters take what xs holds (its keys). */
	private narrowMember(name: string, args: Term[], env: Env): boolean {
		if (name !== "internal.member_2" && name !== "internal.member_3") return false;
		const coll = this.typeOf(args[args.length - 1], env);
		const value = args[args.length - 2];
		if (value) this.unifyParams(value, elementType(coll), env);
		if (name === "internal.member_3" && args[0]) this.unifyParams(args[0], keyType(coll), env);
		const last = args[args.length - 1];
		if (last?.type === "var") this.unifyParams(last, ANY, env);
		return true;
	}

	/** `x in xs`, `k, v in xs`: OPA unifies x (k) with what xs holds (its keys): "match error". */
	private checkMember(name: string, args: Term[], env: Env, loc: Loc): void {
		if (name !== "internal.member_2" && name !== "internal.member_3") return;
		const coll = this.typeOf(args[args.length - 1], env);
		if (coll.t !== "array" && coll.t !== "set" && coll.t !== "object") return;
		if (hasNoElement(elementType(coll))) return;
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
		// OPA keeps a literal's scalar keys as static keys: {1: 2} does not fit a wanted
		// object[string: …] (a comprehension's untyped keys do).
		if (arg.type === "object" && want.t === "object" && want.dyn) {
			const keyType = want.dyn[0];
			const bad = arg.entries.some(
				([k]) =>
					k.type !== "string" &&
					literalKey(k) !== undefined &&
					!want.static.some(([wk]) => wk === literalKey(k)) &&
					!unifies(this.typeOf(k, env), keyType),
			);
			if (bad) return false;
		}
		return fitsArg(this.typeOf(arg, env), want);
	}

	private checkArgs(call: Term, name: string, want: Ty[], args: Term[], env: Env, loc: Loc): void {
		const bad = want.some((w, i) => args[i] !== undefined && !this.argFits(args[i], w, env));
		if (!bad) return;
		// As OPA: a call that fails its check gives no type to what uses its result.
		this.failedCalls.add(call);
		const have = want.map((_, i) => (args[i] ? this.typeOf(args[i], env) : ANY));
		this.errors.push({
			code: "rego_type_error",
			message: `${name}: invalid argument(s)\n\thave: (${have.map(typeText).join(", ")})\n\twant: (${want.map(typeText).join(", ")})`,
			loc: { file: loc.file, row: loc.row, col: loc.col },
		});
	}
}

const at = (l: Loc): RegoError["loc"] => ({ file: l.file, row: l.row, col: l.col });

const isScalarTerm = (t: Term) =>
	t.type === "null" || t.type === "boolean" || t.type === "number" || t.type === "string";

/** What position i of an array type holds (union members that are arrays), else any. */
function arrayAt(ty: Ty, i: number): Ty {
	if (ty.t === "array") return (i < ty.static.length ? ty.static[i] : ty.dyn) ?? ANY;
	if (ty.t === "union") {
		const arrays = ty.of.filter((m) => m.t === "array");
		return arrays.length > 0 ? union(arrays.map((m) => arrayAt(m, i))) : ANY;
	}
	return ANY;
}

/** What key k of an object type holds (undefined: a key not written as a string). */
function objectAt(ty: Ty, k: string | undefined): Ty {
	if (ty.t === "object") {
		const hit = k === undefined ? undefined : ty.static.find(([key]) => key === k);
		return hit?.[1] ?? ty.dyn?.[1] ?? ANY;
	}
	if (ty.t === "union") {
		const objects = ty.of.filter((m) => m.t === "object");
		return objects.length > 0 ? union(objects.map((m) => objectAt(m, k))) : ANY;
	}
	return ANY;
}

function setOfAt(ty: Ty): Ty {
	if (ty.t === "set") return ty.of;
	if (ty.t === "union") {
		const sets = ty.of.filter((m) => m.t === "set");
		return sets.length > 0 ? union(sets.map(setOfAt)) : ANY;
	}
	return ANY;
}

function objectKey(ty: Ty): Ty {
	if (ty.t === "object") return ty.dyn?.[0] ?? ANY;
	return ANY;
}

/** What a collection is indexed by: array positions, set elements, object keys. */
function keyType(t: Ty): Ty {
	if (t.t === "array") return NUMBER;
	if (t.t === "set") return t.of;
	if (t.t === "object") return union([...t.static.map(() => STRING), ...(t.dyn ? [t.dyn[0]] : [])]);
	return ANY;
}

/** The element type of the empty set (acts as any; `in` over what holds it is not checked). */
const NO_ELEMENT: Ty = { t: "any" };

function hasNoElement(t: Ty): boolean {
	if (t === NO_ELEMENT) return true;
	if (t.t === "set") return hasNoElement(t.of);
	if (t.t === "array") return t.static.some(hasNoElement) || (t.dyn ? hasNoElement(t.dyn) : false);
	if (t.t === "object")
		return t.static.some(([, v]) => hasNoElement(v)) || (t.dyn ? hasNoElement(t.dyn[1]) : false);
	if (t.t === "union") return t.of.some(hasNoElement);
	return false;
}

/** Where a term sorts among a set's elements by kind (OPA: scalars, vars, refs, composites). */
function setRank(t: Term): number {
	const order = ["null", "boolean", "number", "string", "var", "ref", "array", "object", "set"];
	const i = order.indexOf(t.type);
	return i < 0 ? order.length : i;
}

/** Whether an array or object term holds a ref or call (outside closures). */
function readsRefOrCall(t: Term): boolean {
	if (t.type === "ref" || t.type === "call") return true;
	if (t.type === "array" || t.type === "set") return t.items.some(readsRefOrCall);
	if (t.type === "object")
		return t.entries.some(([k, v]) => readsRefOrCall(k) || readsRefOrCall(v));
	return false;
}

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
