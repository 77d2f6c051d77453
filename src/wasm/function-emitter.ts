// Lowers one IR function or plan body to Wasm expressions (through ExprBuilder: binaryen's
// module, or the direct encoder in expr.ts): each IR block is a wasm
// `block`, an undefined statement a `br` to its end, `scan` a loop; locals are wasm locals
// holding value addresses (0 means undefined). Runtime helpers are called by internal name.

import type { Block, Func, IrLoc, Operand, Plan, Policy, Stmt } from "../compiler/ir.ts";
import { type ExprBuilder, I32, NONE, type Ref } from "./expr.ts";
import { hostBuiltinName } from "./host-names.ts";
import type { StaticData } from "./layout.ts";
import type { RuntimeInfo } from "./runtime.ts";

const TYPE_CODES = { null: 1, boolean: 2, number: 3, string: 4, array: 5, object: 6, set: 7 };

export const MAX_HOST_ARITY = 4;

const i32 = I32;

export class EmitError extends Error {}

interface Label {
	name: string;
	/** Set on memoScope blocks: the local holding the memo table to restore. */
	memoSaved?: number;
}

/** Policy-wide state shared by the function emitters. */
export class PolicyEmitter {
	readonly funcNames = new Map<string, Func>();
	readonly memoSlots = new Map<string, number>();
	readonly hostIds = new Map<string, number>();
	readonly consts: number[];
	/** Preloaded Funcs (Policy.preload) → the static word holding the value they built. */
	readonly preloadSlots = new Map<string, number>();
	/** Names of the functions added for this policy (what `optimize` works on). */
	readonly emittedFunctions: string[] = [];
	private cStrings = new Map<string, number>();
	private labelCounter = 0;

	constructor(
		readonly m: ExprBuilder,
		readonly rt: RuntimeInfo,
		readonly policy: Policy,
		readonly data: StaticData,
		/** Meter scan iterations and calls against the evaluation budget (off only to measure). */
		readonly meter = true,
	) {
		for (const f of policy.funcs) {
			if (this.funcNames.has(f.name)) throw new EmitError(`duplicate function ${f.name}`);
			this.funcNames.set(f.name, f);
			if (f.memo && f.arity === 0) this.memoSlots.set(f.name, this.memoSlots.size);
		}
		// Host builtins: every listed builtin without a native implementation, ids stable in
		// listing order.
		for (const b of policy.builtins) {
			if (this.rt.natives.has(b.name) || this.hostIds.has(b.name)) continue;
			if (b.arity > MAX_HOST_ARITY) {
				throw new EmitError(
					`builtin ${b.name} takes ${b.arity} arguments: host builtins take at most ${MAX_HOST_ARITY}`,
				);
			}
			this.hostIds.set(b.name, this.hostIds.size);
		}
		this.consts = policy.consts.map((c) => data.constant(c));
		for (const name of policy.preload ?? []) {
			const f = this.funcNames.get(name);
			if (f?.arity !== 0 || f.memo) throw new EmitError(`cannot preload ${name}`);
			this.preloadSlots.set(name, data.reserve(4));
		}
	}

	/**
	 * The body of the function that runs the preloaded Funcs once, at instantiation (after
	 * `first`, the copy of passive constants, when given), keeping each value in its slot.
	 * Outside an evaluation nothing is metered, and what they allocate lies below the heap
	 * pointer the SDK reads after instantiating, so no evaluation's reset reaches it.
	 */
	preloadBody(first?: string): Ref | undefined {
		if (this.preloadSlots.size === 0) return undefined;
		const m = this.m;
		const parts: Ref[] = first ? [m.call(first, [], NONE)] : [];
		for (const [name, slot] of this.preloadSlots) {
			const value = m.call(this.funcWasmName(name), [m.i32.const(0), m.i32.const(0)], i32);
			parts.push(m.i32.store(0, 2, m.i32.const(slot), value));
		}
		return m.block(null, parts, NONE);
	}

	/** The builtins() value: host builtin names (as the host knows them) → ids. */
	builtinsValue(): number {
		return this.data.nameIds([...this.hostIds].map(([name, id]) => [hostBuiltinName(name), id]));
	}

	cString(s: string): number {
		let at = this.cStrings.get(s);
		if (at === undefined) {
			at = this.data.cString(s);
			this.cStrings.set(s, at);
		}
		return at;
	}

	label(kind: string): string {
		return `${kind}${this.labelCounter++}`;
	}

	helper(name: string): string {
		const internal = this.rt.exports.get(name);
		if (!internal) throw new EmitError(`runtime lacks helper ${name}`);
		return internal;
	}

	funcWasmName(name: string): string {
		return `gavel:f:${name}`;
	}
}

/** Run-time error locations read as OPA prints them: `file:row` (no column). */
function locText(loc: IrLoc): string {
	return `${loc.file}:${loc.row}`;
}

/** Emits one IR function or plan body. */
export class FunctionEmitter {
	private labels: Label[] = [];
	private extra: number[] = [];

	constructor(
		private readonly p: PolicyEmitter,
		/** Number of wasm params (input, data, declared params). */
		private readonly nParams: number,
		/** IR locals (at least nParams). */
		private readonly nLocals: number,
		/** The whole function body, to see which locals are ever read. */
		private readonly bodyBlocks: Block[],
	) {}

	get m(): ExprBuilder {
		return this.p.m;
	}

	/** Wasm var types beyond the params: the IR's own locals, then scratch locals. */
	varTypes(): number[] {
		const n = this.nLocals - this.nParams + this.extra.length;
		return new Array(n).fill(i32);
	}

	scratch(): number {
		const idx = this.nLocals + this.extra.length;
		this.extra.push(idx);
		return idx;
	}

	get(local: number): Ref {
		if (local < 0 || local >= this.nLocals) throw new EmitError(`local ${local} out of range`);
		return this.m.local.get(local, i32);
	}

	set(local: number, v: Ref): Ref {
		if (local < 0 || local >= this.nLocals) throw new EmitError(`local ${local} out of range`);
		return this.m.local.set(local, v);
	}

	operand(o: Operand): Ref {
		if ("local" in o) return this.get(o.local);
		const addr = this.p.consts[o.const];
		if (addr === undefined) throw new EmitError(`constant ${o.const} out of range`);
		return this.m.i32.const(addr);
	}

	call(helper: string, args: Ref[], result: number = i32) {
		return this.m.call(this.p.helper(helper), args, result);
	}

	/**
	 * One step of the evaluation budget: decrement the runtime's gavel_fuel and call the runtime
	 * when it went below zero (which aborts with eval_cancel_error, or refills when unmetered).
	 */
	tick(): Ref {
		const m = this.m;
		if (!this.p.meter) return m.nop();
		const fuel = this.p.helper("gavel_fuel");
		return m.block(null, [
			m.global.set(fuel, m.i32.sub(m.global.get(fuel, i32), m.i32.const(1))),
			m.if(
				m.i32.lt_s(m.global.get(fuel, i32), m.i32.const(0)),
				this.call("rt_out_of_fuel", [], NONE),
			),
		]);
	}

	/** Leave `levels` + 1 enclosing blocks, restoring memo tables of scopes left behind. */
	breakOut(levels: number, cond?: Ref): Ref {
		const target = this.labels.length - 1 - levels;
		if (target < 0) throw new EmitError(`break ${levels} leaves the function`);
		let restore: number | undefined;
		for (let i = this.labels.length - 1; i > target; i--) {
			const saved = this.labels[i].memoSaved;
			if (saved !== undefined) restore = saved;
		}
		const name = this.labels[target].name;
		if (restore === undefined) return this.m.br(name, cond);
		const leave = this.m.block(null, [
			this.call("rt_memo_pop", [this.m.local.get(restore, i32)], NONE),
			this.m.br(name),
		]);
		return cond === undefined ? leave : this.m.if(cond, leave);
	}

	/** End the current block when `cond` holds. */
	undefinedIf(cond: Ref): Ref {
		return this.breakOut(0, cond);
	}

	abortWith(loc: IrLoc, code: string, message: string): Ref {
		const addr = this.p.cString(`${locText(loc)}: ${code}: ${message}`);
		return this.call("rt_abort", [this.m.i32.const(addr)], NONE);
	}

	block(b: Block, name = this.p.label("b")): Ref {
		this.labels.push({ name });
		const body = b.stmts.map((s) => this.stmt(s));
		this.labels.pop();
		return this.m.block(name, body, NONE);
	}

	blocks(bs: Block[]): Ref[] {
		return bs.map((b) => this.block(b));
	}

	stmt(s: Stmt): Ref {
		const m = this.m;
		switch (s.op) {
			case "assign":
				return this.set(s.target, this.operand(s.source));
			case "assignOnce": {
				const t = this.scratch();
				return m.block(null, [
					m.local.set(t, this.operand(s.source)),
					m.if(
						m.local.get(t, i32),
						m.if(
							m.i32.eqz(this.get(s.target)),
							this.set(s.target, m.local.get(t, i32)),
							m.if(
								m.i32.eqz(this.call("rt_equal", [this.get(s.target), m.local.get(t, i32)])),
								this.abortWith(
									s.loc,
									"eval_conflict_error",
									s.message ?? "complete rules must not produce multiple outputs",
								),
							),
						),
					),
				]);
			}
			case "isDefined":
				return this.undefinedIf(m.i32.eqz(this.get(s.source)));
			case "isUndefined":
				return this.undefinedIf(this.get(s.source));
			case "dot": {
				const t = this.scratch();
				return m.block(null, [
					m.local.set(t, this.call("rt_dot", [this.operand(s.source), this.operand(s.key)])),
					this.undefinedIf(m.i32.eqz(m.local.get(t, i32))),
					this.set(s.target, m.local.get(t, i32)),
				]);
			}
			case "equal":
				return this.undefinedIf(
					m.i32.eqz(this.call("rt_equal", [this.operand(s.a), this.operand(s.b)])),
				);
			case "notEqual":
				return this.undefinedIf(
					m.i32.eqz(this.call("rt_not_equal", [this.operand(s.a), this.operand(s.b)])),
				);
			case "notFalse":
				return this.undefinedIf(m.i32.eqz(this.call("rt_not_false", [this.operand(s.source)])));
			case "isType":
				return this.undefinedIf(
					m.i32.eqz(
						this.call("rt_is_type", [this.operand(s.source), m.i32.const(TYPE_CODES[s.typeName])]),
					),
				);
			case "scan":
				return this.scan(s);
			case "not": {
				// Running to the end makes `not` undefined: leave the enclosing block from inside.
				const name = this.p.label("not");
				this.labels.push({ name });
				const body = s.block.stmts.map((x) => this.stmt(x));
				body.push(this.breakOut(1));
				this.labels.pop();
				return m.block(name, body, NONE);
			}
			case "blocks":
				return m.block(null, this.blocks(s.blocks), NONE);
			case "break":
				return this.breakOut(s.levels);
			case "call":
				return this.callStmt(s);
			case "makeNull":
				return this.set(s.target, this.call("rt_make_null", []));
			case "makeArray":
				return this.set(s.target, this.call("rt_make_array", [m.i32.const(s.capacity)]));
			case "makeObject":
				return this.set(s.target, this.call("rt_make_object", []));
			case "makeSet":
				return this.set(s.target, this.call("rt_make_set", []));
			case "arrayAppend":
				return this.call("rt_array_append", [this.get(s.array), this.operand(s.value)], NONE);
			case "objectInsert":
				return this.call(
					"rt_object_insert",
					[this.get(s.object), this.operand(s.key), this.operand(s.value)],
					NONE,
				);
			case "objectInsertOnce":
				return m.if(
					this.call("rt_object_insert_once", [
						this.get(s.object),
						this.operand(s.key),
						this.operand(s.value),
					]),
					this.abortWith(s.loc, "eval_conflict_error", "object keys must be unique"),
				);
			case "objectMerge":
				return m.if(
					this.call("rt_object_merge", [
						this.get(s.object),
						this.operand(s.key),
						this.operand(s.value),
					]),
					this.abortWith(s.loc, "eval_conflict_error", "object keys must be unique"),
				);
			case "setAdd":
				return this.call("rt_set_add", [this.get(s.set), this.operand(s.value)], NONE);
			case "resultSetAdd":
				return this.call("rt_result_add", [this.get(s.value)], NONE);
			case "memoScope": {
				const saved = this.scratch();
				const ok = this.scratch();
				const name = this.p.label("memo");
				this.labels.push({ name, memoSaved: saved });
				const body = s.block.stmts.map((x) => this.stmt(x));
				body.push(m.local.set(ok, m.i32.const(1)));
				this.labels.pop();
				return m.block(null, [
					m.local.set(saved, this.call("rt_memo_push", [])),
					m.local.set(ok, m.i32.const(0)),
					m.block(name, body, NONE),
					this.call("rt_memo_pop", [m.local.get(saved, i32)], NONE),
					this.undefinedIf(m.i32.eqz(m.local.get(ok, i32))),
				]);
			}
			case "upsert": {
				const path = this.scratch();
				const parts: Ref[] = [
					m.local.set(path, this.call("rt_make_array", [m.i32.const(s.path.length)])),
				];
				for (const k of s.path) {
					parts.push(this.call("rt_array_append", [m.local.get(path, i32), this.operand(k)], NONE));
				}
				parts.push(
					this.set(
						s.target,
						this.call("rt_upsert", [
							this.operand(s.source),
							m.local.get(path, i32),
							this.operand(s.value),
						]),
					),
				);
				return m.block(null, parts);
			}
			case "abort":
				return this.abortWith(s.loc, s.code, s.message);
		}
	}

	private scan(s: Extract<Stmt, { op: "scan" }>): Ref {
		const m = this.m;
		const src = this.scratch();
		const n = this.scratch();
		const i = this.scratch();
		const exit = this.p.label("scanexit");
		const loop = this.p.label("scan");
		const body = this.p.label("scanbody");
		const srcGet = () => m.local.get(src, i32);
		const iGet = () => m.local.get(i, i32);
		this.labels.push({ name: body });
		const stmts: Ref[] = [];
		// Array keys are numbers built per element: skip them when nothing reads the key.
		if (this.bodyBlocks.some((b) => readsLocal(b, s.key))) {
			stmts.push(this.set(s.key, this.call("rt_scan_key", [srcGet(), iGet()])));
		}
		stmts.push(this.set(s.value, this.call("rt_scan_val", [srcGet(), iGet()])));
		stmts.push(...s.block.stmts.map((x) => this.stmt(x)));
		this.labels.pop();
		return m.block(exit, [
			m.local.set(src, this.operand(s.source)),
			m.local.set(n, this.call("rt_len", [srcGet()])),
			m.local.set(i, m.i32.const(0)),
			m.loop(
				loop,
				m.block(null, [
					m.br(exit, m.i32.ge_s(iGet(), m.local.get(n, i32))),
					this.tick(),
					m.block(body, stmts, NONE),
					m.local.set(i, m.i32.add(iGet(), m.i32.const(1))),
					m.br(loop),
				]),
			),
		]);
	}

	private callStmt(s: Extract<Stmt, { op: "call" }>): Ref {
		const m = this.m;
		const slot = this.p.preloadSlots.get(s.func);
		if (slot !== undefined) return this.set(s.target, m.i32.load(0, 2, m.i32.const(slot)));
		const t = this.scratch();
		const parts: Ref[] = [];
		let callExpr: Ref;
		const fn = this.p.funcNames.get(s.func);
		let checked: Operand[];
		if (fn) {
			// Calls may list input and data explicitly or leave them implicit.
			let args = s.args;
			if (args.length === fn.arity) args = [{ local: 0 }, { local: 1 }, ...args];
			if (args.length !== fn.arity + 2) {
				throw new EmitError(`call ${s.func}: ${s.args.length} arguments for arity ${fn.arity}`);
			}
			checked = args.slice(2);
			callExpr = m.call(
				this.p.funcWasmName(fn.name),
				args.map((a) => this.operand(a)),
				i32,
			);
		} else {
			checked = s.args;
			const native = this.p.rt.natives.get(s.func);
			const hostId = this.p.hostIds.get(s.func);
			if (native) {
				if (this.p.policy.strictBuiltinErrors && s.loc) {
					parts.push(this.call("rt_set_loc", [m.i32.const(this.p.cString(locText(s.loc)))], NONE));
				}
				callExpr = m.call(
					native,
					s.args.map((a) => this.operand(a)),
					i32,
				);
			} else if (hostId !== undefined) {
				if (s.args.length > MAX_HOST_ARITY) {
					throw new EmitError(`builtin ${s.func}: too many arguments for a host builtin`);
				}
				callExpr = this.call(`rt_host${s.args.length}`, [
					m.i32.const(hostId),
					...s.args.map((a) => this.operand(a)),
				]);
			} else {
				throw new EmitError(`undefined function ${s.func}`);
			}
		}
		// An undefined argument makes the call undefined (unless the call passes them on).
		for (const a of s.undefinedArgs ? [] : checked) {
			if ("local" in a) parts.push(this.undefinedIf(m.i32.eqz(this.get(a.local))));
		}
		parts.push(m.local.set(t, callExpr));
		parts.push(this.undefinedIf(m.i32.eqz(m.local.get(t, i32))));
		parts.push(this.set(s.target, m.local.get(t, i32)));
		return m.block(null, parts);
	}

	/** Body of a top-level function or plan: its blocks in order. */
	topBlocks(bs: Block[]): Ref[] {
		return this.blocks(bs);
	}
}

/** Does any statement (at any depth) call one of the policy's own functions? */
function callsPolicyFunction(p: PolicyEmitter, blocks: Block[]): boolean {
	const stmt = (s: Stmt): boolean => {
		if (s.op === "call") return p.funcNames.has(s.func);
		if ("block" in s) return s.block.stmts.some(stmt);
		if ("blocks" in s) return s.blocks.some((b) => b.stmts.some(stmt));
		return false;
	};
	return blocks.some((b) => b.stmts.some(stmt));
}

/** Does any statement in the block (at any depth) read `local`? */
function readsLocal(b: Block, local: number): boolean {
	const op = (o: Operand) => "local" in o && o.local === local;
	const stmt = (s: Stmt): boolean => {
		switch (s.op) {
			case "assign":
			case "assignOnce":
				return op(s.source) || (s.op === "assignOnce" && s.target === local);
			case "isDefined":
			case "isUndefined":
				return s.source === local;
			case "dot":
				return op(s.source) || op(s.key);
			case "equal":
			case "notEqual":
				return op(s.a) || op(s.b);
			case "notFalse":
			case "isType":
				return op(s.source);
			case "scan":
				return op(s.source) || readsLocal(s.block, local);
			case "not":
			case "memoScope":
				return readsLocal(s.block, local);
			case "blocks":
				return s.blocks.some((x) => readsLocal(x, local));
			case "call":
				return s.args.some(op);
			case "arrayAppend":
				return s.array === local || op(s.value);
			case "objectInsert":
			case "objectInsertOnce":
			case "objectMerge":
				return s.object === local || op(s.key) || op(s.value);
			case "setAdd":
				return s.set === local || op(s.value);
			case "resultSetAdd":
				return s.value === local;
			case "upsert":
				return op(s.source) || op(s.value) || s.path.some(op);
			default:
				return false;
		}
	};
	return b.stmts.some(stmt);
}

/** A function ready to add to a module: i32 params, optional i32 result, i32 vars. */
export interface BuiltFunction {
	name: string;
	params: number;
	result: boolean;
	vars: number;
	body: Ref;
}

/** An IR Func: (input, data, args…) → value address, memoised once per query when asked. */
export function buildFunc(p: PolicyEmitter, f: Func): BuiltFunction {
	const m = p.m;
	const nParams = 2 + f.arity;
	const nLocals = Math.max(f.locals, nParams, f.result + 1);
	const e = new FunctionEmitter(p, nParams, nLocals, f.blocks);
	// Every call into a function that calls others is a step: calls without loops can still
	// multiply (f calls g twice, g calls h…). A leaf (no calls to policy functions) is not: its
	// work is bounded by its own size (its scans tick), and its caller paid a step on entry, so
	// the budget still bounds the work while the cheapest, most frequent calls cost nothing.
	const body: Ref[] = callsPolicyFunction(p, f.blocks) ? [e.tick()] : [];
	const slot = p.memoSlots.get(f.name);
	let memoLocal = -1;
	if (slot !== undefined) {
		memoLocal = e.scratch();
		const cached = () => m.local.get(memoLocal, i32);
		body.push(
			m.local.set(memoLocal, e.call("rt_memo_get", [m.i32.const(slot)])),
			m.if(
				cached(),
				m.return(m.select(m.i32.ne(cached(), m.i32.const(1)), cached(), m.i32.const(0))),
			),
		);
	}
	body.push(...e.topBlocks(f.blocks));
	if (slot !== undefined) {
		body.push(e.call("rt_memo_set", [m.i32.const(slot), e.get(f.result)], NONE));
	}
	body.push(m.return(e.get(f.result)));
	const name = p.funcWasmName(f.name);
	p.emittedFunctions.push(name);
	return {
		name,
		params: nParams,
		result: true,
		vars: e.varTypes().length,
		body: m.block(null, body),
	};
}

/** An IR Plan: (input, data) → nothing; rows go to the result set. */
export function buildPlan(p: PolicyEmitter, plan: Plan, index: number): BuiltFunction {
	const e = new FunctionEmitter(p, 2, Math.max(plan.locals, 2), plan.blocks);
	const body = e.topBlocks(plan.blocks);
	const name = `gavel:plan:${index}`;
	p.emittedFunctions.push(name);
	return { name, params: 2, result: false, vars: e.varTypes().length, body: p.m.block(null, body) };
}
