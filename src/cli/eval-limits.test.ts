// `gavel test` and `gavel eval` evaluate under the server's budget and memory cap
// (policy.maxEvalSteps / policy.maxEvalMemoryBytes defaults), raised by --max-eval-steps and
// --max-eval-memory. Through the real binary, as a user runs it.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "../../test/cli/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-limits-cli-"));
mkdirSync(join(dir, "p"));
writeFileSync(
	join(dir, "p", "heavy_test.rego"),
	`package heavy_test

test_huge_range if count(numbers.range(1, 1e8)) > 0

test_medium_range if count(numbers.range(1, 300000)) == 300000

test_small if count(numbers.range(1, 10)) == 10
`,
);
const tests = join(dir, "p");

describe("gavel test under the evaluation budget", () => {
	it("cancels numbers.range(1, 1e8) at the default budget; the other tests still run", async () => {
		const r = await gavel(["test", tests]);
		expect(r.code).toBe(1);
		expect(r.stdout).toMatch(
			/ERROR data\.heavy_test\.test_huge_range .*eval_cancel_error: evaluation exceeded its budget of 20000000 steps \(raise it with --max-eval-steps\)/,
		);
		expect(r.stdout).toMatch(/PASS\s+data\.heavy_test\.test_medium_range/);
		expect(r.stdout).toMatch(/PASS\s+data\.heavy_test\.test_small/);
		expect(r.stdout).toContain("2 passed, 1 failed");
	});

	it("--max-eval-steps lowers or raises it", async () => {
		const low = await gavel(["test", tests, "--run", "medium|small", "--max-eval-steps", "100000"]);
		expect(low.stdout).toMatch(/ERROR data\.heavy_test\.test_medium_range .*eval_cancel_error/);
		expect(low.stdout).toMatch(/PASS\s+data\.heavy_test\.test_small/);
		const high = await gavel(["test", tests, "--run", "medium", "--max-eval-steps", "5000000"]);
		expect(high.code).toBe(0);
		expect(high.stdout).toContain("1 passed, 0 failed");
	});

	it("--max-eval-memory caps what one test allocates", async () => {
		const r = await gavel(["test", tests, "--run", "medium", "--max-eval-memory", "1048576"]);
		expect(r.code).toBe(1);
		expect(r.stdout).toMatch(
			/eval_memory_limit_error: evaluation exceeded its memory limit of 1048576 bytes \(raise it with --max-eval-memory\)/,
		);
	});
});

describe("gavel eval under the evaluation budget", () => {
	it("cancels at the default budget and says which flag raises it", async () => {
		const r = await gavel(["eval", "count(numbers.range(1, 1e8))"]);
		expect(r.code).toBe(1);
		expect(r.stderr.trim()).toBe(
			"eval_cancel_error: evaluation exceeded its budget of 20000000 steps (raise it with --max-eval-steps)",
		);
	});

	it("--max-eval-steps and --max-eval-memory set the limits; bad values are usage errors", async () => {
		const q = "count(numbers.range(1, 300000))";
		expect((await gavel(["eval", "--max-eval-steps", "100000", q])).stderr).toMatch(
			/^eval_cancel_error: evaluation exceeded its budget of 100000 steps/,
		);
		const ok = await gavel(["eval", "--max-eval-steps", "5000000", q]);
		expect(ok.code).toBe(0);
		expect(ok.stdout.trim()).toBe("300000");
		expect((await gavel(["eval", "--max-eval-memory", "1048576", q])).stderr).toMatch(
			/^eval_memory_limit_error: evaluation exceeded its memory limit/,
		);
		const bad = await gavel(["eval", "--max-eval-steps=1.5", "1"]);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain("--max-eval-steps must be a whole number");
	});
});
