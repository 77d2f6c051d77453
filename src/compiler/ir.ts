// The planner's output and the back end's input: a small, explicit, printable IR.
//
// Execution model (the same one OPA's planner uses, so Rego's backtracking becomes plain
// structured control flow):
// - A function or plan body is a list of blocks run in order. A block runs its statements in
//   order; a statement that is "undefined" (a failed comparison, a missing key, a builtin that
//   returns undefined, a `false` check) ends the current block early, and execution continues
//   after that block. `break` ends `levels` enclosing blocks at once.
// - Iteration is nested, not backtracked: `scan` runs its block once per element of a
//   collection, and everything that depends on the element lives inside that block.
// - Locals hold value pointers; a local that was never assigned is "undefined" (pointer 0).
//   Locals are numbered per function. In every function and plan, local 0 is `input` and
//   local 1 is `data`; a function's declared params follow from local 2.
// - Values are immutable once built, except the collection a make* statement just created,
//   which insert/append statements fill before anything else can see it.

import type { Loc } from "../rego/ast.ts";

export type Local = number;

/** A scalar constant. Numbers keep their source text so big and exact numbers survive. */
export type Const =
	| { type: "null" }
	| { type: "boolean"; value: boolean }
	| { type: "number"; text: string }
	| { type: "string"; value: string };

/** Where a statement reads a value from: a local, or an entry of the policy's constant pool. */
export type Operand = { local: Local } | { const: number };

/** A source position for run-time errors (conflicts, explicit aborts). */
export interface IrLoc {
	file: string;
	row: number;
	col: number;
}

export type Stmt =
	/** target := source. Never undefined (an undefined source leaves target undefined). */
	| { op: "assign"; target: Local; source: Operand }
	/**
	 * target := source, unless target already holds a different value: then abort with
	 * eval_conflict_error (complete rules and functions producing two outputs).
	 */
	| {
			op: "assignOnce";
			target: Local;
			source: Operand;
			loc: IrLoc;
			/**
			 * The conflict message OPA uses for this kind of rule ("complete rules must not produce
			 * multiple outputs", "functions must not produce multiple outputs for same inputs").
			 * When absent the back end uses the complete-rule message.
			 */
			message?: string;
	  }
	/** Undefined unless `source` is defined. */
	| { op: "isDefined"; source: Local }
	/** Undefined unless `source` is undefined. */
	| { op: "isUndefined"; source: Local }
	/** target := source[key] for arrays (integer index), objects and sets (membership). */
	| { op: "dot"; source: Operand; key: Operand; target: Local }
	/** Undefined unless a == b (Rego equality: 1 == 1.0). */
	| { op: "equal"; a: Operand; b: Operand }
	| { op: "notEqual"; a: Operand; b: Operand }
	/** Undefined when the value is `false` (an expression whose value is false fails). */
	| { op: "notFalse"; source: Operand }
	/** Undefined unless the value is of this type. */
	| {
			op: "isType";
			source: Operand;
			typeName: "null" | "boolean" | "number" | "string" | "array" | "object" | "set";
	  }
	/** Run `block` once per element: arrays (index, item), objects (key, value), sets (item, item). */
	| { op: "scan"; source: Operand; key: Local; value: Local; block: Block }
	/** Run `block`; defined when the block did NOT run to its end (negation as failure). */
	| { op: "not"; block: Block }
	/** Run each block in order (used for disjunctions and rule bodies inside one function). */
	| { op: "blocks"; blocks: Block[] }
	/** End `levels` + 1 enclosing blocks (0 ends the current block, like an undefined statement). */
	| { op: "break"; levels: number }
	/**
	 * Call a plan function (by name, from `Policy.funcs`) or a builtin (by its Rego name,
	 * e.g. "count", "plus", "io.jwt.decode"). Plan functions receive input and data first.
	 * Undefined when the callee returns undefined.
	 */
	| {
			op: "call";
			func: string;
			args: Operand[];
			target: Local;
			loc?: IrLoc;
			/**
			 * Pass undefined arguments as they are instead of making the call undefined: for the
			 * helpers split-funcs.ts moves parts of a large function into, which take its locals.
			 */
			undefinedArgs?: boolean;
	  }
	| { op: "makeNull"; target: Local }
	| { op: "makeArray"; target: Local; capacity: number }
	| { op: "makeObject"; target: Local }
	| { op: "makeSet"; target: Local }
	| { op: "arrayAppend"; array: Local; value: Operand }
	/** Insert or overwrite. */
	| { op: "objectInsert"; object: Local; key: Operand; value: Operand }
	/** Insert; abort with eval_conflict_error when the key exists with a different value. */
	| { op: "objectInsertOnce"; object: Local; key: Operand; value: Operand; loc: IrLoc }
	/**
	 * Merge `value` into object `object` at `key`: when both old and new are objects, merge
	 * recursively (ref heads and base/virtual documents sharing a prefix); when both are sets,
	 * their union (multi-value ref-head rules, `p[q].r contains s`, fill one set from several
	 * bodies); otherwise as objectInsertOnce.
	 */
	| { op: "objectMerge"; object: Local; key: Operand; value: Operand; loc: IrLoc }
	| { op: "setAdd"; set: Local; value: Operand }
	/** Add `value` to the query's result set. */
	| { op: "resultSetAdd"; value: Local }
	/**
	 * Run `block` with a fresh memo table (rule results cached inside do not leak out, and
	 * cached results from outside are not used): what `with` needs. Undefined when the block
	 * did not run to its end.
	 */
	| { op: "memoScope"; block: Block }
	/**
	 * target := a copy of `source` with the value at `path` replaced by `value` (objects are
	 * created along the path as needed): `with input.x.y as v`.
	 */
	| { op: "upsert"; source: Operand; path: Operand[]; value: Operand; target: Local }
	/** Stop the whole evaluation with an error (code like "eval_conflict_error"). */
	| { op: "abort"; code: string; message: string; loc: IrLoc };

export interface Block {
	stmts: Stmt[];
}

export interface Func {
	/** Unique name, e.g. "g0.data.authz.allow". */
	name: string;
	/** Number of declared params after input and data (they are locals 2 … 2+arity-1). */
	arity: number;
	/** The local holding the result when the blocks finish (undefined ⇒ the call is undefined). */
	result: Local;
	/** Total locals used (at least 2 + arity). */
	locals: number;
	blocks: Block[];
	/**
	 * Evaluate at most once per query and memo scope (rules with no params). Functions with
	 * params are not memoised.
	 */
	memo: boolean;
	/** Where it came from, for `gavel build --ir` and errors. */
	loc?: Loc;
}

/** An entrypoint or query: runs its blocks with input (local 0) and data (local 1). */
export interface Plan {
	/** "example/allow" for entrypoint data.example.allow, or a query's name. */
	name: string;
	locals: number;
	blocks: Block[];
}

/** A builtin some call names. */
export interface BuiltinRef {
	name: string;
	arity: number;
}

export interface Policy {
	consts: Const[];
	plans: Plan[];
	funcs: Func[];
	/**
	 * Every builtin the calls name. The back end calls the runtime's native implementation
	 * when it has one, and otherwise routes the call to the host through opa_builtin<arity>
	 * and lists it in the module's builtins().
	 */
	builtins: BuiltinRef[];
	/**
	 * Funcs (of arity 0, not memoised) evaluated once when the module is instantiated, their
	 * results kept for the module's life: large constant collections, which would otherwise be
	 * rebuilt by every evaluation. A call to one reads the kept value.
	 */
	preload?: string[];
	/**
	 * Builtin type and run-time errors abort the evaluation (eval_type_error /
	 * eval_builtin_error) instead of making the call undefined (OPA's strict-builtin-errors).
	 */
	strictBuiltinErrors?: boolean;
}
