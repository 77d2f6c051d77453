// Evaluation failed (the module aborted, a strict builtin failed, or the SDK threw). Carries
// an OPA error code so responses and logs read like OPA's.

export type EvalErrorCode =
	| "eval_conflict_error"
	| "eval_builtin_error"
	| "eval_type_error"
	| "eval_internal_error"
	/** The evaluation's step budget ran out (OPA's code for a cancelled evaluation). */
	| "eval_cancel_error"
	/** The evaluation's memory allowance (or memory itself) ran out. */
	| "eval_memory_limit_error"
	| "undefined_entrypoint";

export class PolicyEvalError extends Error {
	constructor(
		readonly code: EvalErrorCode,
		message: string,
	) {
		super(message);
		this.name = "PolicyEvalError";
	}
}

/** Map whatever the SDK or module threw onto an PolicyEvalError. */
export function toEvalError(thrown: unknown, limits?: { memoryBytes: number }): PolicyEvalError {
	if (thrown instanceof PolicyEvalError) return thrown;
	if (thrown && typeof thrown === "object" && "code" in thrown && "message" in thrown) {
		const code = String((thrown as { code: unknown }).code);
		if (code === "eval_builtin_error" || code === "eval_type_error") {
			return new PolicyEvalError(code, String((thrown as { message: unknown }).message));
		}
	}
	// opa_abort reaches us as the abort message string.
	const message =
		typeof thrown === "string"
			? thrown
			: thrown instanceof Error
				? thrown.message
				: String((thrown as { message?: unknown })?.message ?? thrown);
	// The runtime's limits abort with these codes first in the message.
	if (message.startsWith("eval_cancel_error:")) {
		return new PolicyEvalError("eval_cancel_error", message);
	}
	if (message.startsWith("eval_memory_limit_error:")) {
		const bytes = limits?.memoryBytes;
		const said = /exceeded its memory limit$/.test(message) && bytes ? ` of ${bytes} bytes` : "";
		return new PolicyEvalError("eval_memory_limit_error", `${message}${said}`);
	}
	// A strict builtin failing inside the module aborts with "file:row: eval_builtin_error: …".
	if (/(?:^|: )eval_builtin_error: /.test(message)) {
		return new PolicyEvalError("eval_builtin_error", message);
	}
	if (/conflict/i.test(message)) return new PolicyEvalError("eval_conflict_error", message);
	if (/type/i.test(message) && !/internal/i.test(message)) {
		return new PolicyEvalError("eval_type_error", message);
	}
	return new PolicyEvalError("eval_internal_error", message);
}
