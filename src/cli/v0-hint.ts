// A Rego 0.x module read as Rego 1.x fails with OPA's exact errors (`if` keyword is required
// …), which do not say what to do about it: commands add one line pointing at the flag.

import { formatErrors, type RegoError } from "../rego/errors.ts";

const V0_SIGNS = [
	"`if` keyword is required before",
	"`contains` keyword is required for partial set rules",
];

/** The hint line, when the errors look like OPA 0.x syntax read without --v0-compatible. */
export function v0Hint(errors: RegoError[], v0: boolean): string | undefined {
	if (v0) return undefined;
	const looksV0 = errors.some(
		(e) => e.code === "rego_parse_error" && V0_SIGNS.some((s) => e.message.startsWith(s)),
	);
	return looksV0
		? "hint: these files look like OPA 0.x syntax (rules without `if`/`contains`); pass --v0-compatible to read them"
		: undefined;
}

/** OPA's error listing, followed by the v0 hint when it applies. */
export function formatErrorsWithHint(errors: RegoError[], v0: boolean): string {
	const hint = v0Hint(errors, v0);
	return hint ? `${formatErrors(errors)}\n${hint}` : formatErrors(errors);
}
