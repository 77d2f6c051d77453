// The policy being planned: its constant pool, the functions planned so far (each rule
// node once per `with` context), builtins used, and the plans for entrypoints and queries.

import type { Body, Loc, RefTerm, Term } from "../rego/ast.ts";
import { hoistInvariants } from "./hoist.ts";
import type { BuiltinRef, Const, Func, Operand, Plan, Policy } from "./ir.ts";
import { type Ctx, EMPTY_CTX } from "./plan-context.ts";
import { planBody } from "./plan-exprs.ts";
import { planExtent, planNode } from "./plan-rules.ts";
import { PlanState } from "./plan-state.ts";
import { constTerm, planTerm } from "./plan-terms.ts";
import { isWildcard } from "./resolved-names.ts";
import { pathName, type RuleNode } from "./ruletree.ts";
import { splitLargeFuncs } from "./split-funcs.ts";

export class PolicyBuilder {
	readonly consts: Const[] = [];
	private readonly constIndex = new Map<string, number>();
	readonly funcs: Func[] = [];
	private readonly funcNames = new Map<string, string>();
	readonly builtins = new Map<string, number>();
	readonly plans: Plan[] = [];
	private readonly ctxIds = new Map<string, number>();
	/** Funcs building large constants once per module (Policy.preload), by the term's JSON. */
	readonly preload: string[] = [];
	private readonly preloadIndex = new Map<string, string>();

	constructor(readonly root: RuleNode) {}

	constOp(c: Const): Operand {
		const k = JSON.stringify(c);
		let i = this.constIndex.get(k);
		if (i === undefined) {
			i = this.consts.length;
			this.consts.push(c);
			this.constIndex.set(k, i);
		}
		return { const: i };
	}

	useBuiltin(name: string, arity: number): void {
		this.builtins.set(name, arity);
	}

	private suffix(ctx: Ctx): string {
		if (ctx.key === "") return "";
		let id = this.ctxIds.get(ctx.key);
		if (id === undefined) {
			id = this.ctxIds.size + 1;
			this.ctxIds.set(ctx.key, id);
		}
		return `#${id}`;
	}

	/** base[n] for a number n: the "n" key of an object, else index/member n (see planPath). */
	numberKeyFunc(): string {
		const name = "g0.$number_key";
		if (this.funcNames.has(name)) return name;
		this.funcNames.set(name, name);
		const src = { local: 2 };
		this.funcs.push({
			name,
			arity: 3,
			result: 5,
			locals: 6,
			memo: false,
			blocks: [
				{
					stmts: [
						{ op: "isType", source: src, typeName: "object" },
						{ op: "dot", source: src, key: { local: 4 }, target: 5 },
					],
				},
				{
					stmts: [
						{ op: "not", block: { stmts: [{ op: "isType", source: src, typeName: "object" }] } },
						{ op: "dot", source: src, key: { local: 3 }, target: 5 },
					],
				},
			],
		});
		return name;
	}

	/** The preloaded Func (Policy.preload) that builds the constant collection `t`. */
	constFunc(t: Term): string {
		const key = JSON.stringify(t, (k, v) => (k === "loc" ? undefined : v));
		const known = this.preloadIndex.get(key);
		if (known) return known;
		const name = `g0.$const.${this.preload.length}`;
		this.preloadIndex.set(key, name);
		const fp = new PlanState(this, EMPTY_CTX, 2);
		let result = 0;
		const block = fp.block(() => {
			const v = constTerm(fp, t, false);
			if (!("local" in v)) throw new Error("planner: a preloaded constant is a collection");
			result = v.local;
		});
		this.funcs.push({ name, arity: 0, result, locals: fp.locals, blocks: [block], memo: false });
		this.preload.push(name);
		return name;
	}

	/** The Func computing the rules at `node` (planned on first use). */
	nodeFunc(node: RuleNode, ctx: Ctx): string {
		const name = `g0.${pathName(node.path)}${this.suffix(ctx)}`;
		if (this.funcNames.has(name)) return name;
		this.funcNames.set(name, name);
		const fp = new PlanState(this, ctx, 2 + (node.kind === "function" ? (node.arity ?? 0) : 0));
		const func = planNode(fp, node, name);
		this.funcs.push(func);
		return name;
	}

	/** The Func computing the merged base + virtual document at a namespace node. */
	extentFunc(node: RuleNode, ctx: Ctx): string {
		const name = `extent.${pathName(node.path)}${this.suffix(ctx)}`;
		if (this.funcNames.has(name)) return name;
		this.funcNames.set(name, name);
		const fp = new PlanState(this, ctx, 2);
		this.funcs.push(planExtent(fp, node, name));
		return name;
	}

	/** An entrypoint plan: `{"result": <value of data.path>}`. */
	planEntrypoint(name: string, path: string[], loc?: Loc): void {
		const fp = new PlanState(this, EMPTY_CTX, 2);
		const l = loc ?? { file: "", row: 0, col: 0, endRow: 0, endCol: 0 };
		const ref: RefTerm = {
			type: "ref",
			head: { type: "var", name: "data", loc: l },
			path: path.map((value) => ({ type: "string", value, loc: l })),
			loc: l,
		};
		const block = fp.block(() => {
			planTerm(fp, ref, (v) => this.addResult(fp, v));
		});
		this.plans.push({ name, locals: fp.locals, blocks: [block] });
	}

	/** A query plan: `{"result": {var: value, …}}` per solution. */
	planQuery(name: string, body: Body, vars: Map<string, string>): void {
		const fp = new PlanState(this, EMPTY_CTX, 2);
		const block = fp.block(() => {
			planBody(fp, body, 0, () => {
				const o = fp.newLocal();
				fp.emit({ op: "makeObject", target: o });
				for (const [orig, unique] of [...vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
					if (isWildcard(unique)) continue;
					const l = fp.varLocal(unique);
					if (l === undefined) continue;
					fp.emit({
						op: "objectInsert",
						object: o,
						key: this.constOp({ type: "string", value: orig }),
						value: { local: l },
					});
				}
				this.addResult(fp, { local: o });
			});
		});
		this.plans.push({ name, locals: fp.locals, blocks: [block] });
	}

	/** Adds `{"result": v}` to the plan's result set. */
	private addResult(fp: PlanState, v: Operand): void {
		const o = fp.newLocal();
		fp.emit({ op: "makeObject", target: o });
		fp.emit({
			op: "objectInsert",
			object: o,
			key: this.constOp({ type: "string", value: "result" }),
			value: v,
		});
		fp.emit({ op: "resultSetAdd", value: o });
	}

	policy(): Policy {
		const builtins: BuiltinRef[] = [...this.builtins]
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([name, arity]) => ({ name, arity }));
		const policy: Policy = { consts: this.consts, plans: this.plans, funcs: this.funcs, builtins };
		if (this.preload.length > 0) policy.preload = this.preload;
		hoistInvariants(policy);
		splitLargeFuncs(policy);
		return policy;
	}
}
