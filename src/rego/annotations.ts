// `# METADATA` blocks: a comment saying METADATA followed by comment lines on the next rows,
// holding YAML. Each block belongs to the statement that follows it: the package (scope
// "package" by default) or a rule (scope "rule" by default).

import { parse as parseYaml, YAMLParseError } from "yaml";
import type { Annotation, AnnotationScope, Comment, Loc, Module, Rule } from "./ast.ts";
import type { RegoError } from "./errors.ts";

const SCOPES: AnnotationScope[] = ["rule", "document", "package", "subpackages"];
const KNOWN = new Set([
	"scope",
	"title",
	"description",
	"entrypoint",
	"organizations",
	"authors",
	"related_resources",
	"schemas",
	"custom",
]);

interface Block {
	yaml: string;
	loc: Loc;
}

function findBlocks(comments: Comment[]): Block[] {
	const blocks: Block[] = [];
	for (let i = 0; i < comments.length; i++) {
		if (!comments[i].text.trim().startsWith("METADATA")) continue;
		const first = comments[i];
		const lines: string[] = [];
		let j = i + 1;
		let row = first.loc.row;
		// The block goes on while comments sit on the following lines, in the first column.
		while (j < comments.length && comments[j].loc.row === row + 1 && comments[j].loc.col === 1) {
			const t = comments[j].text;
			lines.push(t.startsWith(" ") ? t.slice(1) : t);
			row = comments[j].loc.row;
			j++;
		}
		const last = comments[j - 1];
		blocks.push({
			yaml: lines.join("\n"),
			loc: { ...first.loc, endRow: last.loc.endRow, endCol: last.loc.endCol },
		});
		i = j - 1;
	}
	return blocks;
}

function toAnnotation(
	raw: unknown,
	scope: AnnotationScope,
	loc: Loc,
	error: (m: string) => void,
): Annotation | undefined {
	if (raw === null || raw === undefined) return { scope, loc };
	if (typeof raw !== "object" || Array.isArray(raw)) {
		error("metadata block must be a YAML mapping");
		return undefined;
	}
	const r = raw as Record<string, unknown>;
	const a: Annotation = { scope, loc };
	if (typeof r.title === "string") a.title = r.title;
	if (typeof r.description === "string") a.description = r.description;
	if (r.entrypoint !== undefined) {
		if (typeof r.entrypoint !== "boolean") {
			error("invalid value for entrypoint, must be true or false");
			return undefined;
		}
		a.entrypoint = r.entrypoint;
	}
	if (Array.isArray(r.organizations)) a.organizations = r.organizations.map(String);
	if (Array.isArray(r.authors)) a.authors = r.authors;
	if (Array.isArray(r.related_resources)) a.related_resources = r.related_resources;
	if (Array.isArray(r.schemas)) a.schemas = r.schemas;
	if (r.custom && typeof r.custom === "object" && !Array.isArray(r.custom)) {
		a.custom = { ...(r.custom as Record<string, unknown>) };
	}
	// ast.ts promises unknown keys are kept rather than dropped: apart from `custom`, since OPA
	// drops them and rego.metadata.* must not show them.
	const extra: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(r)) if (!KNOWN.has(k)) extra[k] = v;
	if (Object.keys(extra).length > 0) a.extra = extra;
	return a;
}

/**
 * The yaml library's message ends "at line L, column C:" and then a code frame; the position
 * is given separately (OPA's style puts the line first), and the frame is no use in one line.
 */
function yamlError(e: unknown): { message: string; line?: number } {
	const first = (e instanceof Error ? e.message : String(e)).split("\n")[0];
	const message = first.replace(/ at line \d+, column \d+:?$/, "").trim();
	const line = e instanceof YAMLParseError ? e.linePos?.[0]?.line : undefined;
	return { message, line };
}

/** Parses every METADATA block of `mod` and hangs it on its package or rule. */
export function attachAnnotations(mod: Module): RegoError[] {
	const errors: RegoError[] = [];
	const blocks = findBlocks(mod.comments);
	// Blocks and rules are both in source order: one forward walk pairs them (linear time).
	let next = 0;
	for (const b of blocks) {
		const error = (message: string, row = b.loc.row) =>
			errors.push({
				code: "rego_parse_error",
				message,
				loc: { file: b.loc.file, row, col: b.loc.col },
			});
		if (b.yaml.trim() === "") {
			error("expected METADATA block, found whitespace");
			continue;
		}
		let raw: unknown;
		try {
			raw = parseYaml(b.yaml);
		} catch (e) {
			const { message, line } = yamlError(e);
			// Placed as OPA places it: it indexes the block's YAML lines (0-based) with the 1-based
			// line of the error, capped at the last one; without a line, at the first YAML line.
			if (line === undefined) error(`yaml: ${message}`, Math.min(b.loc.row + 1, b.loc.endRow));
			else error(`yaml: line ${line}: ${message}`, Math.min(b.loc.row + line + 1, b.loc.endRow));
			continue;
		}
		// The statement that follows: the package if the block precedes it, else the next rule.
		const after = (r: Rule) =>
			r.loc.row > b.loc.endRow || (r.loc.row === b.loc.endRow && r.loc.col > b.loc.endCol);
		while (next < mod.rules.length && !after(mod.rules[next])) next++;
		const target = b.loc.row < mod.package.loc.row ? "package" : mod.rules[next];
		if (target === undefined) {
			error("metadata block must be followed by a package or rule");
			continue;
		}
		const declared =
			raw && typeof raw === "object" && "scope" in raw
				? (raw as { scope: unknown }).scope
				: undefined;
		// As OPA: an entrypoint annotation on a rule is about the whole document by default.
		const entry =
			raw && typeof raw === "object" && (raw as { entrypoint?: unknown }).entrypoint === true;
		let scope: AnnotationScope = target === "package" ? "package" : entry ? "document" : "rule";
		if (declared !== undefined) {
			if (typeof declared !== "string" || !SCOPES.includes(declared as AnnotationScope)) {
				error(`invalid annotation scope '${String(declared)}'`);
				continue;
			}
			scope = declared as AnnotationScope;
		}
		const ann = toAnnotation(raw, scope, b.loc, error);
		if (!ann) continue;
		if (target === "package") {
			if (scope !== "package" && scope !== "subpackages") {
				error(`annotation scope '${scope}' must be applied to rule (have package)`);
				continue;
			}
			mod.annotations.push(ann);
		} else {
			if (scope === "package" || scope === "subpackages") {
				error(`annotation scope '${scope}' must be applied to package`);
				continue;
			}
			target.annotations ??= [];
			target.annotations.push(ann);
		}
	}
	return errors;
}
