// Type checking as OPA's checker does it for the common mistakes, each a rego_type_error:
// - an argument whose type is known at compile time and can never be what the builtin takes
//   (`count(1)`, `x := count(xs); startswith(x, "a")`, `p := 1; upper(p)`);
// - unifying values of disjoint types (`[a, b] := {"k": 1}`): "match error";
// - a ref reaching into a rule whose value is a scalar (`p := 1` … `p.x`): "undefined ref".
//
// Types are coarse (a set of the seven kinds of values) and come only from what OPA's checker
// also knows: literals, comprehensions, builtin results, locals first bound by `=`/`:=` to
// such terms, and the values of rules (the union over their definitions). Input, base data,
// iteration and function arguments are unknown, so they are never an error: this checker may
// miss what OPA finds, but never reports what OPA would accept.

import type { Body, Expr, Loc, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { type BasicType, type BuiltinType, lookupBuiltin } from "./builtins.ts";
import { fnTarget } from "./resolved-names.ts";
import { type CRule, getNode, pathName, type RuleNode, ruleNodes } from "./ruletree.ts";
import { forEachVar } from "./term-vars.ts";

const NULL = 1;
const BOOLEAN = 2;
const NUMBER = 4;
const STRING = 8;
const ARRAY = 16;
const OBJECT = 32;
const SET = 64;
const ANY = 127;
const SCALAR = NULL | BOOLEAN | NUMBER | STRING;

type Mask = number;

const BASIC_MASKS: Record<BasicType, Mask> = {
	any: ANY,
	null: NULL,
	boolean: BOOLEAN,
	number: NUMBER,
	string: STRING,
	array: ARRAY,
	object: OBJECT,
	set: SET,
};

/** The mask of a catalogue type: a basic type or a `a|b` union. */
function typeMask(t: BuiltinType): Mask {
	let m = 0;
	for (const part of t.split("|")) m |= BASIC_MASKS[part as BasicType];
	return m;
}

/** How OPA prints these types in "invalid argument(s)" messages. */
const NAMES: [Mask, string][] = [
	[NULL, "null"],
	[BOOLEAN, "boolean"],
	[NUMBER, "number"],
	[STRING, "string"],
	[ARRAY, "array[any]"],
	[OBJECT, "object[any: any]"],
	[SET, "set[any]"],
];

function typeText(m: Mask): string {
	if (m === ANY) return "any";
	const parts = NAMES.filter(([bit]) => (m & bit) !== 0).map(([, n]) => n);
	if (parts.length === 1) return parts[0];
	return `any<${parts.sort().join(", ")}>`;
}

type Env = Map<string, Mask>;

export class TypeChecker {
	/** Rule node → the type of its value; in progress while being computed (recursion). */
	private readonly nodeTypes = new Map<RuleNode, Mask | "pending">();

	constructor(
		private readonly root: RuleNode,
		private readonly errors: RegoError[],
	) {}

	/** Check every rule's body and head. */
	checkRules(): void {
		for (const n of ruleNodes(this.root)) {
			for (const r of n.rules) {
				for (let link: CRule | undefined = r; link; link = link.else) this.checkRule(link);
			}
		}
	}

	checkQuery(body: Body): void {
		this.body(body, new Map(), new Set(), true);
	}

	private checkRule(rule: CRule): void {
		const seen = new Set<string>();
		for (const a of rule.args ?? []) vars(a, seen);
		const env: Env = new Map();
		this.body(rule.body, env, seen, true);
		for (const t of [...rule.dynKeys, rule.key, rule.value]) {
			if (t) this.term(t, env, seen, true);
		}
	}

	// ---- inference -------------------------------------------------------------------------

	private nodeType(node: RuleNode): Mask {
		const known = this.nodeTypes.get(node);
		if (known === "pending") return ANY;
		if (known !== undefined) return known;
		this.nodeTypes.set(node, "pending");
		let m: Mask;
		if (node.kind === "set") m = SET;
		else if (node.kind === "object") m = OBJECT;
		else {
			m = 0;
			for (const r of node.rules) {
				for (let link: CRule | undefined = r; link; link = link.else) {
					m |= this.ruleValueType(link);
					if (m === ANY) break;
				}
			}
			if (m === 0) m = ANY;
		}
		this.nodeTypes.set(node, m);
		return m;
	}

	private ruleValueType(rule: CRule): Mask {
		const seen = new Set<string>();
		for (const a of rule.args ?? []) vars(a, seen);
		const env: Env = new Map();
		this.body(rule.body, env, seen, false);
		return this.typeOf(rule.value, env);
	}

	private typeOf(t: Term, env: Env): Mask {
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
			case "arrayCompr":
				return ARRAY;
			case "set":
			case "setCompr":
				return SET;
			case "object":
			case "objectCompr":
				return OBJECT;
			case "var":
				return env.get(t.name) ?? ANY;
			case "ref": {
				if (t.head.type !== "var" || t.head.name !== "data") return ANY;
				const path: string[] = [];
				for (const p of t.path) {
					if (p.type !== "string") return ANY;
					path.push(p.value);
				}
				const node = getNode(this.root, path, false);
				if (!node || node.raw.length === 0 || node.kind === "function") return ANY;
				return this.nodeType(node);
			}
			case "call": {
				const target = fnTarget(t.fn);
				if (target.kind === "user") {
					const node = getNode(this.root, target.path, false);
					return node && node.kind === "function" ? this.nodeType(node) : ANY;
				}
				const b = lookupBuiltin(target.name, 0);
				if (!b || b.relation || b.variadic) return ANY;
				return typeMask(b.result);
			}
		}
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
		// Under `with` a mocked builtin is not what the catalog describes: leave those alone.
		const check = report && e.with.length === 0;
		for (const w of e.with) this.term(w.value, env, seen, check);
		const t = e.terms;
		switch (t.type) {
			case "some":
				return;
			case "someIn":
				this.term(t.collection, env, seen, check);
				if (t.key) vars(t.key, seen);
				vars(t.value, seen);
				return;
			case "every": {
				this.term(t.domain, env, seen, check);
				const inner = new Set(seen);
				if (t.key) vars(t.key, inner);
				vars(t.value, inner);
				this.body(t.body, new Map(env), inner, check);
				return;
			}
		}
		if (t.type === "call" && t.fn.head.type === "var" && t.fn.path.length === 0) {
			const op = t.fn.head.name;
			if ((op === "eq" || op === "assign") && t.args.length === 2) {
				const [a, b] = t.args;
				this.term(a, env, seen, check);
				this.term(b, env, seen, check);
				// The first binding of a local gives it the other side's type.
				if (a.type === "var" && !seen.has(a.name)) env.set(a.name, this.typeOf(b, env));
				else if (b.type === "var" && !seen.has(b.name)) env.set(b.name, this.typeOf(a, env));
				else if (check) this.matchError(this.typeOf(a, env), this.typeOf(b, env), e.loc);
				vars(a, seen);
				vars(b, seen);
				return;
			}
			// OPA's checker unifies the sides of a `==` expression as it does `=` (but not a
			// nested `x := a == b`, whose value is just false).
			if (op === "equal" && t.args.length === 2 && check) {
				this.term(t, env, seen, check, true);
				this.matchError(this.typeOf(t.args[0], env), this.typeOf(t.args[1], env), e.loc);
				vars(t, seen);
				return;
			}
		}
		this.term(t, env, seen, check, true);
		vars(t, seen);
	}

	private matchError(ta: Mask, tb: Mask, loc: Loc): void {
		if ((ta & tb) !== 0) return;
		this.errors.push({
			code: "rego_type_error",
			message: `match error\n\tleft  : ${typeText(ta)}\n\tright : ${typeText(tb)}`,
			loc: { file: loc.file, row: loc.row, col: loc.col },
		});
	}

	/** Check the calls in a term (closures get their own scope). */
	private term(t: Term, env: Env, seen: Set<string>, check: boolean, asExpr = false): void {
		switch (t.type) {
			case "ref":
				this.term(t.head, env, seen, check);
				for (const p of t.path) this.term(p, env, seen, check);
				if (check) this.checkRef(t);
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
				this.body(t.body, innerEnv, innerSeen, check);
				if (t.type === "objectCompr") {
					this.term(t.key, innerEnv, innerSeen, check);
					this.term(t.value, innerEnv, innerSeen, check);
				} else this.term(t.term, innerEnv, innerSeen, check);
				return;
			}
			case "call": {
				for (const a of t.args) this.term(a, env, seen, check);
				const target = fnTarget(t.fn);
				if (target.kind !== "builtin") return;
				const b = lookupBuiltin(target.name, 0);
				if (!b || b.variadic) return;
				if (check) this.checkArgs(target.name, b.args, t.args, env, t.loc);
				// `count(xs, n)`: an output argument seen for the first time takes the result type.
				const out = t.args[b.args.length];
				if (asExpr && out?.type === "var" && !seen.has(out.name) && !b.relation) {
					env.set(out.name, typeMask(b.result));
				}
				return;
			}
			default:
				return;
		}
	}

	/** `data.p.q.x` where rule `data.p.q` is a scalar: nothing can be below it. */
	private checkRef(t: Term & { type: "ref" }): void {
		if (t.head.type !== "var" || t.head.name !== "data") return;
		const path: string[] = [];
		for (const p of t.path) {
			if (p.type !== "string") return;
			path.push(p.value);
		}
		let node: RuleNode | undefined = this.root;
		for (let i = 0; i < path.length - 1; i++) {
			node = node.children.get(path[i]);
			if (!node) return;
			if (node.raw.length === 0) continue;
			if (node.kind === "function") return;
			const m = this.nodeType(node);
			if ((m & ~SCALAR) !== 0) return;
			const text = pathName(path);
			const prefix = pathName(path.slice(0, i + 1));
			this.errors.push({
				code: "rego_type_error",
				message: `undefined ref: ${text}\n\t${text}\n\t${"^".repeat(prefix.length)}\n\thave: ${typeText(m)}`,
				loc: { file: t.loc.file, row: t.loc.row, col: t.loc.col },
			});
			return;
		}
	}

	private checkArgs(name: string, want: BuiltinType[], args: Term[], env: Env, loc: Loc): void {
		const have = want.map((_, i) => (args[i] ? this.typeOf(args[i], env) : ANY));
		const bad = want.some((w, i) => (have[i] & typeMask(w)) === 0);
		if (!bad) return;
		this.errors.push({
			code: "rego_type_error",
			message: `${name}: invalid argument(s)\n\thave: (${have.map(typeText).join(", ")})\n\twant: (${want.map((w) => typeText(typeMask(w))).join(", ")})`,
			loc: { file: loc.file, row: loc.row, col: loc.col },
		});
	}
}

/** Add every var a term mentions (outside closures) to `out`. */
function vars(t: Term, out: Set<string>): void {
	forEachVar(t, (v) => out.add(v.name));
}
