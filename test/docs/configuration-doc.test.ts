// docs/configuration.md stays true: every configuration key and environment variable the code
// knows is documented there.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/server/config.ts";
import { ENV_VARS } from "../../src/server/config-file.ts";

const doc = readFileSync(resolve(import.meta.dirname, "../../docs/configuration.md"), "utf8");

function leafKeys(value: unknown, path: string): string[] {
	if (value === null || typeof value !== "object" || Array.isArray(value)) return [path];
	return Object.entries(value).flatMap(([k, v]) => leafKeys(v, path ? `${path}.${k}` : k));
}

/** Keys without a default (absent from DEFAULT_CONFIG) that the validator accepts. */
const OPTIONAL = [
	"server.tls.cert",
	"server.tls.key",
	"server.tls.ca",
	"server.tls.requireClientCert",
	"bundle.path",
	"bundle.url",
	"bundle.persistPath",
	"bundle.signing.keys",
	"bundle.signing.defaultKeyId",
	"bundle.signing.scope",
	"bundle.signing.excludeFiles",
	"auth.jwksUrl",
	"auth.jwksFile",
	"auth.issuer",
	"auth.audience",
	"auth.maxTokenAgeSeconds",
	"authzen.baseUrl",
	"forwardAuth.policy",
	"decisionLog.url",
	"policy.decideEntrypoints",
	"tracing.headers",
];

describe("docs/configuration.md", () => {
	it("documents every configuration key", () => {
		const keys = [...leafKeys(DEFAULT_CONFIG, ""), ...OPTIONAL];
		const missing = keys.filter((k) => !doc.includes(`\`${k}\``));
		expect(missing).toEqual([]);
	});

	it("documents every environment variable with the key it sets", () => {
		for (const [name, [key]] of Object.entries(ENV_VARS)) {
			const row = doc
				.split("\n")
				.find((l) => l.includes(`\`${name}\``) && l.includes(`\`${key}\``));
			expect(row, `${name} → ${key}`).toBeDefined();
		}
	});

	it("gives the defaults the code has", () => {
		const rowOf = (key: string) => doc.split("\n").find((l) => l.startsWith(`| \`${key}\``)) ?? "";
		for (const key of leafKeys(DEFAULT_CONFIG, "")) {
			const value = key
				.split(".")
				.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], DEFAULT_CONFIG);
			const shown = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
			expect(rowOf(key), key).toContain(`\`${shown}\``);
		}
	});
});
