import { describe, expect, it } from "vitest";
import { ConfigError } from "../server/config.ts";
import { edgeSettings } from "./edge-config.ts";

describe("edge configuration from Worker vars", () => {
	it("reads GAVEL_CONFIG (string or table) with single-field overrides on top", () => {
		const { config } = edgeSettings({
			GAVEL_CONFIG: '{"policy":{"default":"a/allow"},"cache":{"ttlSeconds":5}}',
			GAVEL_POLICY: "b/allow",
			GAVEL_JWKS_URL: "https://idp.test/jwks",
			GAVEL_AUDIENCE: "api, web",
			GAVEL_CACHE_ENABLED: "false",
		});
		expect(config.policy.default).toBe("b/allow");
		expect(config.cache.ttlSeconds).toBe(5);
		expect(config.cache.enabled).toBe(false);
		expect(config.auth.audience).toEqual(["api", "web"]);
		const table = edgeSettings({
			GAVEL_CONFIG: { auth: { jwksUrl: "https://idp.test/jwks" }, authzen: { policy: "z/allow" } },
		});
		expect(table.config.authzen.policy).toBe("z/allow");
	});

	it("takes an inline JWKS secret", () => {
		const { jwks } = edgeSettings({ GAVEL_JWKS: '{"keys":[{"kty":"EC"}]}' });
		expect(jwks).toEqual({ keys: [{ kty: "EC" }] });
	});

	it("refuses Node-only settings, missing keys and bad values by name", () => {
		const problems = (env: Parameters<typeof edgeSettings>[0]) => {
			try {
				edgeSettings(env);
			} catch (e) {
				expect(e).toBeInstanceOf(ConfigError);
				return (e as ConfigError).problems.join("\n");
			}
			throw new Error("expected a ConfigError");
		};
		expect(
			problems({ GAVEL_CONFIG: '{"bundle":{"path":"b.tar.gz"}}', GAVEL_JWKS: '{"keys":[]}' }),
		).toMatch(/^bundle\.path: not available in a Worker/);
		expect(problems({})).toMatch(/GAVEL_JWKS_URL/);
		expect(problems({ GAVEL_JWKS: "{" })).toMatch(/^GAVEL_JWKS: not a JWKS/);
		expect(problems({ GAVEL_CONFIG: "{nope" })).toMatch(/^GAVEL_CONFIG: not valid JSON/);
		expect(
			problems({ GAVEL_JWKS_URL: "https://idp.test/jwks", GAVEL_CALLER_AUTH: "sometimes" }),
		).toMatch(/callerAuth\.mode/);
	});
});
