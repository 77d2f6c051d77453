// Which errors a check reports, as OPA 1.22.3 does (measured with `opa check`): its compiler
// runs in stages and stops after the first stage that found errors, so an unsafe var hides type
// errors elsewhere and a `var x referenced above` hides even conflicting rules. The order:
//   1. local declarations (`var x assigned above`, `var x referenced above`,
//      `var x assigned before`, `arg x redeclared`, `cannot assign to ref`)
//   2. `with` targets
//   3. the rule tree (conflicting rules, multiple defaults, rules overlapping rules/packages)
//   4. function names and arities (`undefined function`, `arity mismatch`)
//   5. safety of rule heads (`p := x if …` with x unbound)
//   6. safety of bodies (`var x is unsafe`)
//   7. recursion
//   8. types
// `declared var x unused` stops nothing: it is reported with the errors of whichever stage
// stopped (or alone), except for a rule that failed stage 1.
// Gavel runs stages 1–5 together (they share one walk over the rules) and keeps only what the
// first failing stage found; recursion and types run only when those passed.

import type { RegoError } from "../rego/errors.ts";

/** The unsafe-var errors found in rule heads (a stage of their own, before bodies). */
export const headSafety = new WeakSet<RegoError>();

export const isUnusedDecl = (e: RegoError): boolean =>
	e.code === "rego_compile_error" && /^declared var .* unused$/.test(e.message);

export const isLocalDeclError = (e: RegoError): boolean =>
	e.code === "rego_compile_error" &&
	(/^var .* ((assigned|referenced) above|assigned before)$/.test(e.message) ||
		/^arg .* redeclared$/.test(e.message) ||
		e.message.startsWith("cannot assign to "));

function stageOf(e: RegoError): number {
	if (isLocalDeclError(e)) return 1;
	if (e.message.startsWith("with keyword")) return 2;
	if (
		e.message.startsWith("conflicting rules") ||
		e.message.startsWith("multiple default rules") ||
		/^(rule|package) .* conflicts with/.test(e.message)
	)
		return 3;
	if (
		e.message.startsWith("undefined function") ||
		/arity mismatch|has arity \d+, got/.test(e.message)
	)
		return 4;
	if (e.code === "rego_unsafe_var_error") return headSafety.has(e) ? 5 : 6;
	if (e.code === "rego_recursion_error") return 7;
	return 8;
}

/** Whether anything but unused declarations was found: later stages do not run. */
export const stops = (errors: RegoError[]): boolean => errors.some((e) => !isUnusedDecl(e));

/** The errors OPA reports: unused declarations and the first failing stage's errors. */
export function firstStage(errors: RegoError[]): RegoError[] {
	let first = Number.POSITIVE_INFINITY;
	for (const e of errors) if (!isUnusedDecl(e)) first = Math.min(first, stageOf(e));
	return errors.filter((e) => isUnusedDecl(e) || stageOf(e) === first);
}
