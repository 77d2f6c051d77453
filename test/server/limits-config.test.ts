// The memory-bound keys: defaults, overrides, and nonsense refused with the key named.

import { describe, expect, it } from "vitest";
import { ConfigError, validateConfig } from "../../src/server/config.ts";

describe("memory bound configuration", () => {
	it("defaults: 8 MiB token cache, 64 MiB bundle downloads", () => {
		const cfg = validateConfig({});
		expect(cfg.auth.tokenCacheMaxBytes).toBe(8 * 1024 * 1024);
		expect(cfg.bundle.maxDownloadBytes).toBe(64 * 1024 * 1024);
	});

	it("accepts overrides", () => {
		const cfg = validateConfig({
			auth: { tokenCacheMaxBytes: 65536 },
			bundle: { maxDownloadBytes: 1048576 },
		});
		expect(cfg.auth.tokenCacheMaxBytes).toBe(65536);
		expect(cfg.bundle.maxDownloadBytes).toBe(1048576);
	});

	it("refuses values below 1 KiB or not numbers", () => {
		let problems = "";
		try {
			validateConfig({ auth: { tokenCacheMaxBytes: 10 }, bundle: { maxDownloadBytes: "big" } });
		} catch (e) {
			expect(e).toBeInstanceOf(ConfigError);
			problems = (e as ConfigError).problems.join("\n");
		}
		expect(problems).toMatch(/auth\.tokenCacheMaxBytes/);
		expect(problems).toMatch(/bundle\.maxDownloadBytes/);
	});
});
