// The conformance runner end to end on a small suite of its own: report shape, ratchet, time
// guard and the clean skip. (The shared OPA suite itself runs in CI via --ratchet.)

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const tsx = resolve(here, "..", "..", "node_modules", "tsx", "dist", "cli.mjs");
const runner = resolve(here, "run.ts");

function run(
	args: string[],
	env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, [tsx, runner, ...args], {
			env: { ...process.env, ...env },
		});
		let out = "";
		let err = "";
		child.stdout.setEncoding("utf8").on("data", (d: string) => {
			out += d;
		});
		child.stderr.setEncoding("utf8").on("data", (d: string) => {
			err += d;
		});
		child.on("error", fail);
		child.on("close", (code) => done({ code, out, err }));
	});
}

const suite = mkdtempSync(join(tmpdir(), "gavel-conformance-"));
mkdirSync(join(suite, "fixture"));
mkdirSync(join(suite, "other"));
writeFileSync(
	join(suite, "fixture", "test-fixture.yaml"),
	`cases:
    - note: fixture/pass
      query: data.t.p = x
      modules:
        - |
          package t

          p := input.a + 1
      input:
          a: 1
      want_result:
        - x: 2
    - note: fixture/sorted set
      query: data.t.s = x
      modules:
        - |
          package t

          s contains v if some v in [3, 1, 2]
      want_result:
        - x: [1, 2, 3]
      sort_bindings: true
    - note: fixture/conflict
      query: data.t.c = x
      modules:
        - |
          package t

          c := 1 if input.on
          c := 2 if input.on
      input_term: '{"on": true}'
      want_error_code: eval_conflict_error
    - note: fixture/set input
      query: data.t.member = x
      modules:
        - |
          package t

          member := [input.s[2], input.s[{3}]]
      input_term: '{"s": {1, 2, {3}}}'
      want_result:
        - x: [2, [3]]
`,
);
writeFileSync(
	join(suite, "other", "test-other.yaml"),
	`cases:
    - note: other/wrong expectation
      query: x := 1
      want_result:
        - x: 2
    - note: other/parse error expected
      query: data.t.p = x
      modules:
        - "package t\\n\\np if {\\n"
      want_error_code: rego_parse_error
`,
);
// A suite of its own, so the other runs need not wait for its time guard.
const slowSuite = mkdtempSync(join(tmpdir(), "gavel-conformance-slow-"));
mkdirSync(join(slowSuite, "slow"));
// 10^10 iterations that keep nothing: a case that would run for hours, not a case that is
// merely slower than some threshold.
writeFileSync(
	join(slowSuite, "slow", "test-slow.yaml"),
	`cases:
    - note: slow/hang
      query: data.t.p = x
      modules:
        - |
          package t

          p if {
          	some a in numbers.range(1, 100000)
          	some b in numbers.range(1, 100000)
          	a + b < 0
          }
      want_result: []
    - note: slow/after
      query: x := 40 + 2
      want_result:
        - x: 42
`,
);
const baseline = (passed: number) => {
	const file = join(suite, `baseline-${passed}.json`);
	writeFileSync(file, JSON.stringify({ stage: 2, passed }));
	return file;
};
const env = { OPA_TEST_CASES: suite };

describe("conformance runner", () => {
	it("compiles, evaluates and judges each case; writes the JSON report; holds the ratchet", async () => {
		const report = join(suite, "report.json");
		const r = await run(["--json", report, "--ratchet", "--baseline", baseline(5)], env);
		expect(r.err).toBe("");
		expect(r.code).toBe(0);
		expect(r.out).toContain(
			"total 6: 5 passed (83.3%), 1 failed, 0 skipped [stage 2: compile + evaluate]",
		);
		expect(r.out).toContain("conformance ratchet ok: 5 passed");
		const json = JSON.parse(readFileSync(report, "utf8"));
		expect(json).toMatchObject({
			total: 6,
			passed: 5,
			failed: 1,
			skipped: 0,
			categories: {
				fixture: { passed: 4, failed: 0, skipped: 0 },
				other: { passed: 1, failed: 1, skipped: 0 },
			},
			failures: [
				{
					file: "other/test-other.yaml",
					note: "other/wrong expectation",
					reason: 'want [{"x":2}], got [{"x":1}]',
				},
			],
		});
	});

	it("fails the ratchet when the run cannot reach the baseline's stage", async () => {
		const r = await run(["--parse-only", "--ratchet", "--baseline", baseline(0)], env);
		expect(r.code).toBe(1);
		expect(r.out).toContain("total 6: 6 passed (100.0%), 0 failed, 0 skipped [stage 1: parse]");
		expect(r.err).toContain("recorded at stage 2 but this run could only do stage 1");
	});

	it("fails a case that never finishes and carries on with the next in a fresh worker", async () => {
		const r = await run(["--timeout", "3000"], { OPA_TEST_CASES: slowSuite });
		expect(r.code).toBe(0);
		expect(r.out).toContain("FAIL slow/test-slow.yaml: slow/hang: timeout: over 3000 ms");
		expect(r.out).toContain("total 2: 1 passed (50.0%), 1 failed, 0 skipped");
	});

	it("skips cleanly when there is no suite", async () => {
		const r = await run([], { OPA_TEST_CASES: join(suite, "does-not-exist") });
		expect(r.code).toBe(0);
		expect(r.out).toContain("no suite found");
	});
});
