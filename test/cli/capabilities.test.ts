// `gavel build --capabilities FILE` and `gavel check --capabilities FILE`: builtins outside
// OPA's capabilities JSON are `undefined function`, as `opa build/check --capabilities` say;
// compared with OPA itself when it is installed.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-caps-"));
const snapshot = JSON.parse(
	readFileSync(new URL("../../src/compiler/opa-capabilities.json", import.meta.url), "utf8"),
);
const narrowed = {
	...snapshot,
	builtins: snapshot.builtins.filter((b: { name: string }) => !["count", "upper"].includes(b.name)),
};
const capsFile = join(dir, "caps.json");
writeFileSync(capsFile, JSON.stringify(narrowed));
const noV1 = join(dir, "no-v1.json");
writeFileSync(noV1, JSON.stringify({ builtins: [{ name: "count" }] }));
const policy = join(dir, "p.rego");
writeFileSync(
	policy,
	'package p\n\nallow if count([1]) == 1\n\nname := upper("a")\n\nn := sum([1])\n',
);

const WANT = [
	"p.rego:3:10: rego_type_error: undefined function count",
	"p.rego:5:9: rego_type_error: undefined function upper",
];

describe("--capabilities FILE", () => {
	it("build refuses builtins outside the file; without it the policy builds", async () => {
		const r = await gavel(["build", "--capabilities", capsFile, "p.rego", "-e", "p/allow"], {
			cwd: dir,
		});
		expect(r.code).toBe(1);
		expect(r.stderr).toBe(`2 errors occurred:\n${WANT.join("\n")}\n`);
		const ok = await gavel(["build", "p.rego", "-e", "p/allow", "-o", "b.tar.gz"], { cwd: dir });
		expect(ok.code).toBe(0);
		const full = join(dir, "full.json");
		writeFileSync(full, JSON.stringify(snapshot));
		const withFull = await gavel(
			["build", "--capabilities", full, "p.rego", "-e", "p/allow", "-o", "c.tar.gz"],
			{ cwd: dir },
		);
		expect(withFull.code).toBe(0);
	});

	it("check reports the same errors, in OPA's JSON form too", async () => {
		const r = await gavel(["check", "--capabilities", capsFile, "p.rego"], { cwd: dir });
		expect(r.code).toBe(1);
		expect(r.stderr).toContain(WANT.join("\n"));
		const j = await gavel(["check", "--format", "json", "--capabilities", capsFile, "p.rego"], {
			cwd: dir,
		});
		expect(JSON.parse(j.stderr).errors.map((e: { message: string }) => e.message)).toEqual([
			"undefined function count",
			"undefined function upper",
		]);
	});

	it("a missing file is a usage error; a file without rego_v1 refuses v1 policies", async () => {
		const r = await gavel(["check", "--capabilities", join(dir, "nope.json"), "p.rego"], {
			cwd: dir,
		});
		expect(r.code).toBe(2);
		expect(r.stderr).toContain("no such file or capabilities version found");
		const v = await gavel(["check", "--capabilities", noV1, "p.rego"], { cwd: dir });
		expect(v.code).toBe(1);
		expect(v.stderr).toContain(
			"rego_parse_error: illegal capabilities: rego_v1 feature required for parsing v1 Rego",
		);
	});

	const { opa, missing } = opaRequirement("--capabilities vs OPA");
	it.skipIf(missing === "skip")("OPA reports the same errors for the same file", async () => {
		if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
		const o = spawnSync(opa, ["check", "--format", "json", "--capabilities", capsFile, "p.rego"], {
			cwd: dir,
			encoding: "utf8",
		});
		const j = await gavel(["check", "--format", "json", "--capabilities", capsFile, "p.rego"], {
			cwd: dir,
		});
		expect(o.status).toBe(1);
		expect(JSON.parse(j.stderr)).toEqual(JSON.parse(o.stdout || o.stderr));
	});
});
