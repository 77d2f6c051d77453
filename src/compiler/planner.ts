// The planner: resolved, reordered rules → IR (ir.ts). It works in continuation-passing style,
// as OPA's planner does: planning a term that iterates (a ref with an unbound var) opens a
// `scan` and plans "the rest" inside it, so Rego's backtracking becomes nested loops and an
// undefined statement simply ends the innermost block.
//
// `with`: input is passed to every function as local 0, so `with input…` needs only an upsert
// and a fresh memo scope. Replacing a virtual document or mocking a function changes what the
// called rules compute, so those rules are compiled again as specialised copies (one per
// distinct set of replacements, named with a `#n` suffix); replaced data travels in the data
// argument (local 1) like base data does.

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
import { basePath, documentOf } from "./plan-refs.ts";
import { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { match } from "./plan-unify.ts";
import { type CRule, hasRules, type RuleNode } from "./ruletree.ts";

/** Receives a rule head's value; for ref heads with dynamic keys, the keys as well. */
type HeadCont = (v: Operand, keys?: Operand[]) => void;

/** Plans one Func or Plan: rules, bodies, terms (see plan-state.ts for what it works on). */
export class FuncPlanner extends PlanState {
	// ---- rules --------------------------------------------------------------------------

	planNode(node: RuleNode, name: string): Func {
		const arity = node.kind === "function" ? (node.arity ?? 0) : 0;
		const result = this.newLocal();
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
		for (const rule of rules) {
			if (!rule.else) {
				const block = this.block(() => {
					if (sameConst && blocks.length > 0) this.emit({ op: "isUndefined", source: result });
					this.planRule(rule, arity, (v, keys) => this.output(rule, result, v, keys));
				});
				if (sameConst) guardScans(block.stmts, result);
				blocks.push(block);
				continue;
			}
			// An else chain yields its first defined link; later links run only while undefined.
			const chain = this.newLocal();
			for (let link: CRule | undefined = rule; link; link = link.else) {
				const l = link;
				blocks.push(
					this.block(() => {
						this.emit({ op: "isUndefined", source: chain });
						this.planRule(l, arity, (v, keys) => this.output(l, chain, v, keys));
					}),
				);
			}
			blocks.push({
				stmts: [
					{ op: "isDefined", source: chain },
					this.assignOnce(result, { local: chain }, rule),
				],
			});
		}
		if (def) {
			blocks.push(
				this.block(() => {
					this.emit({ op: "isUndefined", source: result });
					this.planRule(def, arity, (v) => this.emit({ op: "assign", target: result, source: v }));
				}),
			);
		}
		if (kind === "object") {
			this.checkInjections(node, rules, result, blocks);
			this.mergeChildren(node, result, blocks);
		}
		return {
			name,
			arity: arity + this.ctx.slots.length,
			result,
			locals: this.locals,
			blocks,
			memo: kind !== "function",
			loc: node.rules[0]?.loc,
		};
	}

	assignOnce(target: Local, source: Operand, rule: CRule): Stmt {
		return {
			op: "assignOnce",
			target,
			source,
			loc: irLoc(rule.loc),
			message: rule.kind === "function" ? FUNCTION_CONFLICT : COMPLETE_CONFLICT,
		};
	}

	/** Plan a rule's head and body; `k` receives its value (complete/function rules). */
	planRule(rule: CRule, arity: number, k: HeadCont): void {
		this.scoped(() => {
			const args = rule.args ?? [];
			const matchArgs = (i: number): void => {
				if (i === Math.min(arity, args.length)) {
					planBody(this, rule.body, 0, () => this.planHead(rule, k));
					return;
				}
				match(this, args[i], { local: 2 + i }, () => matchArgs(i + 1));
			};
			matchArgs(0);
		});
	}

	planHead(rule: CRule, k: HeadCont): void {
		if (rule.kind === "set") {
			planTerm(this, rule.key as Term, k);
			return;
		}
		if (rule.kind === "object" && rule.setLeaf) {
			planTerms(this, rule.dynKeys, (keys) =>
				planTerm(this, rule.key as Term, (elem) => {
					const set = this.newLocal();
					this.emit({ op: "makeSet", target: set });
					this.emit({ op: "setAdd", set, value: elem });
					k(this.nest(keys, { local: set }), keys);
				}),
			);
			return;
		}
		if (rule.kind === "object") {
			planTerms(this, rule.dynKeys, (keys) =>
				planTerm(this, rule.value, (v) => k(this.nest(keys, v), keys)),
			);
			return;
		}
		planTerm(this, rule.value, k);
	}

	/** For ref heads with several dynamic keys: the value nested under all keys but the first. */
	nest(keys: Operand[], v: Operand): Operand {
		let value = v;
		for (let i = keys.length - 1; i >= 1; i--) {
			const o = this.newLocal();
			this.emit({ op: "makeObject", target: o });
			this.emit({ op: "objectInsert", object: o, key: keys[i], value });
			value = { local: o };
		}
		return value;
	}

	output(rule: CRule, result: Local, v: Operand, keys: Operand[] = []): void {
		const loc = irLoc(rule.loc);
		switch (rule.kind) {
			case "set":
				this.emit({ op: "setAdd", set: result, value: v });
				return;
			case "object": {
				const key = keys[0];
				if (keys.length === 1 && !rule.setLeaf) {
					this.emit({ op: "objectInsertOnce", object: result, key, value: v, loc });
				} else this.emit({ op: "objectMerge", object: result, key, value: v, loc });
				return;
			}
			default:
				this.emit(this.assignOnce(result, v, rule));
		}
	}

	/**
	 * A value a ref-head rule produced is opaque: a rule below it (`p.q.r.s := 1` under
	 * `p[k].r := {…}`) may not reach inside it. Objects merging would hide that, so it is
	 * checked before the merge: when the dynamic rules produced a value at the rule's depth
	 * and the deeper rule is defined, it is a conflict, as in OPA.
	 */
	checkInjections(node: RuleNode, rules: CRule[], result: Local, blocks: Block[]): void {
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
					this.block(() => {
						let src: Local = result;
						for (const key of rel.slice(0, n)) {
							const t = this.newLocal();
							this.emit({ op: "dot", source: { local: src }, key: this.str(key), target: t });
							src = t;
						}
						documentOf(this, d);
						this.emit({
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
	mergeChildren(node: RuleNode, result: Local, blocks: Block[]): void {
		for (const [key, child] of node.children) {
			if (!hasRules(child) || child.kind === "function") continue;
			blocks.push(
				this.block(() => {
					const v = documentOf(this, child);
					this.emit({
						op: "objectMerge",
						object: result,
						key: this.str(key),
						value: { local: v },
						loc: irLoc(child.rules[0]?.loc ?? { file: "", row: 0, col: 0, endRow: 0, endCol: 0 }),
					});
				}),
			);
		}
	}

	planExtent(node: RuleNode, name: string): Func {
		const result = this.newLocal();
		const blocks: Block[] = [{ stmts: [{ op: "makeObject", target: result }] }];
		blocks.push(
			this.block(() => {
				const base = basePath(this, node.path);
				const k = this.newLocal();
				const v = this.newLocal();
				this.emit({ op: "isType", source: { local: base }, typeName: "object" });
				this.emit({
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
		this.mergeChildren(node, result, blocks);
		return {
			name,
			arity: this.ctx.slots.length,
			result,
			locals: this.locals,
			blocks,
			memo: true,
		};
	}

	// ---- bodies and expressions -----------------------------------------------------------

	// ---- unification ----------------------------------------------------------------------

	// ---- terms ----------------------------------------------------------------------------
}
