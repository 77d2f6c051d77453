// A gateway suite on a machine without the gateway: skipped with its reason outside CI, a
// failure with CI set (a fresh clone's `npm test` must pass; CI must run every gateway).

import { afterEach, describe, expect, it, vi } from "vitest";
import { binaryRequirement, findBinary } from "./binaries.ts";

const original = process.env.CI;
afterEach(() => {
	if (original === undefined) delete process.env.CI;
	else process.env.CI = original;
	vi.restoreAllMocks();
});

describe("binaryRequirement", () => {
	it("finds an installed program", () => {
		expect(findBinary("sh")).toMatch(/\/sh$/);
		expect(binaryRequirement("sh", "t", "hint").missing).toBeNull();
	});

	it("skips with the reason outside CI", () => {
		delete process.env.CI;
		const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
		const r = binaryRequirement("gavel-no-such-program", "test/x.test.ts", "apt-get install x");
		expect(r).toEqual({ binary: undefined, missing: "skip" });
		expect(warn).toHaveBeenCalledWith(
			"test/x.test.ts: skipped, gavel-no-such-program is not installed (apt-get install x)",
		);
	});

	it("fails with CI set", () => {
		process.env.CI = "1";
		expect(binaryRequirement("gavel-no-such-program", "t", "h").missing).toBe("fail");
	});
});
