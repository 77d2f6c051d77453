// Prints the AST back to Rego v1. The contract is round-tripping: parsing the output gives the
// same AST (modulo locations and ordinary comments). Parentheses are added only where the
// grammar needs them; METADATA annotations are printed back as YAML comment blocks.

import { stringify as yamlStringify } from "yaml";
import type { Annotation, Body, Expr, Import, Module, RefTerm, Rule, Term } from "./ast.ts";
import { isIdentifier } from "./keywords.ts";
import { isTrue, leftSpineHasOr, operatorOf } from "./operators.ts";
import { builtinRef } from "./terms.ts";

const TOP = 0;
/** Where a full term expression is parsed (call args, list items, brackets, heads). */
const ITEM = 1;

function printString(value: string, raw?: boolean): string {
	if (raw && !value.includes("`")) return `\`${value}\``;
	return JSON.stringify(value);
}

function printPathElem(p: Term): string {
	// After a dot the parser takes any name, keywords included (`future.keywords.in`,
	// `data.x.if`), so only non-identifiers need brackets; this is how OPA's formatter prints them.
	if (p.type === "string" && !p.raw && isIdentifier(p.value)) {
		return `.${p.value}`;
	}
	return `[${term(p, ITEM, true)}]`;
}

function printRef(r: RefTerm): string {
	let head: string;
	if (r.head.type === "var") head = r.head.name;
	else if (operatorOf(r.head)) head = `(${term(r.head, TOP, true)})`;
	else head = term(r.head, ITEM, false);
	return head + r.path.map(printPathElem).join("");
}

function list(items: Term[]): string {
	return items.map(item).join(", ");
}

/** An element of an array/set/object or a call argument. */
function item(t: Term): string {
	if (leftSpineHasOr(t)) return `(${term(t, TOP, true)})`;
	return term(t, ITEM, false);
}

/** A comprehension's head must be a single term, not an operator expression. */
function primary(t: Term): string {
	return operatorOf(t) ? `(${term(t, TOP, true)})` : term(t, ITEM, false);
}

/**
 * `prec`: the lowest operator level that may appear without parentheses here.
 * `kvOk`: whether `k, v in xs` may appear bare (not inside comma-separated lists).
 */
function term(t: Term, prec: number, kvOk: boolean): string {
	switch (t.type) {
		case "null":
			return "null";
		case "boolean":
			return t.value ? "true" : "false";
		case "number":
			return t.text;
		case "string":
			return printString(t.value, t.raw);
		case "var":
			return t.name;
		case "ref":
			return printRef(t);
		case "array":
			return `[${list(t.items)}]`;
		case "set":
			return t.items.length === 0 ? "set()" : `{${list(t.items)}}`;
		case "object":
			return `{${t.entries.map(([k, v]) => `${item(k)}: ${item(v)}`).join(", ")}}`;
		case "arrayCompr":
			return `[${primary(t.term)} | ${inlineBody(t.body)}]`;
		case "setCompr":
			return `{${primary(t.term)} | ${inlineBody(t.body)}}`;
		case "objectCompr":
			return `{${primary(t.key)}: ${primary(t.value)} | ${inlineBody(t.body)}}`;
		case "call": {
			const op = operatorOf(t);
			if (op && op.level === 0 && prec > TOP) {
				// `=`/`:=` only exist at the top of an expression; elsewhere use the call form.
				return `${op.name}(${list(t.args)})`;
			}
			if (op) {
				let s: string;
				if (op.name === "internal.member_3") {
					const [k, v, xs] = t.args;
					s = `${term(k, 2, false)}, ${term(v, 2, false)} in ${term(xs, 2, false)}`;
					if (!kvOk || prec > 1) return `(${s})`;
					return s;
				}
				const [a, b] = t.args;
				const lhsKv = op.level === 0;
				s = `${term(a, op.level === 0 ? 1 : op.level, lhsKv)} ${op.symbol} ${term(b, op.level + 1, lhsKv)}`;
				return op.level < prec ? `(${s})` : s;
			}
			return `${printRef(t.fn)}(${list(t.args)})`;
		}
	}
}

/** A term as `parseTerm` reads it (a bare `k, v in xs` would not be one term there). */
export function printTerm(t: Term): string {
	return term(t, ITEM, false);
}

/**
 * `x` then `-1 == y` on the next line would read as `x - 1 == y`, and `{a | b}` as a
 * comprehension: parentheses keep such a literal whole.
 */
function guardStart(t: Term, text: string): string {
	return leftSpineHasOr(t) || text.startsWith("-") ? `(${text})` : text;
}

function literal(e: Expr, indent: string | undefined): string {
	let s = e.negated ? "not " : "";
	const t = e.terms;
	switch (t.type) {
		case "some":
			s += `some ${t.vars.map((v) => v.name).join(", ")}`;
			break;
		case "someIn":
			s += `some ${membership(t.key, t.value, t.collection, t.loc)}`;
			break;
		case "every": {
			s += `every ${membership(t.key, t.value, t.domain, t.loc)} ${block(t.body, indent)}`;
			break;
		}
		default: {
			const op = operatorOf(t);
			if (op && op.level === 0 && t.type === "call") {
				// `=`/`:=` cannot sit inside parentheses; guard their left side instead.
				const [a, b] = t.args;
				s += `${guardStart(a, term(a, 1, true))} ${op.symbol} ${term(b, 1, true)}`;
			} else s += guardStart(t, term(t, TOP, true));
		}
	}
	for (const w of e.with) s += ` with ${printRef(w.target)} as ${term(w.value, ITEM, true)}`;
	return s;
}

function membership(key: Term | undefined, value: Term, coll: Term, loc: Term["loc"]): string {
	const name = key ? "internal.member_3" : "internal.member_2";
	const args = key ? [key, value, coll] : [value, coll];
	return term({ type: "call", fn: builtinRef(name, loc), args, infix: true, loc }, TOP, true);
}

function inlineBody(body: Body): string {
	return body.map((e) => literal(e, undefined)).join("; ");
}

/** `{ … }` with one literal per line at `indent + tab`, or inline when `indent` is undefined. */
function block(body: Body, indent: string | undefined): string {
	if (indent === undefined) return `{ ${inlineBody(body)} }`;
	const inner = `${indent}\t`;
	return `{\n${body.map((e) => inner + literal(e, inner)).join("\n")}\n${indent}}`;
}

export function printBody(b: Body): string {
	return b.map((e) => literal(e, "")).join("\n");
}

function annotationYaml(a: Annotation): string {
	const o: Record<string, unknown> = { scope: a.scope };
	if (a.title !== undefined) o.title = a.title;
	if (a.description !== undefined) o.description = a.description;
	if (a.entrypoint !== undefined) o.entrypoint = a.entrypoint;
	if (a.organizations) o.organizations = a.organizations;
	if (a.authors) o.authors = a.authors;
	if (a.related_resources) o.related_resources = a.related_resources;
	if (a.schemas) o.schemas = a.schemas;
	if (a.custom) o.custom = a.custom;
	if (a.extra) Object.assign(o, a.extra);
	const y = yamlStringify(o).trimEnd();
	return ["# METADATA", ...y.split("\n").map((l) => `# ${l}`)].join("\n");
}

/** Blocks are kept apart by a blank line: a METADATA line right under a block would continue it. */
function annotationBlocks(list: Annotation[]): string {
	return list.map(annotationYaml).join("\n\n");
}

function headName(r: Rule): string {
	let s = printRef(r.head.ref);
	if (r.head.args) s += `(${list(r.head.args)})`;
	return s;
}

function valuePart(r: Rule): string {
	const v = r.head.value;
	if (!v) return "";
	// A bodied rule with `= true` reads the same without it (the parser fills in `true`).
	if (isTrue(v) && !r.head.assign && r.body.length > 0 && !r.default) return "";
	return ` ${r.head.assign ? ":=" : "="} ${term(v, ITEM, true)}`;
}

function bodyPart(body: Body): string {
	if (body.length === 0) return "";
	if (body.length === 1 && body[0].terms.type !== "every") {
		// `p if x` reads better than a one-line block. A literal starting with `{` stays in a
		// block: `p if {1}` would read `{1}` as the body's braces.
		const text = literal(body[0], "");
		if (!text.startsWith("{")) return ` if ${text}`;
	}
	return ` if ${block(body, "")}`;
}

export function printRule(r: Rule): string {
	const out: string[] = [];
	if (r.annotations?.length) out.push(annotationBlocks(r.annotations));
	let s = r.default ? "default " : "";
	s += headName(r);
	if (r.kind === "partialSet" && r.head.key) s += ` contains ${term(r.head.key, ITEM, true)}`;
	else s += valuePart(r);
	s += bodyPart(r.body);
	for (let e = r.else; e; e = e.else) {
		s += " else";
		if (!(isTrue(e.head.value) && !e.head.assign && e.body.length > 0)) {
			s += ` ${e.head.assign ? ":=" : "="} ${term(e.head.value ?? { type: "boolean", value: true, loc: e.loc }, ITEM, true)}`;
		}
		s += bodyPart(e.body);
	}
	out.push(s);
	return out.join("\n");
}

function printImport(i: Import): string {
	return `import ${printRef(i.path)}${i.alias ? ` as ${i.alias}` : ""}`;
}

export function printModule(m: Module): string {
	const parts: string[] = [];
	const pkgAnn = m.annotations.length > 0 ? [annotationBlocks(m.annotations)] : [];
	const [first, ...rest] = m.package.path.path;
	let pkg = first && first.type === "string" ? first.value : "";
	pkg += rest.map(printPathElem).join("");
	parts.push([...pkgAnn, `package ${pkg}`].join("\n"));
	if (m.imports.length > 0) parts.push(m.imports.map(printImport).join("\n"));
	for (const r of m.rules) parts.push(printRule(r));
	return `${parts.join("\n\n")}\n`;
}
