// What of a negated expression is evaluated outside the `not`. OPA evaluates the refs and
// calls nested in a negated expression before negating it, so an undefined one makes the
// whole body fail rather than the `not` succeed: `not f(input.missing)`,
// `not input.x[input.missing]` and `not count(input.missing) > 0` are undefined, while the
// negated term itself stays inside (`not input.missing` holds). The operands of `=` and `==`
// are the exception OPA makes: a ref there stays inside (`not input.missing == 1` holds), only
// what is nested in it moves out (`not input.x[input.missing] == 1` is undefined).

import type { Term } from "../rego/ast.ts";
import { forEachVar } from "./term-vars.ts";

export interface Hoisted {
	/** The negated term with each moved subterm replaced by its var. */
	term: Term;
	/** Subterms to evaluate before the negation, each bound to a fresh var. */
	moved: { name: string; term: Term }[];
}

const EQUALITIES = new Set(["eq", "equal"]);

const callName = (t: Term & { type: "call" }) =>
	t.fn.head.type === "var" && t.fn.path.length === 0 ? t.fn.head.name : "";

/**
 * `isBound` says which vars have a value before the negation: a subterm with any other var
 * (a `_` iterating inside the negation) stays inside, where it iterates.
 */
export function hoistNegated(
	t: Term,
	isBound: (name: string) => boolean,
	freshName: () => string,
): Hoisted {
	const moved: Hoisted["moved"] = [];
	const ready = (x: Term) => {
		let ok = true;
		forEachVar(x, (v) => {
			if (v.name !== "input" && v.name !== "data" && !isBound(v.name)) ok = false;
		});
		return ok;
	};
	const move = (x: Term): Term => {
		if (!ready(x)) return inside(x);
		const name = freshName();
		moved.push({ name, term: x });
		return { type: "var", name, loc: x.loc };
	};
	/** A value nested in the negated term: refs and calls move out whole. */
	const whole = (x: Term): Term => {
		switch (x.type) {
			case "ref":
			case "call":
				return move(x);
			case "array":
			case "set":
			case "object":
				return inside(x);
			default:
				return x;
		}
	};
	/** A term that stays inside: only what is nested in it moves out. */
	const inside = (x: Term): Term => {
		switch (x.type) {
			case "ref": {
				const head = x.head.type === "call" ? whole(x.head) : x.head;
				return { ...x, head, path: x.path.map(whole) };
			}
			case "call":
				return { ...x, args: x.args.map(whole) };
			case "array":
				return { ...x, items: x.items.map(whole) };
			case "set":
				return { ...x, items: x.items.map(whole) };
			case "object":
				return { ...x, entries: x.entries.map(([k, v]) => [whole(k), whole(v)]) };
			default:
				return x;
		}
	};
	let term: Term;
	if (t.type === "call" && EQUALITIES.has(callName(t))) {
		// Each operand stays inside, but a call operand is a value computed first.
		term = { ...t, args: t.args.map((a) => (a.type === "call" ? whole(a) : inside(a))) };
	} else term = inside(t);
	return { term, moved };
}
