// `gavel test` through the real binary, as a user runs it.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "../../test/cli/run-cli.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "gavel-test-"));
const write = (name: string, text: string) => {
	const path = join(dir, name);
	mkdirSync(join(path, ".."), { recursive: true });
	writeFileSync(path, text);
	return path;
};

write(
	"ok/shop/policy.rego",
	`package shop

default allow := false

allow if input.user in data.shop.staff
`,
);
write("ok/shop/data.json", JSON.stringify({ staff: ["ann"] }));
write(
	"ok/shop/policy_test.rego",
	`package shop_test

import data.shop

test_staff_allowed if shop.allow with input as {"user": "ann"}

test_stranger_denied if not shop.allow with input as {"user": "zed"}

todo_managers if false
`,
);
write(
	"failing/f.rego",
	`package f

test_good := true

test_bad if 1 == 2
`,
);
write("broken/b.rego", "package b\n\ntest_x if {\n\t1 ==\n}\n");
write("legacy/l.rego", "package l\n\np { true }\n\ntest_p { p }\n");

describe("gavel test", () => {
	it("passes the repository's example policies", async () => {
		const r = await gavel(["test", "policies"], { cwd: repo });
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		const last = r.stdout.trim().split("\n").at(-1) ?? "";
		const m = /^(\d+) passed, 0 failed$/.exec(last);
		expect(m).not.toBeNull();
		expect(Number(m?.[1])).toBeGreaterThanOrEqual(40);
		expect(r.stdout).toMatch(
			/^PASS {2}data\.routes_test\.test_viewer_cannot_create_an_order {2}policies\/routes\/routes_test\.rego:\d+ /m,
		);
	});

	it("loads data files and reports skipped tests", async () => {
		const r = await gavel(["test", join(dir, "ok")]);
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("PASS  data.shop_test.test_staff_allowed");
		expect(r.stdout).toMatch(/^SKIP {2}data\.shop_test\.todo_managers {2}.*policy_test\.rego:9$/m);
		expect(r.stdout.trim().split("\n").at(-1)).toBe("2 passed, 0 failed, 1 skipped");
	});

	it("exits 1 when a test fails", async () => {
		const r = await gavel(["test", join(dir, "failing")]);
		expect(r.code).toBe(1);
		expect(r.stdout).toMatch(/^FAIL {2}data\.f\.test_bad {2}.*f\.rego:5 \(.*\): undefined$/m);
		expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 1 failed");
	});

	it("--run selects, --format json reports", async () => {
		const r = await gavel(["test", join(dir, "failing"), "--run", "good$", "--format", "json"]);
		expect(r.code).toBe(0);
		const report = JSON.parse(r.stdout);
		expect(report.summary).toEqual({ passed: 1, failed: 0, errored: 0, skipped: 0 });
		expect(report.tests[0]).toMatchObject({ name: "data.f.test_good", outcome: "pass", row: 3 });
	});

	it("fails with the located error on a syntax error", async () => {
		const r = await gavel(["test", join(dir, "broken")]);
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/b\.rego:5:1: rego_parse_error: /);
	});

	it("reads v0 syntax with --v0-compatible", async () => {
		expect((await gavel(["test", join(dir, "legacy")])).code).toBe(1);
		const r = await gavel(["test", join(dir, "legacy"), "--v0-compatible"]);
		expect(r.code).toBe(0);
		expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 0 failed");
	});

	it("prints per-file coverage", async () => {
		const r = await gavel(["test", join(dir, "ok"), "--coverage"]);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/^ {2}\S*shop\/policy\.rego +100\.0% \(1\/1 lines\)$/m);
	});

	it("rejects a bad --run pattern and a bad --format", async () => {
		expect((await gavel(["test", join(dir, "ok"), "--run", "("])).code).toBe(2);
		expect((await gavel(["test", join(dir, "ok"), "--format", "xml"])).code).toBe(2);
	});
});
