// The top level of `gavel`: version, help, unknown commands.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gavel } from "./run-cli.ts";

const version = JSON.parse(
	readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
).version;

describe("gavel top level", () => {
	it.each([["--version"], ["version"]])("%s prints package.json's version", async (arg) => {
		const r = await gavel([arg]);
		expect(r.code).toBe(0);
		expect(r.stdout).toBe(`gavel ${version} (Node ${process.version})\n`);
	});

	it("an unknown command is a usage error with the command list", async () => {
		const r = await gavel(["evall"]);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('gavel: unknown command "evall"');
		expect(r.stderr).toContain("  eval   evaluate a Rego query");
	});
});
