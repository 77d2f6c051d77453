// Bundle.dataJson: the data document's JSON text spliced from the data files' bytes, which the
// engine hands the Wasm module instead of JSON.stringify(data). Wherever it is given it must
// parse to exactly `data`; where files would have to be merged key by key it is left out.

import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readBundle, writeTar } from "./index.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const manifest = enc(JSON.stringify({ revision: "r1", roots: [""] }));

function read(files: Record<string, string | Uint8Array>) {
	const entries = Object.entries(files).map(([name, v]) => ({
		name,
		data: typeof v === "string" ? enc(v) : v,
	}));
	const tar = writeTar([{ name: "/.manifest", data: manifest }, ...entries]);
	return readBundle(new Uint8Array(gzipSync(tar)));
}

function parsedText(b: ReturnType<typeof read>): unknown {
	expect(b.dataJson).toBeInstanceOf(Uint8Array);
	return JSON.parse(new TextDecoder().decode(b.dataJson));
}

describe("Bundle.dataJson", () => {
	it("is the root data.json's own bytes, spacing and all", () => {
		const text = '{ "users": {"a": [1, 2.50, 1e3]},\n "x": null }';
		const b = read({ "/data.json": text });
		expect(new TextDecoder().decode(b.dataJson)).toBe(text);
		expect(parsedText(b)).toEqual(b.data);
	});

	it("nests files at their directories, siblings and cousins included", () => {
		const b = read({
			"/users/data.json": '{"alice": {"roles": ["admin"]}}',
			"/a/b/data.json": "[1, 2]",
			"/a/c/d/data.json": '"deep"',
			"/a/c/e/data.json": "true",
			"/a!/data.json": "0.5",
			"/z/data.json": "{}",
		});
		expect(b.data).toEqual({
			users: { alice: { roles: ["admin"] } },
			a: { b: [1, 2], c: { d: "deep", e: true } },
			"a!": 0.5,
			z: {},
		});
		expect(parsedText(b)).toEqual(b.data);
	});

	it("spells directory names as JSON strings", () => {
		const b = read({ '/we"ird/data.json': "1", "/ü ñ/x/data.json": "2" });
		const parsed = parsedText(b) as Record<string, unknown>;
		expect(parsed).toEqual(b.data);
		expect(Object.keys(parsed).sort()).toEqual(['we"ird', "ü ñ"].sort());
	});

	it("drops a byte-order mark, as decoding the text for JSON.parse does", () => {
		const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc('{"k": 1}')]);
		expect(parsedText(read({ "/data.json": bom }))).toEqual({ k: 1 });
		expect(parsedText(read({ "/p/data.json": bom }))).toEqual({ p: { k: 1 } });
	});

	it("is left out where objects must be merged, for YAML, and without data files", () => {
		// A file at or under another's path: merged key by key.
		expect(read({ "/data.json": '{"a": 1}', "/b/data.json": "2" }).dataJson).toBeUndefined();
		expect(read({ "/a/data.json": '{"x": 1}', "/a/b/data.json": "2" }).dataJson).toBeUndefined();
		expect(read({ "/a/data.yaml": "x: 1" }).dataJson).toBeUndefined();
		expect(read({ "/a/data.json": "1", "/b/data.yml": "2" }).dataJson).toBeUndefined();
		expect(read({ "/p.rego": "package p" }).dataJson).toBeUndefined();
	});
});

describe("data keys named __proto__", () => {
	it("are data like any other key, and never reach Object.prototype", () => {
		const b = read({
			"/data.json": '{"__proto__": {"polluted": "yes"}, "a": {"__proto__": {"x": 1}}}',
			"/__proto__/b/data.json": '{"y": 2}',
		});
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.getPrototypeOf(b.data)).toBe(Object.prototype);
		expect(JSON.parse(JSON.stringify(b.data))).toEqual(
			JSON.parse('{"__proto__": {"polluted": "yes", "b": {"y": 2}}, "a": {"__proto__": {"x": 1}}}'),
		);
		const one = read({ "/__proto__/data.json": '{"z": 3}' });
		expect(Object.hasOwn(one.data, "__proto__")).toBe(true);
		expect(parsedText(one)).toEqual(one.data);
	});
});
