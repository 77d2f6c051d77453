import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_CONFIG, validateConfig } from "./config.ts";
import { envOverrides, loadConfig } from "./config-file.ts";

describe("configuration", () => {
	it("defaults make a valid config", () => {
		expect(validateConfig({})).toEqual(DEFAULT_CONFIG);
	});

	it("names every bad field", () => {
		try {
			validateConfig({
				server: { port: 70000, tls: { cert: "c.pem", key: "k.pem", requireClientCert: true } },
				auth: { algorithms: ["HS256"] },
				cache: { ttlSeconds: "soon" },
				decisionLog: { mask: ["input/password"] },
				typo: 1,
			});
			expect.unreachable();
		} catch (e) {
			expect(e).toBeInstanceOf(ConfigError);
			const problems = (e as ConfigError).problems.join("\n");
			expect(problems).toContain("server.port");
			expect(problems).toContain("server.tls.ca: required");
			expect(problems).toContain('auth.algorithms: "HS256"');
			expect(problems).toContain("cache.ttlSeconds");
			expect(problems).toContain("decisionLog.mask");
			expect(problems).toContain("typo: unknown field");
		}
	});

	it("accepts a single issuer/audience string as a list and lower-cases header names", () => {
		const c = validateConfig({
			auth: { issuer: "https://i", audience: "a" },
			input: { headers: ["X-Tenant"] },
		});
		expect(c.auth.issuer).toEqual(["https://i"]);
		expect(c.auth.audience).toEqual(["a"]);
		expect(c.input.headers).toEqual(["x-tenant"]);
	});

	it("GAVEL_* variables override the file", () => {
		expect(envOverrides({ GAVEL_PORT: "9000", GAVEL_AUDIENCE: "a,b", GAVEL_DEV: "true" })).toEqual({
			server: { port: 9000 },
			auth: { audience: ["a", "b"] },
			dev: true,
		});
		const c = loadConfig(undefined, { GAVEL_PORT: "9000", GAVEL_POLICY: "x/allow" });
		expect(c.server.port).toBe(9000);
		expect(c.policy.default).toBe("x/allow");
		expect(() => loadConfig(undefined, { GAVEL_PORT: "many" })).toThrow(/server.port/);
	});

	it("validates bundle signing keys", () => {
		const ok = validateConfig({
			bundle: { signing: { keys: [{ id: "k", algorithm: "RS256", keyFile: "k.pem" }] } },
		});
		expect(ok.bundle.signing?.keys[0].id).toBe("k");
		expect(() => validateConfig({ bundle: { signing: { keys: [] } } })).toThrow(
			/bundle.signing.keys/,
		);
		expect(() =>
			validateConfig({ bundle: { signing: { keys: [{ id: "k", algorithm: "HS256" }] } } }),
		).toThrow(/HS256 needs secret/);
	});

	it("loads a YAML file, then environment overrides, naming the file on errors", async () => {
		const { mkdtempSync, writeFileSync } = await import("node:fs");
		const { join } = await import("node:path");
		const { tmpdir } = await import("node:os");
		const dir = mkdtempSync(join(tmpdir(), "gavel-config-"));
		const file = join(dir, "gavel.yaml");
		writeFileSync(
			file,
			"server:\n  port: 9100\nauth:\n  issuer: https://idp\npolicy:\n  default: shop/allow\n",
		);
		const c = loadConfig(file, { GAVEL_PORT: "9200" });
		expect(c.server.port).toBe(9200);
		expect(c.auth.issuer).toEqual(["https://idp"]);
		expect(c.policy.default).toBe("shop/allow");
		writeFileSync(file, "server: [unclosed\n");
		expect(() => loadConfig(file, {})).toThrow(/gavel.yaml: not valid YAML/);
		expect(() => loadConfig(join(dir, "missing.yaml"), {})).toThrow(/missing.yaml: cannot read/);
	});
});
