// One loaded policy revision, evaluated through the official OPA Wasm SDK. The SDK instance
// is single-threaded and `evaluate` is synchronous, which suits Node's one thread: no
// evaluation can interleave with another, so the per-evaluation builtin state is safe.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { PolicyEvalError, toEvalError } from "./eval-error.ts";
import { createHostBuiltins, type HostBuiltinOptions } from "./host-builtins.ts";
import { normalizeEntrypoint, type PolicyBundle } from "./policy-bundle.ts";

export interface ActivePolicy {
	readonly revision: string;
	/** Entrypoint names, slash-separated ("example/allow"). */
	readonly entrypoints: readonly string[];
	/** The base document the bundle carries. */
	readonly data: unknown;
	readonly manifest: PolicyBundle["manifest"];
	/** The result value, or undefined. Throws PolicyEvalError when evaluation aborts. */
	evaluate(entrypoint: string, input: unknown): unknown;
	hasEntrypoint(entrypoint: string): boolean;
}

export interface LoadOptions extends HostBuiltinOptions {
	/** Initial memory in 64 KiB pages; the module grows it as it needs. */
	memoryPages?: number;
}

interface SdkPolicy {
	entrypoints: Record<string, number>;
	setData(data: unknown): void;
	evaluate(input: unknown, entrypoint: string | number): Array<{ result: unknown }>;
}

export async function loadActivePolicy(
	bundle: PolicyBundle,
	options: LoadOptions = {},
): Promise<ActivePolicy> {
	const host = createHostBuiltins(options);
	let sdk: SdkPolicy;
	try {
		sdk = (await loadPolicy(
			bundle.module ?? bundle.wasm,
			{ initial: options.memoryPages ?? 16 },
			host.builtins as Record<string, (...a: unknown[]) => unknown>,
		)) as unknown as SdkPolicy;
		sdk.setData(bundle.data ?? {});
	} catch (e) {
		throw new Error(`policy.wasm failed to load: ${toEvalError(e).message}`);
	}
	const entrypoints = Object.keys(sdk.entrypoints).map(normalizeEntrypoint).sort();
	// The SDK wants the module's own spelling of each entrypoint.
	const byName = new Map(Object.keys(sdk.entrypoints).map((k) => [normalizeEntrypoint(k), k]));
	const revision = bundle.manifest.revision ?? "";
	return {
		revision,
		entrypoints,
		data: bundle.data,
		manifest: bundle.manifest,
		// Names usually arrive already normalised; try them as given first.
		hasEntrypoint: (name) => byName.has(name) || byName.has(normalizeEntrypoint(name)),
		evaluate(entrypoint, input) {
			const id = byName.get(entrypoint) ?? byName.get(normalizeEntrypoint(entrypoint));
			if (id === undefined) {
				throw new PolicyEvalError("undefined_entrypoint", `unknown entrypoint ${entrypoint}`);
			}
			host.beginEvaluation();
			let rs: Array<{ result: unknown }>;
			try {
				rs = sdk.evaluate(input, id);
			} catch (e) {
				throw toEvalError(e);
			}
			if (!Array.isArray(rs) || rs.length === 0) return undefined;
			return rs[0].result;
		},
	};
}
