// Which words are reserved. Rego v1 reserves the "future" keywords too; in v0 they are plain
// identifiers until `import future.keywords[.x]` or `import rego.v1` turns them on.

/** Reserved in every Rego version. */
export const BASE_KEYWORDS = new Set([
	"package",
	"import",
	"as",
	"default",
	"else",
	"not",
	"some",
	"with",
	"null",
	"true",
	"false",
]);

/** Keywords that v0 needed `import future.keywords.<name>` for, and that v1 always has. */
export const FUTURE_KEYWORDS = ["contains", "every", "if", "in"] as const;
export type FutureKeyword = (typeof FUTURE_KEYWORDS)[number];

export function isFutureKeyword(s: string): s is FutureKeyword {
	return (FUTURE_KEYWORDS as readonly string[]).includes(s);
}

/** True when `s` is a keyword in Rego v1 (what the printer must avoid writing as a bare name). */
export function isV1Keyword(s: string): boolean {
	return BASE_KEYWORDS.has(s) || isFutureKeyword(s);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isIdentifier(s: string): boolean {
	return IDENT.test(s);
}
