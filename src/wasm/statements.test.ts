// Every IR statement, evaluated through the official SDK.

import { describe, expect, it } from "vitest";
import type { Stmt } from "../compiler/ir.ts";
import {
	block,
	bool,
	C,
	DATA,
	func,
	INPUT,
	L,
	load,
	num,
	plan,
	policy,
	run,
	str,
	value,
} from "./test-helpers.ts";

const loc = { file: "p.rego", row: 3, col: 5 };

describe("assignment and definedness", () => {
	it("assign copies a value; an undefined source stays undefined", async () => {
		expect(
			await value({ consts: [num("7")], stmts: [{ op: "assign", target: 2, source: C(0) }] }),
		).toBe(7);
		expect(await value({ stmts: [{ op: "assign", target: 2, source: L(3) }] })).toBeUndefined();
	});

	it("isDefined / isUndefined", async () => {
		const base: Stmt[] = [{ op: "assign", target: 2, source: C(0) }];
		const consts = [bool(true)];
		expect(
			await value({ consts, stmts: [...base, { op: "isDefined", source: 3 }] }),
		).toBeUndefined();
		expect(await value({ consts, stmts: [...base, { op: "isUndefined", source: 3 }] })).toBe(true);
		expect(await value({ consts, stmts: [...base, { op: "isDefined", source: 2 }] })).toBe(true);
		expect(
			await value({ consts, stmts: [...base, { op: "isUndefined", source: 2 }] }),
		).toBeUndefined();
	});

	it("assignOnce accepts equal values and aborts on a different one", async () => {
		const consts = [num("1"), num("1.0"), num("2")];
		const same: Stmt[] = [
			{ op: "assignOnce", target: 2, source: C(0), loc },
			{ op: "assignOnce", target: 2, source: C(1), loc },
		];
		expect(await value({ consts, stmts: same })).toBe(1);
		const different: Stmt[] = [
			{ op: "assignOnce", target: 2, source: C(0), loc },
			{ op: "assignOnce", target: 2, source: C(2), loc },
		];
		await expect(value({ consts, stmts: different })).rejects.toBe(
			"p.rego:3: eval_conflict_error: complete rules must not produce multiple outputs",
		);
		const fn: Stmt[] = [
			{ op: "assignOnce", target: 2, source: C(0), loc },
			{
				op: "assignOnce",
				target: 2,
				source: C(2),
				loc,
				message: "functions must not produce multiple outputs for same inputs",
			},
		];
		await expect(value({ consts, stmts: fn })).rejects.toMatch(
			/eval_conflict_error: functions must not produce multiple outputs/,
		);
	});
});

describe("dot", () => {
	const consts = [str("a"), num("1"), num("5"), str("x"), num("1.0"), num("-1")];
	const dot = (source: number, key: number): Stmt[] => [
		{ op: "dot", source: L(source), key: C(key), target: 2 },
	];
	it("looks up object keys, array indexes and set members", async () => {
		expect(await value({ consts, stmts: dot(INPUT, 0), input: { a: [1, 2] } })).toEqual([1, 2]);
		expect(await value({ consts, stmts: dot(INPUT, 0), input: { b: 1 } })).toBeUndefined();
		expect(await value({ consts, stmts: dot(INPUT, 1), input: ["p", "q"] })).toBe("q");
		expect(await value({ consts, stmts: dot(INPUT, 4), input: ["p", "q"] })).toBe("q");
		expect(await value({ consts, stmts: dot(INPUT, 2), input: ["p", "q"] })).toBeUndefined();
		expect(await value({ consts, stmts: dot(INPUT, 5), input: ["p", "q"] })).toBeUndefined();
		expect(await value({ consts, stmts: dot(INPUT, 0), input: "abc" })).toBeUndefined();
		expect(await value({ consts, stmts: dot(DATA, 3), data: { x: { y: 1 } } })).toEqual({ y: 1 });
		const set: Stmt[] = [
			{ op: "makeSet", target: 3 },
			{ op: "setAdd", set: 3, value: C(3) },
			{ op: "dot", source: L(3), key: C(3), target: 2 },
		];
		expect(await value({ consts, stmts: set })).toBe("x");
		set[2] = { op: "dot", source: L(3), key: C(0), target: 2 };
		expect(await value({ consts, stmts: set })).toBeUndefined();
	});

	it("on undefined input is undefined", async () => {
		expect(await value({ consts, stmts: dot(INPUT, 0) })).toBeUndefined();
	});
});

describe("comparisons and checks", () => {
	const consts = [num("1"), num("1.0"), num("2"), str("1"), bool(false), bool(true)];
	const out: Stmt = { op: "assign", target: 2, source: C(5) };
	it("equal uses Rego equality (1 == 1.0) and is undefined otherwise", async () => {
		expect(await value({ consts, stmts: [{ op: "equal", a: C(0), b: C(1) }, out] })).toBe(true);
		expect(
			await value({ consts, stmts: [{ op: "equal", a: C(0), b: C(3) }, out] }),
		).toBeUndefined();
		expect(await value({ consts, stmts: [{ op: "notEqual", a: C(0), b: C(2) }, out] })).toBe(true);
		expect(
			await value({ consts, stmts: [{ op: "notEqual", a: C(0), b: C(1) }, out] }),
		).toBeUndefined();
	});

	it("notFalse fails only on false", async () => {
		expect(await value({ consts, stmts: [{ op: "notFalse", source: C(4) }, out] })).toBeUndefined();
		expect(await value({ consts, stmts: [{ op: "notFalse", source: C(0) }, out] })).toBe(true);
		expect(
			await value({
				consts,
				stmts: [
					{ op: "dot", source: L(INPUT), key: C(3), target: 3 },
					{ op: "notFalse", source: L(3) },
					out,
				],
				input: { "1": false },
			}),
		).toBeUndefined();
	});

	it("isType checks the kind of a value", async () => {
		const is = (typeName: Extract<Stmt, { op: "isType" }>["typeName"]): Stmt[] => [
			{ op: "isType", source: L(INPUT), typeName },
			out,
		];
		expect(await value({ consts, stmts: is("array"), input: [] })).toBe(true);
		expect(await value({ consts, stmts: is("object"), input: [] })).toBeUndefined();
		expect(await value({ consts, stmts: is("object"), input: {} })).toBe(true);
		expect(await value({ consts, stmts: is("string"), input: "s" })).toBe(true);
		expect(await value({ consts, stmts: is("number"), input: 1.5 })).toBe(true);
		// The SDK sends no input for falsy values, so test those kinds on constants.
		const isConst = (i: number, typeName: "boolean" | "null"): Stmt[] => [
			{ op: "isType", source: C(i), typeName },
			out,
		];
		expect(await value({ consts, stmts: isConst(4, "boolean") })).toBe(true);
		expect(await value({ consts: [...consts, { type: "null" }], stmts: isConst(6, "null") })).toBe(
			true,
		);
		expect(await value({ consts, stmts: isConst(4, "null") })).toBeUndefined();
		expect(await value({ consts, stmts: is("set"), input: [] })).toBeUndefined();
	});
});

describe("scan", () => {
	// Collect key/value pairs into an array: [[k, v], …].
	const collect = (source: Stmt["op"] extends string ? number : never): Stmt[] => [
		{ op: "makeArray", target: 2, capacity: 0 },
		{
			op: "scan",
			source: L(source),
			key: 3,
			value: 4,
			block: block(
				{ op: "makeArray", target: 5, capacity: 2 },
				{ op: "arrayAppend", array: 5, value: L(3) },
				{ op: "arrayAppend", array: 5, value: L(4) },
				{ op: "arrayAppend", array: 2, value: L(5) },
			),
		},
	];
	it("visits arrays, objects (sorted by key) and sets", async () => {
		expect(await value({ stmts: collect(INPUT), input: ["a", "b"] })).toEqual([
			[0, "a"],
			[1, "b"],
		]);
		expect(await value({ stmts: collect(INPUT), input: { z: 1, a: 2 } })).toEqual([
			["a", 2],
			["z", 1],
		]);
		expect(await value({ stmts: collect(INPUT), input: "scalar" })).toEqual([]);
		expect(await value({ stmts: collect(INPUT) })).toEqual([]);
		const set: Stmt[] = [
			{ op: "makeSet", target: 6 },
			{
				op: "scan",
				source: L(INPUT),
				key: 3,
				value: 4,
				block: block({ op: "setAdd", set: 6, value: L(4) }),
			},
			...collect(6),
		];
		expect(await value({ stmts: set, input: [3, 1, 2, 1] })).toEqual([
			[1, 1],
			[2, 2],
			[3, 3],
		]);
	});

	it("an undefined statement skips to the next element", async () => {
		const consts = [num("2")];
		const stmts: Stmt[] = [
			{ op: "makeArray", target: 2, capacity: 0 },
			{
				op: "scan",
				source: L(INPUT),
				key: 3,
				value: 4,
				block: block(
					{ op: "notEqual", a: L(4), b: C(0) },
					{ op: "arrayAppend", array: 2, value: L(4) },
				),
			},
		];
		expect(await value({ consts, stmts, input: [1, 2, 3, 2] })).toEqual([1, 3]);
	});

	it("nested scans make a cross product", async () => {
		const stmts: Stmt[] = [
			{ op: "makeSet", target: 2 },
			{
				op: "scan",
				source: L(INPUT),
				key: 3,
				value: 4,
				block: block({
					op: "scan",
					source: L(INPUT),
					key: 5,
					value: 6,
					block: block(
						{ op: "makeArray", target: 7, capacity: 2 },
						{ op: "arrayAppend", array: 7, value: L(4) },
						{ op: "arrayAppend", array: 7, value: L(6) },
						{ op: "setAdd", set: 2, value: L(7) },
					),
				}),
			},
		];
		expect(await value({ stmts, input: ["a", "b"] })).toEqual([
			["a", "a"],
			["a", "b"],
			["b", "a"],
			["b", "b"],
		]);
	});
});

describe("control flow", () => {
	const consts = [num("1"), num("2"), str("yes"), str("no")];
	it("not is defined when its block does not run to the end", async () => {
		const neg = (a: number, b: number): Stmt[] => [
			{ op: "not", block: block({ op: "equal", a: C(a), b: C(b) }) },
			{ op: "assign", target: 2, source: C(2) },
		];
		expect(await value({ consts, stmts: neg(0, 1) })).toBe("yes");
		expect(await value({ consts, stmts: neg(0, 0) })).toBeUndefined();
	});

	it("blocks run in order; each ends on its own", async () => {
		const stmts: Stmt[] = [
			{ op: "makeArray", target: 2, capacity: 0 },
			{
				op: "blocks",
				blocks: [
					block({ op: "arrayAppend", array: 2, value: C(0) }),
					block({ op: "equal", a: C(0), b: C(1) }, { op: "arrayAppend", array: 2, value: C(3) }),
					block({ op: "arrayAppend", array: 2, value: C(1) }),
				],
			},
		];
		expect(await value({ consts, stmts })).toEqual([1, 2]);
	});

	it("break leaves the given number of enclosing blocks", async () => {
		// break 0 in a scan body: next element; break 1: leaves the scan and its block.
		const withBreak = (levels: number): Stmt[] => [
			{ op: "makeArray", target: 2, capacity: 0 },
			{
				op: "blocks",
				blocks: [
					block(
						{
							op: "scan",
							source: L(INPUT),
							key: 3,
							value: 4,
							block: block(
								{ op: "arrayAppend", array: 2, value: L(4) },
								{ op: "break", levels },
								{ op: "arrayAppend", array: 2, value: C(3) },
							),
						},
						{ op: "arrayAppend", array: 2, value: C(2) },
					),
					block({ op: "arrayAppend", array: 2, value: C(0) }),
				],
			},
		];
		expect(await value({ consts, stmts: withBreak(0), input: ["a", "b"] })).toEqual([
			"a",
			"b",
			"yes",
			1,
		]);
		expect(await value({ consts, stmts: withBreak(1), input: ["a", "b"] })).toEqual(["a", 1]);
	});

	it("a later top-level block still runs when an earlier one is undefined", async () => {
		const rs = await run({
			consts,
			stmts: [
				{ op: "equal", a: C(0), b: C(1) },
				{ op: "assign", target: 2, source: C(2) },
			],
			extraBlocks: [
				block(
					{ op: "assign", target: 2, source: C(3) },
					{ op: "makeObject", target: 15 },
					{ op: "objectInsert", object: 15, key: C(4), value: L(2) },
					{ op: "resultSetAdd", value: 15 },
				),
			],
		});
		expect(rs).toEqual([{ result: "no" }]);
	});

	it("abort stops evaluation with code, message and location", async () => {
		await expect(
			value({ stmts: [{ op: "abort", code: "eval_builtin_error", message: "boom", loc }] }),
		).rejects.toBe("p.rego:3: eval_builtin_error: boom");
	});
});

describe("functions and memoisation", () => {
	it("calls functions with params, undefined when an argument is", async () => {
		// f(x) = x + 1 through the native plus.
		const consts = [num("1"), str("n")];
		const f = func(
			"data.t.f",
			1,
			3,
			5,
			[
				block(
					{ op: "call", func: "plus", args: [L(2), C(0)], target: 4 },
					{ op: "assign", target: 3, source: L(4) },
				),
			],
			false,
		);
		const call = (arg: Stmt[]): Stmt[] => [
			...arg,
			{ op: "call", func: "data.t.f", args: [L(INPUT), L(DATA), L(3)], target: 2 },
		];
		const fromInput: Stmt[] = [{ op: "dot", source: L(INPUT), key: C(1), target: 3 }];
		expect(await value({ consts, funcs: [f], stmts: call(fromInput), input: { n: 41 } })).toBe(42);
		expect(await value({ consts, funcs: [f], stmts: call([]), input: { n: 41 } })).toBeUndefined();
		// Arguments may leave input and data implicit.
		const implicit: Stmt[] = [
			...fromInput,
			{ op: "call", func: "data.t.f", args: [L(3)], target: 2 },
		];
		expect(await value({ consts, funcs: [f], stmts: implicit, input: { n: 1 } })).toBe(2);
	});

	it("evaluates a memoised rule once per query and again inside a memo scope", async () => {
		let calls = 0;
		const builtins = {
			"test.tick": () => {
				calls++;
				return calls;
			},
		};
		const rule = func("data.t.r", 0, 2, 3, [
			block({ op: "call", func: "test.tick", args: [], target: 2 }),
		]);
		const stmts: Stmt[] = [
			{ op: "makeArray", target: 2, capacity: 4 },
			{ op: "call", func: "data.t.r", args: [L(INPUT), L(DATA)], target: 3 },
			{ op: "arrayAppend", array: 2, value: L(3) },
			{ op: "call", func: "data.t.r", args: [L(INPUT), L(DATA)], target: 3 },
			{ op: "arrayAppend", array: 2, value: L(3) },
			{
				op: "memoScope",
				block: block(
					{ op: "call", func: "data.t.r", args: [L(INPUT), L(DATA)], target: 4 },
					{ op: "arrayAppend", array: 2, value: L(4) },
					{ op: "call", func: "data.t.r", args: [L(INPUT), L(DATA)], target: 4 },
					{ op: "arrayAppend", array: 2, value: L(4) },
				),
			},
			{ op: "call", func: "data.t.r", args: [L(INPUT), L(DATA)], target: 3 },
			{ op: "arrayAppend", array: 2, value: L(3) },
		];
		const opts = {
			stmts,
			funcs: [rule],
			builtins,
			builtinRefs: [{ name: "test.tick", arity: 0 }],
		};
		expect(await value(opts)).toEqual([1, 1, 2, 2, 1]);
		calls = 0;
		expect(await value(opts)).toEqual([1, 1, 2, 2, 1]);
	});

	it("memoises undefined results too", async () => {
		let calls = 0;
		const builtins = {
			"test.none": () => {
				calls++;
				return undefined;
			},
		};
		const rule = func("data.t.r", 0, 2, 3, [
			block({ op: "call", func: "test.none", args: [], target: 2 }),
		]);
		const consts = [bool(true)];
		const stmts: Stmt[] = [{ op: "call", func: "data.t.r", args: [], target: 3 }];
		const rs = await run({
			consts,
			stmts,
			extraBlocks: [
				block({ op: "call", func: "data.t.r", args: [], target: 3 }),
				block(
					{ op: "assign", target: 2, source: C(0) },
					{ op: "makeObject", target: 15 },
					{ op: "objectInsert", object: 15, key: C(1), value: L(2) },
					{ op: "resultSetAdd", value: 15 },
				),
			],
			funcs: [rule],
			builtins,
			builtinRefs: [{ name: "test.none", arity: 0 }],
		});
		expect(rs).toEqual([{ result: true }]);
		expect(calls).toBe(1);
	});

	it("a memo scope is undefined when its block is", async () => {
		const consts = [num("1"), num("2"), str("after")];
		const stmts: Stmt[] = [
			{ op: "memoScope", block: block({ op: "equal", a: C(0), b: C(1) }) },
			{ op: "assign", target: 2, source: C(2) },
		];
		expect(await value({ consts, stmts })).toBeUndefined();
		stmts[0] = { op: "memoScope", block: block({ op: "equal", a: C(0), b: C(0) }) };
		expect(await value({ consts, stmts })).toBe("after");
	});
});

describe("collections", () => {
	const consts = [str("a"), str("b"), num("1"), num("2"), str("k")];
	it("make and fill arrays, objects and sets", async () => {
		const stmts: Stmt[] = [
			{ op: "makeObject", target: 2 },
			{ op: "makeArray", target: 3, capacity: 1 },
			{ op: "arrayAppend", array: 3, value: C(2) },
			{ op: "arrayAppend", array: 3, value: C(2) },
			{ op: "makeSet", target: 4 },
			{ op: "setAdd", set: 4, value: C(3) },
			{ op: "setAdd", set: 4, value: C(2) },
			{ op: "setAdd", set: 4, value: C(3) },
			{ op: "makeNull", target: 5 },
			{ op: "objectInsert", object: 2, key: C(1), value: L(3) },
			{ op: "objectInsert", object: 2, key: C(0), value: L(4) },
			{ op: "objectInsert", object: 2, key: C(4), value: L(5) },
			{ op: "objectInsert", object: 2, key: C(4), value: C(2) },
		];
		expect(await value({ consts, stmts })).toEqual({ a: [1, 2], b: [1, 1], k: 1 });
	});

	it("objectInsertOnce aborts on a different value for a key", async () => {
		const stmts: Stmt[] = [
			{ op: "makeObject", target: 2 },
			{ op: "objectInsertOnce", object: 2, key: C(0), value: C(2), loc },
			{ op: "objectInsertOnce", object: 2, key: C(0), value: C(2), loc },
		];
		expect(await value({ consts, stmts })).toEqual({ a: 1 });
		stmts.push({ op: "objectInsertOnce", object: 2, key: C(0), value: C(3), loc });
		await expect(value({ consts, stmts })).rejects.toBe(
			"p.rego:3: eval_conflict_error: object keys must be unique",
		);
	});

	it("objectMerge merges nested objects and aborts on conflicting leaves", async () => {
		const stmts: Stmt[] = [
			{ op: "makeObject", target: 2 },
			{ op: "objectMerge", object: 2, key: C(0), value: L(INPUT), loc },
			{ op: "dot", source: L(DATA), key: C(0), target: 3 },
			{ op: "objectMerge", object: 2, key: C(0), value: L(3), loc },
		];
		expect(
			await value({
				consts,
				stmts,
				input: { x: { y: 1 }, s: 1 },
				data: { a: { x: { z: 2 }, s: 1 } },
			}),
		).toEqual({ a: { x: { y: 1, z: 2 }, s: 1 } });
		await expect(
			value({ consts, stmts, input: { x: { y: 1 } }, data: { a: { x: { y: 2 } } } }),
		).rejects.toMatch(/eval_conflict_error/);
	});

	it("upsert replaces a value at a path, creating objects", async () => {
		const stmts: Stmt[] = [
			{ op: "upsert", source: L(INPUT), path: [C(0), C(1)], value: C(2), target: 2 },
		];
		expect(await value({ consts, stmts, input: { a: { c: 3 }, z: 0 } })).toEqual({
			a: { b: 1, c: 3 },
			z: 0,
		});
		expect(await value({ consts, stmts })).toEqual({ a: { b: 1 } });
		expect(await value({ consts, stmts, input: { a: "scalar" } })).toEqual({ a: { b: 1 } });
		// The source itself is not changed.
		const both: Stmt[] = [
			...stmts,
			{ op: "makeArray", target: 3, capacity: 2 },
			{ op: "arrayAppend", array: 3, value: L(2) },
			{ op: "arrayAppend", array: 3, value: L(INPUT) },
			{ op: "assign", target: 2, source: L(3) },
		];
		expect(await value({ consts, stmts: both, input: { a: {} } })).toEqual([
			{ a: { b: 1 } },
			{ a: {} },
		]);
	});

	it("the result set holds distinct rows", async () => {
		const p = policy({
			consts: [str("x")],
			plans: [
				plan(
					"t/rows",
					6,
					block({
						op: "scan",
						source: L(INPUT),
						key: 2,
						value: 3,
						block: block(
							{ op: "makeObject", target: 4 },
							{ op: "objectInsert", object: 4, key: C(0), value: L(3) },
							{ op: "resultSetAdd", value: 4 },
						),
					}),
				),
			],
		});
		const loaded = await load(p);
		expect(loaded.evaluate([2, 1, 2])).toEqual([{ x: 1 }, { x: 2 }]);
	});
});

describe("host builtins", () => {
	it("routes builtins without a native implementation to customBuiltins", async () => {
		const consts = [str("ab")];
		const stmts: Stmt[] = [
			{ op: "call", func: "test.concat3", args: [C(0), L(INPUT), C(0)], target: 2 },
		];
		const builtins = {
			"test.concat3": (a: unknown, b: unknown, c: unknown) => `${a}|${JSON.stringify(b)}|${c}`,
		};
		const builtinRefs = [{ name: "test.concat3", arity: 3 }];
		expect(await value({ consts, stmts, input: { k: [1] }, builtins, builtinRefs })).toBe(
			'ab|{"k":[1]}|ab',
		);
	});

	it("lists host builtins in builtins() with stable ids, natives not at all", async () => {
		const p = policy({
			builtins: [
				{ name: "plus", arity: 2 },
				{ name: "test.one", arity: 1 },
				{ name: "test.two", arity: 2 },
			],
			plans: [],
		});
		const loaded = await load(p);
		const ex = (loaded.wasmInstance as unknown as { exports: Record<string, () => number> })
			.exports;
		const ids = JSON.parse(
			(() => {
				const mem = new Uint8Array(loaded.mem.buffer);
				let at = (ex.opa_json_dump as unknown as (a: number) => number)(ex.builtins());
				let s = "";
				while (mem[at] !== 0) s += String.fromCharCode(mem[at++]);
				return s;
			})(),
		);
		expect(ids).toEqual({ "test.one": 0, "test.two": 1 });
	});
});

describe("entrypoints", () => {
	it("evaluates the plan the entrypoint names", async () => {
		const p = policy({
			consts: [str("result"), num("1"), num("2")],
			plans: ["a/one", "a/two"].map((name, i) =>
				plan(
					name,
					4,
					block(
						{ op: "assign", target: 2, source: C(i + 1) },
						{ op: "makeObject", target: 3 },
						{ op: "objectInsert", object: 3, key: C(0), value: L(2) },
						{ op: "resultSetAdd", value: 3 },
					),
				),
			),
		});
		const loaded = await load(p);
		expect(loaded.entrypoints).toEqual({ "a/one": 0, "a/two": 1 });
		expect(loaded.evaluate({}, "a/two")).toEqual([{ result: 2 }]);
		expect(loaded.evaluate({}, "a/one")).toEqual([{ result: 1 }]);
		expect(loaded.evaluate({}, 1)).toEqual([{ result: 2 }]);
	});
});
