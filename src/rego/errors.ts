// Errors in OPA's shape: `file:row:col: code: message`, with OPA's error codes, so tools and
// people that read OPA's output read ours.

import type { Loc } from "./ast.ts";

export type RegoErrorCode =
	| "rego_parse_error"
	| "rego_compile_error"
	| "rego_type_error"
	| "rego_unsafe_var_error"
	| "rego_recursion_error"
	| "eval_conflict_error"
	| "eval_type_error"
	| "eval_builtin_error"
	| "eval_internal_error";

export interface RegoError {
	code: RegoErrorCode;
	message: string;
	loc?: Pick<Loc, "file" | "row" | "col">;
}

/** OPA stops reporting after this many errors and says so. */
export const MAX_ERRORS = 10;

export function formatError(e: RegoError): string {
	const where = e.loc ? `${e.loc.file}:${e.loc.row}:${e.loc.col}: ` : "";
	return `${where}${e.code}: ${e.message}`;
}

/** Sorted by location, capped at MAX_ERRORS with a final "too many errors" line as OPA does. */
export function sortErrors(errors: RegoError[]): RegoError[] {
	const sorted = [...errors].sort(
		(a, b) =>
			(a.loc?.file ?? "").localeCompare(b.loc?.file ?? "") ||
			(a.loc?.row ?? 0) - (b.loc?.row ?? 0) ||
			(a.loc?.col ?? 0) - (b.loc?.col ?? 0),
	);
	if (sorted.length <= MAX_ERRORS) return sorted;
	return [
		...sorted.slice(0, MAX_ERRORS),
		{ code: sorted[MAX_ERRORS].code, message: "too many errors" },
	];
}

export function formatErrors(errors: RegoError[]): string {
	const sorted = sortErrors(errors);
	const n = sorted.length;
	const head = n === 1 ? "1 error occurred:" : `${n} errors occurred:`;
	return [head, ...sorted.map(formatError)].join("\n");
}

/** Thrown by stages that stop at the first batch of errors. */
export class RegoCompileError extends Error {
	constructor(readonly errors: RegoError[]) {
		super(formatErrors(errors));
		this.name = "RegoCompileError";
	}
}
