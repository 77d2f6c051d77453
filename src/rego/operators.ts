// Infix operators as the printers see them: which call is written as an operator, at which
// precedence level, and the shapes that need parentheses. Shared by printer.ts (plain
// printing) and format.ts (`gavel fmt`).

import type { CallTerm, Term } from "./ast.ts";
import { OPERATOR_SYMBOLS, refName } from "./terms.ts";

export interface Op {
	symbol: string;
	/** 0 for `=`/`:=`; higher binds tighter. */
	level: number;
	/** The builtin's name (`plus`, `internal.member_3`). */
	name: string;
}

/** The operator an infix call is written with, or undefined for any other term. */
export function operatorOf(t: Term): Op | undefined {
	if (t.type !== "call" || !t.infix) return undefined;
	const name = refName(t.fn);
	if (name === undefined) return undefined;
	if (name === "internal.member_3" && t.args.length === 3) return { symbol: "in", level: 1, name };
	const op = OPERATOR_SYMBOLS[name];
	if (op && t.args.length === 2) return { ...op, name };
	return undefined;
}

export const isMembership = (op: Op | undefined): boolean =>
	op?.name === "internal.member_2" || op?.name === "internal.member_3";

/**
 * True when the term, printed bare, starts with a primary directly followed by `|`: inside
 * `[`/`{` that would read as a comprehension, so such terms get parentheses there.
 * `membershipParenthesized`: the printer writes `k, v in xs` in parentheses of its own, so the
 * spine stops there.
 */
export function leftSpineHasOr(t: Term, membershipParenthesized = false): boolean {
	for (let x: Term = t; ; ) {
		const op = operatorOf(x);
		if (!op || op.level === 0) return false;
		if (membershipParenthesized && op.name === "internal.member_3") return false;
		if (op.name === "or") return true;
		x = (x as CallTerm).args[0];
	}
}

export const isTrue = (t: Term | undefined): boolean => t?.type === "boolean" && t.value;
