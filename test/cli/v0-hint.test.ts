// A Rego 0.x policy read without --v0-compatible: OPA's errors, then one line saying what to do.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-v0-hint-"));
writeFileSync(join(dir, "legacy.rego"), 'package legacy\n\nallow {\n\tinput.method == "GET"\n}\n');
writeFileSync(join(dir, "broken.rego"), "package broken\n\nallow if {\n");

const HINT =
	"hint: these files look like OPA 0.x syntax (rules without `if`/`contains`); pass --v0-compatible to read them";

describe("the --v0-compatible hint", () => {
	it.each([["check"], ["test"], ["fmt"], ["build", "-e", "legacy/allow"], ["parse"]])(
		"gavel %s on a v0 module names the flag after OPA's errors",
		async (command, ...rest) => {
			const r = await gavel([command, ...rest, "legacy.rego"], { cwd: dir });
			expect(r.code).toBe(1);
			expect(r.stderr).toContain(
				"legacy.rego:3:1: rego_parse_error: `if` keyword is required before rule body",
			);
			expect(r.stderr.trim().split("\n").at(-1)).toBe(HINT);
		},
	);

	it("is not given for other syntax errors, nor with the flag", async () => {
		const broken = await gavel(["check", "broken.rego"], { cwd: dir });
		expect(broken.code).toBe(1);
		expect(broken.stderr).not.toContain("hint:");
		const withFlag = await gavel(["check", "--v0-compatible", "legacy.rego"], { cwd: dir });
		expect(withFlag.code).toBe(0);
	});

	it("eval names it too", async () => {
		const r = await gavel(["eval", "-d", "legacy.rego", "data.legacy.allow"], { cwd: dir });
		expect(r.code).toBe(1);
		expect(r.stderr.trim().split("\n").at(-1)).toBe(HINT);
	});
});
