// A loaded policy as the library hands it out: the engine's ActivePolicy (official SDK, Gavel's
// host builtins, evaluation limits) plus the fail-closed decision the HTTP API gives.

import { type ActivePolicy, loadActivePolicy, type PolicyBundle } from "../engine/index.ts";
import { interpret } from "../server/decision-service.ts";
import type { Decision, Policy, PolicyOptions } from "./gavel.d.ts";

export async function toPolicy(bundle: PolicyBundle, options: PolicyOptions = {}): Promise<Policy> {
	const evalLimits: { steps?: number; memoryBytes?: number } = {};
	if (options.maxEvalSteps !== undefined) evalLimits.steps = options.maxEvalSteps;
	if (options.maxEvalMemoryBytes !== undefined) evalLimits.memoryBytes = options.maxEvalMemoryBytes;
	const active = await loadActivePolicy(bundle, {
		evalLimits,
		strictErrors: options.strictBuiltinErrors,
		now: options.now,
	});
	return wrap(active);
}

function wrap(active: ActivePolicy): Policy {
	return {
		revision: active.revision,
		entrypoints: active.entrypoints,
		data: active.data,
		hasEntrypoint: (entrypoint) => active.hasEntrypoint(entrypoint),
		evaluate: (entrypoint, input) => active.evaluate(entrypoint, input),
		decide(entrypoint, input): Decision {
			let result: unknown;
			try {
				result = active.evaluate(entrypoint, input);
			} catch (e) {
				const code =
					typeof (e as { code?: unknown }).code === "string"
						? (e as { code: string }).code
						: "eval_internal_error";
				return { allow: false, error: { code, message: (e as Error).message ?? String(e) } };
			}
			const meaning = interpret(result);
			if ("error" in meaning) {
				const code = result === undefined ? "undefined_result" : "unexpected_result";
				return { allow: false, error: { code, message: meaning.error } };
			}
			return meaning;
		},
	};
}
