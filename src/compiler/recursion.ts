// Recursion check: Rego rules may not depend on themselves, directly or through others
// (`rego_recursion_error`). Dependencies come from `data` refs and user function calls.

import type { Body, Expr, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { fnTarget } from "./resolved-names.ts";
import { type CRule, getNode, pathName, type RuleNode, ruleNodes } from "./ruletree.ts";

/** Calls `fn` on every term, nested ones included. */
export function walkTerm(t: Term, fn: (t: Term) => void): void {
	fn(t);
	switch (t.type) {
		case "ref":
			walkTerm(t.head, fn);
			for (const p of t.path) walkTerm(p, fn);
			return;
		case "array":
		case "set":
			for (const i of t.items) walkTerm(i, fn);
			return;
		case "object":
			for (const [k, v] of t.entries) {
				walkTerm(k, fn);
				walkTerm(v, fn);
			}
			return;
		case "call":
			walkTerm(t.fn, fn);
			for (const a of t.args) walkTerm(a, fn);
			return;
		case "arrayCompr":
		case "setCompr":
			walkTerm(t.term, fn);
			walkBody(t.body, fn);
			return;
		case "objectCompr":
			walkTerm(t.key, fn);
			walkTerm(t.value, fn);
			walkBody(t.body, fn);
			return;
		default:
			return;
	}
}

export function walkExpr(e: Expr, fn: (t: Term) => void): void {
	const t = e.terms;
	if (t.type === "some") for (const v of t.vars) fn(v);
	else if (t.type === "someIn") {
		if (t.key) walkTerm(t.key, fn);
		walkTerm(t.value, fn);
		walkTerm(t.collection, fn);
	} else if (t.type === "every") {
		if (t.key) walkTerm(t.key, fn);
		walkTerm(t.value, fn);
		walkTerm(t.domain, fn);
		walkBody(t.body, fn);
	} else walkTerm(t, fn);
	for (const w of e.with) {
		walkTerm(w.target, fn);
		walkTerm(w.value, fn);
	}
}

export function walkBody(b: Body, fn: (t: Term) => void): void {
	for (const e of b) walkExpr(e, fn);
}

export function walkRule(r: CRule, fn: (t: Term) => void): void {
	for (const k of r.dynKeys) walkTerm(k, fn);
	if (r.key) walkTerm(r.key, fn);
	walkTerm(r.value, fn);
	for (const a of r.args ?? []) walkTerm(a, fn);
	walkBody(r.body, fn);
	if (r.else) walkRule(r.else, fn);
}

/** The rule nodes a `data` ref may read. */
function refDeps(root: RuleNode, path: Term[], out: Set<RuleNode>): void {
	let node = root;
	for (const p of path) {
		if (node.raw.length > 0) break;
		// A number (or other scalar) key cannot name a rule: base data only.
		if (p.type === "number" || p.type === "boolean" || p.type === "null") return;
		if (p.type !== "string") break;
		const c = node.children.get(p.value);
		if (!c) return;
		node = c;
	}
	if (node.raw.length > 0) {
		out.add(node);
		return;
	}
	for (const n of ruleNodes(node)) out.add(n);
}

export function ruleDeps(root: RuleNode, node: RuleNode): Set<RuleNode> {
	return rulesDeps(root, node.rules);
}

/** The rule nodes these rule definitions read. */
function rulesDeps(root: RuleNode, rules: CRule[]): Set<RuleNode> {
	const out = new Set<RuleNode>();
	// The `data` var heading a ref is seen again on its own by the walk: skip it there.
	const heads = new WeakSet<Term>();
	for (const r of rules) {
		walkRule(r, (t) => {
			if (t.type === "ref" && t.head.type === "var" && t.head.name === "data") {
				heads.add(t.head);
				refDeps(root, t.path, out);
			} else if (t.type === "var" && t.name === "data" && !heads.has(t)) refDeps(root, [], out);
			else if (t.type === "call") {
				const target = fnTarget(t.fn);
				if (target.kind === "user") {
					const n = getNode(root, target.path, false);
					if (n) out.add(n);
				}
			}
		});
	}
	return out;
}

/**
 * As OPA reports recursion: once for every rule definition whose own body (or head, or else
 * chain) leads back to the rule it defines, at that definition, with one such cycle.
 */
export function checkRecursion(root: RuleNode, errors: RegoError[]): void {
	const nodes = ruleNodes(root);
	const deps = new Map<RuleNode, RuleNode[]>();
	for (const n of nodes) deps.set(n, [...ruleDeps(root, n)]);
	/** A shortest path of nodes from `from` to `to` (both included), if there is one. */
	const pathTo = (from: RuleNode, to: RuleNode): RuleNode[] | undefined => {
		const prev = new Map<RuleNode, RuleNode | null>([[from, null]]);
		const queue = [from];
		while (queue.length > 0) {
			const n = queue.shift() as RuleNode;
			if (n === to) {
				const out: RuleNode[] = [];
				for (let x: RuleNode | null | undefined = n; x; x = prev.get(x)) out.unshift(x);
				return out;
			}
			for (const d of deps.get(n) ?? []) {
				if (!prev.has(d)) {
					prev.set(d, n);
					queue.push(d);
				}
			}
		}
		return undefined;
	};
	for (const n of nodes) {
		for (const r of n.rules) {
			let cycle: RuleNode[] | undefined;
			for (const d of rulesDeps(root, [r])) {
				const p = pathTo(d, n);
				if (p && (!cycle || p.length < cycle.length)) cycle = p;
			}
			if (!cycle) continue;
			const names = [n, ...cycle].map((x) => pathName(x.path));
			errors.push({
				code: "rego_recursion_error",
				message: `rule ${pathName(n.path)} is recursive: ${names.join(" -> ")}`,
				loc: { file: r.loc.file, row: r.loc.row, col: r.loc.col },
			});
		}
	}
}
