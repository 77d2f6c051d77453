// `gavel build` mistakes a new user makes get one clear line and exit 2, never a stack trace.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-build-errors-"));
mkdirSync(join(dir, "policies"));
writeFileSync(join(dir, "policies", "p.rego"), "package p\n\nallow := true\n");

describe("gavel build usage and output errors", () => {
	it("refuses to write the bundle over a directory", async () => {
		const r = await gavel(["build", "policies", "-e", "p/allow", "-o", "policies"], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toBe("gavel build: cannot write the bundle to policies: is a directory\n");
	});

	it("refuses an empty entrypoint instead of building all of data", async () => {
		const r = await gavel(["build", "policies", "-e", ""], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain("gavel build: -e needs a rule path, not an empty string");
	});
});
