// The Rego AST: plain, JSON-serialisable data. Every node carries its source span so any later
// stage (compiler, test runner, formatter) can report file:line:col without the source text.

/** A source span. Lines and columns are 1-based; `end*` point just past the last character. */
export interface Loc {
	file: string;
	row: number;
	col: number;
	endRow: number;
	endCol: number;
}

export interface NullTerm {
	type: "null";
	loc: Loc;
}
export interface BooleanTerm {
	type: "boolean";
	value: boolean;
	loc: Loc;
}
/** Numbers keep the text as written so big integers and exact decimals survive. */
export interface NumberTerm {
	type: "number";
	text: string;
	loc: Loc;
}
export interface StringTerm {
	type: "string";
	value: string;
	/** Written as a `raw` backtick string (matters only to the printer). */
	raw?: boolean;
	loc: Loc;
}
/** A variable. The wildcard `_` is a var named "_" (the compiler gives each one a fresh name). */
export interface VarTerm {
	type: "var";
	name: string;
	loc: Loc;
}
/**
 * A reference: `head` followed by `path` operands. `a.b[c]` is head var `a`, path
 * [string "b", var c]. `a.b` and `a["b"]` give the same AST (as in OPA); the printer uses the
 * dotted form whenever the string is a valid identifier.
 * `data` and `input` on their own are refs with an empty path (as in OPA); other vars stay vars.
 */
export interface RefTerm {
	type: "ref";
	head: Term;
	path: Term[];
	loc: Loc;
}
export interface ArrayTerm {
	type: "array";
	items: Term[];
	loc: Loc;
}
export interface SetTerm {
	type: "set";
	items: Term[];
	loc: Loc;
}
export interface ObjectTerm {
	type: "object";
	entries: [Term, Term][];
	loc: Loc;
}
export interface ArrayComprehension {
	type: "arrayCompr";
	term: Term;
	body: Body;
	loc: Loc;
}
export interface SetComprehension {
	type: "setCompr";
	term: Term;
	body: Body;
	loc: Loc;
}
export interface ObjectComprehension {
	type: "objectCompr";
	key: Term;
	value: Term;
	body: Body;
	loc: Loc;
}
/**
 * A call. `fn` is a ref naming the function (`count`, `io.jwt.decode`, `data.lib.f`, `f`).
 * Operators are calls to OPA's operator builtins, as OPA's own AST does:
 *   `=` eq, `:=` assign, `==` equal, `!=` neq, `<` lt, `<=` lte, `>` gt, `>=` gte,
 *   `+` plus, `-` minus, `*` mul, `/` div, `%` rem, `&` and, `|` or,
 *   `x in xs` internal.member_2, `k, v in xs` internal.member_3.
 * `infix` records that it was written as an operator (for the printer).
 */
export interface CallTerm {
	type: "call";
	fn: RefTerm;
	args: Term[];
	infix?: boolean;
	loc: Loc;
}

export type Term =
	| NullTerm
	| BooleanTerm
	| NumberTerm
	| StringTerm
	| VarTerm
	| RefTerm
	| ArrayTerm
	| SetTerm
	| ObjectTerm
	| ArrayComprehension
	| SetComprehension
	| ObjectComprehension
	| CallTerm;

export type ScalarTerm = NullTerm | BooleanTerm | NumberTerm | StringTerm;

/** `some x, y` */
export interface SomeDecl {
	type: "some";
	vars: VarTerm[];
	loc: Loc;
}
/** `some v in xs`, `some k, v in xs` (key absent in the first form). */
export interface SomeIn {
	type: "someIn";
	key?: Term;
	value: Term;
	collection: Term;
	loc: Loc;
}
/** `every v in xs { … }`, `every k, v in xs { … }` */
export interface Every {
	type: "every";
	key?: Term;
	value: Term;
	domain: Term;
	body: Body;
	loc: Loc;
}

/** `… with target as value`; target is a ref rooted at `input`, `data` or a function name. */
export interface With {
	target: RefTerm;
	value: Term;
	loc: Loc;
}

export interface Expr {
	type: "expr";
	negated: boolean;
	/** A term (often a call: `x = 1` is call eq), or a `some`/`every` form. */
	terms: Term | SomeDecl | SomeIn | Every;
	with: With[];
	loc: Loc;
}

export type Body = Expr[];

/**
 * How the parser classifies a rule:
 * - "function": the head has arguments;
 * - "partialSet": `p contains x` (and v0's `p[x] { … }`); the head ref excludes the element,
 *   which is `head.key`;
 * - "partialObject": the head ref's last element is not ground (`p[k] := v`, `a.b[x] if …`);
 * - "complete": everything else, ref heads with a ground path included (`a.b.c := 1`).
 */
export type RuleKind = "complete" | "partialSet" | "partialObject" | "function";

export interface RuleHead {
	/** Name and ref-head path: `p`, `a.b[c].d`. For `p[k] := v` the ref is `p[k]`. */
	ref: RefTerm;
	/** Function parameters, present only for functions. */
	args?: Term[];
	/** The element of a partial set (`p contains x`, v0 `p[x]`). */
	key?: Term;
	/**
	 * The value; absent only for partial sets. When none is written (`p if …`, `f(x) if …`,
	 * `else if …`) the parser fills in a `true` BooleanTerm located at the head, so later stages
	 * never have to guess.
	 */
	value?: Term;
	/** `:=` rather than `=` (or implicit). */
	assign: boolean;
	loc: Loc;
}

export interface Rule {
	type: "rule";
	default: boolean;
	kind: RuleKind;
	head: RuleHead;
	/** An empty body means `true` (rules like `p := 1`). */
	body: Body;
	/**
	 * `else [= value] [if] { … }` chain (complete rules and functions only). Each link has the
	 * parent's kind and its own copy of the head ref and args; an `else := v` without a body has
	 * `body: []` and ends the chain.
	 */
	else?: Rule;
	/** METADATA annotations attached to this rule. */
	annotations?: Annotation[];
	loc: Loc;
}

export interface Import {
	type: "import";
	/** `data.x.y`, `input.x`, `future.keywords.in`, `rego.v1`. */
	path: RefTerm;
	alias?: string;
	loc: Loc;
}

export interface Package {
	type: "package";
	/** The package path as a ref rooted at `data`: `package a.b` is `data.a.b`. */
	path: RefTerm;
	loc: Loc;
}

export interface Comment {
	text: string;
	loc: Loc;
}

export type AnnotationScope = "rule" | "document" | "package" | "subpackages";

/**
 * A `# METADATA` block, parsed from its YAML. Keys Rego does not define are kept under `extra`
 * (OPA drops them) so nothing an author wrote is lost.
 */
export interface Annotation {
	scope: AnnotationScope;
	title?: string;
	description?: string;
	entrypoint?: boolean;
	organizations?: string[];
	authors?: unknown[];
	related_resources?: unknown[];
	schemas?: unknown[];
	custom?: Record<string, unknown>;
	/** Top-level keys Rego does not define (OPA drops them; kept for the printer). */
	extra?: Record<string, unknown>;
	loc: Loc;
}

export interface Module {
	type: "module";
	file: string;
	/** 1 for OPA 1.x syntax, 0 for the v0-compatible syntax. */
	regoVersion: 0 | 1;
	package: Package;
	imports: Import[];
	rules: Rule[];
	/** Annotations of package/subpackages scope (rule-scoped ones hang on their rules). */
	annotations: Annotation[];
	comments: Comment[];
	loc: Loc;
}
