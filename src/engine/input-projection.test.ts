import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withUnreadKeys } from "../../test/input-projection.ts";
import { compile } from "../compiler/index.ts";
import { parseModule } from "../rego/index.ts";
import { emitOptimizedWasm, emitWasm, INPUT_SHAPE_SECTION } from "../wasm/index.ts";
import { loadActivePolicy } from "./active-policy.ts";
import { compileSources } from "./compile-sources.ts";
import { jsonText, projectedJson, readInputShapes } from "./input-projection.ts";

async function load(rego: string, data: unknown = {}) {
	const bundle = compileSources({
		rego: new Map([["t.rego", `package t\n\n${rego}`]]),
		data,
		revision: "r",
		entrypoints: ["t/allow"],
	});
	return loadActivePolicy(bundle);
}

// [policy, shape the compiler must record (true: all of input), inputs to evaluate on]
const CASES: [string, unknown, unknown[]][] = [
	[
		'allow if input.user.role == "admin"',
		{ user: { role: true } },
		[{ user: { role: "admin" } }, { user: { role: "x" } }, { user: "admin" }, {}],
	],
	[
		"allow if { some k, v in input.obj; k == v }",
		{ obj: true },
		[{ obj: { a: "a" } }, { obj: { a: "b" } }, { obj: [0, 1] }],
	],
	["allow if count(input.list) == 2", { list: true }, [{ list: [1, 2] }, { list: { a: 1, b: 2 } }]],
	[
		"allow if input[input.key] == 1",
		true,
		[
			{ key: "a", a: 1 },
			{ key: "b", a: 1 },
		],
	],
	["allow := input", true, [{ a: 1 }]],
	["allow if f(input.a)\n\nf(x) if x.b == 1", { a: true }, [{ a: { b: 1 } }, { a: { b: 2 } }]],
	[
		"allow if g\n\ng if input.deep.x.y == 1",
		{ deep: { x: { y: true } } },
		[{ deep: { x: { y: 1, z: 2 } } }, { deep: { x: 1 } }],
	],
	[
		"allow if h with input.a as 1\n\nh if input.a == 1\n\nh if input.b == 2",
		{ a: true, b: true },
		[{ a: 5 }, { b: 2 }, {}],
	],
	["allow if input.a", { a: true }, [{ a: true }, { a: false }, { a: { x: 1 } }, {}]],
	["allow if not input.missing", { missing: true }, [{}, { missing: false }, { missing: 1 }]],
	['allow if input.o == {"k": 1}', { o: true }, [{ o: { k: 1 } }, { o: { k: 1, j: 2 } }]],
	["allow if input.arr[0] == 1", { arr: true }, [{ arr: [1] }, { arr: { "0": 1 } }]],
	[
		"allow if every x in input.xs { x > 0 }",
		{ xs: true },
		[{ xs: [1, 2] }, { xs: [0] }, { xs: {} }],
	],
	[
		"allow if count([x | some x in input.ys; x > 1]) > 0",
		{ ys: true },
		[{ ys: [1, 2] }, { ys: [1] }],
	],
	['allow if object.get(input, "a", 0) == 1', true, [{ a: 1 }, {}]],
	["allow if { some path, v; walk(input, [path, v]); v == 7 }", true, [{ a: { b: 7 } }, { a: 1 }]],
	[
		'allow if "read" in data.roles[input.user.role]',
		{ user: { role: true } },
		[{ user: { role: "viewer" } }, { user: { role: "none" } }],
	],
	[
		"allow if input.a.b\n\nallow if input.a.c == 2",
		{ a: { b: true, c: true } },
		[{ a: { b: true } }, { a: { c: 2 } }, { a: { b: false, c: 3 } }],
	],
	[
		"allow if input.a.b == 1\n\nallow if count(input.a) == 3",
		{ a: true },
		[{ a: { b: 1 } }, { a: { x: 1, y: 2, z: 3 } }],
	],
	["allow if { x := input.p; x.q == 1 }", { p: { q: true } }, [{ p: { q: 1 } }, { p: { q: 2 } }]],
	['allow if json.marshal(input.m) != ""', { m: true }, [{ m: { a: [1, { b: 2 }] } }]],
	[
		"allow if input.s.toString == 1",
		{ s: { toString: true } },
		[{ s: { toString: 1 } }, { s: {} }],
	],
];

describe("input projection", () => {
	it("records what each entrypoint can observe of input", async () => {
		for (const [rego, shape] of CASES) {
			const active = await load(rego, { roles: { viewer: ["read"] } });
			expect(active.inputShape("t/allow") ?? true, rego).toEqual(shape);
		}
	});

	it("never changes an answer: projected and whole inputs, unread keys added everywhere", async () => {
		for (const [rego, , inputs] of CASES) {
			const active = await load(rego, { roles: { viewer: ["read"] } });
			for (const base of inputs) {
				for (const input of [base, withUnreadKeys(base)]) {
					// An object input is projected (the module's shape); a JSON text is taken whole.
					const projected = active.evaluate("t/allow", input);
					const whole = active.evaluate("t/allow", input, JSON.stringify(input));
					expect(projected, `${rego} on ${JSON.stringify(input)}`).toEqual(whole);
				}
			}
		}
	});

	it("is recorded by both back ends, and absent or unreadable sections mean the whole input", async () => {
		const m = parseModule("package t\n\nallow if input.a.b == 1\n\nq := input", "t.rego");
		if (!m.module) throw new Error("parse");
		const { policy } = compile({ modules: [m.module], entrypoints: ["t/allow", "t/q"] });
		if (!policy) throw new Error("compile");
		const want = new Map<string, unknown>([
			["t/allow", { a: { b: true } }],
			["t/q", true],
		]);
		expect(readInputShapes(emitWasm(policy))).toEqual(want);
		expect(readInputShapes(await emitOptimizedWasm(policy))).toEqual(want);
		const bare = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
		expect(readInputShapes(bare).size).toBe(0);
		// A section this version cannot read is ignored as a whole, not half trusted.
		const name = new TextEncoder().encode(INPUT_SHAPE_SECTION);
		for (const payload of ['{"t/allow":{"a":1}}', "not json", "[]"]) {
			const body = [name.length, ...name, ...new TextEncoder().encode(payload)];
			const bytes = new Uint8Array([...bare, 0, body.length, ...body]);
			expect(readInputShapes(bytes).size, payload).toBe(0);
		}
	});
});

describe("jsonText", () => {
	it("writes what JSON.stringify writes", () => {
		const values: unknown[] = [
			"",
			"plain",
			'q"uote',
			"back\\slash",
			"tab\tnl\n\u0000\u001f\u007f",
			"\ud83d\ude00 pair",
			"lone \ud800 high",
			"lone \udfff low",
			"é ünï",
			"x".repeat(64),
			`${"y".repeat(70)}"`,
			0,
			-0,
			1.5,
			1e21,
			Number.NaN,
			Number.POSITIVE_INFINITY,
			true,
			false,
			null,
			[1, "a"],
			{ a: 1 },
		];
		for (const v of values) expect(jsonText(v), String(v)).toBe(JSON.stringify(v));
		fc.assert(
			fc.property(
				fc.string({ unit: "binary", maxLength: 80 }),
				(s) => jsonText(s) === JSON.stringify(s),
			),
		);
	});
});

describe("projectedJson", () => {
	it("keeps what the shape names, whole under true, and skips what JSON has no form for", () => {
		const value = {
			b: { x: 1, y: [1, { z: 2 }], w: undefined },
			a: "s",
			c: [{ q: 1 }],
			d: () => 1,
			e: { toJSON: () => "E" },
		};
		const shape = {
			a: true,
			b: { y: true, w: true, missing: true },
			c: { q: true },
			d: true,
			e: {},
		} as const;
		expect(projectedJson(value, shape)).toBe(
			'{"a":"s","b":{"y":[1,{"z":2}]},"c":[{"q":1}],"e":"E"}',
		);
		expect(projectedJson(value, true)).toBe(JSON.stringify(value));
		expect(projectedJson("x", { a: true })).toBe('"x"');
		const inherited = JSON.parse('{"__proto__":true,"constructor":true,"toString":true}');
		expect(projectedJson({}, inherited)).toBe("{}");
		expect(projectedJson(JSON.parse('{"__proto__":1}'), inherited)).toBe('{"__proto__":1}');
	});
});
