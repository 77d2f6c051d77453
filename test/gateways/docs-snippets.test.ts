// docs/gateways.md promises "the exact snippets the tests use": hold it to that.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GATEWAY_POLICY } from "./gateway-policy.ts";
import { KONG_POLICY } from "./kong-policy.ts";

const doc = readFileSync(join(import.meta.dirname, "../../docs/gateways.md"), "utf8");
const file = (name: string) => readFileSync(join(import.meta.dirname, name), "utf8");

describe("docs/gateways.md", () => {
	it.each([
		["nginx.conf.template", "nginx"],
		["Caddyfile.template", "caddyfile"],
		["traefik-dynamic.yml", "yaml"],
		["envoy.yaml", "yaml"],
	])("shows %s verbatim", (name, lang) => {
		expect(doc).toContain(`\`\`\`${lang}\n${file(name)}\`\`\``);
	});

	it("shows the forward-auth and Kong policies verbatim", () => {
		expect(doc).toContain(`\`\`\`rego\n${GATEWAY_POLICY}\`\`\``);
		expect(doc).toContain(`\`\`\`rego\n${KONG_POLICY}\`\`\``);
	});
});
