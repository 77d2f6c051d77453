// IR → Wasm module: the policy's functions, constants and tables emitted with binaryen into
// a copy of the prebuilt runtime (src/wasm/runtime), whose `policy.*` placeholders and
// `cfg_*` globals are replaced and whose non-ABI exports are removed.

import type Binaryen from "binaryen";
import type { Policy } from "../compiler/ir.ts";
import {
	type BuiltFunction,
	buildFunc,
	buildPlan,
	EmitError,
	PolicyEmitter,
} from "./function-emitter.ts";
import { StaticData } from "./layout.ts";
import { KEPT_EXPORTS, SDK_DEFAULT_PAGES } from "./module-shape.ts";
import { loadRuntime, type RuntimeInfo } from "./runtime.ts";

// Loaded dynamically (top-level await) rather than imported: a bundler keeps a static import
// of an external package at the top of its output, which would make every process that merely
// bundles this file pay for binaryen.js (≈0.3–0.6 s); this way only importing it does.
const binaryen: typeof Binaryen = (await import("binaryen")).default;

/** The features AssemblyScript's output uses; binaryen must not emit newer encodings. */
const FEATURES =
	binaryen.Features.MVP |
	binaryen.Features.SignExt |
	binaryen.Features.MutableGlobals |
	binaryen.Features.NontrappingFPToInt |
	binaryen.Features.BulkMemory |
	binaryen.Features.BulkMemoryOpt |
	binaryen.Features.Multivalue;

/** binaryen.js has these under names its typings do not list. */
interface DataSegmentApi {
	getNumDataSegments(): number;
	getDataSegmentInfo(ref: number): {
		name: string;
		offset: number | null;
		data: ArrayBuffer;
		passive: boolean;
	};
}

/** The runtime described with binaryen's internal names for its exported functions/globals. */
function withInternalNames(m: Binaryen.Module, rt: RuntimeInfo): RuntimeInfo {
	const internal = new Map<string, string>();
	for (let i = 0; i < m.getNumExports(); i++) {
		const e = binaryen.getExportInfo(m.getExportByIndex(i));
		internal.set(e.name, e.value);
	}
	const map = (names: Map<string, string>) => {
		const out = new Map<string, string>();
		for (const [k, v] of names) out.set(k, internal.get(v) ?? v);
		return out;
	};
	return {
		...rt,
		exports: map(rt.exports),
		natives: map(rt.natives),
		placeholders: map(rt.placeholders),
	};
}

export { EmitError };

export interface EmitOptions {
	/** Optimise the policy's own functions with binaryen (the runtime is prebuilt with -O3). */
	optimize?: boolean;
	/** Meter loops and calls against the evaluation budget (default true; false only to measure). */
	meter?: boolean;
}

const i32 = binaryen.i32;

/** Add a built function to the binaryen module. */
function addBuilt(m: Binaryen.Module, f: BuiltFunction): void {
	const params = binaryen.createType(new Array(f.params).fill(i32));
	const vars = new Array(f.vars).fill(i32);
	m.addFunction(f.name, params, f.result ? i32 : binaryen.none, vars, f.body);
}

/** Replace a runtime global's initial value (globals the runtime exports as cfg_*). */
function setGlobal(m: Binaryen.Module, rt: RuntimeInfo, exportName: string, value: number): void {
	const internal = rt.exports.get(exportName);
	if (!internal) throw new EmitError(`runtime lacks global ${exportName}`);
	m.removeGlobal(internal);
	m.addGlobal(internal, i32, true, m.i32.const(value));
}

/** Replace a `policy.*` import placeholder with a defined function. */
function definePlaceholder(
	m: Binaryen.Module,
	rt: RuntimeInfo,
	base: string,
	params: Binaryen.Type,
	results: Binaryen.Type,
	body: Binaryen.ExpressionRef,
): void {
	const internal = rt.placeholders.get(base);
	if (!internal) throw new EmitError(`runtime lacks placeholder policy.${base}`);
	m.removeFunction(internal);
	m.addFunction(internal, params, results, [], body);
}

export function emitModule(policy: Policy, opts: EmitOptions = {}): Uint8Array {
	const m = binaryen.readBinary(loadRuntime().bytes);
	const rt = withInternalNames(m, loadRuntime());
	try {
		m.setFeatures(FEATURES);
		const data = new StaticData((rt.staticEnd + 15) & ~15);
		const p = new PolicyEmitter(m, rt, policy, data, opts.meter ?? true);

		for (const f of policy.funcs) addBuilt(m, buildFunc(p, f));
		const planNames = policy.plans.map((plan, i) => {
			const built = buildPlan(p, plan, i);
			addBuilt(m, built);
			return built.name;
		});

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
		const builtins = p.builtinsValue();
		definePlaceholder(m, rt, "entrypoints_value", binaryen.none, i32, m.i32.const(entrypoints));
		definePlaceholder(m, rt, "builtins_value", binaryen.none, i32, m.i32.const(builtins));

		const heapStart = (data.end + 7) & ~7;
		setGlobal(m, rt, "cfg_heap_start", heapStart);
		setGlobal(m, rt, "cfg_memo_slots", p.memoSlots.size);
		setGlobal(m, rt, "cfg_strict", policy.strictBuiltinErrors ? 1 : 0);

		const init = placeData(m, rt, data, heapStart);
		const preload = p.preloadBody(init);
		if (preload !== undefined) {
			m.setStart(m.addFunction(PRELOAD_FUNCTION, binaryen.none, binaryen.none, [], preload));
		} else if (init !== undefined) m.setStart(m.getFunction(init));

		for (const name of rt.exports.keys()) {
			if (!KEPT_EXPORTS.has(name)) m.removeExport(name);
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

const PAGE = 65536;
const CONSTS_SEGMENT = "gavel:consts";
const INIT_FUNCTION = "gavel:init_consts";
const PRELOAD_FUNCTION = "gavel:preload";

/**
 * Keep the runtime's data segments, append the policy's, keep memory imported. Constants that
 * fit the SDK's default memory are an active segment; bigger ones are a passive segment that
 * the module's start function copies in after growing memory, so the module still declares a
 * minimum the SDK's default memory satisfies and loads unmodified. Returns the name of the
 * function that copies them, when there is one.
 */
function placeData(
	m: Binaryen.Module,
	rt: RuntimeInfo,
	data: StaticData,
	heapStart: number,
): string | undefined {
	const info = m.getMemoryInfo();
	const segments: Binaryen.MemorySegment[] = [];
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
	segments.push(consts as Binaryen.MemorySegment);
	const pages = passive ? info.initial : Math.max(info.initial, needPages);
	m.setMemory(pages, -1, null, segments, false, false, memName);
	m.addMemoryImport(memName, "env", "memory", false);
	if (!passive) return undefined;
	addConstsInit(m, memName, data.base, bytes.length, needPages);
	return INIT_FUNCTION;
}

/** Grow memory to `pages`, copy the passive constants in, drop the segment (run at start). */
function addConstsInit(
	m: Binaryen.Module,
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
	m.addFunction(INIT_FUNCTION, binaryen.none, binaryen.none, [i32], body);
}
