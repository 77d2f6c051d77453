// `with` on an expression. Input is passed to every function as local 0, so `with input…`
// needs only an upsert and a fresh memo scope. Replacing a virtual document or mocking a
// function changes what the called rules compute, so those rules are planned again as
// specialised copies (one per distinct set of replacements, named with a `#n` suffix; see
// plan-context.ts: Ctx, Mock); replaced data travels in the data argument (local 1) like base
// data does.

import type { Expr, Term } from "../rego/ast.ts";
import type { Local } from "./ir.ts";
import { fnKey, isConstant, makeCtx } from "./plan-context.ts";
import { planNot, planPositive } from "./plan-exprs.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { BUILTIN_HEAD, type FnTarget, fnTarget, isRoot } from "./resolved-names.ts";
import { getNode, hasRules } from "./ruletree.ts";

export function planWith(fp: PlanState, e: Expr, k: () => void): void {
	const outer = {
		input: fp.input,
		data: fp.data,
		ctx: fp.ctx,
		mockVals: fp.mockVals,
	};
	const overrides = [...fp.ctx.overrides];
	const mocks = new Map(fp.ctx.mocks);
	const mockVals = new Map(fp.mockVals);
	let input = fp.input;
	let data = fp.data;
	const steps = [...e.with];
	const next = (i: number): void => {
		if (i === steps.length) {
			const ctx = makeCtx(overrides, mocks);
			// The rest of the body must not run inside the memo scope (it would see results
			// cached under the replaced input/data), so solutions are collected inside and
			// resumed outside: a flag when the expression binds nothing, else the tuples of
			// the vars it binds.
			const before = new Set(fp.vars.keys());
			let newVars: string[] = [];
			const tr = fp.pb.constOp({ type: "boolean", value: true });
			const found = fp.newLocal();
			const sols = fp.newLocal();
			fp.emit({
				op: "assign",
				target: found,
				source: fp.pb.constOp({ type: "boolean", value: false }),
			});
			fp.emit({ op: "makeArray", target: sols, capacity: 0 });
			const block = fp.scoped(() =>
				fp.block(() => {
					fp.input = input;
					fp.data = data;
					fp.ctx = ctx;
					fp.mockVals = mockVals;
					try {
						const collect = () => {
							newVars = [...fp.vars.keys()].filter((v) => !before.has(v));
							if (newVars.length > 0) {
								const t = fp.newLocal();
								fp.emit({ op: "makeArray", target: t, capacity: newVars.length });
								for (const v of newVars) {
									fp.emit({
										op: "arrayAppend",
										array: t,
										value: { local: fp.vars.get(v) as Local },
									});
								}
								fp.emit({ op: "arrayAppend", array: sols, value: { local: t } });
							}
							fp.emit({ op: "assign", target: found, source: tr });
						};
						if (e.negated) planNot(fp, e, collect);
						else planPositive(fp, e, collect);
					} finally {
						Object.assign(fp, outer);
					}
				}),
			);
			fp.emit({ op: "memoScope", block });
			fp.emit({ op: "equal", a: { local: found }, b: tr });
			if (newVars.length === 0) {
				k();
				return;
			}
			const kl = fp.newLocal();
			const tl = fp.newLocal();
			const resume = fp.block(() => {
				newVars.forEach((v, j) => {
					const l = fp.newLocal();
					fp.emit({
						op: "dot",
						source: { local: tl },
						key: fp.pb.constOp({ type: "number", text: String(j) }),
						target: l,
					});
					fp.vars.set(v, l);
				});
				k();
			});
			fp.emit({ op: "scan", source: { local: sols }, key: kl, value: tl, block: resume });
			return;
		}
		const w = steps[i];
		const target = w.target;
		const root =
			target.head.type === "var" && isRoot(target.head.name) ? target.head.name : undefined;
		// A function replaced by a value: the value is computed here, in the body that wrote
		// the `with` (it may use this body's variables), and handed to the copies.
		const mockFn = (key: string) => {
			const fn = mockFnOf(fp, w.value);
			if (fn) {
				mocks.set(key, { kind: "fn", target: fn });
				mockVals.delete(key);
				next(i + 1);
				return;
			}
			if (isConstant(w.value)) {
				mocks.set(key, { kind: "const", term: w.value });
				mockVals.delete(key);
				next(i + 1);
				return;
			}
			mocks.set(key, { kind: "value" });
			planTerm(fp, w.value, (v) => {
				let l: Local;
				if ("local" in v) l = v.local;
				else {
					l = fp.newLocal();
					fp.emit({ op: "assign", target: l, source: v });
				}
				mockVals.set(key, l);
				next(i + 1);
			});
		};
		if (!root) {
			mockFn(fnKey(fnTarget(target)));
			return;
		}
		if (root === "data") {
			const path = target.path.map((p) => (p.type === "string" ? p.value : ""));
			const node = getNode(fp.pb.root, path, false);
			if (node?.kind === "function") {
				mockFn(`data.${path.join(".")}`);
				return;
			}
			// (A target below a rule was rejected by the resolver, as OPA does.)
			if (node && hasRules(node)) overrides.push(path);
		}
		planTerm(fp, w.value, (v) =>
			planTerms(fp, target.path, (keys) => {
				const src = root === "data" ? data : input;
				let t: Local;
				if (keys.length === 0) {
					t = fp.newLocal();
					fp.emit({ op: "assign", target: t, source: v });
				} else {
					t = fp.newLocal();
					fp.emit({ op: "upsert", source: { local: src }, path: keys, value: v, target: t });
				}
				if (root === "data") data = t;
				else input = t;
				next(i + 1);
			}),
		);
	};
	next(0);
}

/** The function a `with` value names, when it names one (else it is a value). */
function mockFnOf(fp: PlanState, v: Term): FnTarget | undefined {
	if (v.type === "ref" && v.head.type === "var") {
		const t = fnTarget(v);
		if (t.kind === "builtin" && v.head.name === BUILTIN_HEAD) return t;
		if (t.kind === "user") {
			const node = getNode(fp.pb.root, t.path, false);
			if (node?.kind === "function") return t;
		}
	}
	return undefined;
}
