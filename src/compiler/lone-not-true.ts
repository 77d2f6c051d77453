// OPA 1.22.3 (measured with its binary, not documented): a rule or comprehension whose body is
// exactly one expression `true` — negated or not, with or without `with` modifiers (`not true`,
// `true with input.x as input.missing`) — and whose head term needs rewriting into the body (it
// holds a ref, a call or a comprehension: `p := input.x`, `p contains count(xs)`,
// `p[input.k] := 1`, `[input.x | not true]`) gets the rewritten head as its whole body: the
// `not`, the `with`s (and an undefined `with` value) are dropped and the rule is defined. With a
// constant head (`p := 1 if { not true }`) or any other body the expression holds as written.
// Gavel answers as OPA does, so moving a policy between them changes no decision; this pass
// copies the modules with such bodies replaced by `true` before any other pass sees them.

import type { Body, Expr, Module, Rule, Term } from "../rego/ast.ts";

function isLoneNotTrue(body: Body): boolean {
	if (body.length !== 1) return false;
	const e = body[0];
	return (e.negated || e.with.length > 0) && e.terms.type === "boolean" && e.terms.value === true;
}

/** Does OPA move this head term into the body (a ref, call or comprehension anywhere in it)? */
function dynamic(t: Term | undefined): boolean {
	if (!t) return false;
	switch (t.type) {
		case "ref":
		case "call":
		case "arrayCompr":
		case "setCompr":
		case "objectCompr":
			return true;
		case "array":
		case "set":
			return t.items.some(dynamic);
		case "object":
			return t.entries.some(([k, v]) => dynamic(k) || dynamic(v));
		default:
			return false;
	}
}

const trueBody = (e: Expr): Body => [
	{
		type: "expr",
		negated: false,
		terms: { type: "boolean", value: true, loc: e.loc },
		with: [],
		loc: e.loc,
	},
];

/** A copy of `node` with every matching body replaced; unchanged subtrees are shared. */
function fix<T>(node: T): T {
	if (Array.isArray(node)) {
		let changed = false;
		const out = node.map((x) => {
			const y = fix(x);
			if (y !== x) changed = true;
			return y;
		});
		return (changed ? out : node) as T;
	}
	if (node === null || typeof node !== "object") return node;
	let out = node as Record<string, unknown>;
	for (const [k, v] of Object.entries(node)) {
		if (k === "loc" || k === "comments" || k === "annotations") continue;
		const y = fix(v);
		if (y !== v) {
			if (out === node) out = { ...out };
			out[k] = y;
		}
	}
	const n = out as unknown as Term | Rule;
	let heads: (Term | undefined)[] = [];
	if (n.type === "arrayCompr" || n.type === "setCompr") heads = [n.term];
	else if (n.type === "objectCompr") heads = [n.key, n.value];
	else if (n.type === "rule") heads = [n.head.value, n.head.key, ...n.head.ref.path];
	else return out as T;
	const body = (n as { body: Body }).body;
	if (isLoneNotTrue(body) && heads.some(dynamic)) return { ...out, body: trueBody(body[0]) } as T;
	return out as T;
}

/** The modules as OPA compiles them (see above); the same objects when nothing matches. */
export function dropLoneNotTrue(modules: Module[]): Module[] {
	return modules.map((m) => {
		const rules = fix(m.rules);
		return rules === m.rules ? m : { ...m, rules };
	});
}

/** The same for a query body (its comprehensions). */
export function dropLoneNotTrueInBody(body: Body): Body {
	return fix(body);
}
