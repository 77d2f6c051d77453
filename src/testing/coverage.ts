// Line coverage without a special compiler mode: before compiling, every expression of every
// rule body gets a `print` of a marker naming its line inserted in front of it, and every
// rule's body a marker for the head line at its end (the head produced a value). The
// runtime's print goes through the SDK's println channel, where the runner collects the
// markers. A line is covered when a marker for it was printed during any test.

import type { Body, Expr, Loc, Module, Rule, Term } from "../rego/ast.ts";

const PREFIX = "\u0001gavel-cover ";

export function isCoverMark(line: string): boolean {
	return line.startsWith(PREFIX);
}

function mark(file: string, row: number): string {
	return `${PREFIX}${row} ${file}`;
}

function markExpr(file: string, row: number, loc: Loc): Expr {
	const text: Term = { type: "string", value: mark(file, row), loc };
	return {
		type: "expr",
		negated: false,
		terms: {
			type: "call",
			fn: { type: "ref", head: { type: "var", name: "print", loc }, path: [], loc },
			args: [text],
			loc,
		},
		with: [],
		loc,
	};
}

interface Coverable {
	/** file → rows that hold an expression or a rule head. */
	lines: Map<string, Set<number>>;
}

function body(b: Body, file: string, acc: Coverable): Body {
	const out: Body = [];
	for (const e of b) {
		add(acc, file, e.loc.row);
		out.push(markExpr(file, e.loc.row, e.loc));
		const t = e.terms;
		out.push(t.type === "every" ? { ...e, terms: { ...t, body: body(t.body, file, acc) } } : e);
	}
	return out;
}

function add(acc: Coverable, file: string, row: number): void {
	let rows = acc.lines.get(file);
	if (!rows) {
		rows = new Set();
		acc.lines.set(file, rows);
	}
	rows.add(row);
}

function rule(r: Rule, file: string, acc: Coverable): Rule {
	// A default rule has no body to hold markers; its value is always available anyway.
	if (r.default) return r;
	add(acc, file, r.head.loc.row);
	const instrumented: Rule = {
		...r,
		body: [...body(r.body, file, acc), markExpr(file, r.head.loc.row, r.head.loc)],
	};
	if (r.else) instrumented.else = rule(r.else, file, acc);
	return instrumented;
}

export function instrumentModules(modules: Module[]): {
	modules: Module[];
	lines: Map<string, Set<number>>;
} {
	const acc: Coverable = { lines: new Map() };
	const out = modules.map((m) => ({ ...m, rules: m.rules.map((r) => rule(r, m.file, acc)) }));
	return { modules: out, lines: acc.lines };
}

export interface FileCoverage {
	file: string;
	covered: number[];
	notCovered: number[];
	/** covered / coverable, 0–100 (100 for a file with nothing to cover). */
	percent: number;
}

export interface CoverageReport {
	files: FileCoverage[];
	percent: number;
}

export function coverageReport(lines: Map<string, Set<number>>, hits: Set<string>): CoverageReport {
	const files: FileCoverage[] = [];
	let total = 0;
	let coveredTotal = 0;
	for (const file of [...lines.keys()].sort()) {
		const rows = [...(lines.get(file) ?? [])].sort((a, b) => a - b);
		const covered = rows.filter((r) => hits.has(mark(file, r)));
		const notCovered = rows.filter((r) => !hits.has(mark(file, r)));
		total += rows.length;
		coveredTotal += covered.length;
		const percent = rows.length === 0 ? 100 : (100 * covered.length) / rows.length;
		files.push({ file, covered, notCovered, percent });
	}
	return { files, percent: total === 0 ? 100 : (100 * coveredTotal) / total };
}
