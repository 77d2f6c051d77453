// Resolve names and rewrite locals in one walk. Every variable gets a name unique within its
// rule (so closures, shadowing and `_` need no further thought downstream); names that are
// rules of the package or imports become `data…`/`input…` refs; function calls resolve to a
// user function (a data ref) or a known builtin.

import type {
	Body,
	Expr,
	Import,
	Loc,
	Module,
	RefTerm,
	Rule,
	Term,
	VarTerm,
	With,
} from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { arityMessage, knownBuiltin, lookupBuiltin } from "./builtins.ts";
import { BUILTIN_HEAD, fnTarget, isRoot, WILDCARD_PREFIX } from "./resolved-names.ts";
import type { CRule, NodeKind } from "./ruletree.ts";
import { packagePath } from "./ruletree.ts";
import { forEachVar } from "./term-vars.ts";

/**
 * A body's names. Vars declared with `:=`/`some` exist from their declaration on: a closure
 * written before the declaration has its own var of that name (as OPA rewrites them).
 */
class Scope {
	readonly vars = new Map<string, string>();
	readonly declaredAt = new Map<string, number>();
	/** A function's (or rule's) parameters: a body may not declare them again. */
	readonly args = new Set<string>();
	/** Index of the expression being resolved (Infinity: all of the body). */
	pos = Number.POSITIVE_INFINITY;
	constructor(readonly parent?: Scope) {}
	lookup(name: string): string | undefined {
		const u = this.vars.get(name);
		if (u !== undefined && (this.declaredAt.get(name) ?? -1) <= this.pos) return u;
		return this.parent?.lookup(name);
	}
}

/** What a module's rules can see: the package's rule names and the module's imports. */
export interface ModuleEnv {
	pkg: string[];
	ruleNames: Set<string>;
	imports: Map<string, RefTerm>;
	regoVersion: 0 | 1;
	file: string;
	/** The builtins a capabilities file allows (`--capabilities`); all when absent. */
	capabilities?: ReadonlySet<string>;
}

export function moduleEnv(m: Module, ruleNames: Set<string>): ModuleEnv {
	const imports = new Map<string, RefTerm>();
	for (const imp of m.imports) addImport(imports, imp);
	return { pkg: packagePath(m), ruleNames, imports, regoVersion: m.regoVersion, file: m.file };
}

function addImport(imports: Map<string, RefTerm>, imp: Import): void {
	const ref = imp.path;
	if (ref.head.type !== "var" || !isRoot(ref.head.name)) return; // future.keywords, rego.v1
	let alias = imp.alias;
	if (!alias) {
		const last = ref.path[ref.path.length - 1];
		if (!last) alias = ref.head.name;
		else if (last.type === "string") alias = last.value;
		else return;
	}
	imports.set(alias, ref);
}

function at(loc: Loc): RegoError["loc"] {
	return { file: loc.file, row: loc.row, col: loc.col };
}

function isCall(t: Term, name: string): boolean {
	return (
		t.type === "call" &&
		t.fn.head.type === "var" &&
		t.fn.head.name === name &&
		t.fn.path.length === 0
	);
}

/** Vars a pattern declares (`:=` left side, `some … in` key/value). */
function patternVars(t: Term, out: VarTerm[]): void {
	if (t.type === "var") {
		if (t.name !== "_") out.push(t);
	} else if (t.type === "array") for (const i of t.items) patternVars(i, out);
	else if (t.type === "object") for (const [, v] of t.entries) patternVars(v, out);
}

/** How OPA names a term that `:=` cannot assign to. */
const UNASSIGNABLE: Partial<Record<Term["type"], string>> = {
	ref: "ref",
	call: "call",
	set: "set",
	number: "number",
	string: "string",
	boolean: "boolean",
	null: "null",
	arrayCompr: "arraycomprehension",
	setCompr: "setcomprehension",
	objectCompr: "objectcomprehension",
};

/**
 * As OPA (measured): the left side of `:=` holds only vars and array/object patterns of them
 * (object keys are not checked); each other term is "cannot assign to <kind>" at its place.
 */
function unassignable(t: Term, errors: RegoError[]): void {
	if (t.type === "array") for (const i of t.items) unassignable(i, errors);
	else if (t.type === "object") for (const [, v] of t.entries) unassignable(v, errors);
	else if (t.type !== "var") {
		errors.push({
			code: "rego_compile_error",
			message: `cannot assign to ${UNASSIGNABLE[t.type] ?? t.type}`,
			loc: at(t.loc),
		});
	}
}

/** Vars used directly in a term (not inside closures; call names are not uses). */
function directVars(t: Term, out: VarTerm[]): void {
	forEachVar(t, (v) => out.push(v));
}

function exprDirectVars(e: Expr, out: VarTerm[]): void {
	const t = e.terms;
	if (t.type === "some") out.push(...t.vars);
	else if (t.type === "someIn") {
		if (t.key) directVars(t.key, out);
		directVars(t.value, out);
		directVars(t.collection, out);
	} else if (t.type === "every") directVars(t.domain, out);
	else directVars(t, out);
	for (const w of e.with) if (!namesBuiltin(w.value)) directVars(w.value, out);
}

/** `count`, `io.jwt.decode`: a with value spelling a builtin's name. */
function namesBuiltin(v: Term): boolean {
	const head = v.type === "ref" ? v.head : v;
	if (head.type !== "var") return false;
	const path = v.type === "ref" ? v.path : [];
	if (!path.every((p) => p.type === "string")) return false;
	const name = [head.name, ...path.map((p) => (p.type === "string" ? p.value : ""))].join(".");
	return knownBuiltin(name, 0) !== undefined;
}

function dataRef(path: string[], loc: Loc): RefTerm {
	return {
		type: "ref",
		head: { type: "var", name: "data", loc },
		path: path.map((value) => ({ type: "string", value, loc })),
		loc,
	};
}

/** Function arities of user functions, by data path joined with "." — for arity checks. */
export type FunctionArities = Map<string, number>;

export class Resolver {
	readonly names = new Map<string, string>();
	private readonly counts = new Map<string, number>();
	private wildcards = 0;

	constructor(
		private readonly env: ModuleEnv,
		private readonly functions: FunctionArities,
		private readonly errors: RegoError[],
		/** Whether rules are defined exactly at this path below data (for `with` targets). */
		private readonly rulesAt: (path: string[]) => boolean = () => false,
	) {}

	private fresh(name: string): string {
		const n = this.counts.get(name) ?? 0;
		this.counts.set(name, n + 1);
		const unique = n === 0 ? name : `${name}$${n}`;
		this.names.set(unique, name);
		return unique;
	}

	private freshWildcard(): string {
		const unique = `${WILDCARD_PREFIX}${this.wildcards++}`;
		this.names.set(unique, "_");
		return unique;
	}

	/** Declare a body's locals in `scope`; `heads` are extra terms that belong to the body. */
	private enterBody(body: Body, scope: Scope, heads: Term[]): void {
		const seen = new Set<string>();
		const declaredHere = new Set<string>();
		for (const e of body) {
			const t = e.terms;
			const decls: VarTerm[] = [];
			let assign = false;
			if (t.type === "some") decls.push(...t.vars);
			else if (t.type === "someIn") {
				if (t.key) patternVars(t.key, decls);
				patternVars(t.value, decls);
			} else if (t.type === "call" && isCall(t, "assign")) {
				unassignable(t.args[0], this.errors);
				patternVars(t.args[0], decls);
				assign = true;
			}
			// As OPA: the right side and the `with` values of `x := …` are read before x is
			// declared (`x := x`, `[x, y] := [1, x]`, `x := 1 with input as x`).
			const readFirst = new Set<string>();
			// As OPA: `some x in xs` whose collection reads x itself ("var x assigned before").
			const inCollection = new Set<string>();
			if (t.type === "someIn") {
				const u: VarTerm[] = [];
				directVars(t.collection, u);
				for (const v of u) inCollection.add(v.name);
			}
			if (assign && t.type === "call") {
				const u: VarTerm[] = [];
				directVars(t.args[1], u);
				for (const w of e.with) if (!namesBuiltin(w.value)) directVars(w.value, u);
				for (const v of u) readFirst.add(v.name);
			}
			for (const d of decls) {
				if (scope.args.has(d.name)) {
					// As OPA: `some x`, `some x in xs` or `x := …` in a body whose rule takes x.
					this.errors.push({
						code: "rego_compile_error",
						message: `arg ${d.name} redeclared`,
						loc: at(e.loc),
					});
					continue;
				}
				if (inCollection.has(d.name)) {
					inCollection.delete(d.name);
					this.errors.push({
						code: "rego_compile_error",
						message: `var ${d.name} assigned before`,
						loc: at(e.loc),
					});
				} else if (assign && (declaredHere.has(d.name) || scope.vars.has(d.name))) {
					this.errors.push({
						code: "rego_compile_error",
						message: `var ${d.name} assigned above`,
						loc: at(d.loc),
					});
				} else if (assign && (seen.has(d.name) || readFirst.has(d.name))) {
					this.errors.push({
						code: "rego_compile_error",
						message: `var ${d.name} referenced above`,
						loc: at(d.loc),
					});
				}
				if (!declaredHere.has(d.name)) {
					declaredHere.add(d.name);
					scope.vars.set(d.name, this.fresh(d.name));
					scope.declaredAt.set(d.name, body.indexOf(e));
				}
			}
			const used: VarTerm[] = [];
			exprDirectVars(e, used);
			for (const u of used) seen.add(u.name);
		}
		const uses: VarTerm[] = [];
		for (const e of body) exprDirectVars(e, uses);
		for (const h of heads) directVars(h, uses);
		for (const u of uses) {
			const n = u.name;
			if (n === "_" || isRoot(n) || scope.lookup(n) !== undefined) continue;
			if (this.env.ruleNames.has(n) || this.env.imports.has(n)) continue;
			scope.vars.set(n, this.fresh(n));
		}
	}

	/** Resolve a var that is not a local: a rule of the package, an import, or a root. */
	private global(name: string, loc: Loc): Term | undefined {
		if (isRoot(name)) return { type: "var", name, loc };
		if (this.env.ruleNames.has(name)) return dataRef([...this.env.pkg, name], loc);
		const imp = this.env.imports.get(name);
		if (imp) return { ...imp, loc };
		return undefined;
	}

	/** `top`: the term is a whole expression (only then may a call have an output argument). */
	term(t: Term, scope: Scope, top = false): Term {
		switch (t.type) {
			case "var": {
				if (t.name === "_") return { type: "var", name: this.freshWildcard(), loc: t.loc };
				const local = scope.lookup(t.name);
				if (local !== undefined) return { type: "var", name: local, loc: t.loc };
				const g = this.global(t.name, t.loc);
				if (g) return g;
				// Not declared anywhere (a closure-only var the scope missed): make it local here.
				const u = this.fresh(t.name);
				scope.vars.set(t.name, u);
				return { type: "var", name: u, loc: t.loc };
			}
			case "ref": {
				const head = this.term(t.head, scope);
				const path = t.path.map((p) => this.term(p, scope));
				if (head.type === "ref") return { ...head, path: [...head.path, ...path], loc: t.loc };
				return { type: "ref", head, path, loc: t.loc };
			}
			case "array":
				return { ...t, items: t.items.map((i) => this.term(i, scope)) };
			case "set":
				return { ...t, items: t.items.map((i) => this.term(i, scope)) };
			case "object":
				return {
					...t,
					entries: t.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)]),
				};
			case "call": {
				const fn = this.fn(t.fn, t.args.length, scope, top);
				return { ...t, fn, args: t.args.map((a) => this.term(a, scope)) };
			}
			case "arrayCompr":
			case "setCompr": {
				const inner = new Scope(scope);
				this.enterBody(t.body, inner, [t.term]);
				const body = this.bodyIn(t.body, inner);
				return { ...t, term: this.term(t.term, inner), body };
			}
			case "objectCompr": {
				const inner = new Scope(scope);
				this.enterBody(t.body, inner, [t.key, t.value]);
				const body = this.bodyIn(t.body, inner);
				return {
					...t,
					key: this.term(t.key, inner),
					value: this.term(t.value, inner),
					body,
				};
			}
			default:
				return t;
		}
	}

	/** Resolve a called name to a user function (data ref) or a builtin; report unknown ones. */
	fn(fn: RefTerm, nargs: number, scope: Scope, top = true): RefTerm {
		// An extra last argument is an output only in a call that is a whole expression.
		const output = (arity: number) => top && nargs === arity + 1;
		let resolved: RefTerm = fn;
		if (
			fn.head.type === "var" &&
			!isRoot(fn.head.name) &&
			scope.lookup(fn.head.name) === undefined
		) {
			const g = this.global(fn.head.name, fn.loc);
			if (g && g.type === "ref") resolved = { ...g, path: [...g.path, ...fn.path], loc: fn.loc };
		}
		const target = fnTarget(resolved);
		if (target.kind === "user") {
			const key = target.path.join(".");
			const arity = this.functions.get(key);
			if (arity === undefined) {
				// A call to a rule that is not a function, or to nothing at all.
				this.errors.push({
					code: "rego_type_error",
					message: `undefined function ${["data", ...target.path].join(".")}`,
					loc: at(fn.loc),
				});
			} else if (nargs >= 0 && nargs !== arity && !output(arity)) {
				this.errors.push({
					code: "rego_type_error",
					message: `function ${["data", ...target.path].join(".")} has arity ${arity}, got ${nargs} argument${nargs === 1 ? "" : "s"}`,
					loc: at(fn.loc),
				});
			}
			return resolved;
		}
		// Outside the capabilities a builtin is unknown, in OPA's words. A refused builtin is
		// known here (it may be mocked); the planner refuses a call to it that runs unmocked.
		const b =
			this.env.capabilities?.has(target.name) === false
				? undefined
				: knownBuiltin(target.name, this.env.regoVersion);
		if (!b) {
			this.errors.push({
				code: "rego_type_error",
				message: `undefined function ${target.name}`,
				loc: at(fn.loc),
			});
		} else if (!b.variadic && nargs >= 0 && nargs !== b.args.length && !output(b.args.length)) {
			this.errors.push({
				code: "rego_type_error",
				message: arityMessage(target.name, b.args.length, nargs),
				loc: at(fn.loc),
			});
		}
		return fn;
	}

	private withTarget(w: With, scope: Scope): RefTerm {
		const t = w.target;
		if (t.head.type === "var" && isRoot(t.head.name)) {
			return this.checkPartialReplace({ ...t, path: t.path.map((p) => this.term(p, scope)) });
		}
		if (t.head.type === "var") {
			// A rule or import of this module: a document (or a user function) under data.
			const g = this.global(t.head.name, t.loc);
			if (g && g.type === "ref") {
				return this.checkPartialReplace({
					...g,
					path: [...g.path, ...t.path.map((p) => this.term(p, scope))],
					loc: t.loc,
				});
			}
		}
		// A builtin being mocked.
		if (!namesBuiltin(t)) {
			this.errors.push({
				code: "rego_type_error",
				message: "with keyword target must reference existing input, data, or a function",
				loc: at(t.loc),
			});
			return t;
		}
		return this.fn(t, -1, scope);
	}

	/**
	 * OPA replaces whole documents only: a `with data…` target strictly below a rule (a key
	 * inside a rule's value) is a compile error, not a patch of the rule's value.
	 */
	private checkPartialReplace(t: RefTerm): RefTerm {
		if (t.head.type !== "var" || t.head.name !== "data") return t;
		const path: string[] = [];
		for (const p of t.path.slice(0, -1)) {
			if (p.type !== "string") break;
			path.push(p.value);
			if (this.rulesAt(path)) {
				this.errors.push({
					code: "rego_compile_error",
					message: "with keyword cannot partially replace virtual document(s)",
					loc: at(t.loc),
				});
				break;
			}
		}
		return t;
	}

	private expr(e: Expr, scope: Scope): Expr {
		const t = e.terms;
		const withs = e.with.map((w) => ({
			...w,
			target: this.withTarget(w, scope),
			value: this.withValue(w.value, scope),
		}));
		if (t.type === "some") {
			return {
				...e,
				with: withs,
				terms: { ...t, vars: t.vars.map((v) => this.term(v, scope) as VarTerm) },
			};
		}
		if (t.type === "someIn") {
			return {
				...e,
				with: withs,
				terms: {
					...t,
					key: t.key ? this.term(t.key, scope) : undefined,
					value: this.term(t.value, scope),
					collection: this.term(t.collection, scope),
				},
			};
		}
		if (t.type === "every") {
			const domain = this.term(t.domain, scope);
			const inner = new Scope(scope);
			const decls: VarTerm[] = [];
			if (t.key) patternVars(t.key, decls);
			patternVars(t.value, decls);
			for (const d of decls) inner.vars.set(d.name, this.fresh(d.name));
			const key = t.key ? this.term(t.key, inner) : undefined;
			const value = this.term(t.value, inner);
			this.enterBody(t.body, inner, []);
			const body = this.bodyIn(t.body, inner);
			return { ...e, with: withs, terms: { ...t, key, value, domain, body } };
		}
		return { ...e, with: withs, terms: this.term(t, scope, true) };
	}

	/** A `with` value may name a function (`with f as g`): keep such names as function refs. */
	private withValue(v: Term, scope: Scope): Term {
		if (v.type === "var" || (v.type === "ref" && v.path.every((p) => p.type === "string"))) {
			const head = v.type === "var" ? v : v.head;
			if (head.type === "var" && !isRoot(head.name) && scope.lookup(head.name) === undefined) {
				const fnRef: RefTerm =
					v.type === "ref" ? v : { type: "ref", head: v, path: [], loc: v.loc };
				if (!this.env.ruleNames.has(head.name) && !this.env.imports.has(head.name)) {
					const name = [
						head.name,
						...fnRef.path.map((p) => (p.type === "string" ? p.value : "")),
					].join(".");
					if (lookupBuiltin(name, this.env.regoVersion)) {
						return {
							type: "ref",
							head: { type: "var", name: BUILTIN_HEAD, loc: v.loc },
							path: name.split(".").map((value) => ({ type: "string", value, loc: v.loc })),
							loc: v.loc,
						};
					}
				}
			}
		}
		return this.term(v, scope);
	}

	private bodyIn(body: Body, scope: Scope): Body {
		const out = body.map((e, i) => {
			scope.pos = i;
			return this.expr(e, scope);
		});
		scope.pos = Number.POSITIVE_INFINITY;
		return out;
	}

	/** Resolve one rule (and its else chain) into a CRule. */
	rule(rule: Rule, kind: NodeKind, dynKeys: Term[], module: Module): CRule {
		const scope = new Scope();
		const args = rule.head.args ?? [];
		const argVars: VarTerm[] = [];
		for (const a of args) directVars(a, argVars);
		for (const v of argVars) {
			if (v.name !== "_" && !scope.vars.has(v.name)) scope.vars.set(v.name, this.fresh(v.name));
			if (v.name !== "_") scope.args.add(v.name);
		}
		const heads: Term[] = [...dynKeys];
		if (rule.head.key) heads.push(rule.head.key);
		if (rule.head.value) heads.push(rule.head.value);
		this.enterBody(rule.body, scope, heads);
		const loc = rule.head.loc;
		const out: CRule = {
			kind,
			setLeaf: kind === "object" && rule.head.key !== undefined && !rule.head.value,
			default: rule.default,
			dynKeys: dynKeys.map((k) => this.term(k, scope)),
			key: rule.head.key ? this.term(rule.head.key, scope) : undefined,
			value: rule.head.value
				? this.term(rule.head.value, scope)
				: { type: "boolean", value: true, loc },
			args: rule.head.args ? args.map((a) => this.term(a, scope)) : undefined,
			body: this.bodyIn(rule.body, scope),
			loc: rule.loc,
			module,
			names: this.names,
		};
		if (rule.else) {
			const e = rule.else;
			// Else branches share the function's parameters.
			const withArgs: Rule = rule.head.args
				? { ...e, head: { ...e.head, args: rule.head.args } }
				: e;
			out.else = new Resolver(this.env, this.functions, this.errors).rule(
				withArgs,
				kind,
				[],
				module,
			);
		}
		return out;
	}

	/** Resolve a query; returns the body and its top-level variables (author name → unique). */
	query(body: Body): { body: Body; vars: Map<string, string> } {
		const scope = new Scope();
		this.enterBody(body, scope, []);
		const out = this.bodyIn(body, scope);
		return { body: out, vars: new Map(scope.vars) };
	}
}
