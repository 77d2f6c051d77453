// What the planner's parts share: the `with` context a function is specialised for, the
// error type, and small helpers over terms and IR statements.

import type { Loc, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import type { Block, IrLoc, Local, Operand, Stmt } from "./ir.ts";
import type { FnTarget } from "./resolved-names.ts";

export const COMPLETE_CONFLICT = "complete rules must not produce multiple outputs";
export const FUNCTION_CONFLICT = "functions must not produce multiple outputs for same inputs";
export const OBJECT_CONFLICT = "object keys must be unique";

/**
 * A `with` replacement of a function: another function, or a value. A constant is planned
 * where the mocked function is called. Any other value is evaluated where the `with` is
 * written (it may name that body's local variables) and reaches the specialised copies as an
 * extra parameter, one per slot of the context; constants are not passed that way because
 * Funcs with parameters are not memoised (test suites mock `time.now_ns` with constants
 * everywhere).
 */
export type Mock =
	| { kind: "fn"; target: FnTarget }
	| { kind: "const"; term: Term }
	| { kind: "value" };

/** What `with` replaced: functions planned under a context are specialised copies. */
export interface Ctx {
	key: string;
	overrides: string[][];
	mocks: Map<string, Mock>;
	/**
	 * The keys of the value mocks, in order: a Func planned under this context takes their
	 * values as parameters after its declared ones.
	 */
	slots: string[];
}

export const EMPTY_CTX: Ctx = { key: "", overrides: [], mocks: new Map(), slots: [] };

function mockKey(m: Mock): string {
	if (m.kind === "fn") return fnKey(m.target);
	return m.kind === "const" ? termKey(m.term) : "value";
}

/** The context for these replacements (its key names the specialised copies). */
export function makeCtx(overrides: string[][], mocks: Map<string, Mock>): Ctx {
	const keyParts = [
		...overrides.map((o) => o.join(".")).sort(),
		...[...mocks].map(([n, m]) => `${n}=${mockKey(m)}`).sort(),
	];
	const slots = [...mocks]
		.filter(([, m]) => m.kind === "value")
		.map(([n]) => n)
		.sort();
	return { key: keyParts.join("|"), overrides, mocks, slots };
}

export class PlanError extends Error {
	constructor(
		readonly code: RegoError["code"],
		message: string,
		readonly loc?: Loc,
	) {
		super(message);
	}
}

export function irLoc(loc: Loc): IrLoc {
	return { file: loc.file, row: loc.row, col: loc.col };
}

/** A term without its locations, for keys. */
export function termKey(t: unknown): string {
	return JSON.stringify(t, (k, v) => (k === "loc" ? undefined : v));
}

export function fnKey(t: FnTarget): string {
	return t.kind === "user" ? `data.${t.path.join(".")}` : t.name;
}

export function isPrefix(p: string[], of: string[]): boolean {
	return p.length <= of.length && p.every((s, i) => of[i] === s);
}

/** The blocks a statement nests: a loop body, a negation, a memo scope, alternatives. */
export function nestedBlocks(s: Stmt): Block[] {
	switch (s.op) {
		case "scan":
		case "not":
		case "memoScope":
			return [s.block];
		case "blocks":
			return s.blocks;
		default:
			return [];
	}
}

/**
 * Every value a statement reads itself (what its nested blocks read aside): its operands, and
 * the locals it tests or fills. A call's arguments come first, in order. Exhaustive over the
 * IR, so an analysis built on it cannot miss a read when a statement kind is added.
 */
export function readOperands(s: Stmt): Operand[] {
	const local = (l: Local): Operand => ({ local: l });
	switch (s.op) {
		case "call":
			return s.args;
		case "assign":
		case "notFalse":
		case "isType":
		case "scan":
			return [s.source];
		case "assignOnce":
			// The target too: a second output is compared with the first.
			return [s.source, local(s.target)];
		case "isDefined":
		case "isUndefined":
			return [local(s.source)];
		case "dot":
			return [s.source, s.key];
		case "equal":
		case "notEqual":
			return [s.a, s.b];
		case "arrayAppend":
			return [local(s.array), s.value];
		case "objectInsert":
		case "objectInsertOnce":
		case "objectMerge":
			return [local(s.object), s.key, s.value];
		case "setAdd":
			return [local(s.set), s.value];
		case "resultSetAdd":
			return [local(s.value)];
		case "upsert":
			return [s.source, ...s.path, s.value];
		case "makeNull":
		case "makeArray":
		case "makeObject":
		case "makeSet":
		case "not":
		case "blocks":
		case "memoScope":
		case "break":
		case "abort":
			return [];
		default: {
			const unknown: never = s;
			throw new Error(`readOperands: unknown statement ${JSON.stringify(unknown)}`);
		}
	}
}

/** Start every loop body with "only while `done` is undefined". */
export function guardScans(stmts: Stmt[], done: Local): void {
	for (const s of stmts) {
		for (const b of nestedBlocks(s)) guardScans(b.stmts, done);
		if (s.op === "scan") s.block.stmts.unshift({ op: "isUndefined", source: done });
	}
}

/** A value written out in full: scalars and collections of constants. */
export function isConstant(t: Term): boolean {
	if (isScalar(t)) return true;
	if (t.type === "array" || t.type === "set") return t.items.every(isConstant);
	if (t.type === "object") return t.entries.every(([k, v]) => isConstant(k) && isConstant(v));
	return false;
}

export function isScalar(t: Term): boolean {
	return t.type === "boolean" || t.type === "string" || t.type === "number" || t.type === "null";
}

export function withoutMocks(ctx: Ctx): Ctx {
	if (ctx.mocks.size === 0) return ctx;
	return makeCtx(ctx.overrides, new Map());
}

export function containsScan(stmts: Stmt[]): boolean {
	return stmts.some((s) => s.op === "scan" || nestedBlocks(s).some((b) => containsScan(b.stmts)));
}
