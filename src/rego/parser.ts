// Recursive-descent parser for Rego (v1, and v0 behind an option), following the grammar and
// the error messages of OPA's own parser. Syntax errors stop the parse (as in OPA); the
// module-level checks in checks.ts then report everything else together.

import type {
	Annotation,
	Body,
	Every,
	Expr,
	Import,
	Loc,
	Module,
	ObjectTerm,
	Package,
	RefTerm,
	Rule,
	RuleHead,
	SetTerm,
	SomeDecl,
	SomeIn,
	Term,
	VarTerm,
	With,
} from "./ast.ts";
import type { RegoError } from "./errors.ts";
import { BASE_KEYWORDS, FUTURE_KEYWORDS, type FutureKeyword, isFutureKeyword } from "./keywords.ts";
import { type LexResult, lex, type Token } from "./lexer.ts";
import {
	builtinRef,
	INFIX_OPERATORS,
	isGroundTerm,
	refName,
	stringTerm,
	trueTerm,
	typeName,
	varTerm,
} from "./terms.ts";

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
class SyntaxFailure {
	constructor(readonly message: string) {}
}

/** Thrown while parsing speculatively, where the error would be discarded anyway. */
const SPECULATION_FAILED = new SyntaxFailure("speculative parse failed");

const ROOT_DOCUMENTS = new Set(["data", "input"]);

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

export class Parser {
	readonly file: string;
	readonly regoVersion: 0 | 1;
	private toks: Token[];
	private pos = 0;
	/** >0 while trying a parse that may be undone: failures then skip building messages. */
	private speculative = 0;
	private inComprehension = 0;
	/** Advice for the next error, when a v0 module seems to want a future keyword. */
	private hint: string | undefined;
	private termMemo = new Map<number, { term: Term; end: number }>();
	private depth = 0;
	readonly errors: RegoError[] = [];
	readonly comments: LexResult["comments"];
	/** The first scanner error, if any (the parser keeps going so its error can be compared). */
	readonly lexError?: RegoError;
	readonly syntax = new Map<Rule, RuleSyntax>();
	private keywords = new Set<FutureKeyword>();
	/** v0 module that imported rego.v1: v0 parsing with v1's checks. */
	regoV1Import = false;

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

	private get tok(): Token {
		return this.toks[this.pos];
	}
	private next(): Token {
		const t = this.toks[this.pos];
		if (this.pos < this.toks.length - 1) this.pos++;
		return t;
	}
	private get prev(): Token {
		return this.toks[Math.max(this.pos - 1, 0)];
	}
	private isOp(text: string, t: Token = this.tok): boolean {
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
	private isRefKeyword(at: number = this.pos): boolean {
		if (!this.isReserved(this.toks[at])) return false;
		const n = this.toks[at + 1];
		return n !== undefined && !n.wsBefore && n.kind === "op" && (n.text === "." || n.text === "[");
	}
	private isReserved(t: Token): boolean {
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
	private span(start: Pick<Loc, "row" | "col">, end: Pick<Loc, "endRow" | "endCol">): Loc {
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
		if (t.kind === "illegal") this.fail("illegal token", t);
		this.fail(note ? `unexpected ${what} ${kind}: ${note}` : `unexpected ${what} ${kind}`, t);
	}
	private enter(): void {
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

	// ---- terms ----

	/** A term with any `.x`, `[x]` and `(args)` written directly after it (no whitespace). */
	parseTerm(): Term {
		// Backtracking (comprehension-or-list, `if {`-literal-or-body) may revisit a position; the
		// memo keeps that linear, as OPA's parsed-term cache does.
		const startPos = this.pos;
		const memo = this.termMemo.get(startPos);
		if (memo) {
			this.pos = memo.end;
			return memo.term;
		}
		this.enter();
		const t = this.tok;
		let term: Term;
		if (t.kind === "number") {
			this.checkNumber(t, "");
			this.next();
			term = { type: "number", text: t.text, loc: this.loc(t) };
		} else if (t.kind === "string") {
			this.next();
			term = { type: "string", value: t.value ?? "", loc: this.loc(t) };
			if (t.raw) term.raw = true;
		} else if (this.isOp("-") || this.isOp(".")) {
			term = this.parseSignedNumber();
		} else if (t.kind === "ident") {
			if (t.text === "null" || t.text === "true" || t.text === "false") {
				this.next();
				term =
					t.text === "null"
						? { type: "null", loc: this.loc(t) }
						: { type: "boolean", value: t.text === "true", loc: this.loc(t) };
			} else if (this.isReserved(t) && t.text !== "contains" && !this.isRefKeyword()) {
				// `contains` is reserved only in rule heads; elsewhere it is the builtin's name.
				this.illegal();
			} else {
				this.next();
				term = varTerm(t.text, this.loc(t));
			}
		} else if (this.isOp("[")) {
			term = this.parseArray();
		} else if (this.isOp("{")) {
			term = this.parseSetOrObject();
		} else if (this.isOp("(")) {
			this.next();
			const inner = this.parseTermInfix(true);
			if (!this.isOp(")")) this.fail("non-terminated expression");
			this.next();
			term = inner;
		} else {
			this.illegal();
		}
		term = this.parseTermFinish(term);
		this.depth--;
		// Only terms that a backtrack may revisit are kept: inside a speculative parse or a
		// comprehension body (which may fall back to a list).
		if (this.speculative > 0 || this.inComprehension > 0)
			this.termMemo.set(startPos, { term, end: this.pos });
		return term;
	}

	private parseSignedNumber(): Term {
		const start = this.tok;
		let prefix = "";
		if (this.isOp("-")) {
			prefix = "-";
			this.next();
			if (!(this.tok.kind === "number" || this.isOp("."))) this.illegal("expected number");
		}
		if (this.isOp(".")) {
			prefix += ".";
			this.next();
			if (this.tok.kind !== "number" || this.tok.wsBefore) this.illegal("expected number");
		}
		this.checkNumber(this.tok, prefix);
		const n = this.next();
		let text = prefix + n.text;
		// `.5` is written with a leading zero so the text is valid JSON.
		if (text.startsWith(".")) text = `0${text}`;
		else if (text.startsWith("-.")) text = `-0${text.slice(1)}`;
		return { type: "number", text, loc: this.loc(start) };
	}

	/** OPA refuses `007` (ambiguous) and exponents so large that printing them would be costly. */
	private checkNumber(t: Token, prefix: string): void {
		const lit = t.text;
		if (!prefix.endsWith(".") && lit.length > 1 && lit[0] === "0") {
			const c = lit[1];
			if (!(c === "." || ((c === "e" || c === "E") && lit.length > 2))) {
				this.illegal("expected number without leading zero", t);
			}
		}
		const m = /^(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(lit);
		if (!m) return;
		const intDigits = m[1].replace(/^0+/, "").length;
		const exp = m[3] ? Number(m[3]) : 0;
		// OPA's limit is a binary exponent of 1e5, about 30103 decimal digits.
		const magnitude = intDigits > 0 ? intDigits + exp : exp;
		if (Math.abs(magnitude) > 30103) this.fail("number too big", t);
	}

	/** Turns `data`/`input` into refs and follows `.x`, `[x]`, `(args)` continuations. */
	private parseTermFinish(head: Term): Term {
		const t = this.tok;
		if (!t.wsBefore && (this.isOp(".") || this.isOp("[") || this.isOp("("))) {
			return this.parseRef(head);
		}
		if (head.type === "var" && ROOT_DOCUMENTS.has(head.name)) {
			return { type: "ref", head, path: [], loc: head.loc };
		}
		return head;
	}

	private parseRef(head: Term): Term {
		switch (head.type) {
			case "var":
			case "array":
			case "object":
			case "set":
			case "arrayCompr":
			case "setCompr":
			case "objectCompr":
			case "call":
				break;
			default:
				this.fail(`illegal ref (head cannot be ${typeName(head)})`);
		}
		const path: Term[] = [];
		let refHead: Term = head;
		const refOf = (): RefTerm => ({
			type: "ref",
			head: refHead,
			path: path.slice(),
			loc: this.span(refHead.loc, this.prev),
		});
		while (!this.tok.wsBefore) {
			if (this.isOp(".")) {
				this.next();
				const w = this.tok;
				// Any word may follow a dot, keywords included (`input.if` is a plain lookup).
				if (w.kind !== "ident" || w.wsBefore) this.illegal("expected ident");
				this.next();
				path.push(stringTerm(w.text, this.loc(w)));
			} else if (this.isOp("[")) {
				this.next();
				const key = this.parseTermInfix(true);
				if (!this.isOp("]")) this.illegal("expected [");
				this.next();
				path.push(key);
			} else if (this.isOp("(")) {
				let fn: RefTerm;
				if (path.length === 0 && refHead.type === "var") {
					fn = { type: "ref", head: refHead, path: [], loc: refHead.loc };
				} else if (path.length > 0 && refHead.type === "var") {
					fn = refOf();
				} else {
					this.fail("illegal call (operator must be a name)");
				}
				const call = this.parseCall(fn);
				refHead = call;
				path.length = 0;
			} else break;
		}
		if (path.length === 0) {
			if (refHead.type === "var" && ROOT_DOCUMENTS.has(refHead.name)) {
				return { type: "ref", head: refHead, path: [], loc: refHead.loc };
			}
			return refHead;
		}
		return refOf();
	}

	private parseCall(fn: RefTerm): Term {
		this.next(); // (
		const args = this.parseTermList(")");
		const end = this.next();
		const loc = this.span(fn.loc, end);
		if (
			args.length === 0 &&
			fn.path.length === 0 &&
			fn.head.type === "var" &&
			fn.head.name === "set"
		) {
			const empty: SetTerm = { type: "set", items: [], loc };
			return empty;
		}
		return { type: "call", fn, args, loc };
	}

	/** Comma-separated terms up to (not including) the closing token; a trailing comma is fine. */
	private parseTermList(close: string): Term[] {
		const items: Term[] = [];
		if (this.isOp(close)) return items;
		for (;;) {
			items.push(this.parseTermInfix(false));
			if (this.isOp(close)) return items;
			if (this.isOp(",")) {
				this.next();
				if (this.isOp(close)) return items;
				continue;
			}
			this.illegal(`expected "," or "${close}"`);
		}
	}

	private parseArray(): Term {
		const start = this.next(); // [
		if (this.isOp("]")) {
			this.next();
			return { type: "array", items: [], loc: this.loc(start) };
		}
		let mayBeCompr = true;
		if (this.isOp(",")) {
			this.next();
			mayBeCompr = false;
		}
		const headPos = this.pos;
		// A single term followed by `|` is a comprehension: `[x | body]`.
		const first = this.parseTerm();
		if (mayBeCompr && this.isOp("|")) {
			const body = this.tryComprehensionBody("]", headPos);
			if (body) return { type: "arrayCompr", term: first, body, loc: this.loc(start) };
			return this.finishArray(start, this.parseTermInfix(false));
		}
		return this.finishArray(start, this.continueInfix(first, false));
	}

	/**
	 * The body after `|`. When it does not parse but a comma follows (`[a | b, c]`), OPA reads
	 * the whole thing as a list whose first element is an `|` call: rewind to `headPos` for that.
	 */
	private tryComprehensionBody(close: string, headPos: number): Body | undefined {
		const saveDepth = this.depth;
		const saveErrors = this.errors.length;
		this.inComprehension++;
		try {
			this.next(); // |
			const body = this.parseBody(close);
			this.next();
			return body;
		} catch (e) {
			if (!(e instanceof SyntaxFailure) || !this.isOp(",")) throw e;
			this.depth = saveDepth;
			this.errors.length = saveErrors;
			this.pos = headPos;
			return undefined;
		} finally {
			this.inComprehension--;
		}
	}

	private finishArray(start: Token, firstItem: Term): Term {
		const items = [firstItem];
		if (this.isOp(",")) {
			this.next();
			items.push(...this.parseTermList("]"));
		}
		if (!this.isOp("]")) this.illegal('expected "," or "]"');
		this.next();
		return { type: "array", items, loc: this.loc(start) };
	}

	private parseSetOrObject(): Term {
		const start = this.next(); // {
		if (this.isOp("}")) {
			this.next();
			return { type: "object", entries: [], loc: this.loc(start) };
		}
		// A leading comma (`{, a}`) is tolerated as OPA does, but rules out a comprehension.
		let mayBeCompr = true;
		if (this.isOp(",")) {
			this.next();
			mayBeCompr = false;
		}
		const headPos = this.pos;
		const head = this.parseTerm();
		let key: Term | undefined;
		// Comprehensions win over `|` calls: `{a | b}` is a set comprehension, as in OPA.
		if (mayBeCompr && this.isOp("|")) {
			const body = this.tryComprehensionBody("}", headPos);
			if (body) return { type: "setCompr", term: head, body, loc: this.loc(start) };
			key = this.parseTermInfix(false);
		}
		key ??= this.isOp(":") ? head : this.continueInfix(head, false);
		if (this.isOp(":")) {
			this.next();
			const value = this.parseTerm();
			if (mayBeCompr && this.isOp("|")) {
				this.next();
				const body = this.parseBody("}");
				this.next();
				return { type: "objectCompr", key, value, body, loc: this.loc(start) };
			}
			const entries: [Term, Term][] = [[key, this.continueInfix(value, false)]];
			if (!this.isOp("}") && !this.isOp(",")) this.illegal("non-terminated object");
			return this.finishObject(start, entries);
		}
		if (!this.isOp("}") && !this.isOp(",")) this.illegal("non-terminated set");
		const items = [key];
		for (;;) {
			if (this.isOp("}")) break;
			if (!this.isOp(",")) this.illegal('expected "," or "}"');
			this.next();
			if (this.isOp("}")) break;
			items.push(this.parseTermInfix(false));
		}
		this.next();
		return { type: "set", items, loc: this.loc(start) };
	}

	private finishObject(start: Token, entries: [Term, Term][]): ObjectTerm {
		for (;;) {
			if (this.isOp("}")) break;
			if (!this.isOp(",")) this.illegal('expected "," or "}"');
			this.next();
			if (this.isOp("}")) break;
			const k = this.parseTermInfix(false);
			if (!this.isOp(":")) this.illegal('expected ":"');
			this.next();
			entries.push([k, this.parseTermInfix(false)]);
		}
		this.next();
		return { type: "object", entries, loc: this.loc(start) };
	}

	/** Infix operator at the current token, if any (`in` only where it is a keyword). */
	private infixOp(): { name: string; level: number } | undefined {
		const t = this.tok;
		if (t.kind === "op") return INFIX_OPERATORS[t.text];
		if (this.isKw("in")) return INFIX_OPERATORS.in;
		return undefined;
	}

	/**
	 * Precedence climbing from an already parsed left operand. All levels are left-associative,
	 * as in OPA: `a - b - c` is `(a - b) - c`.
	 */
	private climb(lhs: Term, minLevel: number): Term {
		let chain = 0;
		for (;;) {
			const op = this.infixOp();
			if (!op || op.level < minLevel) break;
			const opTok = this.next();
			let rhs = this.parseTerm();
			for (;;) {
				const nextOp = this.infixOp();
				if (!nextOp || nextOp.level <= op.level) break;
				rhs = this.climb(rhs, op.level + 1);
			}
			lhs = {
				type: "call",
				fn: builtinRef(op.name, this.loc(opTok, opTok)),
				args: [lhs, rhs],
				infix: true,
				loc: this.span(lhs.loc, rhs.loc),
			};
			// Each application nests the tree one level deeper: count it against the limit.
			chain++;
			this.enter();
		}
		this.depth -= chain;
		return lhs;
	}

	private continueInfix(lhs: Term, keyVal: boolean): Term {
		return this.finishMembership(this.climb(lhs, 1), keyVal);
	}

	/** A full term expression: operators, membership, and (when `keyVal`) `k, v in xs`. */
	parseTermInfix(keyVal: boolean): Term {
		return this.continueInfix(this.parseTerm(), keyVal);
	}

	/** `k, v in xs` after `k` was parsed; falls back to `k` when no `in` follows. */
	private finishMembership(lhs: Term, keyVal: boolean): Term {
		if (!keyVal || !this.isOp(",") || !this.keywords.has("in")) return lhs;
		const save = this.pos;
		const saveDepth = this.depth;
		let call: Term;
		this.speculative++;
		try {
			this.next();
			const mhs = this.climb(this.parseTerm(), 2);
			if (!this.isKw("in")) {
				this.pos = save;
				return lhs;
			}
			const opTok = this.next();
			const rhs = this.climb(this.parseTerm(), 2);
			call = {
				type: "call",
				fn: builtinRef("internal.member_3", this.loc(opTok, opTok)),
				args: [lhs, mhs, rhs],
				infix: true,
				loc: this.span(lhs.loc, rhs.loc),
			};
		} catch (e) {
			if (!(e instanceof SyntaxFailure)) throw e;
			this.pos = save;
			this.depth = saveDepth;
			return lhs;
		} finally {
			this.speculative--;
		}
		// `k, v in xs in ys` chains on like any other `in`.
		return this.climb(call, 1);
	}

	// ---- bodies and expressions ----

	/** Literals up to `close` (not consumed), separated by `;` or line breaks. */
	parseBody(close: string): Body {
		const body: Body = [];
		if (this.atClose(close)) this.fail("found empty body");
		for (;;) {
			body.push(this.parseLiteral());
			if (this.isOp(";")) {
				this.next();
				continue;
			}
			if (this.atClose(close)) return body;
			if (!this.tok.nlBefore) this.illegal(`expected \\n or ; or ${close}`);
		}
	}

	private atClose(close: string): boolean {
		return close === "eof" ? this.tok.kind === "eof" : this.isOp(close);
	}

	parseLiteral(): Expr {
		this.enter();
		const start = this.tok;
		let negated = false;
		if (this.isKw("not") && !this.isRefKeyword()) {
			this.next();
			negated = true;
		}
		let terms: Expr["terms"];
		if (this.isKw("some") && !this.isRefKeyword()) {
			if (negated) this.illegal("illegal negation of 'some'");
			terms = this.parseSome();
		} else if (this.isKw("every") && !this.isRefKeyword()) {
			if (negated) this.illegal("illegal negation of 'every'");
			terms = this.parseEvery();
		} else {
			if (
				this.tok.text === "every" &&
				!this.keywords.has("every") &&
				this.toks[this.pos + 1].kind === "ident"
			) {
				this.hint = "`import future.keywords.every` for `every x in xs { ... }` expressions";
			}
			terms = this.parseExprTerm();
		}
		const withs: With[] = [];
		while (this.isKw("with")) withs.push(this.parseWith());
		this.depth--;
		return { type: "expr", negated, terms, with: withs, loc: this.loc(start) };
	}

	/** `a = b`, `a := b` or a term; assignment and unification only at the top of a literal. */
	private parseExprTerm(): Term {
		const lhs = this.parseTermInfix(true);
		if (this.isOp("=") || this.isOp(":=")) {
			const opTok = this.next();
			const rhs = this.parseTermInfix(true);
			return {
				type: "call",
				fn: builtinRef(opTok.text === "=" ? "eq" : "assign", this.loc(opTok, opTok)),
				args: [lhs, rhs],
				infix: true,
				loc: this.span(lhs.loc, rhs.loc),
			};
		}
		return lhs;
	}

	private parseWith(): With {
		const start = this.next(); // with
		if (this.tok.kind !== "ident" || this.isReserved(this.tok)) this.illegal("expected ident");
		const target = this.parseTerm();
		let ref: RefTerm;
		if (target.type === "ref") ref = target;
		else if (target.type === "var") ref = { type: "ref", head: target, path: [], loc: target.loc };
		else this.illegal("expected with target path");
		if (!this.isKw("as")) this.illegal("expected as keyword");
		this.next();
		const value = this.parseTermInfix(true);
		return { target: ref, value, loc: this.span(this.loc(start, start), value.loc) };
	}

	private parseSome(): SomeDecl | SomeIn {
		const start = this.next(); // some
		// `some x in xs` / `some k, v in xs` when `in` is a keyword and the parse yields a member call.
		if (this.keywords.has("in")) {
			const save = this.pos;
			const saveDepth = this.depth;
			const saveErrors = this.errors.length;
			let term: Term | undefined;
			this.speculative++;
			try {
				term = this.parseTermInfix(true);
			} catch (e) {
				if (!(e instanceof SyntaxFailure)) throw e;
				this.depth = saveDepth;
				this.errors.length = saveErrors;
			} finally {
				this.speculative--;
			}
			if (term?.type === "call") {
				const name = refName(term.fn);
				if (name === "internal.member_2" && term.infix) {
					return {
						type: "someIn",
						value: term.args[0],
						collection: term.args[1],
						loc: this.loc(start),
					};
				}
				if (name === "internal.member_3" && term.infix) {
					return {
						type: "someIn",
						key: term.args[0],
						value: term.args[1],
						collection: term.args[2],
						loc: this.loc(start),
					};
				}
				this.failAt("unexpected ident token: expected `x in xs` or `x, y in xs` expression", start);
			}
			this.pos = save;
		}
		// v0 without `in`: `some x in xs` will fail after the names; say which import is missing.
		if (!this.keywords.has("in")) {
			let k = this.pos;
			while (this.toks[k].kind === "ident" && this.toks[k + 1]?.text === ",") k += 2;
			if (this.toks[k].kind === "ident" && this.toks[k + 1]?.text === "in") {
				this.hint = "`import future.keywords.in` for `some x in xs` expressions";
			}
		}
		const vars: VarTerm[] = [];
		for (;;) {
			const t = this.tok;
			if (t.kind !== "ident" || this.isReserved(t)) this.illegal("expected var");
			this.next();
			vars.push(varTerm(t.text, this.loc(t)));
			if (!this.isOp(",")) break;
			this.next();
		}
		return { type: "some", vars, loc: this.loc(start) };
	}

	private parseEvery(): Every {
		const start = this.next(); // every
		const term = this.parseTermInfix(true);
		const name = term.type === "call" && term.infix ? refName(term.fn) : undefined;
		let key: Term | undefined;
		let value: Term;
		let domain: Term;
		if (term.type === "call" && name === "internal.member_2") {
			[value, domain] = term.args;
		} else if (term.type === "call" && name === "internal.member_3") {
			[key, value, domain] = term.args;
			if (key.type !== "var")
				this.failAt("unexpected ident token: expected key to be a variable", key.loc);
		} else {
			this.illegal("expected `x[, y] in xs { ... }` expression");
		}
		if (value.type !== "var")
			this.failAt("unexpected ident token: expected value to be a variable", value.loc);
		if (!this.isOp("{")) this.illegal("missing body");
		this.next();
		const body = this.parseBody("}");
		this.next();
		const every: Every = { type: "every", value, domain, body, loc: this.loc(start) };
		if (key) every.key = key;
		return every;
	}

	// ---- module ----

	parseModule(): Module | undefined {
		const done = this.guard(() => this.parseModuleInner());
		return done;
	}

	private parseModuleInner(): Module {
		const first = this.tok;
		if (!this.isKw("package")) {
			if (first.kind === "eof") this.fail("empty module");
			this.fail("package expected");
		}
		const pkg = this.parsePackage();
		const imports: Import[] = [];
		const rules: Rule[] = [];
		const ruleStarts: Token[] = [];
		while (this.tok.kind !== "eof") {
			if (this.isKw("package")) this.fail("unexpected package");
			if (this.isKw("import")) {
				imports.push(this.parseImport());
				continue;
			}
			// Backtracking never crosses a statement, so the term memo can start afresh.
			this.termMemo.clear();
			this.hint = undefined;
			const startTok = this.tok;
			const group = this.parseRules();
			for (const r of group) {
				rules.push(r);
				ruleStarts.push(startTok);
			}
		}
		const mod: Module = {
			type: "module",
			file: this.file,
			regoVersion: this.regoVersion,
			package: pkg,
			imports,
			rules,
			annotations: [],
			comments: this.comments,
			loc: this.loc(first, this.prev),
		};
		return mod;
	}

	private parsePackage(): Package {
		const start = this.next(); // package
		if (this.tok.kind !== "ident" || this.isReserved(this.tok)) this.illegal("expected ident");
		const term = this.parseTerm();
		const dataLoc = this.loc(start, start);
		const path: Term[] = [];
		if (term.type === "var") {
			path.push(stringTerm(term.name, term.loc));
		} else if (term.type === "ref" && term.head.type === "var") {
			path.push(stringTerm(term.head.name, term.head.loc));
			for (const p of term.path) {
				if (p.type !== "string")
					this.failAt(`unexpected ${typeName(p)} token: expecting string`, p.loc);
				path.push(p);
			}
		} else {
			this.failAt(`unexpected ${typeName(term)} token: expecting var`, term.loc);
		}
		return {
			type: "package",
			path: { type: "ref", head: varTerm("data", dataLoc), path, loc: term.loc },
			loc: this.loc(start),
		};
	}

	private parseImport(): Import {
		const start = this.next(); // import
		if (this.tok.kind !== "ident") this.fail("expected ident");
		const term = this.parseTerm();
		let path: RefTerm;
		if (term.type === "var") path = { type: "ref", head: term, path: [], loc: term.loc };
		else if (term.type === "ref") {
			for (const p of term.path) {
				if (p.type !== "string")
					this.failAt(`unexpected ${typeName(p)} token: expecting string`, p.loc);
			}
			path = term;
		} else this.fail("expected path", start);
		const root = path.head.type === "var" ? path.head.name : "";
		if (!["data", "input", "future", "rego"].includes(root)) {
			this.failAt(
				`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root || typeName(path.head)}`,
				path.loc,
			);
		}
		const imp: Import = { type: "import", path, loc: this.loc(start) };
		if (this.isKw("as")) {
			this.next();
			const a = this.tok;
			if (a.kind !== "ident" || this.isReserved(a)) this.illegal("expected var");
			this.next();
			if (!this.tok.wsBefore && (this.isOp(".") || this.isOp("[") || this.isOp("("))) {
				this.illegal("expected var");
			}
			imp.alias = a.text;
			imp.loc = this.loc(start);
		} else if (root !== "future") {
			// The imported name is the last path element: a keyword there could never be referred to.
			const last = path.path[path.path.length - 1];
			const name = last === undefined ? root : last.type === "string" ? last.value : "";
			if (BASE_KEYWORDS.has(name) || (isFutureKeyword(name) && this.keywords.has(name))) {
				this.failAt(
					`unexpected import path, must not end with a keyword, got: ${name}`,
					last?.loc ?? path.loc,
				);
			}
		}
		this.applyImport(imp);
		return imp;
	}

	/** `future.keywords…` and `rego.v1` change which words are keywords from here on. */
	private applyImport(imp: Import): void {
		const names = [imp.path.head.type === "var" ? imp.path.head.name : ""];
		for (const p of imp.path.path) names.push(p.type === "string" ? p.value : "?");
		if (names[0] === "future") {
			if (names.length === 1 || names[1] !== "keywords") {
				this.failAt("invalid import, must be `future.keywords`", imp.path.loc);
			}
			if (names.length === 2) {
				for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
			} else if (names.length === 3 && isFutureKeyword(names[2])) {
				this.keywords.add(names[2]);
			} else {
				this.failAt(
					`unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(" ")}]`,
					imp.path.loc,
				);
			}
			if (imp.alias) this.failAt("`future` imports cannot be aliased", imp.path.loc);
		} else if (names[0] === "rego") {
			if (names.length !== 2 || names[1] !== "v1") {
				this.failAt(`invalid import \`${names.join(".")}\`, must be \`rego.v1\``, imp.path.loc);
			}
			if (imp.alias && this.regoVersion === 0)
				this.failAt("`rego` imports cannot be aliased", imp.path.loc);
			for (const k of FUTURE_KEYWORDS) this.keywords.add(k);
			if (this.regoVersion === 0) this.regoV1Import = true;
		}
	}

	// ---- rules ----

	/** One rule statement: usually one rule, several when more bodies follow (`p {…} {…}`). */
	private parseRules(): Rule[] {
		const start = this.tok;
		let isDefault = false;
		if (this.isKw("default") && !this.isRefKeyword()) {
			this.next();
			isDefault = true;
		}
		const nameTok = this.tok;
		if (nameTok.kind !== "ident" || (this.isReserved(nameTok) && !this.isRefKeyword())) {
			if (nameTok.kind === "ident" && this.isKw("contains", nameTok)) {
				this.illegal("expected ident");
			}
			return this.failStatement(start, isDefault);
		}
		const parsed = this.parseHead(isDefault, start);
		if (!parsed) return this.failStatement(start, isDefault);
		const { head, hasContains } = parsed;
		let generatedValue = parsed.generatedValue;
		const refLen = head.ref.path.length + 1;

		if (isDefault) {
			if (!head.value || generatedValue) {
				this.failAt("illegal default rule (must have a value)", start);
			}
			this.checkDefaultValue(head.value, start);
			if (head.args) {
				const seen = new Set<string>();
				for (const a of head.args) {
					if (a.type !== "var") {
						this.failAt(`illegal default rule (arguments cannot contain ${typeName(a)})`, start);
					}
					// Each `_` is its own variable; any other name may appear once.
					if (a.name !== "_" && seen.has(a.name)) {
						this.failAt(`illegal default rule (arguments cannot be repeated ${a.name})`, start);
					}
					seen.add(a.name);
				}
			}
			const rule: Rule = {
				type: "rule",
				default: true,
				kind: head.args ? "function" : "complete",
				head,
				body: [],
				loc: this.loc(start),
			};
			this.syntax.set(rule, {
				hasIf: false,
				hasContains: false,
				generatedBody: true,
				generatedValue: false,
			});
			return [rule];
		}

		const hasIf = this.isKw("if");
		let kind: Rule["kind"];
		if (head.args) kind = "function";
		else if (hasContains) kind = "partialSet";
		else if (!hasIf && refLen === 2 && !head.value) {
			// v0's `p[x] { … }`: a partial set; the key leaves the ref.
			const key = head.ref.path[0];
			head.key = key;
			head.ref = { type: "ref", head: head.ref.head, path: [], loc: head.ref.head.loc };
			kind = "partialSet";
		} else {
			if (!head.value) {
				head.value = trueTerm(head.loc);
				generatedValue = true;
			}
			const last = head.ref.path[head.ref.path.length - 1];
			kind = last !== undefined && !isGroundTerm(last) ? "partialObject" : "complete";
		}

		let body: Body;
		let generatedBody = false;
		if (hasIf) {
			this.next();
			body = this.parseIfBody();
		} else if (this.isOp("{")) {
			this.next();
			body = this.parseBody("}");
			this.next();
		} else if (hasContains) {
			body = [];
			generatedBody = true;
		} else if (head.value && !generatedValue) {
			// `p := 1`, `p[k] = v`, `f(x) := y`: a rule with a value and no body.
			body = [];
			generatedBody = true;
		} else if (head.ref.path.length === 0 && !head.args && kind !== "partialSet") {
			this.failAt("var cannot be used for rule name", start);
		} else {
			// `p[x]`, `p.q.r`, `f(x)` alone: valid v0 rules; the v1 checks reject them with OPA's words.
			body = [];
			generatedBody = true;
		}

		const rule: Rule = { type: "rule", default: false, kind, head, body, loc: this.loc(start) };
		this.syntax.set(rule, { hasIf, hasContains, generatedBody, generatedValue });

		// `else.x := 1` on the next line is a new rule whose ref starts with `else`.
		if (this.isKw("else") && !this.isRefKeyword()) {
			if (generatedBody) this.illegal();
			if (kind === "partialSet") this.fail("else keyword cannot be used on multi-value rules");
			if (kind === "partialObject" || !head.ref.path.every(isGroundTerm)) {
				this.fail("else keyword cannot be used on rules with variables in head");
			}
			rule.else = this.parseElse(head);
			rule.loc = this.loc(start);
		}
		const rules = [rule];
		if (!generatedBody) {
			while (this.isOp("{")) {
				if (rule.else) this.fail("expected else keyword");
				const bstart = this.next();
				const more = this.parseBody("}");
				this.next();
				const next: Rule = {
					type: "rule",
					default: false,
					kind,
					head: structuredClone(head),
					body: more,
					loc: this.loc(bstart),
				};
				this.syntax.set(next, { hasIf, hasContains, generatedBody: false, generatedValue });
				rules.push(next);
			}
		}
		return rules;
	}

	/** After `if`: a single literal, or `{ body }` (a set literal is never a useful body). */
	private parseIfBody(): Body {
		if (this.isOp("{")) {
			const save = this.pos;
			const saveDepth = this.depth;
			const saveErrors = this.errors.length;
			this.speculative++;
			try {
				const lit = this.parseLiteral();
				if (lit.terms.type !== "set") return [lit];
			} catch (e) {
				if (!(e instanceof SyntaxFailure)) throw e;
			} finally {
				this.speculative--;
			}
			this.pos = save;
			this.depth = saveDepth;
			this.errors.length = saveErrors;
			this.next();
			const body = this.parseBody("}");
			this.next();
			return body;
		}
		if (this.tok.kind === "eof") this.illegal("rule body expected");
		return [this.parseLiteral()];
	}

	private parseElse(head: RuleHead): Rule {
		const start = this.next(); // else
		this.enter();
		// Copies, not shared nodes: later stages may rewrite one rule's head without the other's.
		const elseHead: RuleHead = {
			ref: structuredClone(head.ref),
			assign: false,
			loc: this.loc(start, start),
		};
		if (head.args) elseHead.args = structuredClone(head.args);
		let generatedValue = false;
		if (this.isOp("{") || this.isKw("if")) {
			elseHead.value = trueTerm(this.loc(start, start));
			generatedValue = true;
		} else if (this.isOp("=") || this.isOp(":=")) {
			elseHead.assign = this.next().text === ":=";
			elseHead.value = this.parseTermInfix(true);
			elseHead.loc = this.loc(start);
		} else {
			this.illegal("expected else value term or rule body");
		}
		const hasIf = this.isKw("if");
		let body: Body = [];
		let generatedBody = false;
		if (hasIf) this.next();
		if (this.isOp("{")) {
			this.next();
			body = this.parseBody("}");
			this.next();
		} else if (hasIf) {
			if (this.tok.kind === "eof") this.illegal("rule body expected");
			body = [this.parseLiteral()];
		} else {
			generatedBody = true;
		}
		const rule: Rule = {
			type: "rule",
			default: false,
			kind: head.args ? "function" : "complete",
			head: elseHead,
			body,
			loc: this.loc(start),
		};
		this.syntax.set(rule, { hasIf, hasContains: false, generatedBody, generatedValue });
		if (this.isKw("else")) {
			rule.else = this.parseElse(head);
			rule.loc = this.loc(start);
		}
		this.depth--;
		return rule;
	}

	private parseHead(
		isDefault: boolean,
		start: Token,
	): { head: RuleHead; hasContains: boolean; generatedValue: boolean } | undefined {
		const nameTok = this.next();
		const name = varTerm(nameTok.text, this.loc(nameTok));
		const path: Term[] = [];
		let args: Term[] | undefined;
		// An operator glued to the name (`p+1`) is no head at all.
		if (!this.tok.wsBefore && this.tok.kind === "op" && INFIX_OPERATORS[this.tok.text])
			this.illegal();
		// Whitespace may precede the first `.`/`[`/`(` of a head (OPA skips it there), not later ones.
		for (let first = true; first || !this.tok.wsBefore; first = false) {
			if (this.isOp(".")) {
				this.next();
				const w = this.tok;
				if (w.kind !== "ident") this.illegal("expected ident");
				this.next();
				path.push(stringTerm(w.text, this.loc(w)));
			} else if (this.isOp("[") && !args) {
				this.next();
				path.push(this.parseTermInfix(true));
				if (!this.isOp("]")) this.illegal("expected [");
				this.next();
			} else if (this.isOp("(") && !args) {
				this.next();
				args = this.parseTermList(")");
				this.next();
				if (this.isOp(".") || this.isOp("[") || this.isOp("(")) {
					this.failAt("rule head ref invalid", nameTok);
				}
			} else break;
		}
		const ref: RefTerm = { type: "ref", head: name, path, loc: this.loc(nameTok) };
		const head: RuleHead = { ref, assign: false, loc: this.loc(nameTok) };
		if (args) head.args = args;
		const display = this.printHeadName(nameTok, path);
		let hasContains = false;
		if (this.isKw("contains")) {
			if (args) {
				this.illegal(
					`the contains keyword can only be used with multi-value rule definitions (e.g., ${display} contains <VALUE> { ... })`,
				);
			}
			this.next();
			if (this.tok.kind === "eof") {
				this.illegal(`expected rule key term (e.g., ${display} contains <VALUE> { ... })`);
			}
			head.key = this.parseTermInfix(true);
			hasContains = true;
		} else if (this.isOp("=") || this.isOp(":=")) {
			head.assign = this.next().text === ":=";
			if (this.tok.kind === "eof" || this.isKw("if") || this.isOp("}")) {
				if (isDefault)
					this.illegal(`expected default rule value term (e.g., default ${display} := <VALUE>)`);
				if (args)
					this.illegal(`expected function value term (e.g., ${display}(...) := <VALUE> { ... })`);
				this.illegal(`expected rule value term (e.g., ${display} := <VALUE> { ... })`);
			}
			head.value = this.parseTermInfix(true);
		}
		head.loc = this.loc(nameTok);
		void start;
		let generatedValue = false;
		if (!head.value && !hasContains && (args || path.length !== 1)) {
			head.value = trueTerm(head.loc);
			generatedValue = true;
		}
		return { head, hasContains, generatedValue };
	}

	private printHeadName(nameTok: Token, path: Term[]): string {
		let s = nameTok.text;
		for (const p of path) s += p.type === "string" ? `.${p.value}` : "[...]";
		return s;
	}

	private checkDefaultValue(value: Term, start: Token): void {
		const walk = (t: Term): void => {
			switch (t.type) {
				case "var":
				case "ref":
				case "call":
					this.failAt(`illegal default rule (value cannot contain ${t.type})`, start);
					break;
				case "array":
				case "set":
					t.items.forEach(walk);
					break;
				case "object":
					for (const [k, v] of t.entries) {
						walk(k);
						walk(v);
					}
					break;
				default:
					break;
			}
		};
		walk(value);
	}

	/** A statement that does not start with a rule name: say what it is, as OPA does. */
	private failStatement(start: Token, isDefault: boolean): never {
		if (isDefault) this.illegal("expected ident");
		if (this.isKw("some") || this.isKw("not") || this.isKw("every")) this.illegal();
		const lit = this.parseLiteral();
		const t = lit.terms;
		if (t.type === "call" && t.infix && (refName(t.fn) === "eq" || refName(t.fn) === "assign")) {
			this.failAt(`${typeName(t.args[0])} cannot be used for rule name`, start);
		}
		if (t.type === "call") this.failAt("call cannot be used for rule name", start);
		this.failAt(`${typeName(t as Term)} cannot be used for rule name`, start);
	}

	// ---- queries and terms on their own ----

	parseQueryBody(): Body | undefined {
		return this.guard(() => {
			const body = this.parseBody("eof");
			return body;
		});
	}

	parseSingleTerm(): Term | undefined {
		return this.guard(() => {
			const t = this.parseTermInfix(false);
			if (this.tok.kind !== "eof") this.illegal();
			return t;
		});
	}

	/** Enables keywords for queries and terms (v1 everything; v0 per caller). */
	enableKeywords(words: readonly FutureKeyword[]): void {
		for (const w of words) this.keywords.add(w);
	}
}

export type { Annotation };
