// The canonical formatter (`gavel fmt`): byte for byte the layout `opa fmt` (v1.22) gives, as
// measured by the differential harness (test/differential/fmt.ts). That layout follows the
// source's rows: blank lines the author left stay (one at most), a collection, call,
// comprehension, `every` or `with` chain broken across lines stays broken where it was, and
// adjacent one-line rules stay adjacent. Where OPA's output would read differently from its
// input (parentheses it drops around `in`), this formatter keeps the meaning instead.
// METADATA blocks are comments here and are kept exactly as written.

import type {
	Body,
	CallTerm,
	Comment,
	Every,
	Expr,
	Import,
	Loc,
	Module,
	RefTerm,
	Rule,
	SomeIn,
	Term,
} from "./ast.ts";
import { goIsPrint } from "./go-print.ts";
import { isIdentifier } from "./keywords.ts";
import { lex } from "./lexer.ts";
import { isMembership, isTrue, type Op, operatorOf } from "./operators.ts";
import { compareTerms, sortTerms } from "./term-order.ts";
import { builtinRef } from "./terms.ts";

export interface FormatOptions {
	/**
	 * The syntax written: 1 (default) or 0, OPA 0.x syntax (`opa fmt --v0-compatible`), where
	 * `if` and `contains` appear only when an import turns them on and `=` in heads stays.
	 */
	regoVersion?: 0 | 1;
	/**
	 * Add `import rego.v1` when it is missing, so the output (Rego v1 syntax) also reads as
	 * intended in a v0 module: for files formatted in --v0-v1 mode.
	 */
	addRegoV1Import?: boolean;
	/** Drop `rego.v1` and `future.keywords` imports (v1 output only: v0 needs them). */
	dropV0Imports?: boolean;
	/** The module's source text: strings are then printed as written (`"\u0041"` stays). */
	source?: string;
}

/** Maps a location (1-based rows, columns in code points) to offsets in the source text. */
class SourceText {
	private readonly lineStarts: number[] = [0];
	constructor(readonly text: string) {
		for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.lineStarts.push(i + 1);
	}
	offset(row: number, col: number): number | undefined {
		let i = this.lineStarts[row - 1];
		if (i === undefined) return undefined;
		for (let c = 1; c < col; c++) {
			if (i >= this.text.length || this.text[i] === "\n") return undefined;
			const cc = this.text.charCodeAt(i);
			i += cc >= 0xd800 && cc <= 0xdbff ? 2 : 1;
		}
		return i;
	}
	slice(loc: Loc): string | undefined {
		const a = this.offset(loc.row, loc.col);
		const b = this.offset(loc.endRow, loc.endCol);
		return a === undefined || b === undefined ? undefined : this.text.slice(a, b);
	}
	/** The character before `loc` on its line, skipping blanks ("" at the line start). */
	charBefore(loc: Loc): string {
		let i = (this.offset(loc.row, loc.col) ?? 0) - 1;
		while (i >= 0 && (this.text[i] === " " || this.text[i] === "\t")) i--;
		return i < 0 || this.text[i] === "\n" ? "" : this.text[i];
	}
	/** The first non-blank character before `loc`, across lines ("" at the start). */
	nonBlankBefore(loc: Loc): string {
		let i = (this.offset(loc.row, loc.col) ?? 0) - 1;
		while (i >= 0 && /\s/.test(this.text[i])) i--;
		return i < 0 ? "" : this.text[i];
	}
	/** Offset of the first non-blank character before `loc` (newlines too), if any. */
	openBefore(loc: Loc): number | undefined {
		let i = (this.offset(loc.row, loc.col) ?? 0) - 1;
		while (i >= 0 && /\s/.test(this.text[i])) i--;
		return i >= 0 && this.text[i] === "(" ? i : undefined;
	}
	/** The character just after `loc`. */
	charAfter(loc: Loc): string {
		const i = this.offset(loc.endRow, loc.endCol);
		return i === undefined ? "" : (this.text[i] ?? "");
	}
	/** The row of the `}` just before `loc` (skipping blanks and newlines), if that is one. */
	braceRowBefore(loc: Loc): number | undefined {
		let i = (this.offset(loc.row, loc.col) ?? 0) - 1;
		while (i >= 0 && /\s/.test(this.text[i])) i--;
		if (i < 0 || this.text[i] !== "}") return undefined;
		let row = 1;
		for (let j = 0; j < i; j++) if (this.text[j] === "\n") row++;
		return row;
	}
}

// OPA drops the blanks that end a comment.
/** A string as Go's strconv.Quote writes it (how OPA prints a string it did not keep as written). */
function goQuote(value: string): string {
	let out = '"';
	for (const ch of value) {
		const cp = ch.codePointAt(0) as number;
		const esc = GO_ESCAPES[ch];
		if (esc) out += esc;
		else if (goIsPrint(ch)) out += ch;
		else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
		else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
		else out += `\\U${cp.toString(16).padStart(8, "0")}`;
	}
	return `${out}"`;
}

const GO_ESCAPES: Record<string, string> = {
	'"': '\\"',
	"\\": "\\\\",
	"\x07": "\\a",
	"\b": "\\b",
	"\f": "\\f",
	"\n": "\\n",
	"\r": "\\r",
	"\t": "\\t",
	"\v": "\\v",
};

const text = (c: Comment) => `#${c.text}`.trimEnd();

export const isRegoV1 = (i: Import): boolean =>
	i.path.head.type === "var" &&
	i.path.head.name === "rego" &&
	i.path.path.length === 1 &&
	i.path.path[0].type === "string" &&
	i.path.path[0].value === "v1";

export const isFutureKeywords = (i: Import): boolean =>
	i.path.head.type === "var" &&
	i.path.head.name === "future" &&
	i.path.path[0]?.type === "string" &&
	i.path.path[0].value === "keywords";

/** Equal terms get equal keys: numbers by value, strings however they were written. */
function termKey(t: Term): string {
	if (t.type === "number") return `n${/^-?\d+$/.test(t.text) ? BigInt(t.text) : Number(t.text)}`;
	return JSON.stringify(normalized(t));
}

/** A tree without locations and without what printing may change: raw-ness, infix or call form, repeats in sets. */
function normalized(node: unknown): unknown {
	if (Array.isArray(node)) return node.map(normalized);
	if (node === null || typeof node !== "object") return node;
	const o = node as Record<string, unknown>;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(o)) {
		if (k === "loc" || k === "raw" || k === "infix") continue;
		out[k] = normalized(v);
	}
	// Sets and objects are unordered: printing may sort them (see braceless).
	const byJson = (a: unknown, b: unknown) => {
		const x = JSON.stringify(a);
		const y = JSON.stringify(b);
		return x < y ? -1 : x > y ? 1 : 0;
	};
	if (o.type === "set" && Array.isArray(o.items)) {
		out.items = uniqueItems(o.items as Term[])
			.map(normalized)
			.sort(byJson);
	}
	if (o.type === "object" && Array.isArray(out.entries)) {
		out.entries = [...(out.entries as [unknown, unknown][])].sort((a, b) => byJson(a[0], b[0]));
	}
	return out;
}

/** A set's elements without repeats (`{1, 1.0}` is `{1}`), first occurrence kept, as OPA does. */
function uniqueItems(items: Term[]): Term[] {
	const seen = new Set<string>();
	return items.filter((t) => {
		const key = termKey(t);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

/** `f("x", 0)`: a function head with neither value nor body written (the parser's `true`). */
function bareHead(r: Rule): boolean {
	const v = r.head.value;
	return (
		r.kind === "function" &&
		r.body.length === 0 &&
		!r.head.assign &&
		v !== undefined &&
		isTrue(v) &&
		v.loc.row === r.head.loc.row &&
		v.loc.col === r.head.loc.col
	);
}

/** A body that is only the literal `true`: OPA leaves it out. */
function isTrueBody(b: Body): boolean {
	return (
		b.length === 1 &&
		!b[0].negated &&
		b[0].with.length === 0 &&
		b[0].terms.type === "boolean" &&
		b[0].terms.value
	);
}

/** An element of a collection or call: how to print it and the rows it spans. */
interface Elem {
	print: () => string;
	row: number;
	endRow: number;
	/** A variable named as OPA's compiler names its own (`__local1__`). */
	generated?: boolean;
}

const isGeneratedVar = (t: Term) => t.type === "var" && /^__local\d+__$/.test(t.name);

class Formatter {
	private pending: Comment[];
	private readonly src?: SourceText;
	/** The indentation of the line being written (multi-line terms indent from it). */
	private indent = "";
	/** Writing v0 syntax: heads keep `=`, keywords only where imported. */
	private v0 = false;
	/** Whether `if` / `contains` may be written (always in v1; in v0 when imported). */
	private kwIf = true;
	private kwContains = true;
	/** Some rule head is a ref of three or more parts, or `a.b contains …` (see headRef). */
	private refHeads = false;
	/** The text of the else clause whose one-literal body is being written (see braceless). */
	private clause?: string;
	/** Names for the `_`s nested in the arguments of the function being written (see rule). */
	private wildcardNames?: Map<Term, string>;
	private wildcardRows?: WildcardOrder;

	constructor(m: Module, source?: string) {
		this.pending = [...m.comments].sort((a, b) => a.loc.row - b.loc.row || a.loc.col - b.loc.col);
		if (source !== undefined) this.src = new SourceText(source);
	}

	// ---- comments -------------------------------------------------------------------------

	private take(pick: (c: Comment) => boolean): Comment[] {
		const out: Comment[] = [];
		this.pending = this.pending.filter((c) => {
			if (!pick(c)) return true;
			out.push(c);
			return false;
		});
		return out;
	}

	/**
	 * Comments on rows before `row`, one per line at `indent`; a blank line stays between two
	 * that had one, and between the last one and the code at `row` when there was one.
	 */
	private leading(row: number, indent: string): string[] {
		const cs = this.take((c) => c.loc.row < row);
		const out: string[] = [];
		cs.forEach((c, i) => {
			if (i > 0 && c.loc.row > cs[i - 1].loc.row + 1) out.push("");
			out.push(indent + text(c));
		});
		const last = cs.at(-1);
		if (last && last.loc.row < row - 1) out.push("");
		return out;
	}

	/** Comments on `row` (after the code there): ` # …` to end that line with. */
	private trailing(row: number): string {
		const cs = this.take((c) => c.loc.row === row);
		return cs.length === 0 ? "" : ` ${cs.map(text).join(" ")}`;
	}

	// ---- terms ----------------------------------------------------------------------------

	private string(t: Extract<Term, { type: "string" }>): string {
		// In an else clause's one-literal body OPA's terms carry the clause's location: it
		// quotes a string afresh unless that text ends with a quote (then it writes garbage
		// from the clause's first quote on, which Gavel does not copy: it keeps the source).
		const clauseEnd = this.clause?.at(-1);
		if (clauseEnd !== undefined && clauseEnd !== "`" && clauseEnd !== '"') return goQuote(t.value);
		const written = this.src?.slice(t.loc);
		if (written !== undefined) {
			if (t.raw && written === `\`${t.value}\``) return written;
			if (!t.raw && written.startsWith('"')) {
				try {
					if (JSON.parse(written) === t.value) return written;
				} catch {
					// not the literal after all: print it from its value
				}
			}
		}
		if (t.raw && !t.value.includes("`")) return `\`${t.value}\``;
		return JSON.stringify(t.value);
	}

	/** In a ref OPA writes a string key as a name when it is one, else quoted afresh. */
	private pathElem(p: Term): string {
		if (p.type === "string") return isIdentifier(p.value) ? `.${p.value}` : `[${goQuote(p.value)}]`;
		return `[${this.term(p)}]`;
	}

	private ref(r: RefTerm): string {
		let head: string;
		if (r.head.type === "var") head = r.head.name;
		else if (operatorOf(r.head)) head = this.paren(r.head);
		else head = this.term(r.head);
		return head + r.path.map((p) => this.pathElem(p)).join("");
	}

	/** An element of a collection or an argument: `k, v in xs` and `a | b` need parentheses. */
	private item(t: Term): string {
		const op = operatorOf(t);
		if (isOr(t)) return this.paren(t);
		if (op && op.level === 0) return `${op.name}(${this.items(t.type === "call" ? t.args : [])})`;
		return this.term(t);
	}

	private items(ts: Term[]): string {
		return ts.map((t) => this.item(t)).join(", ");
	}

	/**
	 * `open … close` holding `elems`: on one line when every element starts on the same row,
	 * else one line per source row holding the elements that started there, as written.
	 */
	private collection(open: string, close: string, elems: Elem[], loc: Loc, call = false): string {
		// One line when every element starts on the row of the first (arrays, sets and objects
		// also count their opening bracket's row; calls do not). OPA's compiler-made variables
		// (`__local1__`) carry no row there, and one among the elements keeps them on one line.
		const row0 = call ? elems[0]?.row : loc.row;
		if (
			this.clause !== undefined ||
			elems.length === 0 ||
			elems.every((e) => e.row === row0) ||
			elems.some((e) => e.generated)
		) {
			return `${open}${elems.map((e) => e.print()).join(", ")}${close}`;
		}
		const outer = this.indent;
		const inner = `${outer}\t`;
		this.indent = inner;
		const lines: string[] = [];
		let first = "";
		try {
			if (elems[0].row > loc.row) first = this.trailing(loc.row);
			let i = 0;
			while (i < elems.length) {
				const row = elems[i].row;
				lines.push(...this.leading(row, inner));
				const group: string[] = [];
				let endRow = row;
				for (; i < elems.length && elems[i].row === row; i++) {
					group.push(elems[i].print());
					endRow = elems[i].endRow;
				}
				lines.push(`${inner}${group.join(", ")},${this.trailing(endRow)}`);
			}
			lines.push(...this.take((c) => c.loc.row < loc.endRow).map((c) => inner + text(c)));
		} finally {
			this.indent = outer;
		}
		return `${open}${first}\n${lines.join("\n")}\n${outer}${close}`;
	}

	private elems(ts: Term[]): Elem[] {
		return ts.map((t) => ({
			print: () => this.item(t),
			row: t.loc.row,
			endRow: t.loc.endRow,
			generated: isGeneratedVar(t),
		}));
	}

	private callArgs(t: CallTerm): string {
		// Inside `( … )` nothing reads as a comprehension: `a | b` stays bare, except that OPA
		// writes an argument `a | b` in parentheses when its text began with one (`(a | b)`,
		// `(a) | b`): its location starts there.
		const own = this.src?.offset(t.fn.loc.endRow, t.fn.loc.endCol);
		const fromParen = (a: Term) => {
			const at = this.src?.openBefore(a.loc);
			return at !== undefined && at !== own && operatorOf(a)?.name === "or";
		};
		const elems = t.args.map((a) => ({
			print: () => (isOr(a) && !fromParen(a) ? this.term(a) : this.item(a)),
			row: a.loc.row,
			endRow: a.loc.endRow,
			generated: isGeneratedVar(a),
		}));
		return this.collection(`${this.ref(t.fn)}(`, ")", elems, t.loc, true);
	}

	/**
	 * A term as OPA's canonical printer writes it, used for the key of a two-part head in a
	 * module without longer ref heads: strings quoted afresh, operators as calls (`plus(x, 1)`).
	 */
	private canonical(t: Term): string {
		switch (t.type) {
			case "string":
				return goQuote(t.value);
			case "ref": {
				const head = t.head.type === "var" ? t.head.name : this.canonical(t.head);
				return (
					head +
					t.path
						.map((p) => (p.type === "string" ? this.pathElem(p) : `[${this.canonical(p)}]`))
						.join("")
				);
			}
			case "array":
				return `[${t.items.map((x) => this.canonical(x)).join(", ")}]`;
			case "set":
				return t.items.length === 0
					? "set()"
					: `{${uniqueItems(t.items)
							.map((x) => this.canonical(x))
							.join(", ")}}`;
			case "object":
				return `{${t.entries.map(([k, v]) => `${this.canonical(k)}: ${this.canonical(v)}`).join(", ")}}`;
			case "call":
				return `${this.ref(t.fn)}(${t.args.map((x) => this.canonical(x)).join(", ")})`;
			default:
				return this.term(t);
		}
	}

	/** The operand of an infix operator written inside a term. */
	private operand(x: Term, op: Op, right: boolean): string {
		const inner = operatorOf(x);
		const s = this.term(x);
		if (!inner) return s;
		if (inner.name === "internal.member_3") return s;
		// OPA puts parentheses around every operator operand except membership; we add them
		// around membership too where leaving them out would change the meaning.
		const needed = right ? inner.level <= op.level : inner.level < op.level;
		if (!isMembership(inner) || needed) return `(${s})`;
		return s;
	}

	/** An operand at the top of a literal: parentheses only where the grammar needs them. */
	private bare(x: Term, op: Op, right: boolean): string {
		const inner = operatorOf(x);
		const s = this.term(x);
		if (!inner) return s;
		const needed = right ? inner.level <= op.level : inner.level < op.level;
		return needed && inner.name !== "internal.member_3" ? `(${s})` : s;
	}

	private infix(t: CallTerm, op: Op): string {
		if (op.name === "internal.member_3") {
			const [k, v, xs] = t.args;
			// `k, v in xs`: neither k nor v can be a bare `in` (it would read as the `in`).
			return `${this.operand(k, op, true)}, ${this.operand(v, op, true)} in ${this.operand(xs, op, true)}`;
		}
		const [a, b] = t.args;
		return `${this.operand(a, op, false)} ${op.symbol} ${this.operand(b, op, true)}`;
	}

	term(t: Term): string {
		switch (t.type) {
			case "null":
				return "null";
			case "boolean":
				return t.value ? "true" : "false";
			case "number":
				return t.text;
			case "string":
				return this.string(t);
			case "var":
				return this.wildcardNames?.get(t) ?? t.name;
			case "ref":
				return this.ref(t);
			case "array":
				return this.collection("[", "]", this.elems(t.items), t.loc);
			case "set": {
				if (t.items.length === 0) return "set()";
				const items = uniqueItems(t.items);
				return this.collection("{", "}", this.elems(this.clause ? sortTerms(items) : items), t.loc);
			}
			case "object":
				return this.collection(
					"{",
					"}",
					(this.clause ? [...t.entries].sort(([a], [b]) => compareTerms(a, b)) : t.entries).map(
						([k, v]) => ({
							print: () => `${this.item(k)}: ${this.item(v)}`,
							row: k.loc.row,
							endRow: v.loc.endRow,
						}),
					),
					t.loc,
				);
			case "arrayCompr":
				return this.comprehension("[", this.head(t.term), t.term.loc.row, t.body, "]", t.loc);
			case "setCompr":
				return this.comprehension("{", this.head(t.term), t.term.loc.row, t.body, "}", t.loc);
			case "objectCompr":
				return this.comprehension(
					"{",
					// The key ends at `:`: only `a | b` would read otherwise (as a set comprehension).
					`${isOr(t.key) ? this.paren(t.key) : this.term(t.key)}: ${this.head(t.value)}`,
					t.key.loc.row,
					t.body,
					"}",
					t.loc,
				);
			case "call": {
				const op = operatorOf(t);
				if (op && op.level === 0) return `${op.name}(${this.items(t.args)})`;
				// OPA writes `k, v in xs` in parentheses wherever it is part of something else.
				if (op?.name === "internal.member_3") return `(${this.infix(t, op)})`;
				if (op) return this.infix(t, op);
				return this.callArgs(t);
			}
		}
	}

	/** A comprehension's head is one term: an operator expression there needs parentheses. */
	private head(t: Term): string {
		return operatorOf(t) ? this.paren(t) : this.term(t);
	}

	/** The term in parentheses (`k, v in xs` comes with its own). */
	private paren(t: Term): string {
		return operatorOf(t)?.name === "internal.member_3" ? this.term(t) : `(${this.term(t)})`;
	}

	private comprehension(
		open: string,
		head: string,
		headRow: number,
		body: Body,
		close: string,
		loc: Loc,
	): string {
		if (body.some((e) => e.loc.row > headRow)) {
			return `${open}${head} |${this.block(body, loc.endRow)}${close}`;
		}
		return `${open}${head} | ${body.map((e) => this.literal(e, true)).join("; ")}${close}`;
	}

	// ---- expressions and bodies -----------------------------------------------------------

	private membership(key: Term | undefined, value: Term, coll: Term, loc: Loc): string {
		const name = key ? "internal.member_3" : "internal.member_2";
		const args = key ? [key, value, coll] : [value, coll];
		const op = operatorOf({ type: "call", fn: builtinRef(name, loc), args, infix: true, loc });
		const call: CallTerm = { type: "call", fn: builtinRef(name, loc), args, infix: true, loc };
		return this.infix(call, op as Op);
	}

	private every(t: Every): string {
		// OPA writes the domain bare, whatever operator it holds (it is one term to the parser).
		const dom = this.term(t.domain);
		const kv = [t.key, t.value].filter((x): x is Term => x !== undefined);
		const vars = kv.map((x) => (operatorOf(x) ? this.paren(x) : this.term(x))).join(", ");
		const head = `every ${vars} in ${dom} `;
		const oneLine =
			t.body.every((e) => e.loc.row === t.loc.row && e.loc.endRow === t.loc.row) &&
			!this.pending.some((c) => c.loc.row >= t.loc.row && c.loc.row < t.loc.endRow);
		if (oneLine) {
			const lits = t.body.map((e) => this.literal(e, true));
			// OPA writes a one-line body of several literals without the space before `}`.
			return `${head}{ ${lits.join("; ")}${lits.length > 1 ? "}" : " }"}`;
		}
		return `${head}{${this.block(t.body, t.loc.endRow)}}`;
	}

	private someIn(t: SomeIn): string {
		return `some ${this.membership(t.key, t.value, t.collection, t.loc)}`;
	}

	/** One literal (may span lines, indented from this.indent); `first`: not on a line after another. */
	literal(e: Expr, first: boolean, opensRuleBlock = false): string {
		let s = e.negated ? "not " : "";
		const t = e.terms;
		switch (t.type) {
			case "some":
				s += `some ${t.vars.map((v) => this.term(v)).join(", ")}`;
				break;
			case "someIn":
				s += this.someIn(t);
				break;
			case "every":
				s += this.every(t);
				break;
			default: {
				const op = operatorOf(t);
				let body: string;
				// The first literal of a rule's `if {` block: OPA keeps `a | b` at its start in
				// parentheses (`{ a | b … }` there could read as a set comprehension).
				const guard = opensRuleBlock && !e.negated;
				if (guard && isOr(t)) {
					body = this.paren(t);
				} else if (op && op.level === 0 && t.type === "call") {
					const [a, b] = t.args;
					const rhs = this.term(b);
					const lhs = guard && isOr(a) ? this.paren(a) : this.term(a);
					body = `${lhs} ${op.symbol} ${rhs}`;
				} else if (op && !isMembership(op) && t.type === "call") {
					// At the top of a literal OPA writes an operator's operands bare.
					const [a, b] = t.args;
					// `a | b` too: at the top of a literal it cannot read as a comprehension.
					let lhs = this.bare(a, op, false);
					const inner = operatorOf(a);
					if (guard && isOr(a) && inner && inner.level >= op.level) lhs = this.paren(a);
					body = `${lhs} ${op.symbol} ${this.bare(b, op, true)}`;
				} else if (op?.name === "internal.member_3" && t.type === "call") {
					body = this.infix(t, op);
				} else {
					body = this.term(t);
				}
				// After another literal, `-1 == y` on its own line would continue it (`x - 1`).
				// After `;` or `not` nothing continues.
				if (!first && !e.negated && body.startsWith("-")) body = `(${body})`;
				s += body;
			}
		}
		let prevEnd = t.loc.endRow;
		for (const w of e.with) {
			const part = `with ${this.ref(w.target)} as ${this.term(w.value)}`;
			s += w.loc.row > prevEnd ? `\n${this.indent}\t${part}` : ` ${part}`;
			prevEnd = w.loc.endRow;
		}
		return s;
	}

	/**
	 * A body as a block: a newline, one literal per line at this.indent + tab, a newline and
	 * this.indent (the caller writes the braces). Blank lines the author left between literals
	 * stay; comments stay on their rows' lines.
	 */
	private block(body: Body, closeRow: number, ruleBlock = false): string {
		const outer = this.indent;
		const inner = `${outer}\t`;
		const lines: string[] = [];
		this.indent = inner;
		try {
			body.forEach((e, i) => {
				const prev = body[i - 1];
				if (prev && e.loc.row > prev.loc.endRow + 1) lines.push("");
				lines.push(...this.leading(e.loc.row, inner));
				const lit = this.literal(e, i === 0, ruleBlock && i === 0);
				// Comments inside a multi-line literal that nothing took go just before it.
				lines.push(...this.take((c) => c.loc.row < e.loc.endRow).map((c) => inner + text(c)));
				lines.push(inner + lit + this.trailing(e.loc.endRow));
			});
			const last = body.at(-1);
			const closing = this.take((c) => c.loc.row < closeRow);
			if (last && closing.length > 0 && closing[0].loc.row > last.loc.endRow + 1) lines.push("");
			closing.forEach((c, i) => {
				if (i > 0 && c.loc.row > closing[i - 1].loc.row + 1) lines.push("");
				lines.push(inner + text(c));
			});
		} finally {
			this.indent = outer;
		}
		return `\n${lines.join("\n")}\n${outer}`;
	}

	// ---- rules ----------------------------------------------------------------------------

	private headRef(r: Rule): string {
		const ref = r.head.ref;
		// In a module without longer ref heads, OPA writes a two-part head (`r.a := 1`) in its
		// object-rule form, `r["a"]`.
		const key = ref.path[0];
		if (!this.refHeads && ref.path.length === 1) {
			return `${this.ref({ ...ref, path: [] })}[${this.canonical(key)}]`;
		}
		return this.ref(ref);
	}

	/** v1 writes `:=` for every head value; v0 keeps the operator as written. */
	private assignOp(r: Rule): string {
		return !this.v0 || r.head.assign ? ":=" : "=";
	}

	/**
	 * ` if …` for a body (empty: nothing); `block` tells whether it was written as a block.
	 * Without `if` (v0) a body is always a block.
	 */
	private body(
		body: Body,
		headRow: number,
		closeRow: number,
		useIf: boolean,
		/** The body of the rule itself (not of an else). */
		ruleBody = false,
	): { text: string; block: boolean } {
		if (body.length === 0) return { text: "", block: false };
		if (!useIf) return { text: ` {${this.block(body, closeRow)}}`, block: true };
		const first = body[0];
		// A comment after the literal's last line trails the rule; one inside it needs a block.
		const inline =
			body.length === 1 &&
			first.loc.row === headRow &&
			!this.pending.some((c) => c.loc.row >= headRow && c.loc.row < first.loc.endRow);
		if (inline) {
			const lit = this.literal(first, true);
			// Only a lone set would read as the body's braces (`p if {1}`); OPA writes the rest inline.
			if (!(first.terms.type === "set" && !first.negated && first.with.length === 0))
				return { text: ` if ${lit}`, block: false };
		}
		// A comment after the opening `{` stays on its line.
		const open = this.trailing(headRow);
		return { text: ` if {${open}${this.block(body, closeRow, ruleBody)}}`, block: true };
	}

	rule(r: Rule): string {
		let s = r.default ? "default " : "";
		s += this.headRef(r);
		// `f()` is an ordinary rule to OPA, written without the parentheses.
		if (r.head.args && r.head.args.length > 0) {
			// In a function with `else`, OPA writes each `_` nested in an argument (not a bare `_`
			// argument) under its parser's name for it: `_` followed by its number in the file.
			const order = r.else ? this.wildcardOrder() : undefined;
			if (order) {
				this.wildcardNames = new Map();
				for (const a of r.head.args) {
					if (a.type === "var") continue;
					for (const w of wildcardsIn(a)) this.wildcardNames.set(w, `_${order.number(w.loc)}`);
				}
			}
			try {
				s += `(${this.items(r.head.args)})`;
			} finally {
				this.wildcardNames = undefined;
			}
		}
		const body = !r.else && isTrueBody(r.body) ? [] : r.body;
		// v0 has no `p[x] if`: a partial set takes `if` only beside `contains`.
		const useIf = this.kwIf && (r.kind !== "partialSet" || this.kwContains);
		if (r.kind === "partialSet") {
			if (r.head.key && this.kwContains) s += ` contains ${this.term(r.head.key)}`;
			else if (r.head.key) s += `[${this.term(r.head.key)}]`;
		} else if (r.head.value && !(isTrue(r.head.value) && body.length > 0) && !bareHead(r)) {
			// `:= true` before a body goes: the value is implied.
			s += ` ${this.assignOp(r)} ${this.term(r.head.value)}`;
		}
		const closeRow = r.else ? r.else.loc.row : r.loc.endRow;
		let b = this.body(body, r.head.loc.row, closeRow, useIf, true);
		s += b.text;
		let prevBody = body;
		let prevHeadRow = r.head.loc.row;
		for (let e = r.else; e; e = e.else) {
			s += this.elseJoin(e, prevBody, b.block, prevHeadRow);
			prevHeadRow = e.loc.row;
			const eBody = !e.else && isTrueBody(e.body) ? [] : e.body;
			if (!(isTrue(e.head.value) && eBody.length > 0)) {
				const v = e.head.value ?? { type: "boolean" as const, value: true, loc: e.loc };
				s += ` ${this.assignOp(e)} ${this.term(v)}`;
			}
			this.clause = this.braceless(e);
			try {
				b = this.body(eBody, e.loc.row, e.else ? e.else.loc.row : e.loc.endRow, useIf);
			} finally {
				this.clause = undefined;
			}
			s += b.text;
			prevBody = eBody;
		}
		return s;
	}

	/**
	 * `else [:= v] if <literal>` without braces: OPA gives every term of the literal the whole
	 * clause's location, so it writes them as it writes terms it has no text for (strings
	 * quoted afresh, set elements and object keys in its sort order, one line). The clause's
	 * text, from `else` to the literal's end, or undefined.
	 */
	private braceless(e: Rule): string | undefined {
		const lit = e.body[0];
		if (!this.src || e.body.length !== 1 || !lit) return undefined;
		if (this.src.nonBlankBefore(lit.loc) === "{") return undefined;
		return this.src.slice({ ...e.loc, endRow: lit.loc.endRow, endCol: lit.loc.endCol });
	}

	/**
	 * What goes before `else`: ` ` after a block whose `}` shares the else's row in the source,
	 * else a blank line (OPA's rule, including its `\n else` after a body it wrote inline).
	 */
	private elseJoin(e: Rule, prevBody: Body, prevBlock: boolean, prevHeadRow: number): string {
		const braceRow = this.src?.braceRowBefore(e.loc);
		const lastLit = prevBody.at(-1);
		// A block written on one line (`{ a; b } else`) does not keep the else beside its `}`.
		const sameRow =
			braceRow !== undefined &&
			braceRow === e.loc.row &&
			(lastLit === undefined ||
				braceRow > lastLit.loc.endRow ||
				(prevBody[0] !== undefined && prevBody[0].loc.row > prevHeadRow));
		if (this.src === undefined) return prevBlock ? " else" : "\n\nelse";
		if (!sameRow) return "\n\nelse";
		return prevBlock ? " else" : "\n else";
	}

	// ---- module ---------------------------------------------------------------------------

	private importText(i: Import): string {
		return `import ${this.ref(i.path)}${i.alias ? ` as ${i.alias}` : ""}`;
	}

	/** The numbers OPA's parser gives the module's `_`s (undefined without the source). */
	private wildcardOrder(): WildcardOrder | undefined {
		if (!this.src || !this.mod) return undefined;
		this.wildcardRows ??= new WildcardOrder(this.src.text, this.mod);
		return this.wildcardRows;
	}

	private mod?: Module;

	module(m: Module, opts: FormatOptions): string {
		this.mod = m;
		const out: string[] = [];
		out.push(...this.leading(m.package.loc.row, ""));
		const [first, ...rest] = m.package.path.path;
		let pkg = first && first.type === "string" ? first.value : "";
		pkg += rest.map((p) => this.pathElem(p)).join("");
		out.push(`package ${pkg}${this.trailing(m.package.loc.endRow)}`);

		const hasV1 = m.imports.some(isRegoV1);
		this.refHeads = m.rules.some(
			(r) =>
				r.head.ref.path.length >= 2 || (r.kind === "partialSet" && r.head.ref.path.length >= 1),
		);
		this.v0 = opts.regoVersion === 0 && !opts.addRegoV1Import;
		if (this.v0 && !hasV1) {
			const kw = (name: string) =>
				m.imports.some(
					(i) =>
						isFutureKeywords(i) &&
						(i.path.path.length === 1 ||
							(i.path.path[1].type === "string" && i.path.path[1].value === name)),
				);
			this.kwIf = kw("if");
			this.kwContains = kw("contains");
		}
		// v0 syntax needs its keyword imports; v1 output can lose them (--drop-v0-imports).
		const drop = !this.v0 && opts.dropV0Imports === true && !opts.addRegoV1Import;
		// `import rego.v1` implies every future keyword: OPA drops those imports beside it.
		const v1Implied = hasV1 || opts.addRegoV1Import === true;
		const imports = m.imports
			.filter((i) => !((v1Implied || drop) && isFutureKeywords(i)) && !(drop && isRegoV1(i)))
			.sort((a, b) => a.loc.row - b.loc.row);
		const groups: Import[][] = [];
		for (const i of imports) {
			const last = groups.at(-1)?.at(-1);
			if (last && i.loc.row <= last.loc.endRow + 1) groups.at(-1)?.push(i);
			else groups.push([i]);
		}
		if (opts.addRegoV1Import && !hasV1) {
			const loc = m.package.loc;
			const v1: Import = {
				type: "import",
				path: {
					type: "ref",
					head: { type: "var", name: "rego", loc },
					path: [{ type: "string", value: "v1", loc }],
					loc,
				},
				loc,
			};
			if (groups.length > 0) groups[0].push(v1);
			else groups.push([v1]);
		}
		for (const g of groups) {
			out.push("");
			const row = Math.min(...g.map((i) => i.loc.row));
			const lead = this.leading(row, "");
			out.push(...lead);
			const lines = g.map((i) => ({
				key: this.importText(i),
				line: this.importText(i) + this.trailing(i.loc.endRow),
			}));
			lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
			out.push(...lines.map((l) => l.line));
		}

		// A blank line between two rules where the source had one, after a rule that spans
		// lines (in the source or as written), and around default rules, else chains and
		// bodies of several literals: OPA's layout.
		let prevMulti = true;
		m.rules.forEach((r, i) => {
			const prev = m.rules[i - 1];
			const lead = this.leading(r.loc.row, "");
			this.indent = "";
			const s = this.rule(r);
			// Comments inside the head or a one-line body go before the rule.
			const inside = this.take((c) => c.loc.row < r.loc.endRow).map(text);
			const multi = s.includes("\n");
			const big = r.default || r.else !== undefined || r.body.length > 1;
			// Without `if` (v0) OPA separates every two rules.
			// A rule written on one line but printed on several (a v0 block) is set apart too.
			const grew = multi && r.loc.endRow === r.loc.row;
			if (!prev || prevMulti || big || grew || !this.kwIf || r.loc.row > prev.loc.endRow + 1)
				out.push("");
			out.push(...lead, ...inside);
			// After a multi-line `contains` rule OPA does not keep a comment on the closing row:
			// it becomes the next statement's leading comment.
			const keepsTrailing = !(r.kind === "partialSet" && multi);
			out.push(s + (keepsTrailing ? this.trailing(r.loc.endRow) : ""));
			prevMulti = big || multi || r.loc.endRow > r.loc.row;
		});
		const rest2 = this.pending.map(text);
		if (rest2.length > 0) {
			out.push("");
			out.push(...rest2);
		}
		return `${out.join("\n")}\n`;
	}
}

function unnumberWildcards<T>(node: T): T {
	if (Array.isArray(node)) return node.map(unnumberWildcards) as T;
	if (node === null || typeof node !== "object") return node;
	const o = node as Record<string, unknown>;
	if (o.type === "var" && typeof o.name === "string" && /^_\d+$/.test(o.name))
		return { ...o, name: "_" } as T;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(o)) out[k] = unnumberWildcards(v);
	return out as T;
}

/**
 * `a | b` written bare, which inside `[`/`{` would read as a comprehension. Only the term's
 * own operator counts: an operand that is an operator is written in parentheses (see operand).
 */
const isOr = (t: Term): boolean => operatorOf(t)?.name === "or";

/** Every `_` variable inside a term (comprehension bodies included), in no particular order. */
function wildcardsIn(node: unknown, out: Term[] = []): Term[] {
	if (Array.isArray(node)) {
		for (const n of node) wildcardsIn(n, out);
	} else if (node !== null && typeof node === "object") {
		const o = node as { type?: string; name?: string };
		if (o.type === "var" && o.name === "_") out.push(node as Term);
		else for (const [k, v] of Object.entries(node)) if (k !== "loc") wildcardsIn(v, out);
	}
	return out;
}

/**
 * OPA's parser numbers each `_` as it reads it, in source order, and reads a function's bare
 * `_` arguments once more for each `else` (the else rule gets copies with fresh numbers).
 */
class WildcardOrder {
	private readonly at: { row: number; col: number }[] = [];
	private readonly extra: { row: number; col: number; n: number }[] = [];

	constructor(source: string, m: Module) {
		for (const t of lex(source, m.file).tokens)
			if (t.kind === "ident" && t.text === "_") this.at.push({ row: t.row, col: t.col });
		for (const r of m.rules) {
			const bare = r.head.args?.filter((a) => a.type === "var" && a.name === "_").length ?? 0;
			let elses = 0;
			for (let e = r.else; e; e = e.else) elses++;
			if (bare * elses > 0)
				this.extra.push({ row: r.loc.endRow, col: r.loc.endCol, n: bare * elses });
		}
	}

	number(loc: Loc): number {
		const before = (p: { row: number; col: number }) =>
			p.row < loc.row || (p.row === loc.row && p.col < loc.col);
		let n = this.at.filter(before).length;
		for (const e of this.extra) if (before(e)) n += e.n;
		return n;
	}
}

export function formatModule(m: Module, opts: FormatOptions = {}): string {
	return new Formatter(m, opts.source).module(m, opts);
}

/**
 * What formatting must keep: the module without locations, comments or file name, imports in
 * any order, and the spellings `opa fmt` treats as one: `=` or `:=` in a rule head, a body that
 * is only `true` or none.
 */
export function formatMeaning(m: Module): unknown {
	const f = new Formatter({ ...m, comments: [] });
	const key = (i: Import) => `${f.term(i.path)}${i.alias ? ` as ${i.alias}` : ""}`;
	const hasV1 = m.imports.some(isRegoV1);
	const imports = m.imports
		.filter((i) => !(hasV1 && isFutureKeywords(i)))
		.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
	const rule = (r: Rule): Rule => {
		// `f()` reads as the rule `f`.
		const noArgs = r.kind === "function" && r.head.args?.length === 0;
		// `_` and OPA's `_3` for it in an argument are one (each such name is used once).
		const args = noArgs ? undefined : r.head.args?.map(unnumberWildcards);
		const out: Rule = {
			...r,
			kind: noArgs ? "complete" : r.kind,
			head: { ...r.head, assign: false, args },
			body: !r.else && isTrueBody(r.body) ? [] : r.body,
		};
		if (r.else) out.else = rule(r.else);
		return out;
	};
	return normalized({
		...m,
		imports,
		rules: m.rules.map(rule),
		comments: [],
		file: "",
		regoVersion: 0,
	});
}
