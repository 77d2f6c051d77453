// Gavel and OPA's binary answer the same builtin calls (crypto/x509, JWT, AWS signing, uuid,
// rand, time, rego.metadata): each row is a module whose `p` both evaluate with strict
// built-in errors. Skipped outside CI when OPA is not installed; a failure in CI.

import { describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { gavelAnswer, opaAnswer } from "./oracle.ts";

interface Row {
	name: string;
	rego: string;
	input?: unknown;
}

const expr = (name: string, e: string, input?: unknown): Row => ({
	name,
	rego: `package t\n\np := ${e}\n`,
	input,
});

const ROWS: Row[] = [
	// uuid.parse: every version and variant, the four spellings, bad input.
	...[
		"00000000-0000-4000-8000-000000000000",
		"000003e8-48b9-21ee-b200-325096b39f47",
		"000003e8-48b9-21ee-b201-325096b39f47",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"c232ab00-9414-11ec-b3c8-9f6bdeced846",
		"1ec9414c-232a-6b00-b3c8-9e6bdeced846",
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"6ba7b8109dad11d180b400c04fd430c8",
		"{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"6ba7b810-9dad-11d1-c0b4-00c04fd430c8",
		"6ba7b810-9dad-21d1-00b4-01c04fd430c8",
		"6ba7b810-9dad-11d1-80b4-00c04fd430cX",
		"6ba7b810x9dad-11d1-80b4-00c04fd430c8",
		"",
	].map((u) => expr(`uuid.parse ${u}`, "uuid.parse(input)", u)),
	expr("uuid.parse of a number", "uuid.parse(input)", 123),
	// rand.intn: bounds, sign, zero, floats, stable per (str, n).
	expr("rand.intn 0", 'rand.intn("k", 0)'),
	expr("rand.intn 1", 'rand.intn("k", 1)'),
	expr("rand.intn -1", 'rand.intn("k", -1)'),
	expr("rand.intn in range", 'count([x | x := rand.intn("k", 7); x >= 0; x < 7])'),
	expr("rand.intn float", 'rand.intn("k", input)', 1.5),
	expr("rand.intn stable", 'count({rand.intn("k", 1000000) | numbers.range(1, 50)[_]})'),
	// time.format: default, zones, layouts and named layouts.
	expr("time.format 0", "time.format(0)"),
	expr("time.format negative", "time.format(-1500000000)"),
	expr("time.format zone", 'time.format([1700000000000000000, "America/New_York"])'),
	expr(
		"time.format layout",
		'time.format([1700000000000000000, "America/Chicago", "Mon Jan _2 15:04:05.000 MST 2006"])',
	),
	...[
		"ANSIC",
		"UnixDate",
		"RubyDate",
		"RFC822",
		"RFC822Z",
		"RFC850",
		"RFC1123",
		"RFC1123Z",
		"RFC3339",
		"RFC3339Nano",
		"Kitchen",
		"Z07:00:00 -07 Z07 .999 ,000 __2 002 pm 3 03 _2 1 06 January Monday",
	].map((l) =>
		expr(
			`time.format ${l}`,
			`time.format([1700000000120000000, "America/Los_Angeles", ${JSON.stringify(l)}])`,
		),
	),
	...[
		"Asia/Dubai",
		"America/Sao_Paulo",
		"Pacific/Chatham",
		"UTC",
		"",
		"Etc/GMT+3",
		"America/Denver",
	].map((z) =>
		expr(
			`time.format zone ${z}`,
			`time.format([1700000000120000000, ${JSON.stringify(z)}, "MST -07:00 Z0700"])`,
		),
	),
	expr("time.format bad zone", 'time.format([1, "Bad/Zone"])'),
	...[[1, "UTC", "RFC3339", 4], [1], [], [1, 2], ["1", "UTC"], "x", [1.5e9, "UTC"]].map((x) =>
		expr(`time.format ${JSON.stringify(x)}`, "time.format(input)", x),
	),
];

const req = opaRequirement("builtins part A oracle");

describe.skipIf(req.missing === "skip")("builtins agree with OPA", () => {
	if (req.missing === "fail") {
		it("needs OPA in CI", () => {
			throw new Error("OPA 1.22.3 not found; npm run opa:install");
		});
		return;
	}
	const opa = req.opa as string;
	for (const row of ROWS) {
		it(row.name, async () => {
			const want = opaAnswer(opa, row.rego, row.input);
			const got = await gavelAnswer(row.rego, row.input);
			expect(got).toEqual(want);
		});
	}
});
