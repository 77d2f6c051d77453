// IR → Wasm module: the policy's functions, constants and tables emitted with binaryen into
// a copy of the prebuilt runtime (src/wasm/runtime), whose `policy.*` placeholders and
// `cfg_*` globals are replaced and whose non-ABI exports are removed.

import binaryen from "binaryen";
import type { Func, Plan, Policy } from "../compiler/ir.ts";
import { EmitError, FunctionEmitter, PolicyEmitter } from "./function-emitter.ts";
import { StaticData } from "./layout.ts";
import { type DataSegmentApi, FEATURES, loadRuntime, type RuntimeInfo } from "./runtime.ts";

export { EmitError };

export interface EmitOptions {
	/** Optimise the policy's own functions with binaryen (the runtime is prebuilt with -O3). */
	optimize?: boolean;
}

/** The exports OPA's ABI defines; everything else the runtime exports is removed. */
const ABI_EXPORTS = new Set([
	"opa_wasm_abi_version",
	"opa_wasm_abi_minor_version",
	"builtins",
	"entrypoints",
	"opa_malloc",
	"opa_free",
	"opa_json_parse",
	"opa_value_parse",
	"opa_json_dump",
	"opa_value_dump",
	"opa_heap_ptr_get",
	"opa_heap_ptr_set",
	"opa_eval_ctx_new",
	"opa_eval_ctx_set_input",
	"opa_eval_ctx_set_data",
	"opa_eval_ctx_set_entrypoint",
	"opa_eval_ctx_get_result",
	"eval",
	"opa_eval",
	"opa_value_add_path",
	"opa_value_remove_path",
]);

const i32 = binaryen.i32;

function emitFunc(p: PolicyEmitter, f: Func): void {
	const m = p.m;
	const nParams = 2 + f.arity;
	const nLocals = Math.max(f.locals, nParams, f.result + 1);
	const e = new FunctionEmitter(p, nParams, nLocals, f.blocks);
	const body: binaryen.ExpressionRef[] = [];
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
		body.push(e.call("rt_memo_set", [m.i32.const(slot), e.get(f.result)], binaryen.none));
	}
	body.push(m.return(e.get(f.result)));
	const params = binaryen.createType(new Array(nParams).fill(i32));
	m.addFunction(p.funcWasmName(f.name), params, i32, e.varTypes(), m.block(null, body));
	p.emittedFunctions.push(p.funcWasmName(f.name));
}

function emitPlan(p: PolicyEmitter, plan: Plan, index: number): string {
	const m = p.m;
	const e = new FunctionEmitter(p, 2, Math.max(plan.locals, 2), plan.blocks);
	const body = e.topBlocks(plan.blocks);
	const name = `gavel:plan:${index}`;
	m.addFunction(
		name,
		binaryen.createType([i32, i32]),
		binaryen.none,
		e.varTypes(),
		m.block(null, body),
	);
	p.emittedFunctions.push(name);
	return name;
}

/** Replace a runtime global's initial value (globals the runtime exports as cfg_*). */
function setGlobal(m: binaryen.Module, rt: RuntimeInfo, exportName: string, value: number): void {
	const internal = rt.exports.get(exportName);
	if (!internal) throw new EmitError(`runtime lacks global ${exportName}`);
	m.removeGlobal(internal);
	m.addGlobal(internal, i32, true, m.i32.const(value));
}

/** Replace a `policy.*` import placeholder with a defined function. */
function definePlaceholder(
	m: binaryen.Module,
	rt: RuntimeInfo,
	base: string,
	params: binaryen.Type,
	results: binaryen.Type,
	body: binaryen.ExpressionRef,
): void {
	const internal = rt.placeholders.get(base);
	if (!internal) throw new EmitError(`runtime lacks placeholder policy.${base}`);
	m.removeFunction(internal);
	m.addFunction(internal, params, results, [], body);
}

export function emitModule(policy: Policy, opts: EmitOptions = {}): Uint8Array {
	const rt = loadRuntime();
	const m = binaryen.readBinary(rt.bytes);
	try {
		m.setFeatures(FEATURES);
		const data = new StaticData((rt.staticEnd + 15) & ~15);
		const p = new PolicyEmitter(m, rt, policy, data);

		for (const f of policy.funcs) emitFunc(p, f);
		const planNames = policy.plans.map((plan, i) => emitPlan(p, plan, i));

		// eval_plan(plan, input, data): dispatch on the entrypoint id.
		const arg = (i: number) => m.local.get(i, i32);
		const dispatch = planNames.map((name, i) =>
			m.if(m.i32.eq(arg(0), m.i32.const(i)), m.call(name, [arg(1), arg(2)], binaryen.none)),
		);
		definePlaceholder(
			m,
			rt,
			"eval_plan",
			binaryen.createType([i32, i32, i32]),
			binaryen.none,
			m.block(null, dispatch.length > 0 ? dispatch : [m.nop()]),
		);
		const entrypoints = data.nameIds(policy.plans.map((plan, i) => [plan.name, i]));
		const builtins = data.nameIds([...p.hostIds]);
		definePlaceholder(m, rt, "entrypoints_value", binaryen.none, i32, m.i32.const(entrypoints));
		definePlaceholder(m, rt, "builtins_value", binaryen.none, i32, m.i32.const(builtins));

		const heapStart = (data.end + 7) & ~7;
		setGlobal(m, rt, "cfg_heap_start", heapStart);
		setGlobal(m, rt, "cfg_memo_slots", p.memoSlots.size);
		setGlobal(m, rt, "cfg_strict", policy.strictBuiltinErrors ? 1 : 0);

		placeData(m, rt, data, heapStart);

		for (const name of rt.exports.keys()) {
			if (!ABI_EXPORTS.has(name)) m.removeExport(name);
		}
		if (opts.optimize) {
			// The runtime was optimised when it was built: optimise only the policy's own code.
			binaryen.setOptimizeLevel(2);
			binaryen.setShrinkLevel(1);
			for (const name of p.emittedFunctions) m.optimizeFunction(name);
		}
		// Drop the runtime code (native builtins mostly) this policy never reaches: a smaller
		// module is also quicker to write out.
		m.runPasses(["remove-unused-module-elements"]);
		return m.emitBinary();
	} finally {
		m.dispose();
	}
}

/**
 * Pages of memory the official SDK gives a module by default (`loadPolicy(wasm)` creates
 * `new WebAssembly.Memory({ initial: 5 })`). A module whose imported memory asks for more
 * does not instantiate there, so no module may declare a larger minimum.
 */
export const SDK_DEFAULT_PAGES = 5;

const PAGE = 65536;
const CONSTS_SEGMENT = "gavel:consts";
const INIT_FUNCTION = "gavel:init_consts";

/**
 * Keep the runtime's data segments, append the policy's, keep memory imported. Constants that
 * fit the SDK's default memory are an active segment; bigger ones are a passive segment that
 * the module's start function copies in after growing memory, so the module still declares a
 * minimum the SDK's default memory satisfies and loads unmodified.
 */
function placeData(m: binaryen.Module, rt: RuntimeInfo, data: StaticData, heapStart: number): void {
	const info = m.getMemoryInfo();
	const segments: binaryen.MemorySegment[] = [];
	const dm = m as unknown as DataSegmentApi;
	for (let i = 0; i < dm.getNumDataSegments(); i++) {
		const s = dm.getDataSegmentInfo(m.getDataSegmentByIndex(i));
		segments.push({
			data: new Uint8Array(s.data),
			offset: m.i32.const(s.offset ?? 0),
			passive: s.passive,
		});
	}
	// The runtime exports its (imported) memory, which tells us binaryen's name for it.
	const memName = rt.exports.get("memory");
	if (!memName) throw new EmitError("runtime does not export its memory");
	const bytes = data.data();
	const needPages = Math.ceil(heapStart / PAGE);
	const passive = needPages > Math.max(info.initial, SDK_DEFAULT_PAGES);
	const consts = { name: CONSTS_SEGMENT, data: bytes, offset: m.i32.const(data.base), passive };
	segments.push(consts as binaryen.MemorySegment);
	const pages = passive ? info.initial : Math.max(info.initial, needPages);
	m.setMemory(pages, -1, null, segments, false, false, memName);
	m.addMemoryImport(memName, "env", "memory", false);
	if (passive) addConstsInit(m, memName, data.base, bytes.length, needPages);
}

/** Start function: grow memory to `pages`, copy the passive constants in, drop the segment. */
function addConstsInit(
	m: binaryen.Module,
	memName: string,
	base: number,
	length: number,
	pages: number,
): void {
	const missing = m.i32.sub(m.i32.const(pages), m.memory.size(memName));
	const body = m.block(null, [
		m.local.set(0, missing),
		m.if(
			m.i32.gt_s(m.local.get(0, i32), m.i32.const(0)),
			m.if(m.i32.eq(m.memory.grow(m.local.get(0, i32), memName), m.i32.const(-1)), m.unreachable()),
		),
		m.memory.init(CONSTS_SEGMENT, m.i32.const(base), m.i32.const(0), m.i32.const(length), memName),
		m.data.drop(CONSTS_SEGMENT),
	]);
	const f = m.addFunction(INIT_FUNCTION, binaryen.none, binaryen.none, [i32], body);
	m.setStart(f);
}
