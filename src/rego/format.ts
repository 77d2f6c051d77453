// The canonical formatter (`gavel fmt`), in the style of `opa fmt`: the printer's layout
// (tabs, `if`/`contains`), imports sorted and grouped, one blank line between statements, and
// every comment kept next to the code it was written beside. METADATA blocks stay exactly as
// written (they are comments before their package or rule): reprinting their YAML would
// restyle what the author chose, and the parser reads them back to the same annotations.

import type { Comment, Import, Loc, Module } from "./ast.ts";
import { type CommentHooks, printModule, printRuleWithComments } from "./printer.ts";

interface Pending {
	comments: Comment[];
}

const text = (c: Comment) => `#${c.text}`;

/** Take (remove and return) the pending comments `pick` selects, in source order. */
function take(p: Pending, pick: (c: Comment) => boolean): Comment[] {
	const out: Comment[] = [];
	p.comments = p.comments.filter((c) => {
		if (!pick(c)) return true;
		out.push(c);
		return false;
	});
	return out;
}

function hooksFor(p: Pending): CommentHooks {
	return {
		leading: (loc, indent) => take(p, (c) => c.loc.row < loc.row).map((c) => indent + text(c)),
		trailing: (loc) => {
			const [first, ...rest] = take(p, (c) => c.loc.row === loc.endRow);
			if (!first) return undefined;
			// Two comments cannot share one line; only the first can trail the code.
			return ` ${[first, ...rest].map(text).join(" ")}`;
		},
		closing: (row, indent) => take(p, (c) => c.loc.row < row).map((c) => indent + text(c)),
		wantsBlock: (first, head) =>
			first.row > head.row || p.comments.some((c) => c.loc.row < first.row),
	};
}

/** Import groups as `opa fmt` keeps them: language imports (rego, future) first, then the rest. */
function importGroups(imports: Import[]): Import[][] {
	const key = (i: Import) => printImportKey(i);
	const lang = imports.filter((i) => isLanguageImport(i)).sort((a, b) => cmp(key(a), key(b)));
	const rest = imports.filter((i) => !isLanguageImport(i)).sort((a, b) => cmp(key(a), key(b)));
	return [lang, rest].filter((g) => g.length > 0);
}

function isLanguageImport(i: Import): boolean {
	const h = i.path.head;
	return h.type === "var" && (h.name === "rego" || h.name === "future");
}

function printImportKey(i: Import): string {
	return printModule({ ...emptyModule(i.loc), imports: [i] }).split("\n")[2] ?? "";
}

function emptyModule(loc: Loc): Module {
	return {
		type: "module",
		file: loc.file,
		regoVersion: 1,
		package: {
			type: "package",
			path: {
				type: "ref",
				head: { type: "var", name: "data", loc },
				path: [{ type: "string", value: "p", loc }],
				loc,
			},
			loc,
		},
		imports: [],
		rules: [],
		annotations: [],
		comments: [],
		loc,
	};
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface FormatOptions {
	/**
	 * Add `import rego.v1` when it is missing, so the output (Rego v1 syntax) also reads as
	 * intended in a v0 module: for files formatted in --v0-compatible mode.
	 */
	addRegoV1Import?: boolean;
}

export function formatModule(m: Module, opts: FormatOptions = {}): string {
	const pending: Pending = {
		comments: [...m.comments].sort((a, b) => a.loc.row - b.loc.row || a.loc.col - b.loc.col),
	};
	const hooks = hooksFor(pending);
	const out: string[] = [];
	const leading = (row: number) => take(pending, (c) => c.loc.row < row).map(text);
	// Comments before a statement keep the blank lines that separated them from each other and
	// from the statement: two METADATA blocks, or a note that is not the rule's own, stay apart.
	const leadingGroups = (row: number) => {
		const cs = take(pending, (c) => c.loc.row < row);
		const out: string[] = [];
		cs.forEach((c, i) => {
			if (i > 0 && c.loc.row > cs[i - 1].loc.row + 1) out.push("");
			out.push(text(c));
		});
		const last = cs.at(-1);
		if (last && last.loc.row < row - 1) out.push("");
		return out;
	};
	const trailing = (row: number) => {
		const t = hooks.trailing({ ...m.loc, endRow: row });
		return t ?? "";
	};

	// Package: its leading comments, annotations, the clause.
	const pkgComments = leadingGroups(m.package.loc.row);
	const pkgText = printModule({ ...m, imports: [], rules: [], annotations: [] }).trimEnd();
	out.push([...pkgComments, pkgText + trailing(m.package.loc.endRow)].join("\n"));

	let imports = [...m.imports];
	const hasV1 = imports.some((i) => printImportKey(i) === "import rego.v1");
	if (opts.addRegoV1Import && !hasV1) {
		imports.push({
			type: "import",
			path: {
				type: "ref",
				head: { type: "var", name: "rego", loc: m.package.loc },
				path: [{ type: "string", value: "v1", loc: m.package.loc }],
				loc: m.package.loc,
			},
			loc: m.package.loc,
		});
	}
	// Comments before an import travel with it when imports are sorted.
	const importText = new Map<Import, string>();
	imports = imports.sort((a, b) => a.loc.row - b.loc.row);
	for (const i of imports) {
		const lines = leading(i.loc.row);
		importText.set(i, [...lines, printImportKey(i) + trailing(i.loc.endRow)].join("\n"));
	}
	for (const group of importGroups(imports))
		out.push(group.map((i) => importText.get(i)).join("\n"));

	for (const r of m.rules) {
		const lines = leadingGroups(r.loc.row);
		const rule = printRuleWithComments({ ...r, annotations: undefined }, hooks);
		// Comments inside the head (a multi-line value or key) have no line of their own in
		// the output: they go just before the rule.
		lines.push(...leading(r.loc.endRow));
		out.push([...lines, rule + trailing(r.loc.endRow)].join("\n"));
	}
	const rest = pending.comments.map(text);
	if (rest.length > 0) out.push(rest.join("\n"));
	return `${out.join("\n\n")}\n`;
}
