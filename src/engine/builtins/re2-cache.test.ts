import { describe, expect, it } from "vitest";
import { compileRe2, RE2_CACHE_MAX_SIZE, re2CacheUsage } from "./re2.ts";

describe("re2 compiled-pattern cache", () => {
	it("reuses a compiled pattern", () => {
		expect(compileRe2("^a+b$")).toBe(compileRe2("^a+b$"));
	});

	it("is bounded by total pattern size, not only by count", () => {
		// 40 distinct 64 KiB patterns: far fewer than the entry cap, ~2.5x the size budget.
		const big = (i: number) => `${"x".repeat(64 * 1024)}${i}`;
		const oldest = compileRe2(big(0));
		for (let i = 0; i < 40; i++) {
			expect(compileRe2(big(i)).matches(big(i))).toBe(true);
			expect(re2CacheUsage().size).toBeLessThanOrEqual(RE2_CACHE_MAX_SIZE);
		}
		const { entries } = re2CacheUsage();
		expect(entries).toBeLessThan(40);
		// The most recent big pattern is still cached, the oldest was evicted.
		expect(compileRe2(big(39))).toBe(compileRe2(big(39)));
		expect(compileRe2(big(0))).not.toBe(oldest);
	});
});
