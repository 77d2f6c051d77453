// The planner lowers resolved, reordered rules to IR (ir.ts) in continuation-passing style, as
// OPA's planner does: planning a term that iterates (a ref with an unbound var) opens a `scan`
// and plans "the rest" inside it, so Rego's backtracking becomes nested loops and an undefined
// statement simply ends the innermost block. Its steps live in plan-rules.ts (rule nodes →
// Funcs), plan-exprs.ts (bodies, not, every), plan-terms.ts, plan-refs.ts (refs, data
// extent), plan-calls.ts, plan-unify.ts and plan-with.ts; each is a set of functions over
// the PlanState below, which holds what one planning run (a Func or a Plan) works on and its
// primitive steps: fresh locals, emitting into the current block, nested blocks, scopes.

import type { Block, Local, Operand, Stmt } from "./ir.ts";
import { type Ctx, isPrefix } from "./plan-context.ts";
import type { PolicyBuilder } from "./policy-builder.ts";

/**
 * What planning one Func or Plan works on: its locals, variable bindings, the current
 * statement list and the `with` context. The planning steps (plan-*.ts) read and change it.
 */
export class PlanState {
	locals: number;
	private cur: Stmt[] = [];
	vars = new Map<string, Local>();
	input: Local = 0;
	data: Local = 1;
	/** Where the value of each value mock in the context lives (see Ctx.slots). */
	mockVals = new Map<string, Local>();

	constructor(
		readonly pb: PolicyBuilder,
		public ctx: Ctx,
		firstFree: number,
	) {
		this.locals = firstFree;
		for (const slot of ctx.slots) this.mockVals.set(slot, this.locals++);
	}

	/** The arguments after input and data that a Func planned under `ctx` takes last. */
	ctxArgs(ctx: Ctx): Operand[] {
		return ctx.slots.map((s) => {
			const l = this.mockVals.get(s);
			if (l === undefined) throw new Error(`planner: no value for mock ${s}`);
			return { local: l };
		});
	}

	newLocal(): Local {
		return this.locals++;
	}

	emit(s: Stmt): void {
		this.cur.push(s);
	}

	varLocal(name: string): Local | undefined {
		return this.vars.get(name);
	}

	block(fn: () => void): Block {
		const saved = this.cur;
		const stmts: Stmt[] = [];
		this.cur = stmts;
		try {
			fn();
		} finally {
			this.cur = saved;
		}
		return { stmts };
	}

	/** Run `fn` with variable bindings that are dropped afterwards. */
	scoped<T>(fn: () => T): T {
		const saved = new Map(this.vars);
		try {
			return fn();
		} finally {
			this.vars = saved;
		}
	}

	str(value: string): Operand {
		return this.pb.constOp({ type: "string", value });
	}

	bound(): Set<string> {
		return new Set(this.vars.keys());
	}

	isOverridden(path: string[]): boolean {
		return this.ctx.overrides.some((o) => isPrefix(o, path));
	}

	/**
	 * Plans `n` steps in sequence, then `done`: step i gets a continuation that plans the
	 * steps after it. Plain continuation passing would nest one call per step (a body of
	 * thousands of expressions, a literal of thousands of computed entries overflow the
	 * stack), yet a step that opens no loop calls its continuation as its last action, in the
	 * block it started in; that call only records where planning stands, the step returns,
	 * and this loop goes on from the record. A continuation called inside a nested block (a
	 * scan's body) plans the rest there, as it must.
	 */
	steps(n: number, step: (i: number, next: () => void) => void, done: () => void): void {
		const from = (start: number): void => {
			for (let i = start; i < n; i++) {
				const block = this.cur;
				let resume: (() => void) | undefined;
				step(i, () => {
					if (resume === undefined && this.cur === block) resume = this.resumeHere();
					else from(i + 1);
				});
				if (resume === undefined) return;
				resume();
			}
			done();
		};
		from(0);
	}

	/** Where planning stands; the returned function comes back to it, checking nothing moved. */
	private resumeHere(): () => void {
		const { cur, locals, vars, input, data, ctx, mockVals } = this;
		const length = cur.length;
		return () => {
			// A step that emitted more after its continuation would have that code reordered.
			if (this.cur !== cur || cur.length !== length || this.locals !== locals)
				throw new Error("planner: a step went on after its continuation");
			Object.assign(this, { vars, input, data, ctx, mockVals });
		};
	}
}
