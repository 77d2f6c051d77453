// Compile a Rego query together with modules and evaluate it through the official OPA Wasm SDK:
// what `gavel eval`, the conformance runner and the server's /v1/query share, so they cannot drift.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile, type Policy } from "../compiler/index.ts";
import type { Body, Expr, Module, RefTerm, Term } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { applyEvalLimits, type EvalLimits, type WasmInstance } from "../wasm/limits.ts";
import { createHostBuiltins } from "./host-builtins.ts";

/** The plan name queries compile to. */
export const QUERY_PLAN = "query";
/** The variable a plain-reference query's value is bound to (see `valueQuery`). */
export const VALUE_VAR = "__gavel_value__";

/** Unification and assignment bind rather than compute: the query's bindings say it all. */
const BINDERS = new Set(["eq", "assign"]);

const fnName = (fn: RefTerm) =>
	[
		fn.head.type === "var" ? fn.head.name : "",
		...fn.path.map((p) => (p.type === "string" ? p.value : "")),
	].join(".");

/** Whether a term mentions a variable the user would see bound (not data/input, not inside a comprehension, whose locals are its own). */
function hasQueryVars(t: Term): boolean {
	switch (t.type) {
		case "var":
			return t.name !== "data" && t.name !== "input";
		case "ref":
			return hasQueryVars(t.head) || t.path.some(hasQueryVars);
		case "array":
		case "set":
			return t.items.some(hasQueryVars);
		case "object":
			return t.entries.some(([k, v]) => hasQueryVars(k) || hasQueryVars(v));
		case "call":
			return t.args.some(hasQueryVars);
		default:
			return false;
	}
}

/**
 * A query that is one expression with a value and no variables (`data.authz.allow`,
 * `count(data.users)`, `1 + 2`, `[x | some x in input]`, `1 < 2`) has no bindings to show; like `opa eval`, the user
 * wants its value. Rewrite it to `__gavel_value__ = term`. Unifications and assignments are
 * left alone: their bindings (or `[{}]`, "it holds") are the answer.
 */
export function valueQuery(body: Body): Body | undefined {
	if (body.length !== 1) return undefined;
	const [e] = body;
	if (e.negated) return undefined;
	const t = e.terms;
	if (t.type === "some" || t.type === "someIn" || t.type === "every") return undefined;
	if (t.type === "call" && BINDERS.has(fnName(t.fn))) return undefined;
	if (hasQueryVars(t)) return undefined;
	const fn: RefTerm = {
		type: "ref",
		head: { type: "var", name: "eq", loc: t.loc },
		path: [],
		loc: t.loc,
	};
	const expr: Expr = {
		...e,
		terms: {
			type: "call",
			fn,
			args: [{ type: "var", name: VALUE_VAR, loc: t.loc }, t],
			infix: true,
			loc: t.loc,
		},
	};
	return [expr];
}

/**
 * Whether a value query's result counts as undefined: as a statement, an expression that
 * is `false` fails, so `opa eval 'is_string(1)'` is undefined; a reference's value, though,
 * is shown as it is (`data.authz.allow` may well be false).
 */
export function valueFails(body: Body, value: unknown): boolean {
	const t = body[0]?.terms;
	return value === false && t !== undefined && t.type !== "ref";
}

export interface CompiledQuery {
	policy?: Policy;
	wasm?: Uint8Array;
	errors: RegoError[];
}

export async function compileQuery(
	modules: Module[],
	body: Body,
	opts: { strictBuiltinErrors?: boolean; optimize?: boolean } = {},
): Promise<CompiledQuery> {
	const { policy, errors } = compile({
		modules,
		queries: [{ name: QUERY_PLAN, body }],
		strictBuiltinErrors: opts.strictBuiltinErrors,
	});
	if (!policy || errors.length > 0) return { errors };
	// Loaded on first use, so compile errors need not wait for the back end.
	const { emitOptimizedWasm, emitWasm } = await import("../wasm/index.ts");
	const wasm = opts.optimize ? await emitOptimizedWasm(policy) : emitWasm(policy);
	return { policy, wasm, errors: [] };
}

/** Evaluation stopped with an error (an abort from the module, or a strict host builtin). */
export class QueryEvalError extends Error {
	override name = "QueryEvalError";
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

/** The module aborts with "file:row:col: code: message"; host builtins throw errors with a code. */
export function toQueryEvalError(thrown: unknown): QueryEvalError {
	const message =
		typeof thrown === "string"
			? thrown
			: thrown instanceof Error
				? thrown.message
				: String((thrown as { message?: unknown })?.message ?? thrown);
	const own = (thrown as { code?: unknown } | null)?.code;
	const code =
		typeof own === "string" && /^(eval|rego)_/.test(own)
			? own
			: (/(?:^|: )((?:eval|rego)_[a-z_]+): /.exec(message)?.[1] ?? "eval_internal_error");
	return new QueryEvalError(code, message);
}

interface SdkPolicy {
	wasmInstance: WasmInstance;
	setData(data: unknown): void;
	evaluate(input: unknown, entrypoint: string | number): unknown;
}

/**
 * The SDK skips any falsy input (`if (input)`), so `false`, `0`, `""` and `null` would
 * silently become "no input"; it takes an ArrayBuffer as ready JSON text, which is never falsy.
 */
function sdkInput(input: unknown): ArrayBuffer | undefined {
	if (input === undefined) return undefined;
	const bytes = new TextEncoder().encode(JSON.stringify(input));
	return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Load the module with the official SDK and Gavel's host builtins, evaluate once. */
export async function evaluateWasm(
	wasm: Uint8Array,
	data: unknown,
	input: unknown,
	opts: { strictBuiltinErrors?: boolean; entrypoint?: string; limits?: EvalLimits } = {},
): Promise<unknown[]> {
	const host = createHostBuiltins({ strictErrors: opts.strictBuiltinErrors });
	let sdk: SdkPolicy;
	try {
		sdk = (await loadPolicy(
			wasm,
			undefined,
			host.builtins as Record<string, (...a: unknown[]) => unknown>,
		)) as unknown as SdkPolicy;
		sdk.setData(data ?? {});
		// Without limits the module's own defaults apply (src/wasm/limits.ts).
		if (opts.limits) applyEvalLimits(sdk.wasmInstance, opts.limits);
	} catch (e) {
		throw toQueryEvalError(e);
	}
	host.beginEvaluation();
	let rs: unknown;
	try {
		rs = sdk.evaluate(sdkInput(input), opts.entrypoint ?? QUERY_PLAN);
	} catch (e) {
		throw toQueryEvalError(e);
	}
	if (!Array.isArray(rs))
		throw new QueryEvalError(
			"eval_internal_error",
			`result set is not an array: ${JSON.stringify(rs)}`,
		);
	return rs.map((entry) => (entry as { result?: unknown }).result);
}
