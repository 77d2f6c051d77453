// Rule indexing: of the rules at one path, visit only those whose equality tests on input can
// hold, as OPA's evaluator does. A rule body that tests `input.a.b == "s"` (or `=`, or
// `input.a.b in {"s", "t"}`) at its top level cannot succeed unless input.a.b is one of those
// strings, so the rules are grouped by that value: the value is read once, a binary search
// over the sorted strings (Rego's `<`) picks its group, and only that group's rules run (the
// test stays in each body, so a group is a filter, never a decision). Rules without such a
// test run as before, after the groups.
//
// As in OPA, a rule skipped this way raises no error either (a conflict in a rule it calls,
// say): `opa eval` answers true for p=b and undefined for p=z with
// `allow if { data.t.conflicting == 1; input.p == "a" }` beside `allow if input.p == "b"`.
//
// Used only where the order of the rules cannot show: complete rules that all yield the same
// constant (planNode's sameConst), so at most one success matters and no two can conflict.

import type { Expr, RefTerm, Term } from "../rego/ast.ts";
import type { Block, Local, Stmt } from "./ir.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm } from "./plan-terms.ts";
import { fnTarget } from "./resolved-names.ts";

/** A planned rule and the values its body requires of input refs (ref key → strings). */
export interface IndexedRule {
	block: Block;
	conds: Map<string, { ref: RefTerm; values: string[] }>;
}

/** Groups of at most this many values are tested one by one instead of searched. */
const LEAF = 4;
/** A rule with `ref in {…}` joins one group per value; past this many it is not indexed. */
const MAX_IN_VALUES = 16;

function inputRef(t: Term): RefTerm | undefined {
	if (t.type !== "ref" || t.head.type !== "var" || t.head.name !== "input") return undefined;
	if (t.path.length === 0 || !t.path.every((p) => p.type === "string")) return undefined;
	return t;
}

function refKey(r: RefTerm): string {
	return r.path.map((p) => (p.type === "string" ? p.value : "")).join("\u0000");
}

/** The input tests of a body that the index can use. */
export function indexConditions(body: Expr[]): IndexedRule["conds"] {
	const conds: IndexedRule["conds"] = new Map();
	const add = (ref: RefTerm, values: string[]) => {
		const k = refKey(ref);
		const prev = conds.get(k);
		// Two tests on one ref: the rule needs both; keeping the first is still a sound filter.
		if (!prev) conds.set(k, { ref, values });
	};
	for (const e of body) {
		if (e.negated || e.with.length > 0 || e.terms.type !== "call") continue;
		const t = e.terms;
		const target = fnTarget(t.fn);
		if (target.kind !== "builtin" || t.args.length !== 2) continue;
		const [a, b] = t.args;
		if (target.name === "equal" || target.name === "eq") {
			const ra = inputRef(a);
			const rb = inputRef(b);
			if (ra && b.type === "string") add(ra, [b.value]);
			else if (rb && a.type === "string") add(rb, [a.value]);
			continue;
		}
		if (target.name === "internal.member_2") {
			const r = inputRef(a);
			if (!r || (b.type !== "set" && b.type !== "array")) continue;
			if (b.items.length === 0 || b.items.length > MAX_IN_VALUES) continue;
			if (!b.items.every((x) => x.type === "string")) continue;
			add(
				r,
				b.items.map((x) => (x.type === "string" ? x.value : "")),
			);
		}
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

/**
 * The blocks that run `rules` visiting only the groups their indexed tests allow; the plain
 * blocks in order when no input ref splits them.
 */
export function planIndexed(
	fp: PlanState,
	rules: IndexedRule[],
	used = new Set<string>(),
): Block[] {
	if (rules.length < 2) return rules.map((r) => r.block);
	// The ref that tells the most rules apart.
	let best: { key: string; ref: RefTerm; distinct: number; covered: number } | undefined;
	const seen = new Map<string, { ref: RefTerm; values: Set<string>; covered: number }>();
	for (const r of rules) {
		for (const [key, c] of r.conds) {
			if (used.has(key)) continue;
			let s = seen.get(key);
			if (!s) {
				s = { ref: c.ref, values: new Set(), covered: 0 };
				seen.set(key, s);
			}
			s.covered++;
			for (const v of c.values) s.values.add(v);
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
			best = { key, ref: s.ref, distinct, covered: s.covered };
		}
	}
	if (!best) return rules.map((r) => r.block);
	const groups = new Map<string, IndexedRule[]>();
	const rest: IndexedRule[] = [];
	for (const r of rules) {
		const c = r.conds.get(best.key);
		if (!c) {
			rest.push(r);
			continue;
		}
		c.values.forEach((v, i) => {
			let g = groups.get(v);
			if (!g) {
				g = [];
				groups.set(v, g);
			}
			// A rule in several groups needs its own copy in each (later passes edit in place).
			g.push(i === 0 ? r : { block: structuredClone(r.block), conds: r.conds });
		});
	}
	const key = fp.newLocal();
	const read = fp.block(() =>
		planTerm(fp, best.ref, (v) => fp.emit({ op: "assign", target: key, source: v })),
	);
	const inner = new Set(used).add(best.key);
	const values = [...groups.keys()].sort(compareUtf8);
	const search = (lo: number, hi: number): Stmt[] => {
		if (hi - lo <= LEAF) {
			const leaves = values.slice(lo, hi).map(
				(v): Block => ({
					stmts: [
						{ op: "equal", a: { local: key }, b: fp.str(v) },
						{ op: "blocks", blocks: planIndexed(fp, groups.get(v) ?? [], inner) },
					],
				}),
			);
			return [{ op: "blocks", blocks: leaves }];
		}
		const mid = (lo + hi) >> 1;
		const less: Local = fp.newLocal();
		fp.pb.useBuiltin("lt", 2);
		return [
			{ op: "call", func: "lt", args: [{ local: key }, fp.str(values[mid])], target: less },
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
	const dispatch: Block = {
		stmts: [
			{ op: "isDefined", source: key },
			{ op: "isType", source: { local: key }, typeName: "string" },
			...search(0, values.length),
		],
	};
	return [read, dispatch, ...planIndexed(fp, rest, used)];
}
