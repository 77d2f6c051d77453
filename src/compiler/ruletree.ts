// The rule tree: every rule hangs at the data path its package and head name give it
// (`package a.b` + `c.d[x] := …` → node data.a.b.c.d with one dynamic key). Modules that share
// a package share nodes, which is how Rego merges them.

import type { Body, Loc, Module, Rule, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";

/**
 * complete: one value; function: called with args; set: partial set (`contains`);
 * object: partial object or any ref head with dynamic keys (`p[k] := v`, `p[a].b := v`).
 */
export type NodeKind = "complete" | "function" | "set" | "object";

/** A rule after resolution and local renaming; terms refer to unique local names. */
export interface CRule {
	kind: NodeKind;
	default: boolean;
	/** Head keys after the node's static path (object kind). */
	dynKeys: Term[];
	/** The set element (set kind, and object kind with a set leaf). */
	key?: Term;
	/** A multi-value rule under dynamic keys (`p[q].r contains s`): the leaf is a set. */
	setLeaf?: boolean;
	/** The value (true when the head has none). */
	value: Term;
	/** Function parameters as patterns. */
	args?: Term[];
	body: Body;
	else?: CRule;
	loc: Loc;
	module: Module;
	/** unique local name → the name the author wrote (for messages). */
	names: Map<string, string>;
}

export interface RuleNode {
	/** Path below `data`. */
	path: string[];
	children: Map<string, RuleNode>;
	rules: CRule[];
	/** Raw rules as parsed, before resolution (kept with their module). */
	raw: { rule: Rule; module: Module; dynKeys: Term[]; kind: NodeKind }[];
	kind?: NodeKind;
	/** A package lives here: even without rules it is an (empty) object in `data`. */
	pkg?: boolean;
	/** Function arity, when kind is function. */
	arity?: number;
}

export function newNode(path: string[]): RuleNode {
	return { path, children: new Map(), rules: [], raw: [] };
}

export function pathName(path: string[]): string {
	let s = "data";
	for (const p of path)
		s += /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
	return s;
}

export function packagePath(m: Module): string[] {
	const out: string[] = [];
	for (const t of m.package.path.path) {
		if (t.type === "string") out.push(t.value);
	}
	return out;
}

/** Where a rule head puts the rule: its static path and the dynamic keys after it. */
export function headPlacement(rule: Rule): { prefix: string[]; dynKeys: Term[] } {
	const ref = rule.head.ref;
	const prefix: string[] = [];
	if (ref.head.type === "var") prefix.push(ref.head.name);
	let i = 0;
	for (; i < ref.path.length; i++) {
		const t = ref.path[i];
		if (t.type !== "string") break;
		prefix.push(t.value);
	}
	return { prefix, dynKeys: ref.path.slice(i) };
}

/**
 * `f() := v if …` has no parameters to bind: OPA treats it as the complete rule `f := v if …`,
 * read as a value (`y := f`) and not callable (`f()` is an undefined function).
 */
export function zeroArgAsRule(rule: Rule): Rule {
	if (rule.head.args?.length !== 0) return rule;
	const { args: _, ...head } = rule.head;
	return {
		...rule,
		kind: "complete",
		head,
		else: rule.else ? zeroArgAsRule(rule.else) : undefined,
	};
}

export function ruleKind(rule: Rule, dynKeys: Term[]): NodeKind {
	if (rule.kind === "function" || rule.head.args) return "function";
	if (rule.kind === "partialSet" || (rule.head.key && !rule.head.value)) {
		return dynKeys.length > 0 ? "object" : "set";
	}
	if (dynKeys.length > 0 || rule.kind === "partialObject") return "object";
	return "complete";
}

export function getNode(root: RuleNode, path: string[], create: boolean): RuleNode | undefined {
	let n = root;
	for (let i = 0; i < path.length; i++) {
		let c = n.children.get(path[i]);
		if (!c) {
			if (!create) return undefined;
			c = newNode(path.slice(0, i + 1));
			n.children.set(path[i], c);
		}
		n = c;
	}
	return n;
}

/** Build the tree from raw rules; reports kind conflicts and duplicate defaults as OPA does. */
export function buildRuleTree(modules: Module[], errors: RegoError[]): RuleNode {
	const root = newNode([]);
	// As OPA: one error per path, at its first rule (conflicts) or at the package of its first
	// default rule, listing every default (multiple defaults).
	const conflicts = new Set<RuleNode>();
	const defaults = new Map<RuleNode, { error: RegoError; at: string[] }>();
	const conflict = (node: RuleNode) => {
		if (conflicts.has(node)) return;
		conflicts.add(node);
		const first = node.raw[0]?.rule.loc;
		errors.push({
			code: "rego_type_error",
			message: `conflicting rules ${pathName(node.path)} found`,
			loc: first ? { file: first.file, row: first.row, col: first.col } : undefined,
		});
	};
	for (const m of modules) {
		const pkg = packagePath(m);
		(getNode(root, pkg, true) as RuleNode).pkg = true;
		for (const written of m.rules) {
			const rule = zeroArgAsRule(written);
			const { prefix, dynKeys } = headPlacement(rule);
			const kind = ruleKind(rule, dynKeys);
			const node = getNode(root, [...pkg, ...prefix], true) as RuleNode;
			const arity = rule.head.args?.length;
			if (node.kind && node.kind !== kind) {
				conflict(node);
				continue;
			}
			if (kind === "function" && node.arity !== undefined && node.arity !== arity) {
				conflict(node);
				continue;
			}
			if (rule.default) {
				const first = node.raw.find((r) => r.rule.default);
				if (first) {
					const where = (l: { file: string; row: number }) => `${l.file}:${l.row}`;
					let d = defaults.get(node);
					if (!d) {
						const pkgLoc = first.module.package.loc;
						d = {
							error: {
								code: "rego_type_error",
								message: "",
								loc: { file: pkgLoc.file, row: pkgLoc.row, col: pkgLoc.col },
							},
							at: [where(first.rule.loc)],
						};
						defaults.set(node, d);
						errors.push(d.error);
					}
					d.at.push(where(rule.loc));
					d.error.message = `multiple default rules ${pathName(node.path)} found at ${d.at.join(", ")}`;
					continue;
				}
			}
			node.kind = kind;
			if (kind === "function") node.arity = arity;
			node.raw.push({ rule, module: m, dynKeys, kind });
		}
	}
	checkOverlaps(root, modules, errors);
	return root;
}

/**
 * A rule with one value (complete, function, set) owns its whole path: no other rule and no
 * package may live below it. (Ref-head rules with dynamic keys may have rules below them.)
 */
function checkOverlaps(root: RuleNode, modules: Module[], errors: RegoError[]): void {
	const owners = ruleNodes(root).filter((n) => n.kind !== "object");
	for (const n of owners) {
		const first = n.raw[0].rule.loc;
		const below = ruleNodes(n).filter((d) => d !== n);
		if (below.length > 0) {
			errors.push({
				code: "rego_type_error",
				message: `rule ${pathName(n.path)} conflicts with [${below.map((d) => pathName(d.path)).join(" ")}]`,
				loc: { file: first.file, row: first.row, col: first.col },
			});
		}
		for (const m of modules) {
			const pkg = packagePath(m);
			if (pkg.length > n.path.length && n.path.every((s, i) => pkg[i] === s)) {
				const l = m.package.loc;
				errors.push({
					code: "rego_type_error",
					message: `package ${pkg.join(".")} conflicts with rule ${n.path[n.path.length - 1]} defined at ${first.file}:${first.row}`,
					loc: { file: l.file, row: l.row, col: l.col },
				});
			}
		}
	}
}

/** Every node that holds rules, depth first. */
export function ruleNodes(root: RuleNode): RuleNode[] {
	const out: RuleNode[] = [];
	const walk = (n: RuleNode) => {
		if (n.raw.length > 0) out.push(n);
		for (const c of n.children.values()) walk(c);
	};
	walk(root);
	return out;
}

/** True when the node or anything below it holds rules or packages (virtual documents). */
export function hasRules(n: RuleNode): boolean {
	if (n.raw.length > 0 || n.pkg) return true;
	for (const c of n.children.values()) if (hasRules(c)) return true;
	return false;
}
