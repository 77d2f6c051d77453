import { describe, expect, it } from "vitest";
import { type Module, parseModule } from "../rego/index.ts";
import {
	anyFailed,
	countResults,
	jsonReport,
	type RunReport,
	runTests,
	summaryLine,
	textReport,
} from "./index.ts";

function mod(source: string, file = "t.rego", regoVersion: 0 | 1 = 1): Module {
	const r = parseModule(source, file, { regoVersion });
	if (!r.module) throw new Error(JSON.stringify(r.errors));
	return r.module;
}

const outcomes = (r: RunReport) =>
	Object.fromEntries(r.results.map((x) => [x.test.rule, x.outcome]));

const policy = mod(
	`package authz

default allow := false

allow if input.role == "admin"

allow if {
	some p in data.authz.grants[input.role]
	p == input.action
}

is_weekday(d) if d in {"mon", "tue", "wed", "thu", "fri"}

open if is_weekday(input.day)
`,
	"authz.rego",
);

describe("runTests", () => {
	it("passes defined, non-false tests and fails false or undefined ones", async () => {
		const tests = mod(`package authz_test

import data.authz

test_admin if authz.allow with input as {"role": "admin"}

test_false := false

test_undefined if input.nothing

test_value := 7

todo_later if false
`);
		const r = await runTests([policy, tests], {});
		expect(r.errors).toEqual([]);
		expect(outcomes(r)).toEqual({
			test_admin: "pass",
			test_false: "fail",
			test_undefined: "fail",
			test_value: "pass",
			todo_later: "skip",
		});
		const byRule = new Map(r.results.map((x) => [x.test.rule, x]));
		expect(byRule.get("test_false")).toMatchObject({ defined: true, value: false });
		expect(byRule.get("test_undefined")).toMatchObject({ defined: false });
		expect(byRule.get("test_admin")?.test).toMatchObject({
			name: "data.authz_test.test_admin",
			file: "t.rego",
			row: 5,
		});
		expect(summaryLine(countResults(r.results))).toBe("2 passed, 2 failed, 1 skipped");
	});

	it("mocks input, data and functions with `with`", async () => {
		const tests = mod(`package authz_test

import data.authz

test_data_override if {
	authz.allow with input as {"role": "clerk", "action": "file"}
		with data.authz.grants as {"clerk": ["file"]}
}

test_data_is_loaded if authz.allow with input as {"role": "reader", "action": "read"}

test_function_mock if {
	authz.open with input.day as "sun" with authz.is_weekday as true
	not authz.open with input.day as "sun"
}
`);
		const r = await runTests([policy, tests], { authz: { grants: { reader: ["read"] } } });
		expect(outcomes(r)).toEqual({
			test_data_override: "pass",
			test_data_is_loaded: "pass",
			test_function_mock: "pass",
		});
	});

	it("reports an evaluation error as ERROR with its message", async () => {
		const tests = mod(`package conflict_test

p := 1 if input.x
p := 2 if input.x

test_conflict if p with input.x as true
`);
		const r = await runTests([tests], {});
		expect(r.results).toHaveLength(1);
		expect(r.results[0].outcome).toBe("error");
		expect(r.results[0].error?.code).toBe("eval_conflict_error");
		expect(textReport(r)).toMatch(
			/^ERROR data\.conflict_test\.test_conflict {2}t\.rego:6: .*multiple outputs/m,
		);
		// The closing line keeps the plain shape: an errored test counts as failed there.
		const counts = countResults(r.results);
		expect(summaryLine(counts)).toBe("0 passed, 1 failed");
		expect(anyFailed(counts)).toBe(true);
	});

	it("runs each definition of a repeated test name on its own, as opa test does", async () => {
		const tests = mod(`package dup

test_x if true

test_x if false

test_x := 3
`);
		const r = await runTests([tests], {});
		expect(r.results.map((x) => [x.test.name, x.outcome, x.test.row])).toEqual([
			["data.dup.test_x", "pass", 3],
			["data.dup.test_x#01", "fail", 5],
			["data.dup.test_x#02", "pass", 7],
		]);
	});

	it("selects tests by --run regex over the full name", async () => {
		const tests = mod(`package sel

test_alpha := true
test_beta := true
todo_gamma := true
`);
		const r = await runTests([tests], {}, { filter: /alpha|gamma/ });
		expect(outcomes(r)).toEqual({ test_alpha: "pass", todo_gamma: "skip" });
	});

	it("returns compile errors instead of results", async () => {
		const tests = mod(`package broken

test_x if undefined_function(1)
`);
		const r = await runTests([tests], {});
		expect(r.results).toEqual([]);
		expect(r.errors[0]).toMatchObject({ code: "rego_type_error", loc: { row: 3 } });
	});

	it("captures print output per test and shows values when verbose", async () => {
		const tests = mod(`package p

test_prints if {
	print("checking")
	1 == 2
}
`);
		const r = await runTests([tests], {});
		expect(r.results[0].output).toEqual(["checking"]);
		const text = textReport(r, { verbose: true });
		expect(text).toContain("FAIL  data.p.test_prints  t.rego:3");
		expect(text).toContain("      print: checking");
		expect(text).toContain("      value: undefined");
		expect(text.split("\n").at(-1)).toBe("0 passed, 1 failed");
	});

	it("runs v0 modules", async () => {
		const v0 = mod(
			`package legacy

allow { input.user == "root" }

test_root { allow with input as {"user": "root"} }
`,
			"legacy.rego",
			0,
		);
		expect(outcomes(await runTests([v0], {}))).toEqual({ test_root: "pass" });
	});

	it("records which lines the tests evaluated", async () => {
		const tests = mod(
			`package authz_test

import data.authz

test_admin if authz.allow with input as {"role": "admin"}

test_guest if not authz.allow with input as {"role": "guest"}
`,
			"authz_test.rego",
		);
		const r = await runTests([policy, tests], {}, { coverage: true });
		const file = r.coverage?.files.find((f) => f.file === "authz.rego");
		// The admin rule (line 5) ran; for the guest the grants rule's first expression ran (8)
		// but found nothing, so neither its second (9) nor its head (7) was reached; open and
		// is_weekday never ran.
		expect(file?.covered).toEqual([5, 8]);
		expect(file?.notCovered).toEqual([7, 9, 12, 14]);
		expect(file?.percent).toBeCloseTo((100 * 2) / 6);
		expect(outcomes(r)).toEqual({ test_admin: "pass", test_guest: "pass" });
	});

	it("measures passing tests with --bench", async () => {
		const tests = mod("package b\n\ntest_fast := true\n");
		const r = await runTests([tests], {}, { bench: true, benchMs: 1 });
		expect(r.results[0].bench?.iterations).toBeGreaterThan(0);
		expect(r.results[0].bench?.nsPerOp).toBeGreaterThan(0);
	});

	it("gives a JSON report", async () => {
		const tests = mod("package j\n\ntest_ok := true\n\ntest_no := false\n");
		const json = jsonReport(await runTests([tests], {})) as {
			tests: { name: string; outcome: string; value?: unknown }[];
			summary: unknown;
		};
		expect(json.summary).toEqual({ passed: 1, failed: 1, errored: 0, skipped: 0 });
		expect(json.tests.map((t) => [t.name, t.outcome, t.value])).toEqual([
			["data.j.test_ok", "pass", true],
			["data.j.test_no", "fail", false],
		]);
	});
});
