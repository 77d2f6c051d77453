// `gavel fmt` through the real binary, as a user runs it.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "../../test/cli/run-cli.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "gavel-fmt-"));
const write = (name: string, text: string) => {
	const path = join(dir, name);
	mkdirSync(join(path, ".."), { recursive: true });
	writeFileSync(path, text);
	return path;
};

const messy = `package shop
import data.lib
import rego.v1
# Staff may do anything.
allow if {
    input.user in data.staff   # from data.json
}
`;
// What `opa fmt` (1.22.3) prints for `messy`: imports in source order, one block.
const tidy = `package shop

import data.lib
import rego.v1

# Staff may do anything.
allow if {
	input.user in data.staff # from data.json
}
`;

describe("gavel fmt", () => {
	it("prints the formatted file", async () => {
		const file = write("print/a.rego", messy);
		const r = await gavel(["fmt", file]);
		expect(r.code).toBe(0);
		expect(r.stdout).toBe(tidy);
		expect(readFileSync(file, "utf8")).toBe(messy);
	});

	it("--check lists unformatted files and exits 1; 0 once formatted", async () => {
		const file = write("check/a.rego", messy);
		write("check/b.rego", tidy);
		const r = await gavel(["fmt", "--check", join(dir, "check")]);
		expect(r.code).toBe(1);
		expect(r.stdout.trim()).toBe(file);
		const w = await gavel(["fmt", "--write", join(dir, "check")]);
		expect(w.code).toBe(0);
		expect(readFileSync(file, "utf8")).toBe(tidy);
		expect((await gavel(["fmt", "--check", join(dir, "check")])).code).toBe(0);
	});

	it("--diff shows the change as a unified diff", async () => {
		const file = write("diff/a.rego", messy);
		const r = await gavel(["fmt", "--diff", file]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain(`--- ${file}\n+++ ${file} (formatted)\n@@ -1,7 +1,9 @@`);
		expect(r.stdout).toContain("-    input.user in data.staff   # from data.json\n");
		expect(r.stdout).toContain("+\tinput.user in data.staff # from data.json\n");
	});

	it("reports a syntax error with its location and leaves the file alone", async () => {
		const file = write("broken/a.rego", "package b\n\np if {\n");
		const r = await gavel(["fmt", "--write", file]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/a\.rego:\d+:\d+: rego_parse_error: /);
		expect(readFileSync(file, "utf8")).toBe("package b\n\np if {\n");
	});

	// The expected texts below are what opa fmt 1.22.3 prints with the same flags (run by hand).
	it("keeps v0 syntax under --v0-compatible and converts it under --v0-v1", async () => {
		const file = write("v0/a.rego", 'package l\n\ndeny[msg] {\n\tmsg := "no"\n}\n');
		const v0 = await gavel(["fmt", "--v0-compatible", file]);
		expect(v0.code).toBe(0);
		expect(v0.stdout).toBe('package l\n\ndeny[msg] {\n\tmsg := "no"\n}\n');
		const v1 = await gavel(["fmt", "--v0-v1", file]);
		expect(v1.code).toBe(0);
		expect(v1.stdout).toBe(
			'package l\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := "no"\n}\n',
		);
	});

	// In v0 the future.keywords imports are what allow `in` and `if`: --v0-compatible keeps and
	// sorts them (and uses `if`); --v0-v1 replaces them with rego.v1, which implies them all.
	it("keeps future.keywords imports under --v0-compatible, replaces them under --v0-v1", async () => {
		const file = write(
			"v0/k.rego",
			"package k\n\nimport future.keywords.in\nimport future.keywords\nimport data.x # kept\n\np { 1 in [1] }\n",
		);
		const v0 = await gavel(["fmt", "--v0-compatible", file]);
		expect(v0.code).toBe(0);
		expect(v0.stdout).toBe(
			"package k\n\nimport data.x # kept\nimport future.keywords\nimport future.keywords.in\n\np if 1 in [1]\n",
		);
		const v1 = await gavel(["fmt", "--v0-v1", file]);
		expect(v1.code).toBe(0);
		expect(v1.stdout).toBe("package k\n\nimport data.x # kept\nimport rego.v1\n\np if 1 in [1]\n");
	});

	it("v0 without keyword imports: blocks, `=` kept, `p[x]`, a `true` body folded into the head", async () => {
		const file = write(
			"v0/n.rego",
			"package n\ndefault allow = false\nallow { input.x == 1 }\np[x] { x := 1 }\nt { true }\n",
		);
		const r = await gavel(["fmt", "--v0-compatible", file]);
		expect(r.code).toBe(0);
		expect(r.stdout).toBe(
			"package n\n\ndefault allow = false\n\nallow {\n\tinput.x == 1\n}\n\np[x] {\n\tx := 1\n}\n\nt = true\n",
		);
	});

	// v1 input: future.keywords stay unless rego.v1 is there (or --drop-v0-imports drops both).
	it("v1: future.keywords kept alone, dropped beside rego.v1 or with --drop-v0-imports", async () => {
		const alone = write("v1/a.rego", "package k\nimport future.keywords.in\np if { 1 in [1] }\n");
		expect((await gavel(["fmt", alone])).stdout).toBe(
			"package k\n\nimport future.keywords.in\n\np if 1 in [1]\n",
		);
		expect((await gavel(["fmt", "--v0-v1", "--v1-compatible", alone])).stdout).toBe(
			"package k\n\nimport rego.v1\n\np if 1 in [1]\n",
		);
		const both = write(
			"v1/b.rego",
			"package k\n\nimport future.keywords.in\nimport rego.v1\nimport data.x # kept\n\np if { 1 in [1] }\n",
		);
		expect((await gavel(["fmt", both])).stdout).toBe(
			"package k\n\nimport data.x # kept\nimport rego.v1\n\np if 1 in [1]\n",
		);
		expect((await gavel(["fmt", "--drop-v0-imports", both])).stdout).toBe(
			"package k\n\nimport data.x # kept\n\np if 1 in [1]\n",
		);
	});

	it("finds the example policies already formatted", async () => {
		const r = await gavel(
			["fmt", "--check", "policies/routes", "policies/tenancy", "policies/services"],
			{
				cwd: repo,
			},
		);
		expect(r.stdout).toBe("");
		expect(r.code).toBe(0);
	});

	it("refuses two modes at once", async () => {
		expect((await gavel(["fmt", "--write", "--check", dir])).code).toBe(2);
	});
});
