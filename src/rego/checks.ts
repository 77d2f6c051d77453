// Module-level checks OPA applies to Rego v1 modules (and v0 modules that `import rego.v1`),
// with OPA's error codes and wording: keywords required by v1, duplicate imports, shadowing
// of the root documents, deprecated built-ins.

import type { Body, Expr, Import, Module, Rule, Term } from "./ast.ts";
import type { RegoError } from "./errors.ts";
import type { RuleSyntax } from "./parser.ts";
import { printTerm } from "./printer.ts";
import { refName } from "./terms.ts";

/** Built-ins OPA marks deprecated; v1 refuses calls to them. */
export const DEPRECATED_BUILTINS = new Set([
	"any",
	"all",
	"re_match",
	"net.cidr_overlap",
	"set_diff",
	"cast_array",
	"cast_set",
	"cast_string",
	"cast_boolean",
	"cast_null",
	"cast_object",
]);

const ROOTS = new Set(["input", "data"]);

function at(loc: { file: string; row: number; col: number }) {
	return { file: loc.file, row: loc.row, col: loc.col };
}

export function checkV1Rules(mod: Module, syntax: Map<Rule, RuleSyntax>): RegoError[] {
	const errors: RegoError[] = [];
	for (const first of mod.rules) {
		for (let r: Rule | undefined = first; r; r = r.else) {
			const s = syntax.get(r);
			if (!s) continue;
			const t = r.kind === "function" ? "function" : "rule";
			const err = (message: string) =>
				errors.push({ code: "rego_parse_error", message, loc: at(r.loc) });
			if (s.generatedBody && s.generatedValue && r.kind !== "function") {
				err(`${t} must have value assignment and/or body declaration`);
			}
			if (!s.generatedBody && !s.hasIf && !r.default) {
				err(`\`if\` keyword is required before ${t} body`);
			}
			if (r.kind === "partialSet" && !s.hasContains) {
				err("`contains` keyword is required for partial set rules");
			}
		}
	}
	return errors;
}

function importName(imp: Import): string {
	if (imp.alias) return imp.alias;
	const last = imp.path.path[imp.path.path.length - 1];
	if (last === undefined) return imp.path.head.type === "var" ? imp.path.head.name : "";
	return last.type === "string" ? last.value : printTerm(last);
}

function importString(imp: Import): string {
	return `import ${printTerm(imp.path)}${imp.alias ? ` as ${imp.alias}` : ""}`;
}

export function checkDuplicateImports(mod: Module): RegoError[] {
	const errors: RegoError[] = [];
	const seen = new Map<string, Import>();
	for (const imp of mod.imports) {
		const name = importName(imp);
		const prev = seen.get(name);
		if (prev) {
			errors.push({
				code: "rego_compile_error",
				message: `import must not shadow ${importString(prev)}`,
				loc: at(imp.loc),
			});
		} else seen.set(name, imp);
	}
	return errors;
}

/** Calls every function on each expression and term of the module, bodies included. */
interface Visitor {
	expr?(e: Expr): void;
	/** `top` is true for the call that is a whole expression (OPA reports those at the expr). */
	term?(t: Term, top: boolean): void;
}

function walkTerm(t: Term, v: Visitor, top = false): void {
	v.term?.(t, top);
	switch (t.type) {
		case "ref":
			walkTerm(t.head, v);
			for (const p of t.path) walkTerm(p, v);
			break;
		case "array":
		case "set":
			for (const x of t.items) walkTerm(x, v);
			break;
		case "object":
			for (const [k, x] of t.entries) {
				walkTerm(k, v);
				walkTerm(x, v);
			}
			break;
		case "arrayCompr":
		case "setCompr":
			walkTerm(t.term, v);
			walkBody(t.body, v);
			break;
		case "objectCompr":
			walkTerm(t.key, v);
			walkTerm(t.value, v);
			walkBody(t.body, v);
			break;
		case "call":
			for (const a of t.args) walkTerm(a, v);
			break;
		default:
			break;
	}
}

function walkBody(body: Body, v: Visitor): void {
	for (const e of body) {
		v.expr?.(e);
		const t = e.terms;
		switch (t.type) {
			case "some":
				for (const x of t.vars) walkTerm(x, v);
				break;
			case "someIn":
				if (t.key) walkTerm(t.key, v);
				walkTerm(t.value, v);
				walkTerm(t.collection, v);
				break;
			case "every":
				if (t.key) walkTerm(t.key, v);
				walkTerm(t.value, v);
				walkTerm(t.domain, v);
				walkBody(t.body, v);
				break;
			default:
				walkTerm(t, v, true);
		}
		for (const w of e.with) {
			walkTerm(w.target, v);
			walkTerm(w.value, v);
		}
	}
}

export function walkRule(r: Rule, v: Visitor): void {
	for (let x: Rule | undefined = r; x; x = x.else) {
		walkTerm(x.head.ref, v);
		for (const a of x.head.args ?? []) walkTerm(a, v);
		if (x.head.key) walkTerm(x.head.key, v);
		if (x.head.value) walkTerm(x.head.value, v);
		walkBody(x.body, v);
	}
}

export function checkRootDocumentOverrides(mod: Module): RegoError[] {
	const errors: RegoError[] = [];
	for (const r of mod.rules) {
		const head = r.head.ref.head;
		if (head.type === "var" && ROOTS.has(head.name)) {
			errors.push({
				code: "rego_compile_error",
				message: `rules must not shadow ${head.name} (use a different rule name)`,
				loc: at(r.loc),
			});
		}
		for (const a of r.head.args ?? []) {
			if (
				a.type === "ref" &&
				a.path.length === 0 &&
				a.head.type === "var" &&
				ROOTS.has(a.head.name)
			) {
				errors.push({
					code: "rego_compile_error",
					message: `args must not shadow ${a.head.name} (use a different variable name)`,
					loc: at(a.loc),
				});
			}
		}
		walkRule(r, {
			expr(e) {
				const t = e.terms;
				if (t.type !== "call" || refName(t.fn) !== "assign") return;
				const lhs = t.args[0];
				const name = lhs && (lhs.type === "ref" && lhs.path.length === 0 ? lhs.head : lhs);
				if (name?.type === "var" && ROOTS.has(name.name)) {
					errors.push({
						code: "rego_compile_error",
						message: `variables must not shadow ${name.name} (use a different variable name)`,
						loc: at(e.loc),
					});
				}
			},
		});
	}
	return errors;
}

export function checkDeprecatedBuiltins(mod: Module): RegoError[] {
	const errors: RegoError[] = [];
	for (const r of mod.rules) {
		walkRule(r, {
			expr(e) {
				const t = e.terms;
				if (t.type === "call") {
					const name = refName(t.fn);
					if (name && DEPRECATED_BUILTINS.has(name)) {
						errors.push({
							code: "rego_type_error",
							message: `deprecated built-in function calls in expression: ${name}`,
							loc: at(e.loc),
						});
					}
				}
			},
			term(t, top) {
				if (top || t.type !== "call") return;
				const name = refName(t.fn);
				if (name && DEPRECATED_BUILTINS.has(name)) {
					errors.push({
						code: "rego_type_error",
						message: `deprecated built-in function calls in expression: ${name}`,
						loc: at(t.fn.loc),
					});
				}
			},
		});
	}
	return errors;
}

/** Everything OPA checks for a v1 module (or a v0 module importing rego.v1). */
export function checkV1Module(mod: Module, syntax: Map<Rule, RuleSyntax>): RegoError[] {
	return [
		...checkV1Rules(mod, syntax),
		...checkDuplicateImports(mod),
		...checkRootDocumentOverrides(mod),
		...checkDeprecatedBuiltins(mod),
	];
}
