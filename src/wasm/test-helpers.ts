// Shared by the back end's tests: build IR policies tersely and evaluate them through the
// official SDK.

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Block, Const, Func, Operand, Plan, Policy, Stmt } from "../compiler/ir.ts";
import { emitOptimizedWasm, emitWasm } from "./index.ts";

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
	const wasm = optimize ? await emitOptimizedWasm(p) : emitWasm(p);
	return loadPolicy(wasm, undefined, builtins);
}

type Fn = (...args: number[]) => number;

/** The raw ABI of a loaded module, for tests that drive it without the SDK's JSON layer. */
export interface Abi {
	parse(text: string, rego?: boolean): number;
	dump(addr: number, rego?: boolean): string;
	roundTrip(text: string, rego?: boolean): string | undefined;
}

export function abi(loaded: Loaded): Abi {
	const ex = (loaded.wasmInstance as unknown as { exports: Record<string, Fn> }).exports;
	const mem = () => new Uint8Array(loaded.mem.buffer);
	const parse = (text: string, rego = false): number => {
		const bytes = new TextEncoder().encode(text);
		const at = ex.opa_malloc(bytes.length);
		mem().set(bytes, at);
		return (rego ? ex.opa_value_parse : ex.opa_json_parse)(at, bytes.length);
	};
	const dump = (addr: number, rego = false): string => {
		const at = (rego ? ex.opa_value_dump : ex.opa_json_dump)(addr);
		const m = mem();
		let end = at;
		while (m[end] !== 0) end++;
		return new TextDecoder().decode(m.slice(at, end));
	};
	return {
		parse,
		dump,
		roundTrip(text, rego = false) {
			const v = parse(text, rego);
			return v === 0 ? undefined : dump(v, rego);
		},
	};
}

/**
 * Evaluate statements in one plan block whose value is local 2 (rows {"result": local 2}).
 * Locals 3…(locals-2) are free; the last local holds the row. Consts get "result" appended.
 */
export async function run(
	opts: {
		consts?: Const[];
		stmts: Stmt[];
		extraBlocks?: Block[];
		funcs?: Func[];
		locals?: number;
		input?: unknown;
		data?: unknown;
		builtins?: Record<string, (...args: unknown[]) => unknown>;
		builtinRefs?: Policy["builtins"];
		strict?: boolean;
	},
	optimize = false,
): Promise<unknown[]> {
	const consts = [...(opts.consts ?? []), str("result")];
	const resultKey = consts.length - 1;
	const locals = opts.locals ?? 16;
	const row = locals - 1;
	const p = policy({
		consts,
		funcs: opts.funcs ?? [],
		builtins: opts.builtinRefs ?? [],
		strictBuiltinErrors: opts.strict,
		plans: [
			plan(
				"test/run",
				locals,
				block(...opts.stmts, ...resultRow(resultKey, 2, row)),
				...(opts.extraBlocks ?? []),
			),
		],
	});
	const loaded = await load(p, opts.builtins ?? {}, optimize);
	if (opts.data !== undefined) loaded.setData(opts.data as object);
	return loaded.evaluate(opts.input);
}

/** The single result value, or undefined when the result set is empty. */
export async function value(opts: Parameters<typeof run>[0]): Promise<unknown> {
	const rs = (await run(opts)) as { result: unknown }[];
	if (rs.length === 0) return undefined;
	if (rs.length > 1) throw new Error(`expected one result, got ${JSON.stringify(rs)}`);
	return rs[0].result;
}

/** Evaluate through opa_eval as the SDK does, but return the raw result text (exact numbers). */
export function evalRaw(loaded: Loaded, inputText: string, entrypoint = 0): string {
	const ex = (loaded.wasmInstance as unknown as { exports: Record<string, Fn> }).exports;
	const bytes = new TextEncoder().encode(inputText);
	const at = loaded.dataHeapPtr as number;
	const needed = at + bytes.length - loaded.mem.buffer.byteLength;
	if (needed > 0) loaded.mem.grow(Math.ceil(needed / 65536));
	new Uint8Array(loaded.mem.buffer).set(bytes, at);
	const out = ex.opa_eval(0, entrypoint, loaded.dataAddr, at, bytes.length, at + bytes.length, 0);
	const mem = new Uint8Array(loaded.mem.buffer);
	let end = out;
	while (mem[end] !== 0) end++;
	return new TextDecoder().decode(mem.slice(out, end));
}
