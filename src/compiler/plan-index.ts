// Rule indexing: of the rules at one path, visit only those whose equality tests can hold, as
// OPA's evaluator does. A rule body that tests `input.a.b == "s"` (or `=`, or
// `input.a.b in {"s", "t"}`) at its top level cannot succeed unless input.a.b is one of those
// values, so the rules are grouped by that value: the value is read once, a binary search over
// the sorted values (Rego's `<`) picks its group, and only that group's rules run (the test
// stays in each body, so a group is a filter, never a decision). Rules without such a test run
// as before, after the groups.
//
// What is indexed: tests of a ref into input, or into base data (no rule at or below the
// path), whose path is strings and integers (`input.a[0].b`), or of a function's argument
// (`f(x) if x == "a"`, `f("a")`), against strings, numbers (up to 15 digits), booleans and
// null.
//
// As in OPA, a rule skipped this way raises no error either (a conflict in a rule it calls,
// say): `opa eval` answers true for p=b and undefined for p=z with
// `allow if { data.t.conflicting == 1; input.p == "a" }` beside `allow if input.p == "b"`.
// So a rule the dispatch does not settle (a lone rule, the last of a group, a link of an else
// chain, which is never dispatched on) first checks those of its tests that its body does
// not run before anything else (guardRule), and `startswith(value, "prefix")` tests too.
// Conflicts between rules that both hold stay errors: two such rules test the same value, so
// they sit in the same group or run unindexed.

import type { Expr, RefTerm, Term } from "../rego/ast.ts";
import type { Block, Const, Local, Operand, Stmt } from "./ir.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm } from "./plan-terms.ts";
import { fnTarget } from "./resolved-names.ts";
import { hasRules, type RuleNode } from "./ruletree.ts";

/** Where an indexed value is read from: a ref (planned once), or a function's parameter. */
export type IndexRead = { ref: RefTerm } | { local: Local };

/** A planned rule and the values its body requires (read key → where, and which values). */
export interface IndexedRule {
	block: Block;
	/**
	 * `leading`: the body runs this test before any expression that could raise an error.
	 * `prefix`: a `startswith(value, prefix)` test, never dispatched on, only checked ahead
	 * (guardRule); its `values` are empty.
	 */
	conds: Map<string, { read: IndexRead; values: Const[]; leading: boolean; prefix?: string }>;
}

/** Groups of at most this many values are tested one by one instead of searched. */
const LEAF = 4;
/** A rule with `ref in {…}` joins one group per value; past this many it is not indexed. */
const MAX_IN_VALUES = 16;

/** A ref whose value can be read ahead of the rules without running any rule or raising. */
function readableRef(t: Term, root: RuleNode): RefTerm | undefined {
	if (t.type !== "ref" || t.head.type !== "var") return undefined;
	if (t.path.length === 0) return undefined;
	const plain = t.path.every(
		(p) => p.type === "string" || (p.type === "number" && /^\d+$/.test(p.text)),
	);
	if (!plain) return undefined;
	if (t.head.name === "input") return t;
	if (t.head.name !== "data") return undefined;
	// Base data only: reading a virtual document would evaluate rules (which may fail).
	let node: RuleNode | undefined = root;
	for (const p of t.path) {
		if (!node || !hasRules(node)) return t;
		if (p.type !== "string") return undefined;
		node = node.children.get(p.value);
	}
	return node && hasRules(node) ? undefined : t;
}

/** An indexable constant: strings, booleans, null, and numbers of at most 15 digits. */
function indexConst(t: Term): Const | undefined {
	switch (t.type) {
		case "string":
			return { type: "string", value: t.value };
		case "boolean":
			return { type: "boolean", value: t.value };
		case "null":
			return { type: "null" };
		case "number": {
			// Up to 15 significant digits, distinct numbers are distinct doubles in the same order,
			// so grouping and sorting by the double is Rego's exact equality and order.
			const m = /^-?(\d+)(?:\.(\d+))?(?:[eE][-+]?\d+)?$/.exec(t.text);
			const n = Number(t.text);
			if (!m || !Number.isFinite(n)) return undefined;
			const digits = `${m[1]}${m[2] ?? ""}`.replace(/^0+/, "").replace(/0+$/, "");
			// Within these bounds String(n) is plain decimal text, no exponent.
			if (digits.length > 15 || (n !== 0 && (Math.abs(n) < 1e-6 || Math.abs(n) >= 1e21)))
				return undefined;
			return { type: "number", text: String(n) };
		}
		default:
			return undefined;
	}
}

function readKey(r: IndexRead): string {
	if ("local" in r) return `local:${r.local}`;
	const head = r.ref.head.type === "var" ? r.ref.head.name : "";
	return `${head}:${JSON.stringify(r.ref.path.map((p) => (p.type === "string" ? p.value : p.type === "number" ? Number(p.text) : null)))}`;
}

/**
 * The tests of a body (and a function's argument patterns) that the index can use. `params`
 * maps a function's argument vars to the parameter locals they stand for.
 */
export function indexConditions(
	fp: PlanState,
	body: Expr[],
	params: { args: Term[]; first: Local } | undefined = undefined,
): IndexedRule["conds"] {
	const conds: IndexedRule["conds"] = new Map();
	const add = (read: IndexRead, values: Const[], leading: boolean, prefix?: string) => {
		const k = prefix === undefined ? readKey(read) : `prefix:${readKey(read)}`;
		// Two tests of one value: the rule needs both; keeping the first is still a sound filter.
		if (!conds.has(k))
			conds.set(k, { read, values, leading, ...(prefix === undefined ? {} : { prefix }) });
	};
	const argVars = new Map<string, Local>();
	params?.args.forEach((a, i) => {
		const local = params.first + i;
		if (a.type === "var") argVars.set(a.name, local);
		else {
			const c = indexConst(a);
			// Argument patterns are matched before the body runs.
			if (c) add({ local }, [c], true);
		}
	});
	const reader = (t: Term): IndexRead | undefined => {
		if (t.type === "var") {
			const l = argVars.get(t.name);
			return l === undefined ? undefined : { local: l };
		}
		const ref = readableRef(t, fp.pb.root);
		return ref ? { ref } : undefined;
	};
	const test = (e: Expr): { read: IndexRead; values: Const[] } | undefined => {
		if (e.negated || e.with.length > 0 || e.terms.type !== "call") return undefined;
		const t = e.terms;
		const target = fnTarget(t.fn);
		if (target.kind !== "builtin" || t.args.length !== 2) return undefined;
		const [a, b] = t.args;
		if (target.name === "equal" || target.name === "eq") {
			const ra = reader(a);
			const cb = indexConst(b);
			if (ra && cb) return { read: ra, values: [cb] };
			const rb = reader(b);
			const ca = indexConst(a);
			return rb && ca ? { read: rb, values: [ca] } : undefined;
		}
		if (target.name !== "internal.member_2") return undefined;
		const r = reader(a);
		if (!r || (b.type !== "set" && b.type !== "array")) return undefined;
		if (b.items.length === 0 || b.items.length > MAX_IN_VALUES) return undefined;
		const values = b.items.map(indexConst);
		return values.every((v) => v !== undefined)
			? { read: r, values: values as Const[] }
			: undefined;
	};
	// startswith(value, "prefix"), which OPA's index also skips rules on (a string without
	// the prefix, another scalar, an object); it may raise (a number under strict builtin errors),
	// so it is always checked ahead and ends the leading tests.
	const startsWith = (e: Expr): { read: IndexRead; prefix: string } | undefined => {
		if (e.negated || e.with.length > 0 || e.terms.type !== "call") return undefined;
		const target = fnTarget(e.terms.fn);
		if (target.kind !== "builtin" || target.name !== "startswith") return undefined;
		const [a, b] = e.terms.args;
		const r = e.terms.args.length === 2 ? reader(a) : undefined;
		return r && b.type === "string" ? { read: r, prefix: b.value } : undefined;
	};
	// Tests before any other expression (these tests never raise) run before anything that
	// could: they need no guard (see guardRule).
	let leading = true;
	for (const e of body) {
		const t = test(e);
		if (t) {
			add(t.read, t.values, leading);
			continue;
		}
		leading = false;
		const p = startsWith(e);
		if (p) add(p.read, [], false, p.prefix);
	}
	return conds;
}

const utf8 = new TextEncoder();

/** Rego orders strings by their UTF-8 bytes (JS's `<` compares UTF-16 units). */
function compareUtf8(a: string, b: string): number {
	const x = utf8.encode(a);
	const y = utf8.encode(b);
	const n = Math.min(x.length, y.length);
	for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
	return x.length - y.length;
}

const RANK = { null: 0, boolean: 1, number: 2, string: 3 };

/** Rego's order on the indexable constants: null < booleans < numbers < strings. */
function compareConst(a: Const, b: Const): number {
	if (a.type !== b.type) return RANK[a.type] - RANK[b.type];
	if (a.type === "string" && b.type === "string") return compareUtf8(a.value, b.value);
	if (a.type === "number" && b.type === "number") return Number(a.text) - Number(b.text);
	if (a.type === "boolean" && b.type === "boolean") return Number(a.value) - Number(b.value);
	return 0;
}

/** Equal constants (integers are canonical, see indexConst) share one key. */
const constKey = (c: Const): string => JSON.stringify(c);

/** Statements that read an indexed value into a local. */
function readInto(fp: PlanState, read: IndexRead, target: Local): Stmt[] {
	if ("local" in read) return [{ op: "assign", target, source: { local: read.local } }];
	return fp.block(() => planTerm(fp, read.ref, (v) => fp.emit({ op: "assign", target, source: v })))
		.stmts;
}

/**
 * The rule's block with its indexed tests that no dispatch checked (not in `used`) and that
 * the body does not run first anyway checked before it: as in OPA, a rule whose indexed test
 * fails does not run at all, so it raises no error from an expression before that test
 * (`opa eval` skips even a lone rule, and each link of an else chain, this way).
 */
export function guardRule(
	fp: PlanState,
	block: Block,
	conds: IndexedRule["conds"],
	used: Set<string> = new Set(),
): Block {
	const guard: Stmt[] = [];
	for (const [key, c] of conds) {
		if (used.has(key) || c.leading) continue;
		const l = fp.newLocal();
		guard.push(...readInto(fp, c.read, l));
		const operand = (v: Const): Operand =>
			v.type === "string" ? fp.str(v.value) : fp.pb.constOp(v);
		const yes = fp.pb.constOp({ type: "boolean", value: true });
		if (c.prefix !== undefined) {
			// Runs for a string with the prefix, or an array or set: `opa eval` runs the rule for
			// input.path ["/api/"] but skips it for 5, null and {"a": 1}.
			const hit = fp.newLocal();
			const starts = fp.newLocal();
			fp.pb.useBuiltin("startswith", 2);
			const collection = (typeName: "array" | "set"): Block => ({
				stmts: [
					{ op: "isUndefined", source: hit },
					{ op: "isType", source: { local: l }, typeName },
					{ op: "assign", target: hit, source: yes },
				],
			});
			guard.push(
				{
					op: "blocks",
					blocks: [
						{
							stmts: [
								{ op: "isType", source: { local: l }, typeName: "string" },
								{
									op: "call",
									func: "startswith",
									args: [{ local: l }, fp.str(c.prefix)],
									target: starts,
								},
								{ op: "notFalse", source: { local: starts } },
								{ op: "assign", target: hit, source: yes },
							],
						},
						collection("array"),
						collection("set"),
					],
				},
				{ op: "isDefined", source: hit },
			);
			continue;
		}
		if (c.values.length === 1) {
			guard.push({ op: "equal", a: { local: l }, b: operand(c.values[0]) });
			continue;
		}
		const hit = fp.newLocal();
		guard.push(
			{
				op: "blocks",
				blocks: c.values.map((v) => ({
					stmts: [
						{ op: "isUndefined", source: hit },
						{ op: "equal", a: { local: l }, b: operand(v) },
						{ op: "assign", target: hit, source: yes },
					] as Stmt[],
				})),
			},
			{ op: "isDefined", source: hit },
		);
	}
	return guard.length === 0 ? block : { stmts: [...guard, ...block.stmts] };
}

/**
 * The blocks that run `rules` visiting only the groups their indexed tests allow; the plain
 * blocks in order when no tested value splits them (each checking its own indexed tests).
 */
export function planIndexed(
	fp: PlanState,
	rules: IndexedRule[],
	used = new Set<string>(),
): Block[] {
	const plain = (rs: IndexedRule[]) => rs.map((r) => guardRule(fp, r.block, r.conds, used));
	if (rules.length < 2) return plain(rules);
	// The value that tells the most rules apart.
	let best: { key: string; read: IndexRead; distinct: number; covered: number } | undefined;
	const seen = new Map<string, { read: IndexRead; values: Set<string>; covered: number }>();
	for (const r of rules) {
		for (const [key, c] of r.conds) {
			if (used.has(key) || c.prefix !== undefined) continue;
			let s = seen.get(key);
			if (!s) {
				s = { read: c.read, values: new Set(), covered: 0 };
				seen.set(key, s);
			}
			s.covered++;
			for (const v of c.values) s.values.add(constKey(v));
		}
	}
	for (const [key, s] of seen) {
		const distinct = s.values.size;
		if (distinct < 2 && s.covered === rules.length) continue;
		if (
			!best ||
			distinct > best.distinct ||
			(distinct === best.distinct && s.covered > best.covered)
		) {
			best = { key, read: s.read, distinct, covered: s.covered };
		}
	}
	if (!best) return plain(rules);
	const groups = new Map<string, { value: Const; rules: IndexedRule[] }>();
	const rest: IndexedRule[] = [];
	for (const r of rules) {
		const c = r.conds.get(best.key);
		if (!c) {
			rest.push(r);
			continue;
		}
		const mine = new Set<string>();
		for (const v of c.values) {
			const k = constKey(v);
			// `x in {1, 1}`: one group, once.
			if (mine.has(k)) continue;
			let g = groups.get(k);
			if (!g) {
				g = { value: v, rules: [] };
				groups.set(k, g);
			}
			// A rule in several groups needs its own copy in each (later passes edit in place).
			g.rules.push(mine.size === 0 ? r : { block: structuredClone(r.block), conds: r.conds });
			mine.add(k);
		}
	}
	const read = best.read;
	let key: Local;
	const pre: Block[] = [];
	if ("local" in read) key = read.local;
	else {
		const l = fp.newLocal();
		key = l;
		pre.push(
			fp.block(() =>
				planTerm(fp, read.ref, (v) => fp.emit({ op: "assign", target: l, source: v })),
			),
		);
	}
	const inner = new Set(used).add(best.key);
	const sorted = [...groups.values()].sort((a, b) => compareConst(a.value, b.value));
	const operand = (c: Const): Operand => (c.type === "string" ? fp.str(c.value) : fp.pb.constOp(c));
	const search = (lo: number, hi: number): Stmt[] => {
		if (hi - lo <= LEAF) {
			const leaves = sorted.slice(lo, hi).map(
				(g): Block => ({
					stmts: [
						{ op: "equal", a: { local: key }, b: operand(g.value) },
						{ op: "blocks", blocks: planIndexed(fp, g.rules, inner) },
					],
				}),
			);
			return [{ op: "blocks", blocks: leaves }];
		}
		const mid = (lo + hi) >> 1;
		const less: Local = fp.newLocal();
		fp.pb.useBuiltin("lt", 2);
		return [
			{ op: "call", func: "lt", args: [{ local: key }, operand(sorted[mid].value)], target: less },
			{
				op: "blocks",
				blocks: [
					{ stmts: [{ op: "notFalse", source: { local: less } }, ...search(lo, mid)] },
					{
						stmts: [
							{
								op: "equal",
								a: { local: less },
								b: fp.pb.constOp({ type: "boolean", value: false }),
							},
							...search(mid, hi),
						],
					},
				],
			},
		];
	};
	// All strings: anything else can skip the search (its tests fail in every group).
	const strings = sorted.every((g) => g.value.type === "string");
	const dispatch: Block = {
		stmts: [
			{ op: "isDefined", source: key },
			...(strings ? [{ op: "isType", source: { local: key }, typeName: "string" } as Stmt] : []),
			...search(0, sorted.length),
		],
	};
	return [...pre, dispatch, ...planIndexed(fp, rest, used)];
}
