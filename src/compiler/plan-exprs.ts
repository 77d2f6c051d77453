// Bodies and expressions, in continuation-passing style: each expression plans "the rest of
// the body" inside itself, so an iteration (`some … in`, a scan) nests the rest in its loop and
// an undefined statement ends the innermost block. Also `not` and `every`.

import type { Body, Expr } from "../rego/ast.ts";
import type { Stmt } from "./ir.ts";
import { hoistNegated } from "./negation-hoist.ts";
import { planCall } from "./plan-calls.ts";
import { containsScan } from "./plan-context.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { match, unify } from "./plan-unify.ts";
import { planWith } from "./plan-with.ts";

export function planBody(fp: PlanState, body: Body, i: number, k: () => void): void {
	fp.steps(body.length - i, (j, next) => planExpr(fp, body[i + j], next), k);
}

function planExpr(fp: PlanState, e: Expr, k: () => void): void {
	if (e.with.length > 0) planWith(fp, e, k);
	else if (e.negated) planNot(fp, e, k);
	else planPositive(fp, e, k);
}

let hoistedNames = 0;

export function planNot(fp: PlanState, e: Expr, k: () => void): void {
	const t = e.terms;
	if (t.type === "some" || t.type === "someIn" || t.type === "every") {
		planNegation(fp, e, k);
		return;
	}
	const { term, moved } = hoistNegated(
		t,
		(name) => fp.vars.has(name),
		() => `__gavel_not${hoistedNames++}__`,
	);
	// What OPA evaluates before negating: an undefined one ends the body here.
	fp.steps(
		moved.length,
		(i, next) =>
			planTerm(fp, moved[i].term, (v) => {
				let l: number;
				if ("local" in v) l = v.local;
				else {
					l = fp.newLocal();
					fp.emit({ op: "assign", target: l, source: v });
				}
				fp.vars.set(moved[i].name, l);
				next();
			}),
		() => planNegation(fp, moved.length > 0 ? { ...e, terms: term } : e, k),
	);
}

function planNegation(fp: PlanState, e: Expr, k: () => void): void {
	// Each solution of the negated expression sets a flag (inside the innermost loop, where
	// a solution is known); the negation holds when the flag stayed false. Without loops
	// the plain `not` statement says the same more cheaply.
	const found = fp.newLocal();
	const f = fp.pb.constOp({ type: "boolean", value: false });
	const mark: Stmt = {
		op: "assign",
		target: found,
		source: fp.pb.constOp({ type: "boolean", value: true }),
	};
	const inner = fp.scoped(() => fp.block(() => planPositive(fp, e, () => fp.emit(mark))));
	const last = inner.stmts.length - 1;
	if (!containsScan(inner.stmts) && inner.stmts[last] === mark) {
		inner.stmts.pop();
		fp.emit({ op: "not", block: inner });
	} else {
		fp.emit({ op: "assign", target: found, source: f });
		fp.emit({ op: "blocks", blocks: [inner] });
		fp.emit({ op: "equal", a: { local: found }, b: f });
	}
	k();
}

export function planPositive(fp: PlanState, e: Expr, k: () => void): void {
	const t = e.terms;
	switch (t.type) {
		case "some":
			k();
			return;
		case "someIn":
			planTerm(fp, t.collection, (c) => {
				const kl = fp.newLocal();
				const vl = fp.newLocal();
				const block = fp.block(() => {
					const then = () => match(fp, t.value, { local: vl }, k);
					if (t.key) match(fp, t.key, { local: kl }, then);
					else then();
				});
				fp.emit({ op: "scan", source: c, key: kl, value: vl, block });
			});
			return;
		case "every":
			planTerm(fp, t.domain, (d) => {
				const found = fp.newLocal();
				const f = fp.pb.constOp({ type: "boolean", value: false });
				const tr = fp.pb.constOp({ type: "boolean", value: true });
				fp.emit({ op: "assign", target: found, source: f });
				const kl = fp.newLocal();
				const vl = fp.newLocal();
				const block = fp.scoped(() =>
					fp.block(() => {
						const check = () => {
							// A counterexample: the body does not hold for this element.
							const ok = fp.newLocal();
							fp.emit({ op: "assign", target: ok, source: f });
							const bodyBlock = fp.scoped(() =>
								fp.block(() =>
									planBody(fp, t.body, 0, () => fp.emit({ op: "assign", target: ok, source: tr })),
								),
							);
							fp.emit({ op: "blocks", blocks: [bodyBlock] });
							fp.emit({ op: "equal", a: { local: ok }, b: f });
							fp.emit({ op: "assign", target: found, source: tr });
						};
						const then = () => match(fp, t.value, { local: vl }, check);
						if (t.key) match(fp, t.key, { local: kl }, then);
						else then();
					}),
				);
				fp.emit({ op: "scan", source: d, key: kl, value: vl, block });
				fp.emit({ op: "equal", a: { local: found }, b: f });
				k();
			});
			return;
		case "call": {
			const name = t.fn.head.type === "var" && t.fn.path.length === 0 ? t.fn.head.name : "";
			if (name === "eq" || name === "assign") {
				unify(fp, t.args[0], t.args[1], k);
				return;
			}
			if (name === "equal" || name === "neq") {
				planTerms(fp, t.args, ([a, b]) => {
					fp.emit({ op: name === "equal" ? "equal" : "notEqual", a, b });
					k();
				});
				return;
			}
			planCall(fp, t, true, (v) => {
				if (v) fp.emit({ op: "notFalse", source: v });
				k();
			});
			return;
		}
		default:
			planTerm(fp, t, (v) => {
				fp.emit({ op: "notFalse", source: v });
				k();
			});
	}
}
