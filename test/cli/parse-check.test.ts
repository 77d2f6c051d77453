import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-cli-"));
const file = (name: string, text: string) => {
	const path = join(dir, name);
	mkdirSync(join(path, ".."), { recursive: true });
	writeFileSync(path, text);
	return path;
};

const good = file(
	"good/authz.rego",
	'package authz\n\ndefault allow := false\n\nallow if input.user == "admin"\n\nroles contains r if some r in input.roles\n',
);
const bad = file("bad/bad.rego", "package bad\n\nallow if {\n\tinput.x ==\n}\n");
const alsoBad = file("bad/a-first.rego", "package bad2\n\np := [1, 2\n");
const v0 = file("v0/old.rego", 'package old\n\nallow {\n\tinput.user == "admin"\n}\n');
const unsafe = file("unsafe/u.rego", "package u\n\nallow if {\n\tx > 1\n}\n");
const twelveUnsafe = file(
	"many/m.rego",
	`package m\n\n${Array.from({ length: 12 }, (_, i) => `r${i} if { x${i} }`).join("\n")}\n`,
);
const manyParse = (name: string) =>
	file(
		`manyparse/${name}.rego`,
		`package ${name}\n${Array.from({ length: 12 }, (_, i) => `r${i} { true }`).join("\n")}\n`,
	);
manyParse("a");
manyParse("b");

describe("gavel (top level)", () => {
	it("--help lists the commands and exits 0", async () => {
		const r = await gavel(["--help"]);
		expect(r.code).toBe(0);
		for (const c of ["parse", "check", "build", "eval"])
			expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
	});

	it("an unknown command or no command is a usage error (2)", async () => {
		const unknown = await gavel(["frobnicate"]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('unknown command "frobnicate"');
		expect((await gavel([])).code).toBe(2);
	});

	it("`help CMD` shows that command's help", async () => {
		const r = await gavel(["help", "check"]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("Usage: gavel check");
	});
});

describe("gavel parse", () => {
	it("--help", async () => {
		const r = await gavel(["parse", "--help"]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("Usage: gavel parse FILE");
	});

	it("prints an outline of a valid module", async () => {
		const r = await gavel(["parse", good]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("package authz  (rego.v1)");
		expect(r.stdout).toMatch(/rule allow {2}default complete, 0 expr {2}.*authz\.rego:3:1/);
		expect(r.stdout).toMatch(/rule roles {2}partialSet, 1 expr {2}.*authz\.rego:7:1/);
	});

	it("--json prints the AST with locations", async () => {
		const r = await gavel(["parse", "--json", good]);
		expect(r.code).toBe(0);
		const ast = JSON.parse(r.stdout);
		expect(ast.type).toBe("module");
		expect(ast.rules).toHaveLength(3);
		expect(ast.rules[1].loc).toMatchObject({ file: good, row: 5, col: 1 });
	});

	it("reports a parse error with its location and exits 1", async () => {
		const r = await gavel(["parse", bad]);
		expect(r.code).toBe(1);
		expect(r.stdout).toBe("");
		expect(r.stderr).toMatch(/^1 error occurred:\n/);
		expect(r.stderr).toContain(`${bad}:5:1: rego_parse_error: `);
	});

	it("--json reports errors as JSON", async () => {
		const r = await gavel(["parse", "--json", bad]);
		expect(r.code).toBe(1);
		const { errors } = JSON.parse(r.stdout);
		expect(errors[0]).toMatchObject({
			code: "rego_parse_error",
			loc: { file: bad, row: 5, col: 1 },
		});
	});

	it("accepts OPA 0.x syntax only with --v0-compatible", async () => {
		expect((await gavel(["parse", v0])).code).toBe(1);
		const r = await gavel(["parse", "--v0-compatible", v0]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("(rego.v0)");
	});

	it("usage and input errors exit 2", async () => {
		const missing = await gavel(["parse", join(dir, "nope.rego")]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("nope.rego: no such file");
		const none = await gavel(["parse"]);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain("expected exactly one FILE");
		const option = await gavel(["parse", "--frob", good]);
		expect(option.code).toBe(2);
		expect(option.stderr).toContain("--frob");
		expect(option.stderr).toContain("gavel parse --help");
	});
});

describe("gavel check", () => {
	it("passes a clean directory", async () => {
		const r = await gavel(["check", join(dir, "good")]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("1 file checked, no errors");
	});

	it("reports every file's errors, sorted by file and location, and exits 1", async () => {
		const r = await gavel(["check", join(dir, "bad")]);
		expect(r.code).toBe(1);
		const lines = r.stderr.trim().split("\n");
		// As opa check 1.22.3: the failed rule value is reported twice (what failed, what was due).
		expect(lines[0]).toBe("3 errors occurred:");
		expect(lines[1]).toContain(`${alsoBad}:4:1: rego_parse_error:`);
		expect(lines[2]).toContain(
			`${alsoBad}:4:1: rego_parse_error: unexpected eof token: expected rule value term`,
		);
		expect(lines[3]).toContain(`${bad}:5:1: rego_parse_error:`);
	});

	it("runs the compiler's semantic checks", async () => {
		const r = await gavel(["check", join(dir, "unsafe")]);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(`${unsafe}:4:2: rego_unsafe_var_error: var x is unsafe`);
	});

	it("stops at 10 errors with OPA's closing entry last (rego_compile_error: error limit reached)", async () => {
		const r = await gavel(["check", twelveUnsafe]);
		expect(r.code).toBe(1);
		const lines = r.stderr.trim().split("\n");
		expect(lines[0]).toBe("11 errors occurred:");
		expect(lines[1]).toBe(`${twelveUnsafe}:3:9: rego_unsafe_var_error: var x0 is unsafe`);
		expect(lines[10]).toBe(`${twelveUnsafe}:12:9: rego_unsafe_var_error: var x9 is unsafe`);
		expect(lines[11]).toBe("rego_compile_error: error limit reached");
	});

	// opa check 1.22.3 lists all 24: its cap of 10 is for compile errors, not parse errors.
	it("two files' parse errors merge into one uncapped list, sorted by file", async () => {
		const r = await gavel(["check", join(dir, "manyparse")]);
		const lines = r.stderr.trim().split("\n");
		expect(lines[0]).toBe("24 errors occurred:");
		expect(lines.filter((l) => l.endsWith("error limit reached"))).toHaveLength(0);
		// Then only the --v0-compatible hint follows them.
		expect(lines.at(-2)).toContain("manyparse/b.rego:13:1: rego_parse_error:");
		expect(lines.at(-1)).toMatch(/^hint: /);
		expect(lines[1]).toContain("manyparse/a.rego:2:1: rego_parse_error:");
	});

	it("--format json writes OPA's error JSON on stderr; nothing when clean", async () => {
		const r = await gavel(["check", "--format", "json", unsafe]);
		expect(r.code).toBe(1);
		expect(JSON.parse(r.stderr)).toEqual({
			errors: [
				{
					message: "var x is unsafe",
					code: "rego_unsafe_var_error",
					location: { file: unsafe, row: 4, col: 2 },
				},
			],
		});
		const capped = JSON.parse((await gavel(["check", "--format", "json", twelveUnsafe])).stderr);
		expect(capped.errors).toHaveLength(11);
		expect(capped.errors[10]).toEqual({
			message: "error limit reached",
			code: "rego_compile_error",
		});
		const clean = await gavel(["check", "--format", "json", join(dir, "good")]);
		expect(clean).toMatchObject({ code: 0, stdout: "", stderr: "" });
		expect((await gavel(["check", "--format", "yaml", unsafe])).code).toBe(2);
	});

	it("a missing path is an input error (2)", async () => {
		const r = await gavel(["check", join(dir, "missing")]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain("no such file or directory");
	});
});
