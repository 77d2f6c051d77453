// One loaded policy revision, evaluated through the official OPA Wasm SDK. The SDK instance
// is single-threaded and `evaluate` is synchronous, which suits Node's one thread: no
// evaluation can interleave with another, so the per-evaluation builtin state is safe.
//
// Every evaluation runs under limits (src/wasm/limits.ts): a step budget and a memory
// allowance, written into the module's globals. Past either, that decision alone fails closed.
// After a fatal error (a trap, the budget or memory exhausted, anything without a policy error
// code) the instance is rebuilt from the compiled module, so the next decision starts clean.

import * as opaWasm from "@open-policy-agent/opa-wasm";
import type { InputShape } from "../compiler/input-shape.ts";
import {
	applyEvalLimits,
	DEFAULT_EVAL_LIMITS,
	type EvalLimits,
	type WasmInstance,
} from "../wasm/limits.ts";
import { PolicyEvalError, toEvalError } from "./eval-error.ts";
import { createHostBuiltins, type HostBuiltinOptions } from "./host-builtins.ts";
import { projectedJson, readInputShapes } from "./input-projection.ts";
import { normalizeEntrypoint, type PolicyBundle } from "./policy-bundle.ts";
import { setBundleData } from "./sdk-data.ts";
import { directEvaluation, evaluateJson, type SdkInstance } from "./sdk-eval.ts";

export interface ActivePolicy {
	readonly revision: string;
	/** Entrypoint names, slash-separated ("example/allow"). */
	readonly entrypoints: readonly string[];
	/** The base document the bundle carries. */
	readonly data: unknown;
	readonly manifest: PolicyBundle["manifest"];
	/** False when the module has no limit globals (built by `opa build`): evaluations unbounded. */
	readonly limitsEnforced: boolean;
	/**
	 * The result value, or undefined. Throws PolicyEvalError when evaluation aborts.
	 * `inputJson`, when the caller has it, is JSON.stringify(input) or JSON of equal meaning.
	 */
	evaluate(entrypoint: string, input: unknown, inputJson?: string): unknown;
	/** Every result of the entrypoint, in order (a query's plan may have many); same errors. */
	evaluateAll(entrypoint: string, input: unknown, inputJson?: string): unknown[];
	hasEntrypoint(entrypoint: string): boolean;
	/**
	 * What of `input` the entrypoint can observe, when the module records it (Gavel-built
	 * modules do; see input-projection.ts); undefined when it may observe all of it. A caller
	 * passing `inputJson` may leave out everything else.
	 */
	inputShape(entrypoint: string): InputShape | undefined;
	/** Whether an instance is there to evaluate with (false when a rebuild failed). */
	ready(): boolean;
	/** Instances built after fatal errors, since this revision was loaded. */
	readonly rebuilds: number;
}

export interface LoadOptions extends HostBuiltinOptions {
	/** Initial memory in 64 KiB pages; the module grows it as it needs. */
	memoryPages?: number;
	/** Per-evaluation limits; each field defaults to DEFAULT_EVAL_LIMITS. */
	evalLimits?: Partial<EvalLimits>;
}

interface SdkPolicy extends SdkInstance {
	entrypoints: Record<string, number>;
	wasmInstance: WasmInstance;
	setData(data: unknown): void;
}

/**
 * One evaluation on the SDK's instance: directly for ABI 1.2+ modules (see sdk-eval.ts), else
 * through the SDK's evaluate. A falsy input is evaluated without any input, as the SDK does.
 */
function evaluateOn(
	sdk: SdkPolicy,
	id: number,
	input: unknown,
	inputJson: string | undefined,
	shape: InputShape | undefined,
): Array<{ result: unknown }> {
	const json = input
		? (inputJson ?? (shape === undefined ? JSON.stringify(input) : projectedJson(input, shape)))
		: undefined;
	if (directEvaluation(sdk)) return evaluateJson(sdk, id, json);
	return sdk.evaluate(json === undefined ? input : new TextEncoder().encode(json).buffer, id);
}

/** The global WebAssembly object, typed for what is used here (the lib has no DOM typings). */
function wasmApi(): { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } {
	return (globalThis as unknown as { WebAssembly: ReturnType<typeof wasmApi> }).WebAssembly;
}

/** Codes of errors the policy itself raised, which leave the instance as good as new. */
const POLICY_ERRORS = new Set(["eval_conflict_error", "eval_type_error", "eval_builtin_error"]);

export async function loadActivePolicy(
	bundle: PolicyBundle,
	options: LoadOptions = {},
): Promise<ActivePolicy> {
	const host = createHostBuiltins(options);
	const limits: EvalLimits = { ...DEFAULT_EVAL_LIMITS, ...options.evalLimits };
	const builtins = host.builtins as Record<string, (...a: unknown[]) => unknown>;
	const memory = () => ({ initial: options.memoryPages ?? 16 });
	let module: WebAssembly.Module;
	let sdk: SdkPolicy | undefined;
	let limitsEnforced: boolean;
	try {
		// Compiled once: rebuilding an instance after a fatal error reuses it.
		module = bundle.module ?? (await wasmApi().compile(bundle.wasm));
		const loaded = (await opaWasm.loadPolicy(module, memory(), builtins)) as unknown as SdkPolicy;
		setBundleData(loaded, bundle);
		limitsEnforced = applyEvalLimits(loaded.wasmInstance, limits);
		sdk = loaded;
	} catch (e) {
		throw new Error(`policy.wasm failed to load: ${toEvalError(e).message}`);
	}
	const entrypoints = Object.keys(sdk.entrypoints).map(normalizeEntrypoint).sort();
	// Each entrypoint's number in the module (the same in every instance of it).
	const ids = sdk.entrypoints;
	const byName = new Map(Object.keys(ids).map((k) => [normalizeEntrypoint(k), ids[k]]));
	const shapes = readInputShapes(module);
	const revision = bundle.manifest.revision ?? "";
	let rebuildError = "";
	let rebuilds = 0;

	/** A fresh instance and memory from the compiled module; undefined if that fails. */
	const rebuild = (): SdkPolicy | undefined => {
		rebuilds++;
		try {
			// The SDK's Node ESM entry names only loadPolicy; loadPolicySync is on its default
			// export (the CommonJS module object). Browser builds export it by name.
			type WithSync = { loadPolicySync?: typeof opaWasm.loadPolicy };
			const sdk = opaWasm as unknown as WithSync & { default?: WithSync };
			const loadSync = sdk.loadPolicySync ?? sdk.default?.loadPolicySync;
			if (!loadSync) throw new Error("this SDK build cannot rebuild an instance synchronously");
			const fresh = loadSync(module, memory(), builtins) as unknown as SdkPolicy;
			setBundleData(fresh, bundle);
			applyEvalLimits(fresh.wasmInstance, limits);
			rebuildError = "";
			return fresh;
		} catch (e) {
			rebuildError = toEvalError(e).message;
			return undefined;
		}
	};

	const self: ActivePolicy = {
		revision,
		entrypoints,
		data: bundle.data,
		manifest: bundle.manifest,
		limitsEnforced,
		get rebuilds() {
			return rebuilds;
		},
		ready: () => sdk !== undefined,
		// Names usually arrive already normalised; try them as given first.
		hasEntrypoint: (name) => byName.has(name) || byName.has(normalizeEntrypoint(name)),
		inputShape(entrypoint) {
			// Modules built by `opa build` record none: nothing to look up on every decision.
			if (shapes.size === 0) return undefined;
			const shape = shapes.get(entrypoint) ?? shapes.get(normalizeEntrypoint(entrypoint));
			return shape === true ? undefined : shape;
		},
		evaluate(entrypoint, input, inputJson) {
			const rs = resultSet(entrypoint, input, inputJson);
			return rs.length === 0 ? undefined : rs[0].result;
		},
		evaluateAll(entrypoint, input, inputJson) {
			return resultSet(entrypoint, input, inputJson).map((r) => r.result);
		},
	};

	/** The entrypoint's result set, or an empty one when the module returns none. */
	const resultSet = (
		entrypoint: string,
		input: unknown,
		inputJson: string | undefined,
	): Array<{ result: unknown }> => {
		const id = byName.get(entrypoint) ?? byName.get(normalizeEntrypoint(entrypoint));
		if (id === undefined) {
			throw new PolicyEvalError("undefined_entrypoint", `unknown entrypoint ${entrypoint}`);
		}
		// A rebuild that failed is tried again: memory may be there now.
		sdk ??= rebuild();
		if (!sdk) {
			throw new PolicyEvalError(
				"eval_internal_error",
				`no usable policy instance: ${rebuildError || "rebuild failed"}`,
			);
		}
		host.beginEvaluation();
		let rs: Array<{ result: unknown }>;
		try {
			rs = evaluateOn(
				sdk,
				id,
				input,
				inputJson,
				inputJson ? undefined : self.inputShape(entrypoint),
			);
		} catch (e) {
			const err = toEvalError(e, limits);
			if (!POLICY_ERRORS.has(err.code)) sdk = rebuild();
			throw err;
		}
		return Array.isArray(rs) ? rs : [];
	};
	return self;
}
