// The front end's public face: parse modules, queries and terms; print them back.

import { attachAnnotations } from "./annotations.ts";
import type { Body, Module, Term } from "./ast.ts";
import { checkV1Module } from "./checks.ts";
import { type RegoError, sortErrors } from "./errors.ts";
import { FUTURE_KEYWORDS } from "./keywords.ts";
import { Parser } from "./parser.ts";

export * from "./ast.ts";
export * from "./errors.ts";
export { printBody, printModule, printRule, printTerm } from "./printer.ts";
export { stripLocations } from "./strip.ts";

export interface ParseOptions {
	/** 1 (default): OPA 1.x syntax. 0: the v0-compatible syntax of OPA 0.x. */
	regoVersion?: 0 | 1;
	/**
	 * false: leave METADATA blocks as plain comments, unchecked (as `opa fmt` reads a module);
	 * default true.
	 */
	annotations?: boolean;
}

/**
 * The scanner's first error, then the parser's (OPA lists both: a non-terminated string and
 * the "illegal token" the parser found there).
 */
function withLexError(p: Parser): RegoError[] {
	const errs = [...p.errors];
	const lex = p.lexError;
	if (!lex) return errs;
	// An illegal character is one error, whichever of the two saw it first.
	const i = errs.findIndex(
		(e) => e.message === lex.message && e.loc?.row === lex.loc?.row && e.loc?.col === lex.loc?.col,
	);
	if (i >= 0) errs.splice(i, 1);
	return [lex, ...errs];
}

export function parseModule(
	source: string,
	file: string,
	opts: ParseOptions = {},
): { module?: Module; errors: RegoError[] } {
	const p = new Parser(source, file, opts);
	const mod = p.parseModule();
	const errors = withLexError(p);
	if (!mod || errors.length > 0) return { errors: sortErrors(errors) };
	errors.push(...p.notRules);
	if (p.packageMissing) return { errors: sortErrors(errors) };
	if (opts.annotations !== false) errors.push(...attachAnnotations(mod));
	if (mod.regoVersion === 1 || p.regoV1Import) errors.push(...checkV1Module(mod, p.syntax));
	if (errors.length > 0) return { errors: sortErrors(errors) };
	return { module: mod, errors: [] };
}

export function parseQuery(
	source: string,
	opts: ParseOptions & { file?: string } = {},
): { body?: Body; errors: RegoError[] } {
	const p = new Parser(source, opts.file ?? "query", opts);
	const body = p.parseQueryBody();
	const errors = withLexError(p);
	if (!body || errors.length > 0) return { errors: sortErrors(errors) };
	return { body, errors: [] };
}

export function parseTerm(
	source: string,
	opts: ParseOptions & { file?: string } = {},
): {
	term?: Term;
	errors: RegoError[];
} {
	const p = new Parser(source, opts.file ?? "term", opts);
	if ((opts.regoVersion ?? 1) === 1) p.enableKeywords(FUTURE_KEYWORDS);
	const term = p.parseSingleTerm();
	const errors = withLexError(p);
	if (!term || errors.length > 0) return { errors: sortErrors(errors) };
	return { term, errors: [] };
}
