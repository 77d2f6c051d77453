// yaml.unmarshal / yaml.is_valid / yaml.marshal as host builtins. Expected values are what
// `opa eval` (OPA 1.22.3) printed for the same calls. Hostile 200 KB inputs (the kind that ran
// the SDK's old yaml for 93 s into heap exhaustion) answer with an error or a value, through the
// official SDK in this process and through `gavel eval` in a child with a small heap.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { gavel } from "../../../test/cli/run-cli.ts";
import { compileSource } from "../../compiler/test-helpers.ts";
import { emitWasm } from "../../wasm/index.ts";
import { createHostBuiltins, jsonWithBigints } from "../host-builtins.ts";
import { YAML_MAX_DEPTH, YAML_MAX_INPUT, yamlBuiltins } from "./yaml.ts";

const unmarshal = (s: string) => yamlBuiltins["yaml.unmarshal"](s);
const marshal = (v: unknown) => yamlBuiltins["yaml.marshal"](v);
const valid = (s: unknown) => yamlBuiltins["yaml.is_valid"](s);

/** 9 levels of 9 aliases each: 9^9 values once expanded. */
function laughs(): string {
	let s = `a0: &a0 [${Array(9).fill('"lol"').join(",")}]\n`;
	for (let i = 1; i < 9; i++)
		s += `a${i}: &a${i} [${Array(9)
			.fill(`*a${i - 1}`)
			.join(",")}]\n`;
	return s;
}

const HOSTILE: Record<string, string> = {
	"a billion laughs": laughs(),
	"100,000 nested flow sequences": `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
	"100,000 nested block sequences": `${"- ".repeat(100_000)}x\n`,
	"20,000 keys": Array.from({ length: 20_000 }, (_, i) => `k${i}: v${i}`).join("\n"),
	"10,000 anchors, each aliased": `${Array.from({ length: 10_000 }, (_, i) => `k${i}: &a${i} v`).join("\n")}\nz: [${Array.from({ length: 10_000 }, (_, i) => `*a${i}`).join(",")}]`,
};

describe("yaml.unmarshal reads what OPA reads", () => {
	it("plain scalars resolve as go-yaml v3 does", () => {
		expect(unmarshal("- on\n- off\n- 0x1F\n- 1e3\n- ~\n- 2001-12-14\n")).toEqual([
			"on",
			"off",
			31,
			1000,
			null,
			"2001-12-14",
		]);
		expect(unmarshal("[true, True, TRUE, false, y, Y, n, NO, null, Null, NULL, '']")).toEqual([
			true,
			true,
			true,
			false,
			"y",
			"Y",
			"n",
			"NO",
			null,
			null,
			null,
			"",
		]);
		expect(
			jsonWithBigints(
				unmarshal("a: 12345678901234567890\nb: 1.0\nc: 0o17\nd: 017\ne: +5\nf: 1_000\ng: 0b101\n"),
			),
		).toBe('{"a":12345678901234567890,"b":1,"c":15,"d":15,"e":5,"f":1000,"g":5}');
		expect(
			unmarshal("x: 08\ny: 09.5\nz: 0x\nw: -0b11\nv: 1__0\nu: 99999999999999999999\nt: 1e400\n"),
		).toEqual({ t: "1e400", u: 100000000000000000000, v: 10, w: -3, x: 8, y: 9.5, z: "0x" });
	});

	it("aliases, merge keys, duplicate keys, tags, keys as strings, the first document only", () => {
		expect(unmarshal("a: &x [1,2]\nb: *x\n")).toEqual({ a: [1, 2], b: [1, 2] });
		expect(unmarshal("d: &d {x: 1, y: 2}\ne:\n  <<: *d\n  y: 3\n")).toEqual({
			d: { x: 1, y: 2 },
			e: { x: 1, y: 3 },
		});
		expect(unmarshal("base: &b {x: 1}\nm:\n  y: 2\n  <<: [*b, {x: 9, z: 3}]\n")).toEqual({
			base: { x: 1 },
			m: { x: 1, y: 2, z: 3 },
		});
		expect(unmarshal("a: 1\na: 2\n")).toEqual({ a: 2 });
		expect(unmarshal("a: !!str 123\nb: !!int '7'\nc: !!binary aGVsbG8=\n")).toEqual({
			a: "123",
			b: 7,
			c: "hello",
		});
		expect(unmarshal("1: a\ntrue: b\n1.5: c\n")).toEqual({ "1": "a", true: "b", "1.5": "c" });
		expect(unmarshal("a: 1\n---\nb: 2\n")).toEqual({ a: 1 });
		expect(unmarshal("")).toBeNull();
	});

	it("errors where OPA errors: syntax, .inf/.nan, null and collection keys, self-referencing anchors", () => {
		for (const bad of [
			"a: [",
			"a: b: c",
			"a: .inf",
			"a: .nan",
			"~: a\n",
			"? [1, 2]\n: a\n",
			"a: *nope",
			"a: &a [*a]",
		]) {
			expect(() => unmarshal(bad), bad).toThrow(/^yaml\.unmarshal: /);
			expect(valid(bad), bad).toBe(false);
		}
		expect(() => unmarshal("a: .inf")).toThrow("yaml.unmarshal: json: unsupported value: +Inf");
		expect(valid("a: 1\na: 2")).toBe(true);
		expect(valid(1)).toBe(false);
	});
});

describe("yaml.marshal writes what OPA writes", () => {
	it("keys in go-yaml's order, sequences indented under their key, literal blocks", () => {
		expect(
			marshal({
				b: [1, 2, { x: "y" }],
				a: "str",
				c: null,
				d: true,
				e: 1.5,
				f: { g: [] },
				h: {},
				s: "yes",
				n: "123",
				ml: "a\nb",
				q: "a: b",
				empty: "",
			}),
		).toBe(
			'a: str\nb:\n  - 1\n  - 2\n  - x: "y"\nc: null\nd: true\ne: 1.5\nempty: ""\nf:\n  g: []\nh: {}\nml: |-\n  a\n  b\n"n": "123"\nq: \'a: b\'\ns: "yes"\n',
		);
		expect(marshal({ é: 1, z: 2, A: 3, a: 4, _: 5 })).toBe("_: 5\nA: 3\na: 4\nz: 2\né: 1\n");
		expect(marshal([[1, [2]], { k: [{ a: 1, b: 2 }] }])).toBe(
			"- - 1\n  - - 2\n- k:\n    - a: 1\n      b: 2\n",
		);
		expect(marshal(["a\n\n", " a\nb", "\n"])).toBe("- |+\n  a\n\n- |2-\n   a\n  b\n- |2+\n\n");
	});

	it("quotes only what would read back as something else; numbers as Go formats them", () => {
		const cases: [unknown, string][] = [
			["hello", "hello\n"],
			["", '""\n'],
			["~", '"~"\n'],
			["0x1F", '"0x1F"\n'],
			["2001-12-14", '"2001-12-14"\n'],
			["tab\tx", '"tab\\tx"\n'],
			["\u0001", '"\\x01"\n'],
			["'q'", "'''q'''\n"],
			["#x", "'#x'\n"],
			["- x", "'- x'\n"],
			["?q", "?q\n"],
			["a,b", "a,b\n"],
			["x:", "'x:'\n"],
			["\u00a0x", "\u00a0x\n"],
			[1e20, "1e+20\n"],
			[1e-7, "1e-07\n"],
			[1234567.5, "1.2345675e+06\n"],
			[123456789012, "123456789012\n"],
			[0.1, "0.1\n"],
			[3, "3\n"],
		];
		for (const [v, want] of cases) expect(marshal(v), JSON.stringify(v)).toBe(want);
	});
});

describe("hostile input", () => {
	it("each 200 KB-class input answers with an error or a value", () => {
		expect(() => unmarshal(HOSTILE["a billion laughs"])).toThrow(/once aliases are expanded/);
		expect(() => unmarshal(HOSTILE["100,000 nested flow sequences"])).toThrow(
			`document nested deeper than ${YAML_MAX_DEPTH} levels`,
		);
		expect(() => unmarshal(HOSTILE["100,000 nested block sequences"])).toThrow(/nested deeper/);
		expect(Object.keys(unmarshal(HOSTILE["20,000 keys"]) as object)).toHaveLength(20_000);
		const anchors = unmarshal(HOSTILE["10,000 anchors, each aliased"]) as { z: string[] };
		expect(anchors.z).toHaveLength(10_000);
		expect(() => unmarshal("a".repeat(YAML_MAX_INPUT + 1))).toThrow(/exceeds the 1048576 limit/);
	});

	it("brackets that are not flow collections do not count towards the depth limit", () => {
		const many = "[{".repeat(YAML_MAX_DEPTH);
		expect(unmarshal(`a: "${many}"\nb: '${many}'\n# ${many}\nc: |\n  ${many}\n`)).toEqual({
			a: many,
			b: many,
			c: `${many}\n`,
		});
		// Real nesting under the limit still parses (kept shallow: the composer recurses per level).
		const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
		expect(unmarshal(deep)).toBeInstanceOf(Array);
	});

	it("through the official SDK: the module lists yaml.* under Gavel's names, so the host answers", async () => {
		const r = compileSource(
			[
				`package t
u := yaml.unmarshal(input.s)
v := yaml.is_valid(input.s)
m := yaml.marshal(input.v)
`,
			],
			{ entrypoints: ["t/u", "t/v", "t/m"] },
		);
		if (!r.policy) throw new Error(r.errors.join("\n"));
		const strict = await loadPolicy(
			emitWasm(r.policy),
			undefined,
			createHostBuiltins({ strictErrors: true }).builtins,
		);
		expect(() => strict.evaluate({ s: HOSTILE["a billion laughs"] }, "t/u")).toThrow(
			/yaml\.unmarshal: document holds more than/,
		);
		expect(strict.evaluate({ s: HOSTILE["a billion laughs"] }, "t/v")).toEqual([{ result: false }]);
		expect(strict.evaluate({ s: "a: [1, {b: c}]" }, "t/u")).toEqual([
			{ result: { a: [1, { b: "c" }] } },
		]);
		expect(strict.evaluate({ v: { k: ["yes"] } }, "t/m")).toEqual([{ result: 'k:\n  - "yes"\n' }]);
		// Not strict: a builtin error makes the call undefined, as in OPA.
		const lax = await loadPolicy(emitWasm(r.policy), undefined, createHostBuiltins().builtins);
		expect(lax.evaluate({ s: HOSTILE["100,000 nested flow sequences"] }, "t/u")).toEqual([]);
		expect(lax.evaluate({ s: HOSTILE["20,000 keys"] }, "t/v")).toEqual([{ result: true }]);
	});

	it("gavel eval survives every hostile input in a 128 MiB heap", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-yaml-"));
		const file = join(dir, "input.json");
		writeFileSync(file, JSON.stringify({ docs: Object.values(HOSTILE) }));
		// The child inherits the environment at spawn: a small heap makes exhaustion fail fast.
		const saved = process.env.NODE_OPTIONS;
		process.env.NODE_OPTIONS = "--max-old-space-size=128";
		const pending = gavel([
			"eval",
			"-i",
			file,
			"-f",
			"raw",
			"[v | some s in input.docs; v := yaml.is_valid(s)]",
		]);
		if (saved === undefined) delete process.env.NODE_OPTIONS;
		else process.env.NODE_OPTIONS = saved;
		const r = await pending;
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual([false, false, false, true, true]);
	}, 60_000);
});
