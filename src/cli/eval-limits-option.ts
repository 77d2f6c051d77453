// --max-eval-steps / --max-eval-memory for `gavel eval` and `gavel test`: the same per-evaluation
// budget and memory cap the server applies (policy.maxEvalSteps / policy.maxEvalMemoryBytes,
// same defaults), so a policy that is cancelled in production is cancelled here too, and a
// developer can raise either for a heavy test.

import { DEFAULT_EVAL_LIMITS, type EvalLimits } from "../wasm/limits.ts";
import { stringOption, UsageError } from "./command.ts";

export const EVAL_LIMIT_OPTIONS = {
	"max-eval-steps": { type: "string" },
	"max-eval-memory": { type: "string" },
} as const;

export const EVAL_LIMIT_HELP = `  --max-eval-steps N       steps one evaluation may take (loop iterations, calls, allocation;
                           default ${DEFAULT_EVAL_LIMITS.steps}, as the server's policy.maxEvalSteps; 0 = unlimited)
  --max-eval-memory BYTES  bytes one evaluation may allocate (default ${DEFAULT_EVAL_LIMITS.memoryBytes},
                           as policy.maxEvalMemoryBytes; 0 = up to the 4 GiB a module can hold)`;

function count(values: Record<string, unknown>, name: string, max: number): number | undefined {
	const text = stringOption(values[name]);
	if (text === undefined) return undefined;
	if (!/^\d+$/.test(text) || Number(text) > max) {
		throw new UsageError(
			`--${name} must be a whole number from 0 to ${max}, not ${JSON.stringify(text)}`,
		);
	}
	return Number(text);
}

export function evalLimitsOption(values: Record<string, unknown>): EvalLimits {
	return {
		steps: count(values, "max-eval-steps", 0x7fff_ffff) ?? DEFAULT_EVAL_LIMITS.steps,
		memoryBytes: count(values, "max-eval-memory", 0xffff_ffff) ?? DEFAULT_EVAL_LIMITS.memoryBytes,
	};
}

/** The flag that raises the limit an evaluation error names, for the error line. */
export function evalLimitHint(code: string): string {
	if (code === "eval_cancel_error") return " (raise it with --max-eval-steps)";
	if (code === "eval_memory_limit_error") return " (raise it with --max-eval-memory)";
	return "";
}
