// uuid.parse, rand.intn and time.format on their own (OPA's answers, recorded from its
// binary; test/builtins/part-a-oracle.test.ts asks OPA itself when it is installed).

import { describe, expect, it } from "vitest";
import { createHostBuiltins } from "../host-builtins.ts";

const host = createHostBuiltins({ strictErrors: true });
const call = (name: string, ...args: unknown[]) => host.raw[name](...args);

describe("uuid.parse", () => {
	it("reports variant and version, and the time fields of versions 1 and 2", () => {
		expect(call("uuid.parse", "00000000-0000-4000-8000-000000000000")).toEqual({
			variant: "RFC4122",
			version: 4,
		});
		expect(call("uuid.parse", "000003e8-48b9-21ee-b200-325096b39f47")).toEqual({
			clocksequence: 12800,
			domain: "Person",
			id: 1000,
			macvariables: "local:unicast",
			nodeid: "32-50-96-b3-9f-47",
			time: 1693566990121469600n,
			variant: "RFC4122",
			version: 2,
		});
		expect(call("uuid.parse", "urn:uuid:6ba7b810-9dad-11d1-e0b4-00c04fd430c8")).toMatchObject({
			clocksequence: 8372,
			macvariables: "global:unicast",
			variant: "Future",
			version: 1,
		});
	});

	it("is undefined for a malformed string, a type error for a non-string", () => {
		expect(call("uuid.parse", "6ba7b810-9dad-11d1-80b4-00c04fd430cX")).toBeUndefined();
		expect(call("uuid.parse", "6ba7b810-9dad-11d1-80b4-00c04fd430c")).toBeUndefined();
		expect(() => call("uuid.parse", 123)).toThrow(
			expect.objectContaining({ code: "eval_type_error" }),
		);
	});
});

describe("rand.intn", () => {
	it("is stable per (str, n) within an evaluation and drawn again in the next", () => {
		host.beginEvaluation();
		const first = call("rand.intn", "k", 1n << 40n);
		expect(call("rand.intn", "k", 1n << 40n)).toBe(first);
		const seen = new Set<bigint>();
		for (let i = 0; i < 20; i++) {
			host.beginEvaluation();
			seen.add(call("rand.intn", "k", 1n << 40n) as bigint);
		}
		// 20 draws from 2^40 values all equal would mean the cache outlived the evaluation.
		expect(seen.size).toBeGreaterThan(1);
	});

	it("takes |n|, gives 0 for 0, refuses fractions as OPA's type error", () => {
		for (let i = 0; i < 50; i++) {
			host.beginEvaluation();
			const v = call("rand.intn", "x", -3) as bigint;
			expect(v >= 0n && v < 3n).toBe(true);
		}
		expect(call("rand.intn", "x", 0)).toBe(0n);
		expect(() => call("rand.intn", "x", 1.5)).toThrow(
			"rand.intn: operand 2 must be integer number but got floating-point number",
		);
	});
});

describe("time.format", () => {
	it("formats RFC 3339 with nanoseconds in UTC by default", () => {
		expect(call("time.format", 0)).toBe("1970-01-01T00:00:00Z");
		expect(call("time.format", 1_700_000_000_123_456_789n)).toBe("2023-11-14T22:13:20.123456789Z");
	});

	it("takes a zone and a Go layout or layout name", () => {
		expect(call("time.format", [0, "America/New_York"])).toBe("1969-12-31T19:00:00-05:00");
		expect(call("time.format", [1_700_000_000_120_000_000, "America/Los_Angeles", "RFC1123"])).toBe(
			"Tue, 14 Nov 2023 14:13:20 PST",
		);
		expect(call("time.format", [1_700_000_000_120_000_000, "Asia/Dubai", "MST ,000 .999"])).toBe(
			"+04 ,120 .12",
		);
		expect(() => call("time.format", [1, "Bad/Zone"])).toThrow("unknown time zone Bad/Zone");
		expect(() => call("time.format", [])).toThrow(
			"operand 1 must be either number (ns) or [number (ns), string (tz)] but got array",
		);
	});
});
