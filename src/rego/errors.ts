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

/** OPA's closing entry when it stops listing errors (`opa check`: "rego_compile_error: error limit reached"). */
export const LIMIT_MESSAGE = "error limit reached";

const isLimit = (e: RegoError) => e.loc === undefined && e.message === LIMIT_MESSAGE;

/**
 * Sorted by location, capped at MAX_ERRORS with OPA's closing "error limit reached" entry.
 * Lists that were capped before (one per file) are merged: their closing entries are dropped
 * and one is put back last, never sorted to the top as a location-less error would be.
 * A list of parse errors only is not capped: `opa check` lists every one of them.
 */
export function sortErrors(errors: RegoError[]): RegoError[] {
	const capped = errors.some(isLimit);
	const sorted = errors
		.filter((e) => !isLimit(e))
		.sort(
			(a, b) =>
				(a.loc?.file ?? "").localeCompare(b.loc?.file ?? "") ||
				(a.loc?.row ?? 0) - (b.loc?.row ?? 0) ||
				(a.loc?.col ?? 0) - (b.loc?.col ?? 0),
		);
	// As OPA (measured): the closing entry comes once the tenth error is found, ten included.
	if (sorted.length < MAX_ERRORS && !capped) return sorted;
	if (!capped && sorted.every((e) => e.code === "rego_parse_error")) return sorted;
	return [...sorted.slice(0, MAX_ERRORS), { code: "rego_compile_error", message: LIMIT_MESSAGE }];
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
