// OPA refuses a declared var that nothing uses: `some x; true` and `every x in xs { true }` are
// rego_compile_error "declared var x unused" (a typo in a name would otherwise pass silently).
// `some x in xs` and `:=` are not declarations in this sense: they bind, as iteration does.

import type { Body, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { isWildcard } from "./resolved-names.ts";
import type { CRule } from "./ruletree.ts";
import { bodyDeepVars, deepVars, exprDeepVars, forEachVar } from "./term-vars.ts";

const at = (loc: { file: string; row: number; col: number }) => ({
	file: loc.file,
	row: loc.row,
	col: loc.col,
});

export function checkUnusedDecls(rule: CRule, errors: RegoError[]): void {
	const report = (name: string, loc: { file: string; row: number; col: number }) =>
		isWildcard(name) ||
		errors.push({
			code: "rego_compile_error",
			message: `declared var ${rule.names.get(name) ?? name} unused`,
			loc: at(loc),
		});

	const closures = (t: Term) =>
		forEachVar(
			t,
			() => {},
			(c) => body(c.body, c.type === "objectCompr" ? [c.key, c.value] : [c.term]),
		);

	function body(b: Body, heads: Term[]): void {
		b.forEach((e, i) => {
			const t = e.terms;
			for (const w of e.with) closures(w.value);
			if (t.type === "some") {
				const used = new Set<string>();
				b.forEach((o, j) => {
					if (j !== i) exprDeepVars(o, used);
				});
				for (const h of heads) deepVars(h, used);
				for (const v of t.vars) if (!used.has(v.name)) report(v.name, e.loc);
			} else if (t.type === "every") {
				const used = new Set<string>();
				bodyDeepVars(t.body, used);
				const declared = new Set<string>();
				if (t.key) deepVars(t.key, declared);
				deepVars(t.value, declared);
				for (const v of declared) if (!used.has(v)) report(v, t.body[0]?.loc ?? e.loc);
				closures(t.domain);
				body(t.body, []);
			} else if (t.type === "someIn") {
				closures(t.collection);
			} else closures(t);
		});
	}

	for (let r: CRule | undefined = rule; r; r = r.else) {
		const heads = [...r.dynKeys, r.value, ...(r.key ? [r.key] : []), ...(r.args ?? [])];
		for (const h of heads) closures(h);
		body(r.body, heads);
	}
}
