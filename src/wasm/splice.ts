// IR → Wasm without binaryen: the policy's functions are encoded directly (expr.ts) and spliced
// into the prebuilt runtime's sections (binary.ts). The runtime's functions keep their indices
// (its `policy.*` placeholders are defined functions whose bodies are replaced here), so no
// runtime code is rewritten; runtime bodies are only read to learn the call graph, and those
// the policy cannot reach are emptied. This is the default build, done in milliseconds;
// binaryen (emit.ts) is used only to optimise.

import { createHash } from "node:crypto";
import type { Policy } from "../compiler/ir.ts";
import {
	calledFunctions,
	type FuncType,
	KIND,
	type ParsedModule,
	parseModule,
	SEC,
	typeKey,
	VAL,
	Writer,
} from "./binary.ts";
import { I32, WasmExprs } from "./expr.ts";
import {
	type BuiltFunction,
	buildFunc,
	buildPlan,
	EmitError,
	PolicyEmitter,
} from "./function-emitter.ts";
import { StaticData } from "./layout.ts";
import { ABI_EXPORTS, KEPT_EXPORTS, PAGE, SDK_DEFAULT_PAGES } from "./module-shape.ts";
import { PLACEHOLDER_PREFIX, type RuntimeInfo } from "./runtime.ts";

interface SpliceRuntime {
	parsed: ParsedModule;
	/** The runtime described by export names (this path calls functions by export name). */
	info: RuntimeInfo;
	funcByExport: Map<string, number>;
	globalByExport: Map<string, number>;
	/** Direct callees of each defined runtime function, or undefined when not known. */
	callees: (number[] | undefined)[] | undefined;
	sha256: string;
}

let cached: SpliceRuntime | undefined;

function spliceRuntime(bytes: Uint8Array): SpliceRuntime {
	const sha256 = createHash("sha256").update(bytes).digest("hex");
	if (cached?.sha256 === sha256) return cached;
	const parsed = parseModule(bytes);
	const funcByExport = new Map<string, number>();
	const globalByExport = new Map<string, number>();
	const exports = new Map<string, string>();
	const natives = new Map<string, string>();
	const placeholders = new Map<string, string>();
	for (const e of parsed.exports) {
		if (e.kind === KIND.func) funcByExport.set(e.name, e.index);
		if (e.kind === KIND.global) globalByExport.set(e.name, e.index);
		exports.set(e.name, e.name);
		if (e.name.startsWith("b_")) natives.set(e.name.slice(2).replaceAll("__", "."), e.name);
		if (e.name.startsWith(PLACEHOLDER_PREFIX)) {
			placeholders.set(e.name.slice(PLACEHOLDER_PREFIX.length), e.name);
		}
	}
	if (parsed.start !== undefined) throw new EmitError("runtime must not have a start function");
	const info: RuntimeInfo = {
		bytes,
		exports,
		natives,
		placeholders,
		staticEnd: parsed.dataEnd,
	};
	// A table (indirect calls) would hide callees: then every runtime function is kept.
	let callees: (number[] | undefined)[] | undefined = parsed.code.map(calledFunctions);
	if (parsed.element || parsed.table || callees.some((c) => c === undefined)) callees = undefined;
	cached = { parsed, info, funcByExport, globalByExport, callees, sha256 };
	return cached;
}

export interface SpliceOptions {
	/** Meter loops and calls against the evaluation budget (default true; false only to measure). */
	meter?: boolean;
}

export function spliceModule(
	policy: Policy,
	runtimeBytes: Uint8Array,
	opts: SpliceOptions = {},
): Uint8Array {
	const rt = spliceRuntime(runtimeBytes);
	const { parsed } = rt;
	const b = new WasmExprs();
	const data = new StaticData((rt.info.staticEnd + 15) & ~15);
	const p = new PolicyEmitter(b, rt.info, policy, data, opts.meter ?? true);

	const built: BuiltFunction[] = [];
	for (const f of policy.funcs) built.push(buildFunc(p, f));
	const planNames = policy.plans.map((plan, i) => {
		const f = buildPlan(p, plan, i);
		built.push(f);
		return f.name;
	});

	const firstPolicyFunc = parsed.funcImports + parsed.funcTypes.length;
	const policyIndex = new Map(built.map((f, i) => [f.name, firstPolicyFunc + i]));
	const usedRuntime = new Set<number>();
	const index = (name: string): number => {
		const i = policyIndex.get(name) ?? rt.funcByExport.get(name);
		if (i === undefined) throw new EmitError(`no function ${name}`);
		if (i < firstPolicyFunc) usedRuntime.add(i);
		return i;
	};

	// The placeholders' new bodies.
	const arg = (i: number) => b.local.get(i, I32);
	const dispatch = planNames.map((name, i) =>
		b.if(b.i32.eq(arg(0), b.i32.const(i)), b.call(name, [arg(1), arg(2)], 0)),
	);
	const entrypoints = data.nameIds(policy.plans.map((plan, i) => [plan.name, i]));
	const builtins = p.builtinsValue();
	const globalIndex = (name: string): number => {
		const g = rt.globalByExport.get(name);
		if (g === undefined) throw new EmitError(`runtime lacks global ${name}`);
		return g;
	};
	const replaced = new Map<number, Uint8Array>();
	const replace = (base: string, body: number, hasResult: boolean) => {
		const at = rt.funcByExport.get(`${PLACEHOLDER_PREFIX}${base}`);
		if (at === undefined) throw new EmitError(`runtime lacks placeholder policy.${base}`);
		replaced.set(at - parsed.funcImports, b.encodeBody(body, 0, index, hasResult));
	};
	replace("eval_plan", b.block(null, dispatch.length > 0 ? dispatch : [b.nop()]), false);
	replace("entrypoints_value", b.return(b.i32.const(entrypoints)), true);
	replace("builtins_value", b.return(b.i32.const(builtins)), true);

	const heapStart = (data.end + 7) & ~7;
	const globalValues = new Map<number, number>();
	const setGlobal = (name: string, value: number) => {
		const g = rt.globalByExport.get(name);
		if (g === undefined) throw new EmitError(`runtime lacks global ${name}`);
		globalValues.set(g, value);
	};
	setGlobal("cfg_heap_start", heapStart);
	setGlobal("cfg_memo_slots", p.memoSlots.size);
	setGlobal("cfg_strict", policy.strictBuiltinErrors ? 1 : 0);

	// Types: the runtime's, then any new signature the policy's functions need.
	const types: FuncType[] = [...parsed.types];
	const typeIndex = new Map(types.map((t, i) => [typeKey(t), i]));
	const typeOf = (t: FuncType): number => {
		const k = typeKey(t);
		let i = typeIndex.get(k);
		if (i === undefined) {
			i = types.length;
			types.push(t);
			typeIndex.set(k, i);
		}
		return i;
	};
	const policyTypes = built.map((f) =>
		typeOf({ params: new Array(f.params).fill(VAL.i32), results: f.result ? [VAL.i32] : [] }),
	);
	const bodies = built.map((f) => b.encodeBody(f.body, f.vars, index, f.result, globalIndex));

	const constBytes = data.data();
	const needPages = Math.ceil(heapStart / PAGE);
	const memImport = parsed.imports.find((i) => i.kind === KIND.memory);
	if (!memImport?.limits) throw new EmitError("runtime does not import its memory");
	const passive = needPages > Math.max(memImport.limits.min, SDK_DEFAULT_PAGES);
	const minPages = passive ? memImport.limits.min : Math.max(memImport.limits.min, needPages);
	// The start function: copy passive constants in, then build the preloaded constants.
	let startFunc: number | undefined;
	let next = firstPolicyFunc + built.length;
	if (passive) {
		startFunc = next++;
		policyIndex.set(CONSTS_INIT, startFunc);
		policyTypes.push(typeOf({ params: [], results: [] }));
		bodies.push(constsInitBody(parsed.data.length, data.base, constBytes.length, needPages));
	}
	const preload = p.preloadBody(passive ? CONSTS_INIT : undefined);
	if (preload !== undefined) {
		startFunc = next++;
		policyTypes.push(typeOf({ params: [], results: [] }));
		bodies.push(b.encodeBody(preload, 0, index, false, globalIndex));
	}

	const out = new Writer();
	out.bytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
	const section = (id: number, fill: (w: Writer) => void) => {
		const w = new Writer();
		fill(w);
		out.byte(id).sized(w);
	};
	section(SEC.type, (w) => {
		w.u32(types.length);
		for (const t of types) {
			w.byte(0x60).u32(t.params.length);
			for (const v of t.params) w.byte(v);
			w.u32(t.results.length);
			for (const v of t.results) w.byte(v);
		}
	});
	section(SEC.import, (w) => {
		w.u32(parsed.imports.length);
		for (const imp of parsed.imports) {
			w.name(imp.module).name(imp.name).byte(imp.kind);
			if (imp.kind === KIND.func) w.u32(imp.typeIndex ?? 0);
			else if (imp.kind === KIND.memory && imp.limits) {
				w.byte(imp.limits.flags).u32(minPages);
				if (imp.limits.max !== undefined) w.u32(Math.max(imp.limits.max, minPages));
			} else if (imp.desc) w.bytes(imp.desc);
		}
	});
	section(SEC.function, (w) => {
		w.u32(parsed.funcTypes.length + policyTypes.length);
		for (const t of parsed.funcTypes) w.u32(t);
		for (const t of policyTypes) w.u32(t);
	});
	if (parsed.table) section(SEC.table, (w) => w.bytes(parsed.table as Uint8Array));
	if (parsed.memory) section(SEC.memory, (w) => w.bytes(parsed.memory as Uint8Array));
	section(SEC.global, (w) => {
		w.u32(parsed.globals.length);
		parsed.globals.forEach((g, i) => {
			w.bytes(g.head);
			const v = globalValues.get(i);
			if (v === undefined) w.bytes(g.init);
			else w.byte(0x41).s32(v).byte(0x0b);
		});
	});
	section(SEC.export, (w) => {
		const kept = parsed.exports.filter((e) => KEPT_EXPORTS.has(e.name));
		w.u32(kept.length);
		for (const e of kept) w.name(e.name).byte(e.kind).u32(e.index);
	});
	if (startFunc !== undefined) section(SEC.start, (w) => w.u32(startFunc as number));
	if (parsed.element) section(SEC.element, (w) => w.bytes(parsed.element as Uint8Array));
	if (passive) section(SEC.dataCount, (w) => w.u32(parsed.data.length + 1));
	const live = liveRuntimeFunctions(rt, usedRuntime, replaced);
	section(SEC.code, (w) => {
		w.u32(parsed.code.length + bodies.length);
		parsed.code.forEach((body, i) => {
			const own = replaced.get(i) ?? (live === undefined || live.has(i) ? body : DEAD_BODY);
			w.u32(own.length).bytes(own);
		});
		for (const body of bodies) w.u32(body.length).bytes(body);
	});
	section(SEC.data, (w) => {
		w.u32(parsed.data.length + 1);
		for (const seg of parsed.data) w.bytes(seg);
		if (passive) w.u32(1);
		else w.u32(0).byte(0x41).s32(data.base).byte(0x0b);
		w.u32(constBytes.length).bytes(constBytes);
	});
	return out.done().slice();
}

/**
 * Start function for constants beyond the SDK's default memory: grow memory to `pages`, copy
 * the passive segment in, drop it. (Same as emit.ts builds with binaryen.)
 */
function constsInitBody(segment: number, base: number, length: number, pages: number): Uint8Array {
	const w = new Writer();
	w.u32(1).u32(1).byte(0x7f); // one i32 local: pages missing
	w.byte(0x41).s32(pages).byte(0x3f).byte(0).byte(0x6b).byte(0x21).u32(0);
	w.byte(0x20).u32(0).byte(0x41).s32(0).byte(0x4a); // missing > 0
	w.byte(0x04).byte(0x40);
	w.byte(0x20).u32(0).byte(0x40).byte(0).byte(0x41).s32(-1).byte(0x46); // grow(missing) == -1
	w.byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
	w.byte(0x0b);
	w.byte(0x41).s32(base).byte(0x41).s32(0).byte(0x41).s32(length);
	w.byte(0xfc).u32(8).u32(segment).byte(0); // memory.init segment, memory 0
	w.byte(0xfc).u32(9).u32(segment); // data.drop
	w.byte(0x0b);
	return w.done().slice();
}

const CONSTS_INIT = "gavel:consts_init";

/** No locals, `unreachable`, `end`: the body of a runtime function no policy path can reach. */
const DEAD_BODY = new Uint8Array([0x00, 0x00, 0x0b]);

/**
 * Defined runtime functions (by position in the code section) reachable from the ABI exports
 * and from the policy's own calls; undefined when the call graph is not known. Unreachable
 * ones get DEAD_BODY, which keeps every function index as it is (nothing is renumbered) while
 * the module sheds the code, much as binaryen's remove-unused-module-elements would.
 */
function liveRuntimeFunctions(
	rt: SpliceRuntime,
	usedByPolicy: Set<number>,
	replaced: Map<number, Uint8Array>,
): Set<number> | undefined {
	const { callees, parsed } = rt;
	if (!callees) return undefined;
	const imports = parsed.funcImports;
	const live = new Set<number>();
	const stack: number[] = [];
	const reach = (f: number) => {
		const d = f - imports;
		if (d < 0 || d >= parsed.code.length || live.has(d)) return;
		live.add(d);
		stack.push(d);
	};
	for (const e of parsed.exports) {
		if (e.kind === KIND.func && ABI_EXPORTS.has(e.name)) reach(e.index);
	}
	for (const f of usedByPolicy) reach(f);
	for (const d of replaced.keys()) reach(d + imports);
	while (stack.length > 0) {
		const d = stack.pop() as number;
		// A replaced placeholder calls only policy functions (whose runtime calls are in usedByPolicy).
		if (replaced.has(d)) continue;
		for (const f of callees[d] ?? []) reach(f);
	}
	return live;
}
