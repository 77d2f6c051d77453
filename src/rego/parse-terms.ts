// Terms, operators and bodies: everything below the rule level, as OPA's parser reads it
// (precedence, comprehensions before `|` calls, refs glued to their head, `some`/`every`/`with`).

import type {
	Body,
	Every,
	Expr,
	ObjectTerm,
	RefTerm,
	SetTerm,
	SomeDecl,
	SomeIn,
	Term,
	VarTerm,
	With,
} from "./ast.ts";
import type { Token } from "./lexer.ts";
import { builtinRef, INFIX_OPERATORS, refName, stringTerm, typeName, varTerm } from "./terms.ts";
import { ROOT_DOCUMENTS, SyntaxFailure, TokenCursor } from "./token-cursor.ts";

export abstract class TermParser extends TokenCursor {
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

	protected parseSignedNumber(): Term {
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
	protected checkNumber(t: Token, prefix: string): void {
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
	protected parseTermFinish(head: Term): Term {
		const t = this.tok;
		if (!t.wsBefore && (this.isOp(".") || this.isOp("[") || this.isOp("("))) {
			return this.parseRef(head);
		}
		if (head.type === "var" && ROOT_DOCUMENTS.has(head.name)) {
			return { type: "ref", head, path: [], loc: head.loc };
		}
		return head;
	}

	protected parseRef(head: Term): Term {
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

	protected parseCall(fn: RefTerm): Term {
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
	protected parseTermList(close: string): Term[] {
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

	protected parseArray(): Term {
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
	protected tryComprehensionBody(close: string, headPos: number): Body | undefined {
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

	protected finishArray(start: Token, firstItem: Term): Term {
		const items = [firstItem];
		if (this.isOp(",")) {
			this.next();
			items.push(...this.parseTermList("]"));
		}
		if (!this.isOp("]")) this.illegal('expected "," or "]"');
		this.next();
		return { type: "array", items, loc: this.loc(start) };
	}

	protected parseSetOrObject(): Term {
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

	protected finishObject(start: Token, entries: [Term, Term][]): ObjectTerm {
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
	protected infixOp(): { name: string; level: number } | undefined {
		const t = this.tok;
		if (t.kind === "op") return INFIX_OPERATORS[t.text];
		if (this.isKw("in")) return INFIX_OPERATORS.in;
		return undefined;
	}

	/**
	 * Precedence climbing from an already parsed left operand. All levels are left-associative,
	 * as in OPA: `a - b - c` is `(a - b) - c`.
	 */
	protected climb(lhs: Term, minLevel: number): Term {
		let chain = 0;
		for (;;) {
			const op = this.infixOp();
			if (!op || op.level < minLevel) break;
			const opTok = this.next();
			if (!this.startsTerm()) {
				// No right operand: OPA reports it and reads on from here (`1 + }` ends the literal
				// at `}`); another operator there (`1 + + 2`) is a plain syntax error.
				if (this.infixOp() || this.speculative > 0) this.illegal();
				this.softIllegal();
				break;
			}
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

	/** The current token can begin a term (or a parse error inside one). */
	protected startsTerm(): boolean {
		const t = this.tok;
		if (t.kind === "number" || t.kind === "string") return true;
		if (t.kind === "ident")
			return (
				!this.isReserved(t) ||
				["contains", "null", "true", "false"].includes(t.text) ||
				this.isRefKeyword()
			);
		return t.kind === "op" && ["[", "{", "(", "-", "."].includes(t.text);
	}

	protected continueInfix(lhs: Term, keyVal: boolean): Term {
		return this.finishMembership(this.climb(lhs, 1), keyVal);
	}

	/** A full term expression: operators, membership, and (when `keyVal`) `k, v in xs`. */
	parseTermInfix(keyVal: boolean): Term {
		return this.continueInfix(this.parseTerm(), keyVal);
	}

	/** `k, v in xs` after `k` was parsed; falls back to `k` when no `in` follows. */
	protected finishMembership(lhs: Term, keyVal: boolean): Term {
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
			if (!this.tok.nlBefore) {
				// After an operator without its operand was reported here, OPA adds nothing.
				if (this.lastErrorAt(this.tok) && this.speculative === 0)
					throw new SyntaxFailure("after a reported error");
				this.illegal(`expected \\n or ; or ${close}`);
			}
		}
	}

	protected atClose(close: string): boolean {
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
		// A `some x, y` declaration takes no `with` (OPA then expects the literal's end).
		while (this.isKw("with") && terms.type !== "some") withs.push(this.parseWith());
		this.depth--;
		return { type: "expr", negated, terms, with: withs, loc: this.loc(start) };
	}

	/** `a = b`, `a := b` or a term; assignment and unification only at the top of a literal. */
	protected parseExprTerm(): Term {
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

	protected parseWith(): With {
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

	protected parseSome(): SomeDecl | SomeIn {
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
				this.illegal("expected `x in xs` or `x, y in xs` expression");
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

	protected parseEvery(): Every {
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
			if (key.type !== "var") this.illegal("expected key to be a variable");
		} else {
			this.illegal("expected `x[, y] in xs { ... }` expression");
		}
		if (value.type !== "var") this.illegal("expected value to be a variable");
		if (!this.isOp("{")) this.illegal("missing body");
		this.next();
		const body = this.parseBody("}");
		this.next();
		const every: Every = { type: "every", value, domain, body, loc: this.loc(start) };
		if (key) every.key = key;
		return every;
	}
}
