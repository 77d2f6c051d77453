// The parser's footing: a cursor over the tokens, which words are keywords, errors in OPA's
// words, the nesting guard, and the bookkeeping that lets a speculative parse be undone.

import type { Loc, Term } from "./ast.ts";
import type { RegoError } from "./errors.ts";
import { BASE_KEYWORDS, FUTURE_KEYWORDS, type FutureKeyword, isFutureKeyword } from "./keywords.ts";
import { type LexResult, lex, type Token } from "./lexer.ts";

/** Nesting deeper than this is reported instead of risking the call stack. */
export const MAX_DEPTH = 500;

/** What the checks need to know about how a rule was written (not part of the AST). */
export interface RuleSyntax {
	hasIf: boolean;
	hasContains: boolean;
	/** No body was written (`p := 1`, `p contains 1`). */
	generatedBody: boolean;
	/** No value was written (`p if …`); the parser filled in `true`. */
	generatedValue: boolean;
}

export interface ParseOptions {
	regoVersion?: 0 | 1;
}

/**
 * Internal: unwinds the parse at a syntax error. Not an Error: speculative parses throw it
 * often, and capturing a stack trace each time would dominate the parse time.
 */
export class SyntaxFailure {
	constructor(readonly message: string) {}
}

/** Thrown while parsing speculatively, where the error would be discarded anyway. */
export const SPECULATION_FAILED = new SyntaxFailure("speculative parse failed");

export const ROOT_DOCUMENTS = new Set(["data", "input"]);

/** How OPA's messages name operator tokens ("unexpected assign token"); brackets stay symbols. */
const TOKEN_NAMES: Record<string, string> = {
	"+": "plus",
	"-": "minus",
	"*": "mul",
	"/": "div",
	"%": "rem",
	"&": "and",
	"|": "or",
	"=": "eq",
	"==": "equal",
	":=": "assign",
	"!=": "neq",
	">": "gt",
	"<": "lt",
	">=": "gte",
	"<=": "lte",
};

export abstract class TokenCursor {
	readonly file: string;
	readonly regoVersion: 0 | 1;
	protected toks: Token[];
	protected pos = 0;
	/** >0 while trying a parse that may be undone: failures then skip building messages. */
	protected speculative = 0;
	protected inComprehension = 0;
	/** Advice for the next error, when a v0 module seems to want a future keyword. */
	protected hint: string | undefined;
	protected termMemo = new Map<number, { term: Term; end: number }>();
	protected depth = 0;
	readonly errors: RegoError[] = [];
	readonly comments: LexResult["comments"];
	/** The first scanner error, if any (the parser keeps going so its error can be compared). */
	readonly lexError?: RegoError;
	protected keywords = new Set<FutureKeyword>();

	constructor(src: string, file: string, opts: ParseOptions = {}) {
		this.file = file;
		this.regoVersion = opts.regoVersion ?? 1;
		if (this.regoVersion === 1) for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
		const lexed = lex(src, file);
		this.toks = lexed.tokens;
		this.comments = lexed.comments;
		if (lexed.errors.length > 0) {
			const e = lexed.errors[0];
			this.lexError = {
				code: "rego_parse_error",
				message: e.message,
				loc: { file, row: e.row, col: e.col },
			};
		}
	}

	// ---- token helpers ----

	protected get tok(): Token {
		return this.toks[this.pos];
	}
	protected next(): Token {
		const t = this.toks[this.pos];
		if (this.pos < this.toks.length - 1) this.pos++;
		return t;
	}
	protected get prev(): Token {
		return this.toks[Math.max(this.pos - 1, 0)];
	}
	protected isOp(text: string, t: Token = this.tok): boolean {
		return t.kind === "op" && t.text === text;
	}
	/** `word` is a keyword here (base keywords always; future ones when enabled). */
	isKw(word: string, t: Token = this.tok): boolean {
		if (t.kind !== "ident" || t.text !== word) return false;
		return BASE_KEYWORDS.has(word) || (isFutureKeyword(word) && this.keywords.has(word));
	}
	/**
	 * A keyword written directly before `.` or `[` is the first name of a ref (`if.x`,
	 * `data.not[0]` style names), as OPA allows.
	 */
	protected isRefKeyword(at: number = this.pos): boolean {
		if (!this.isReserved(this.toks[at])) return false;
		const n = this.toks[at + 1];
		return n !== undefined && !n.wsBefore && n.kind === "op" && (n.text === "." || n.text === "[");
	}
	protected isReserved(t: Token): boolean {
		if (t.kind !== "ident") return false;
		return BASE_KEYWORDS.has(t.text) || (isFutureKeyword(t.text) && this.keywords.has(t.text));
	}

	loc(start: Token, end: Token = this.prev): Loc {
		return {
			file: this.file,
			row: start.row,
			col: start.col,
			endRow: end.endRow,
			endCol: end.endCol,
		};
	}
	protected span(start: Pick<Loc, "row" | "col">, end: Pick<Loc, "endRow" | "endCol">): Loc {
		return {
			file: this.file,
			row: start.row,
			col: start.col,
			endRow: end.endRow,
			endCol: end.endCol,
		};
	}

	// ---- errors ----

	fail(message: string, t: Token = this.tok): never {
		this.failAt(message, t);
	}
	failAt(message: string, loc: Pick<Loc, "row" | "col">): never {
		if (this.speculative > 0) throw SPECULATION_FAILED;
		// Like OPA, a pending hint rides on the next error ("… (hint: import future.keywords.in …)").
		const full = this.hint ? `${message} (hint: ${this.hint})` : message;
		this.hint = undefined;
		this.errors.push({
			code: "rego_parse_error",
			message: full,
			loc: { file: this.file, row: loc.row, col: loc.col },
		});
		throw new SyntaxFailure(full);
	}
	/** OPA's "unexpected <tok> token[: note]". */
	illegal(note = "", t: Token = this.tok): never {
		if (this.speculative > 0) throw SPECULATION_FAILED;
		this.fail(this.unexpected(note, t), t);
	}
	/**
	 * Records "unexpected <tok> token" and lets the parse go on (OPA does so where an operator
	 * has no right operand: `1 + }` is reported, and the rest of the file is still read).
	 */
	softIllegal(t: Token = this.tok): void {
		if (this.speculative > 0) throw SPECULATION_FAILED;
		this.errors.push({
			code: "rego_parse_error",
			message: this.unexpected("", t),
			loc: { file: this.file, row: t.row, col: t.col },
		});
	}
	/** The last error was reported at token `t`. */
	protected lastErrorAt(t: Token): boolean {
		const e = this.errors[this.errors.length - 1];
		return e?.loc !== undefined && e.loc.row === t.row && e.loc.col === t.col;
	}
	protected unexpected(note: string, t: Token): string {
		if (t.kind === "illegal") return "illegal token";
		let what: string;
		let kind = "token";
		if (t.kind === "eof") what = "eof";
		else if (t.kind === "number") what = "number";
		else if (t.kind === "string") what = "string";
		else if (t.kind === "ident") {
			if (this.isReserved(t)) {
				what = t.text;
				kind = "keyword";
			} else what = "identifier";
		} else what = TOKEN_NAMES[t.text] ?? t.text;
		return note ? `unexpected ${what} ${kind}: ${note}` : `unexpected ${what} ${kind}`;
	}
	protected enter(): void {
		if (++this.depth > MAX_DEPTH) this.fail("max parsing recursion depth exceeded");
	}

	/** Runs `f`, turning the first syntax error into a returned failure. */
	guard<T>(f: () => T): T | undefined {
		try {
			return f();
		} catch (e) {
			if (e instanceof SyntaxFailure) return undefined;
			if (e instanceof RangeError) {
				// Belt and braces: the depth limit should make this unreachable.
				this.errors.push({
					code: "rego_parse_error",
					message: "input too deeply nested",
					loc: { file: this.file, row: this.tok.row, col: this.tok.col },
				});
				return undefined;
			}
			throw e;
		}
	}
}
