// Recursive-descent parser for Rego (v1, and v0 behind an option), following the grammar and
// the error messages of OPA's own parser: this layer reads modules, packages, imports, rules
// and whole queries; parse-terms.ts reads what is inside them. Syntax errors stop the parse
// (as in OPA); the module-level checks in checks.ts then report everything else together.

import type { Body, Expr, Import, Module, Package, RefTerm, Rule, RuleHead, Term } from "./ast.ts";
import type { RegoError } from "./errors.ts";
import { BASE_KEYWORDS, FUTURE_KEYWORDS, type FutureKeyword, isFutureKeyword } from "./keywords.ts";
import type { Token } from "./lexer.ts";
import { TermParser } from "./parse-terms.ts";
import {
	INFIX_OPERATORS,
	isGroundTerm,
	refName,
	stringTerm,
	trueTerm,
	typeName,
	varTerm,
} from "./terms.ts";
import { MAX_DEPTH, type ParseOptions, type RuleSyntax, SyntaxFailure } from "./token-cursor.ts";

export { MAX_DEPTH, type ParseOptions, type RuleSyntax } from "./token-cursor.ts";

export class Parser extends TermParser {
	readonly syntax = new Map<Rule, RuleSyntax>();
	/**
	 * "… cannot be used for rule name" for top-level statements that are expressions: OPA
	 * reports them only when the file parses (with the module checks).
	 */
	readonly notRules: RegoError[] = [];
	/** The module did not start with `package` (reported in notRules). */
	packageMissing = false;
	/** v0 module that imported rego.v1: v0 parsing with v1's checks. */
	regoV1Import = false;

	constructor(src: string, file: string, opts: ParseOptions = {}) {
		super(src, file, opts);
	}

	// ---- module ----

	parseModule(): Module | undefined {
		return this.guard(() => this.parseModuleInner());
	}

	private parseModuleInner(): Module {
		const first = this.tok;
		let pkg: Package;
		if (this.isKw("package")) pkg = this.parsePackage();
		else {
			if (first.kind === "eof") this.fail("empty module");
			// As OPA: the first statement stood where the package should and is dropped; the
			// rest is read on, and the missing package is named with the statements that are no
			// rules (only when the file parses).
			this.packageMissing = true;
			this.notRules.push({
				code: "rego_parse_error",
				message: "package expected",
				loc: { file: this.file, row: first.row, col: first.col },
			});
			const kept = this.notRules.length;
			if (this.isKw("import")) this.parseImport();
			else this.parseRules();
			this.notRules.length = kept;
			pkg = {
				type: "package",
				path: {
					type: "ref",
					head: varTerm("data", this.loc(first, first)),
					path: [],
					loc: this.loc(first, first),
				},
				loc: this.loc(first, first),
			};
		}
		const imports: Import[] = [];
		const rules: Rule[] = [];
		// As OPA: a syntax error that ends a statement ends the parse (errors so far stand); an
		// operator missing its operand is reported and the parse goes on (see climb).
		while (this.tok.kind !== "eof") {
			try {
				if (this.isKw("package")) this.fail("unexpected package");
				if (this.isKw("import")) {
					imports.push(this.parseImport());
					continue;
				}
				// Backtracking never crosses a statement, so the term memo can start afresh.
				this.termMemo.clear();
				this.hint = undefined;
				const parsed = this.parseRules();
				rules.push(...parsed);
				// OPA stops at a rule without a body (`ok := 1`, `f(x) := 1`, `p.q`) once
				// errors were reported; `contains` and `default` rules are read on.
				const first = parsed[0];
				const syntax = first && this.syntax.get(first);
				if (
					this.errors.length > 0 &&
					syntax?.generatedBody &&
					!syntax.hasContains &&
					!first.default
				) {
					break;
				}
			} catch (e) {
				if (!(e instanceof SyntaxFailure) || this.speculative > 0) throw e;
				break;
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
			if (a.text === "input" || a.text === "data")
				this.fail(`unexpected import alias, must not be a reserved name, got: ${a.text}`, a);
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
			// OPA 1.x takes `rego.v1` beside `future.keywords` imports in v0 too (0.x refused it).
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
		const parsed = this.parseHead(isDefault);
		const { head, hasContains } = parsed;
		// `p with x as 1`, `p := 1 with …`, `f(1) > 2`: an expression, not a rule.
		if (
			!isDefault &&
			!hasContains &&
			(this.isKw("with") || ((!head.value || parsed.generatedValue) && this.infixOp()))
		) {
			this.pos = this.toks.indexOf(start);
			return this.notRule(start, this.notRuleMessage(this.parseLiteral()));
		}
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
			return this.notRule(start, "var cannot be used for rule name");
		} else if (head.args?.length === 0) {
			// `f()` alone: a zero-argument function needs a value or a body (either syntax).
			this.failAt("rule argument list must take at least one argument", start);
		} else {
			// `p[x]`, `p.q.r`, `f(x)` alone: valid v0 rules; the v1 checks reject `p.q.r` with
			// OPA's words, and take `f(x)` (meaning `f(x) := true`) as OPA v1 does.
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
			// An `else := v` without a body ends the chain (OPA: "unexpected else keyword").
			if (generatedBody) this.illegal();
			rule.else = this.parseElse(head);
			rule.loc = this.loc(start);
		}
		this.depth--;
		return rule;
	}

	private parseHead(isDefault: boolean): {
		head: RuleHead;
		hasContains: boolean;
		generatedValue: boolean;
	} {
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
				this.headTerm("expected rule head name", false, () => {
					path.push(this.parseTermInfix(true));
					if (!this.isOp("]")) this.illegal("expected [");
				});
				this.next();
			} else if (this.isOp("(") && !args) {
				this.next();
				args = this.headTerm("expected rule head name", false, () => this.parseTermList(")"));
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
			head.key = this.headTerm(
				`expected rule key term (e.g., ${display} contains <VALUE> { ... })`,
				true,
				() => this.parseTermInfix(true),
			);
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
			const what = isDefault
				? `expected default rule value term (e.g., default ${display} := <VALUE>)`
				: args
					? `expected function value term (e.g., ${display}(...) := <VALUE> { ... })`
					: `expected rule value term (e.g., ${display} := <VALUE> { ... })`;
			head.value = this.headTerm(what, true, () => this.parseTermInfix(true));
		}
		head.loc = this.loc(nameTok);
		let generatedValue = false;
		if (!head.value && !hasContains && (args || path.length !== 1)) {
			head.value = trueTerm(head.loc);
			generatedValue = true;
		}
		return { head, hasContains, generatedValue };
	}

	/**
	 * A term of a rule head. When it fails, OPA adds a second error at the same place saying
	 * which part of the head was expected, for a value or key only when its first operand
	 * failed (`p := [1` does, `p := 1 + (2` does not).
	 */
	private headTerm<T>(what: string, firstOperand: boolean, f: () => T): T {
		const from = this.pos;
		const depth = this.depth;
		try {
			return f();
		} catch (e) {
			if (!(e instanceof SyntaxFailure) || this.speculative > 0) throw e;
			if (this.depth > MAX_DEPTH) throw e;
			const at = this.errors[this.errors.length - 1]?.loc;
			const tok = at && this.toks.find((t) => t.row === at.row && t.col === at.col);
			const failed = this.pos;
			if (firstOperand) {
				this.pos = from;
				this.speculative++;
				try {
					this.parseTerm();
					this.pos = failed;
					throw e;
				} catch (inner) {
					if (inner === e) throw e;
					if (!(inner instanceof SyntaxFailure)) throw inner;
				} finally {
					this.speculative--;
				}
				this.pos = failed;
				this.depth = depth;
			}
			const t = tok ?? this.tok;
			this.errors.push({
				code: "rego_parse_error",
				message: this.unexpected(what, t),
				loc: { file: this.file, row: t.row, col: t.col },
			});
			throw e;
		}
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

	/** A statement that does not start with a rule name: an expression, said what it is later. */
	private failStatement(start: Token, isDefault: boolean): Rule[] {
		if (isDefault) this.illegal("expected ident");
		const lit = this.parseLiteral();
		return this.notRule(start, this.notRuleMessage(lit));
	}

	private notRuleMessage(lit: Expr): string {
		if (lit.with.length > 0) return "expressions using with keyword cannot be used for rule head";
		if (lit.negated) return "negated expressions cannot be used for rule head";
		const t = lit.terms;
		if (t.type === "some") return "'some' declarations cannot be used for rule head";
		if (t.type === "every") return "expression cannot be used for rule head";
		if (t.type === "call" && t.infix && (refName(t.fn) === "eq" || refName(t.fn) === "assign")) {
			return `${typeName(t.args[0])} cannot be used for rule name`;
		}
		// OPA reads `a > b` as a rule named after the operator's builtin.
		if (t.type === "call" && t.infix) return "rule name conflicts with built-in function";
		if (t.type === "call") return "call cannot be used for rule name";
		return `${typeName(t as Term)} cannot be used for rule name`;
	}

	/**
	 * A top-level statement that is an expression (`a b c` is three): OPA reads on and names
	 * each once the file parsed, with a hint where a v0 module seems to want `if`/`contains`.
	 */
	private notRule(start: Token, message: string): Rule[] {
		let hint: string | undefined;
		const wants = (w: string) =>
			!this.keywords.has(w as FutureKeyword) &&
			(start.text === w || (this.tok.kind === "ident" && this.tok.text === w));
		if (wants("contains")) hint = "`import future.keywords.contains` for `p contains x` rules";
		else if (wants("if")) hint = "`import future.keywords.if` for `p if { ... }` rules";
		this.notRules.push({
			code: "rego_parse_error",
			message: hint ? `${message} (hint: ${hint})` : message,
			loc: { file: this.file, row: start.row, col: start.col },
		});
		return [];
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
