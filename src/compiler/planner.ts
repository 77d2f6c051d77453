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

import type { Body, Expr, Term } from "../rego/ast.ts";
import type { Block, Func, Local, Operand, Stmt } from "./ir.ts";
import { planCall } from "./plan-calls.ts";
import {
	COMPLETE_CONFLICT,
	containsScan,
	FUNCTION_CONFLICT,
	guardScans,
	irLoc,
	isScalar,
	OBJECT_CONFLICT,
	termKey,
} from "./plan-context.ts";
import { basePath, documentOf } from "./plan-refs.ts";
import { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { match, unify } from "./plan-unify.ts";
import { planWith } from "./plan-with.ts";
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
					this.planBody(rule.body, 0, () => this.planHead(rule, k));
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

	planBody(body: Body, i: number, k: () => void): void {
		if (i === body.length) {
			k();
			return;
		}
		this.planExpr(body[i], () => this.planBody(body, i + 1, k));
	}

	planExpr(e: Expr, k: () => void): void {
		if (e.with.length > 0) planWith(this, e, k);
		else if (e.negated) this.planNot(e, k);
		else this.planPositive(e, k);
	}

	planNot(e: Expr, k: () => void): void {
		// Each solution of the negated expression sets a flag (inside the innermost loop, where
		// a solution is known); the negation holds when the flag stayed false. Without loops
		// the plain `not` statement says the same more cheaply.
		const found = this.newLocal();
		const f = this.pb.constOp({ type: "boolean", value: false });
		const mark: Stmt = {
			op: "assign",
			target: found,
			source: this.pb.constOp({ type: "boolean", value: true }),
		};
		const inner = this.scoped(() => this.block(() => this.planPositive(e, () => this.emit(mark))));
		const last = inner.stmts.length - 1;
		if (!containsScan(inner.stmts) && inner.stmts[last] === mark) {
			inner.stmts.pop();
			this.emit({ op: "not", block: inner });
		} else {
			this.emit({ op: "assign", target: found, source: f });
			this.emit({ op: "blocks", blocks: [inner] });
			this.emit({ op: "equal", a: { local: found }, b: f });
		}
		k();
	}

	planPositive(e: Expr, k: () => void): void {
		const t = e.terms;
		switch (t.type) {
			case "some":
				k();
				return;
			case "someIn":
				planTerm(this, t.collection, (c) => {
					const kl = this.newLocal();
					const vl = this.newLocal();
					const block = this.block(() => {
						const then = () => match(this, t.value, { local: vl }, k);
						if (t.key) match(this, t.key, { local: kl }, then);
						else then();
					});
					this.emit({ op: "scan", source: c, key: kl, value: vl, block });
				});
				return;
			case "every":
				planTerm(this, t.domain, (d) => {
					const found = this.newLocal();
					const f = this.pb.constOp({ type: "boolean", value: false });
					const tr = this.pb.constOp({ type: "boolean", value: true });
					this.emit({ op: "assign", target: found, source: f });
					const kl = this.newLocal();
					const vl = this.newLocal();
					const block = this.scoped(() =>
						this.block(() => {
							const check = () => {
								// A counterexample: the body does not hold for this element.
								const ok = this.newLocal();
								this.emit({ op: "assign", target: ok, source: f });
								const bodyBlock = this.scoped(() =>
									this.block(() =>
										this.planBody(t.body, 0, () =>
											this.emit({ op: "assign", target: ok, source: tr }),
										),
									),
								);
								this.emit({ op: "blocks", blocks: [bodyBlock] });
								this.emit({ op: "equal", a: { local: ok }, b: f });
								this.emit({ op: "assign", target: found, source: tr });
							};
							const then = () => match(this, t.value, { local: vl }, check);
							if (t.key) match(this, t.key, { local: kl }, then);
							else then();
						}),
					);
					this.emit({ op: "scan", source: d, key: kl, value: vl, block });
					this.emit({ op: "equal", a: { local: found }, b: f });
					k();
				});
				return;
			case "call": {
				const name = t.fn.head.type === "var" && t.fn.path.length === 0 ? t.fn.head.name : "";
				if (name === "eq" || name === "assign") {
					unify(this, t.args[0], t.args[1], k);
					return;
				}
				if (name === "equal" || name === "neq") {
					planTerm(this, t.args[0], (a) =>
						planTerm(this, t.args[1], (b) => {
							this.emit({ op: name === "equal" ? "equal" : "notEqual", a, b });
							k();
						}),
					);
					return;
				}
				planCall(this, t, true, (v) => {
					if (v) this.emit({ op: "notFalse", source: v });
					k();
				});
				return;
			}
			default:
				planTerm(this, t, (v) => {
					this.emit({ op: "notFalse", source: v });
					k();
				});
		}
	}

	// ---- unification ----------------------------------------------------------------------

	// ---- terms ----------------------------------------------------------------------------
}
