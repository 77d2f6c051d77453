// A short human-readable outline of a parsed module: what `gavel parse` prints without --json.

import type { Module, RefTerm, Term } from "../rego/ast.ts";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A ref as Rego writes it, for display only (non-scalar operands print as `[…]`). */
export function refText(ref: RefTerm): string {
	let text = termText(ref.head);
	for (const p of ref.path) {
		if (p.type === "string" && IDENT.test(p.value)) text += `.${p.value}`;
		else text += `[${termText(p)}]`;
	}
	return text;
}

function termText(t: Term): string {
	switch (t.type) {
		case "var":
			return t.name;
		case "string":
			return JSON.stringify(t.value);
		case "number":
			return t.text;
		case "boolean":
			return String(t.value);
		case "null":
			return "null";
		case "ref":
			return refText(t);
		default:
			return "…";
	}
}

export function outline(mod: Module): string {
	const lines = [
		`package ${refText(mod.package.path).replace(/^data\./, "")}  (rego.v${mod.regoVersion})`,
	];
	for (const imp of mod.imports) {
		lines.push(`import ${refText(imp.path)}${imp.alias ? ` as ${imp.alias}` : ""}`);
	}
	for (const rule of mod.rules) {
		const where = `${rule.loc.file}:${rule.loc.row}:${rule.loc.col}`;
		const kind = rule.default ? `default ${rule.kind}` : rule.kind;
		let elses = 0;
		for (let r = rule.else; r; r = r.else) elses++;
		const extra = elses > 0 ? `, ${elses} else` : "";
		lines.push(
			`rule ${refText(rule.head.ref)}  ${kind}, ${rule.body.length} expr${extra}  ${where}`,
		);
	}
	return lines.join("\n");
}
