// Shared by the back end's tests: build IR policies tersely and evaluate them through the
// official SDK.

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Block, Const, Func, Operand, Plan, Policy, Stmt } from "../compiler/ir.ts";
import { emitWasm } from "./index.ts";

export const INPUT = 0;
export const DATA = 1;

export const L = (local: number): Operand => ({ local });
export const C = (index: number): Operand => ({ const: index });

export const str = (value: string): Const => ({ type: "string", value });
export const num = (text: string): Const => ({ type: "number", text });
export const bool = (value: boolean): Const => ({ type: "boolean", value });

export const block = (...stmts: Stmt[]): Block => ({ stmts });

/**
 * A plan whose result row is {"result": local `resultLocal`}, added when its blocks run to the
 * end. `resultKey` must be the const index of the string "result".
 */
export function resultRow(resultKey: number, valueLocal: number, rowLocal: number): Stmt[] {
	return [
		{ op: "isDefined", source: valueLocal },
		{ op: "makeObject", target: rowLocal },
		{ op: "objectInsert", object: rowLocal, key: C(resultKey), value: L(valueLocal) },
		{ op: "resultSetAdd", value: rowLocal },
	];
}

export function plan(name: string, locals: number, ...blocks: Block[]): Plan {
	return { name, locals, blocks };
}

export function func(
	name: string,
	arity: number,
	result: number,
	locals: number,
	blocks: Block[],
	memo = arity === 0,
): Func {
	return { name, arity, result, locals, blocks, memo };
}

export function policy(p: Partial<Policy> & Pick<Policy, "plans">): Policy {
	return { consts: [], funcs: [], builtins: [], ...p };
}

export type Loaded = LoadedPolicy;

export async function load(
	p: Policy,
	builtins: Record<string, (...args: unknown[]) => unknown> = {},
	optimize = false,
): Promise<Loaded> {
	const wasm = emitWasm(p, { optimize });
	return loadPolicy(wasm, undefined, builtins);
}
