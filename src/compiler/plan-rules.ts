// Rules to Funcs: one Func per rule node (all its definitions, `else` chains and `default`),
// how each kind adds its value (complete/function: once, or a conflict; set: add; object: insert
// or merge under ref-head keys), and extent Funcs for namespaces that mix base and virtual
// documents.

import type { Term } from "../rego/ast.ts";
import type { Block, Func, Local, Operand, Stmt } from "./ir.ts";
import {
	COMPLETE_CONFLICT,
	FUNCTION_CONFLICT,
	guardScans,
	irLoc,
	isScalar,
	OBJECT_CONFLICT,
	termKey,
} from "./plan-context.ts";
import { planBody } from "./plan-exprs.ts";
import { guardRule, type IndexedRule, indexConditions, planIndexed } from "./plan-index.ts";
import { basePath, documentOf } from "./plan-refs.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { match } from "./plan-unify.ts";
import { type CRule, hasRules, type RuleNode } from "./ruletree.ts";

/** Receives a rule head's value; for ref heads with dynamic keys, the keys as well. */
type HeadCont = (v: Operand, keys?: Operand[]) => void;

export function planNode(fp: PlanState, node: RuleNode, name: string): Func {
	const arity = node.kind === "function" ? (node.arity ?? 0) : 0;
	const result = fp.newLocal();
	const blocks: Block[] = [];
	const rules = node.rules.filter((r) => !r.default);
	const def = node.rules.find((r) => r.default);
	const kind = node.kind ?? "complete";
	if (kind === "set" || kind === "object") {
		blocks.push({ stmts: [{ op: kind === "set" ? "makeSet" : "makeObject", target: result }] });
	}
	// When every definition yields the same constant (`allow if …` many times), no two can
	// conflict, so once one succeeded nothing else in these bodies can matter: later
	// definitions are skipped and loops stop doing work.
	const values = rules.map((r) => (r.else || !isScalar(r.value) ? undefined : termKey(r.value)));
	const sameConst =
		(kind === "complete" || kind === "function") &&
		values.length > 0 &&
		values.every((v) => v !== undefined && v === values[0]);
	// The rules are visited through the index on their equality tests (plan-index.ts): which
	// rules run and in what order cannot show, since a skipped rule could not have succeeded
	// and a conflict needs two rules that hold, which the index never separates.
	const indexed: IndexedRule[] = [];
	const params = kind === "function" ? { first: 2 } : undefined;
	for (const rule of rules) {
		if (!rule.else) {
			const first = indexed.length === 0;
			const block = fp.block(() => {
				// The first rule needs no guard: nothing ran before it, or only rules with the same value.
				if (sameConst && !first) fp.emit({ op: "isUndefined", source: result });
				planRule(fp, rule, arity, (v, keys) => output(fp, rule, result, v, keys));
			});
			if (sameConst) guardScans(block.stmts, result);
			const args = params && rule.args ? { args: rule.args.slice(0, arity), ...params } : undefined;
			indexed.push({ block, conds: indexConditions(fp, rule.body, args) });
			continue;
		}
		// An else chain yields its first defined link; later links run only while undefined.
		// It is not dispatched on (a link runs when the ones before it fail their tests), but
		// each link checks its own indexed tests first, as OPA skips such a link.
		const chain = fp.newLocal();
		const links: Block[] = [];
		for (let link: CRule | undefined = rule; link; link = link.else) {
			const l = link;
			const body = fp.block(() =>
				planRule(fp, l, arity, (v, keys) => output(fp, l, chain, v, keys)),
			);
			const args = params && l.args ? { args: l.args.slice(0, arity), ...params } : undefined;
			const guarded = guardRule(fp, body, indexConditions(fp, l.body, args));
			links.push({ stmts: [{ op: "isUndefined", source: chain }, ...guarded.stmts] });
		}
		links.push({
			stmts: [{ op: "isDefined", source: chain }, assignOnce(fp, result, { local: chain }, rule)],
		});
		indexed.push({ block: { stmts: [{ op: "blocks", blocks: links }] }, conds: new Map() });
	}
	blocks.push(...planIndexed(fp, indexed));
	if (def) {
		blocks.push(
			fp.block(() => {
				fp.emit({ op: "isUndefined", source: result });
				planRule(fp, def, arity, (v) => fp.emit({ op: "assign", target: result, source: v }));
			}),
		);
	}
	if (kind === "object") {
		checkInjections(fp, node, rules, result, blocks);
		mergeChildren(fp, node, result, blocks);
	}
	return {
		name,
		arity: arity + fp.ctx.slots.length,
		result,
		locals: fp.locals,
		blocks,
		memo: kind !== "function",
		loc: node.rules[0]?.loc,
	};
}

function assignOnce(_fp: PlanState, target: Local, source: Operand, rule: CRule): Stmt {
	return {
		op: "assignOnce",
		target,
		source,
		loc: irLoc(rule.loc),
		message: rule.kind === "function" ? FUNCTION_CONFLICT : COMPLETE_CONFLICT,
	};
}

/** Plan a rule's head and body; `k` receives its value (complete/function rules). */
function planRule(fp: PlanState, rule: CRule, arity: number, k: HeadCont): void {
	fp.scoped(() => {
		const args = rule.args ?? [];
		const matchArgs = (i: number): void => {
			if (i === Math.min(arity, args.length)) {
				planBody(fp, rule.body, 0, () => planHead(fp, rule, k));
				return;
			}
			match(fp, args[i], { local: 2 + i }, () => matchArgs(i + 1));
		};
		matchArgs(0);
	});
}

function planHead(fp: PlanState, rule: CRule, k: HeadCont): void {
	if (rule.kind === "set") {
		planTerm(fp, rule.key as Term, k);
		return;
	}
	if (rule.kind === "object" && rule.setLeaf) {
		planTerms(fp, rule.dynKeys, (keys) =>
			planTerm(fp, rule.key as Term, (elem) => {
				const set = fp.newLocal();
				fp.emit({ op: "makeSet", target: set });
				fp.emit({ op: "setAdd", set, value: elem });
				k(nest(fp, keys, { local: set }), keys);
			}),
		);
		return;
	}
	if (rule.kind === "object") {
		planTerms(fp, rule.dynKeys, (keys) =>
			planTerm(fp, rule.value, (v) => k(nest(fp, keys, v), keys)),
		);
		return;
	}
	planTerm(fp, rule.value, k);
}

/** For ref heads with several dynamic keys: the value nested under all keys but the first. */
function nest(fp: PlanState, keys: Operand[], v: Operand): Operand {
	let value = v;
	for (let i = keys.length - 1; i >= 1; i--) {
		const o = fp.newLocal();
		fp.emit({ op: "makeObject", target: o });
		fp.emit({ op: "objectInsert", object: o, key: keys[i], value });
		value = { local: o };
	}
	return value;
}

function output(fp: PlanState, rule: CRule, result: Local, v: Operand, keys: Operand[] = []): void {
	const loc = irLoc(rule.loc);
	switch (rule.kind) {
		case "set":
			fp.emit({ op: "setAdd", set: result, value: v });
			return;
		case "object": {
			const key = keys[0];
			if (keys.length === 1 && !rule.setLeaf) {
				fp.emit({ op: "objectInsertOnce", object: result, key, value: v, loc });
			} else fp.emit({ op: "objectMerge", object: result, key, value: v, loc });
			return;
		}
		default:
			fp.emit(assignOnce(fp, result, v, rule));
	}
}

/**
 * A value a ref-head rule produced is opaque: a rule below it (`p.q.r.s := 1` under
 * `p[k].r := {…}`) may not reach inside it. Objects merging would hide that, so it is
 * checked before the merge: when the dynamic rules produced a value at the rule's depth
 * and the deeper rule is defined, it is a conflict, as in OPA.
 */
function checkInjections(
	fp: PlanState,
	node: RuleNode,
	rules: CRule[],
	result: Local,
	blocks: Block[],
): void {
	const depths = new Set(rules.filter((r) => !r.setLeaf).map((r) => r.dynKeys.length));
	if (depths.size === 0) return;
	const below: { rel: string[]; node: RuleNode }[] = [];
	const walk = (n: RuleNode, rel: string[]) => {
		for (const [key, c] of n.children) {
			const r = [...rel, key];
			if (c.raw.length > 0 && c.kind !== "function") below.push({ rel: r, node: c });
			walk(c, r);
		}
	};
	walk(node, []);
	for (const { rel, node: d } of below) {
		for (const n of depths) {
			if (rel.length <= n) continue;
			const loc = irLoc(d.rules[0]?.loc ?? { file: "", row: 0, col: 0, endRow: 0, endCol: 0 });
			blocks.push(
				fp.block(() => {
					let src: Local = result;
					for (const key of rel.slice(0, n)) {
						const t = fp.newLocal();
						fp.emit({ op: "dot", source: { local: src }, key: fp.str(key), target: t });
						src = t;
					}
					documentOf(fp, d);
					fp.emit({
						op: "abort",
						code: "eval_conflict_error",
						message: OBJECT_CONFLICT,
						loc,
					});
				}),
			);
		}
	}
}

/** Nodes below a ref-head node add their values into its object. */
function mergeChildren(fp: PlanState, node: RuleNode, result: Local, blocks: Block[]): void {
	for (const [key, child] of node.children) {
		if (!hasRules(child) || child.kind === "function") continue;
		blocks.push(
			fp.block(() => {
				const v = documentOf(fp, child);
				fp.emit({
					op: "objectMerge",
					object: result,
					key: fp.str(key),
					value: { local: v },
					loc: irLoc(child.rules[0]?.loc ?? { file: "", row: 0, col: 0, endRow: 0, endCol: 0 }),
				});
			}),
		);
	}
}

export function planExtent(fp: PlanState, node: RuleNode, name: string): Func {
	const result = fp.newLocal();
	const blocks: Block[] = [{ stmts: [{ op: "makeObject", target: result }] }];
	blocks.push(
		fp.block(() => {
			const base = basePath(fp, node.path);
			const k = fp.newLocal();
			const v = fp.newLocal();
			fp.emit({ op: "isType", source: { local: base }, typeName: "object" });
			fp.emit({
				op: "scan",
				source: { local: base },
				key: k,
				value: v,
				block: {
					stmts: [{ op: "objectInsert", object: result, key: { local: k }, value: { local: v } }],
				},
			});
		}),
	);
	mergeChildren(fp, node, result, blocks);
	return {
		name,
		arity: fp.ctx.slots.length,
		result,
		locals: fp.locals,
		blocks,
		memo: true,
	};
}
