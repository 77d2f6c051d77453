// Terms to operands: scalars become constants, collections are built (their elements in
// sequence, see PlanState.steps), vars are their locals, and comprehensions collect their
// body's solutions.

import type { Term } from "../rego/ast.ts";
import type { Operand, Stmt } from "./ir.ts";
import { planCall } from "./plan-calls.ts";
import { irLoc, isConstant, PlanError } from "./plan-context.ts";
import { planBody } from "./plan-exprs.ts";
import { planData, planRef } from "./plan-refs.ts";
import type { PlanState } from "./plan-state.ts";
import { forEachVar } from "./term-vars.ts";

export function planTerms(fp: PlanState, ts: Term[], k: (ops: Operand[]) => void): void {
	const ops: Operand[] = [];
	const order = bindersFirst(fp, ts);
	fp.steps(
		ts.length,
		(j, next) => {
			const i = order[j];
			// A constant is built without continuations: nested literals stay shallow too.
			if (isConstant(ts[i])) {
				ops[i] = constTerm(fp, ts[i]);
				next();
				return;
			}
			planTerm(fp, ts[i], (o) => {
				ops[i] = o;
				next();
			});
		},
		() => k(ops),
	);
}

/**
 * The order to evaluate terms in: one that mentions a var only a later term binds (by
 * iterating, as in `x == input.xs[x]`) waits until the others have run. Source order
 * otherwise.
 */
function bindersFirst(fp: PlanState, ts: Term[]): number[] {
	const order = ts.map((_, i) => i);
	if (ts.length < 2) return order;
	const unbound = (t: Term) => {
		let free = false;
		forEachVar(t, (v) => {
			if (v.name !== "input" && v.name !== "data" && !fp.vars.has(v.name)) free = true;
		});
		return free;
	};
	const iterates = (t: Term): boolean => {
		switch (t.type) {
			case "ref":
				return t.path.some(unbound) || iterates(t.head);
			case "array":
			case "set":
				return t.items.some(iterates);
			case "object":
				return t.entries.some(([a, b]) => iterates(a) || iterates(b));
			case "call":
				return t.args.some(iterates);
			default:
				return false;
		}
	};
	const waits = ts.map((t) => unbound(t) && !iterates(t));
	if (!waits.some((w) => w)) return order;
	return [...order.filter((i) => !waits[i]), ...order.filter((i) => waits[i])];
}

/**
 * Constant collections of at least this many values (nested ones counted) are built once when
 * the module is instantiated (Policy.preload) instead of by every evaluation that reads them.
 */
export const PRELOAD_MIN_VALUES = 64;

/** Values in a constant term, counting stops once past `limit`. */
function constSize(t: Term, limit: number): number {
	let n = 0;
	const walk = (x: Term) => {
		if (n > limit) return;
		n++;
		if (x.type === "array" || x.type === "set") for (const y of x.items) walk(y);
		else if (x.type === "object")
			for (const [k, v] of x.entries) {
				walk(k);
				walk(v);
			}
	};
	walk(t);
	return n;
}

/**
 * A constant term (see isConstant), built without continuations; a large collection is read
 * from its preloaded Func (the Funcs building them pass `preload` false).
 */
export function constTerm(fp: PlanState, t: Term, preload = true): Operand {
	if (
		preload &&
		(t.type === "array" || t.type === "set" || t.type === "object") &&
		constSize(t, PRELOAD_MIN_VALUES) >= PRELOAD_MIN_VALUES
	) {
		const target = fp.newLocal();
		fp.emit({
			op: "call",
			func: fp.pb.constFunc(t),
			args: [{ local: 0 }, { local: 1 }],
			target,
			undefinedArgs: true,
		});
		return { local: target };
	}
	switch (t.type) {
		case "null":
			return fp.pb.constOp({ type: "null" });
		case "boolean":
			return fp.pb.constOp({ type: "boolean", value: t.value });
		case "number":
			return fp.pb.constOp({ type: "number", text: t.text });
		case "string":
			return fp.str(t.value);
		// Collections are made first and filled entry by entry, so each entry's statements sit
		// together: a long literal can then be moved out in parts (split-funcs.ts).
		case "array": {
			const a = fp.newLocal();
			fp.emit({ op: "makeArray", target: a, capacity: t.items.length });
			for (const x of t.items)
				fp.emit({ op: "arrayAppend", array: a, value: constTerm(fp, x, false) });
			return { local: a };
		}
		case "set": {
			const s = fp.newLocal();
			fp.emit({ op: "makeSet", target: s });
			for (const x of t.items) fp.emit({ op: "setAdd", set: s, value: constTerm(fp, x, false) });
			return { local: s };
		}
		case "object": {
			const o = fp.newLocal();
			fp.emit({ op: "makeObject", target: o });
			for (const [k, v] of t.entries) {
				const key = constTerm(fp, k, false);
				fp.emit({ op: "objectInsert", object: o, key, value: constTerm(fp, v, false) });
			}
			return { local: o };
		}
		default:
			throw new Error(`planner: not a constant: ${t.type}`);
	}
}

export function planTerm(fp: PlanState, t: Term, k: (v: Operand) => void): void {
	switch (t.type) {
		case "null":
			k(fp.pb.constOp({ type: "null" }));
			return;
		case "boolean":
			k(fp.pb.constOp({ type: "boolean", value: t.value }));
			return;
		case "number":
			k(fp.pb.constOp({ type: "number", text: t.text }));
			return;
		case "string":
			k(fp.str(t.value));
			return;
		case "var": {
			if (t.name === "input") {
				// No input at all is undefined, not a value.
				fp.emit({ op: "isDefined", source: fp.input });
				k({ local: fp.input });
				return;
			}
			if (t.name === "data") {
				planData(fp, [], 0, fp.pb.root, t.loc, k);
				return;
			}
			const l = fp.vars.get(t.name);
			if (l === undefined)
				throw new PlanError("rego_unsafe_var_error", `var ${t.name} is unsafe`, t.loc);
			k({ local: l });
			return;
		}
		case "ref":
			planRef(fp, t, k);
			return;
		case "array":
			if (isConstant(t)) {
				k(constTerm(fp, t));
				return;
			}
			planTerms(fp, t.items, (ops) => {
				const a = fp.newLocal();
				fp.emit({ op: "makeArray", target: a, capacity: ops.length });
				for (const o of ops) fp.emit({ op: "arrayAppend", array: a, value: o });
				k({ local: a });
			});
			return;
		case "set":
			if (isConstant(t)) {
				k(constTerm(fp, t));
				return;
			}
			planTerms(fp, t.items, (ops) => {
				const s = fp.newLocal();
				fp.emit({ op: "makeSet", target: s });
				for (const o of ops) fp.emit({ op: "setAdd", set: s, value: o });
				k({ local: s });
			});
			return;
		case "object":
			if (isConstant(t)) {
				k(constTerm(fp, t));
				return;
			}
			planTerms(fp, t.entries.flat(), (ops) => {
				const o = fp.newLocal();
				fp.emit({ op: "makeObject", target: o });
				for (let i = 0; i < ops.length; i += 2) {
					fp.emit({ op: "objectInsert", object: o, key: ops[i], value: ops[i + 1] });
				}
				k({ local: o });
			});
			return;
		case "call":
			planCall(fp, t, false, (v) => k(v as Operand));
			return;
		case "arrayCompr":
		case "setCompr":
		case "objectCompr": {
			const r = fp.newLocal();
			fp.emit({
				op:
					t.type === "arrayCompr" ? "makeArray" : t.type === "setCompr" ? "makeSet" : "makeObject",
				target: r,
				...(t.type === "arrayCompr" ? { capacity: 0 } : {}),
			} as Stmt);
			const block = fp.scoped(() =>
				fp.block(() =>
					planBody(fp, t.body, 0, () => {
						if (t.type === "arrayCompr")
							planTerm(fp, t.term, (v) => fp.emit({ op: "arrayAppend", array: r, value: v }));
						else if (t.type === "setCompr")
							planTerm(fp, t.term, (v) => fp.emit({ op: "setAdd", set: r, value: v }));
						else
							planTerm(fp, t.key, (kk) =>
								planTerm(fp, t.value, (vv) =>
									fp.emit({
										op: "objectInsertOnce",
										object: r,
										key: kk,
										value: vv,
										loc: irLoc(t.loc),
									}),
								),
							);
					}),
				),
			);
			fp.emit({ op: "blocks", blocks: [block] });
			k({ local: r });
			return;
		}
	}
}
