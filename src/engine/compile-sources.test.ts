import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSourceDirectory } from "./compile-sources.ts";

function folder(files: Record<string, string>): string {
	const root = mkdtempSync(join(tmpdir(), "gavel-sources-"));
	for (const [name, text] of Object.entries(files)) {
		mkdirSync(join(root, name, ".."), { recursive: true });
		writeFileSync(join(root, name), text);
	}
	return root;
}

describe("readSourceDirectory", () => {
	it("places each data.json at its folder's path", () => {
		const root = folder({
			"a.rego": "package a\n",
			"data.json": '{"top": 1}',
			"x/y/data.json": '{"z": [1]}',
			"x/data.json": '{"w": true}',
		});
		const { rego, data } = readSourceDirectory(root);
		expect([...rego.keys()]).toEqual(["a.rego"]);
		expect(data).toEqual({ top: 1, x: { w: true, y: { z: [1] } } });
	});

	it("reads a __proto__ folder or key as data, never as the object prototype", () => {
		const root = folder({
			"__proto__/data.json": '{"polluted": "folder"}',
			"p/data.json": '{"__proto__": {"polluted": "key"}}',
		});
		const { data } = readSourceDirectory(root);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.hasOwn(data, "__proto__")).toBe(true);
		expect(JSON.stringify(data)).toBe(
			'{"__proto__":{"polluted":"folder"},"p":{"__proto__":{"polluted":"key"}}}',
		);
	});

	it("refuses a document two files define", () => {
		const root = folder({ "data.json": '{"x": {"y": 1}}', "x/y/data.json": "2" });
		expect(() => readSourceDirectory(root)).toThrow(/x\/y is defined twice/);
	});
});
