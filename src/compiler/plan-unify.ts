// Unification: `a = b` and `a := b`, and matching a value against a term, which binds the
// term's unbound vars and compares the rest (arrays and objects element by element).

import type { Term } from "../rego/ast.ts";
import { isPattern } from "./bindings.ts";
import type { Operand } from "./ir.ts";
import { PlanError, termKey } from "./plan-context.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm } from "./plan-terms.ts";
import { isRoot } from "./resolved-names.ts";

export function unify(fp: PlanState, a: Term, b: Term, k: () => void): void {
	const B = fp.bound();
	const pa = isPattern(a, B);
	const pb = isPattern(b, B);
	if (pa && pb) {
		if (a.type === "array" && b.type === "array") {
			if (a.items.length !== b.items.length) {
				fp.emit({ op: "break", levels: 0 });
				return;
			}
			fp.steps(a.items.length, (i, next) => unify(fp, a.items[i], b.items[i], next), k);
			return;
		}
		if (a.type === "object" && b.type === "object") {
			const pairs: [Term, Term][] = [];
			for (const [ka, va] of a.entries) {
				const other = b.entries.find(([kb]) => termKey(kb) === termKey(ka));
				if (!other || a.entries.length !== b.entries.length) {
					fp.emit({ op: "break", levels: 0 });
					return;
				}
				pairs.push([va, other[1]]);
			}
			fp.steps(pairs.length, (i, next) => unify(fp, pairs[i][0], pairs[i][1], next), k);
			return;
		}
		throw new PlanError("rego_unsafe_var_error", "cannot unify two unbound patterns", a.loc);
	}
	if (pa) {
		planTerm(fp, b, (v) => match(fp, a, v, k));
		return;
	}
	if (pb) {
		planTerm(fp, a, (v) => match(fp, b, v, k));
		return;
	}
	planTerm(fp, a, (va) =>
		planTerm(fp, b, (vb) => {
			fp.emit({ op: "equal", a: va, b: vb });
			k();
		}),
	);
}

/** Match a value against a term: bind its unbound vars, compare the rest. */
export function match(fp: PlanState, p: Term, v: Operand, k: () => void): void {
	if (p.type === "var" && !isRoot(p.name)) {
		const l = fp.vars.get(p.name);
		if (l === undefined) {
			if ("local" in v) fp.vars.set(p.name, v.local);
			else {
				const t = fp.newLocal();
				fp.emit({ op: "assign", target: t, source: v });
				fp.vars.set(p.name, t);
			}
		} else fp.emit({ op: "equal", a: { local: l }, b: v });
		k();
		return;
	}
	const B = fp.bound();
	if (p.type === "array" && isPattern(p, B)) {
		fp.emit({ op: "isType", source: v, typeName: "array" });
		checkCount(fp, v, p.items.length);
		fp.steps(
			p.items.length,
			(i, next) => {
				const t = fp.newLocal();
				fp.emit({
					op: "dot",
					source: v,
					key: fp.pb.constOp({ type: "number", text: String(i) }),
					target: t,
				});
				match(fp, p.items[i], { local: t }, next);
			},
			k,
		);
		return;
	}
	if (p.type === "object" && isPattern(p, B)) {
		fp.emit({ op: "isType", source: v, typeName: "object" });
		checkCount(fp, v, p.entries.length);
		fp.steps(
			p.entries.length,
			(i, next) => {
				const [key, val] = p.entries[i];
				planTerm(fp, key, (ko) => {
					const t = fp.newLocal();
					fp.emit({ op: "dot", source: v, key: ko, target: t });
					match(fp, val, { local: t }, next);
				});
			},
			k,
		);
		return;
	}
	planTerm(fp, p, (pv) => {
		fp.emit({ op: "equal", a: v, b: pv });
		k();
	});
}

function checkCount(fp: PlanState, v: Operand, n: number): void {
	const c = fp.newLocal();
	fp.pb.useBuiltin("count", 1);
	fp.emit({ op: "call", func: "count", args: [v], target: c });
	fp.emit({
		op: "equal",
		a: { local: c },
		b: fp.pb.constOp({ type: "number", text: String(n) }),
	});
}
