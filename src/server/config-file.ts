// Loading the configuration on Node: one YAML or JSON file, then GAVEL_* environment
// variables on top (the twelve-factor way to vary one setting per deployment).

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError, type GavelConfig, mergeConfig, validateConfig } from "./config.ts";
import {
	applyOpaSet,
	isOpaConfig,
	type OpaSettings,
	substituteEnv,
	translateOpaConfig,
} from "./opa-config.ts";

type Conv = (v: string) => unknown;
const list: Conv = (v) =>
	v
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);
const int: Conv = (v) => (/^\d+$/.test(v) ? Number(v) : v);
const bool: Conv = (v) =>
	v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v;
const text: Conv = (v) => v;

/** Each variable and the field it sets; documented in docs/api.md. */
export const ENV_VARS: Record<string, [string, Conv]> = {
	GAVEL_HOST: ["server.host", text],
	GAVEL_PORT: ["server.port", int],
	GAVEL_POLICY: ["policy.default", text],
	GAVEL_BUNDLE_PATH: ["bundle.path", text],
	GAVEL_BUNDLE_URL: ["bundle.url", text],
	GAVEL_JWKS_URL: ["auth.jwksUrl", text],
	GAVEL_JWKS_FILE: ["auth.jwksFile", text],
	GAVEL_ISSUER: ["auth.issuer", list],
	GAVEL_AUDIENCE: ["auth.audience", list],
	GAVEL_ALGORITHMS: ["auth.algorithms", list],
	GAVEL_API_KEYS: ["callerAuth.apiKeys", list],
	GAVEL_CALLER_AUTH: ["callerAuth.mode", text],
	GAVEL_ALLOW_UNAUTHENTICATED: ["callerAuth.allowUnauthenticated", bool],
	GAVEL_CACHE_ENABLED: ["cache.enabled", bool],
	GAVEL_DECISION_LOG: ["decisionLog.enabled", bool],
	GAVEL_DEV: ["dev", bool],
	GAVEL_STATE_DIR: ["stateDir", text],
	GAVEL_TLS_CERT: ["server.tls.cert", text],
	GAVEL_TLS_KEY: ["server.tls.key", text],
	GAVEL_TLS_CA: ["server.tls.ca", text],
	GAVEL_TLS_REQUIRE_CLIENT_CERT: ["server.tls.requireClientCert", bool],
};

export function envOverrides(env: Record<string, string | undefined>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [name, [path, conv]] of Object.entries(ENV_VARS)) {
		const v = env[name];
		if (v === undefined || v === "") continue;
		const keys = path.split(".");
		let o = out;
		for (const k of keys.slice(0, -1)) {
			o[k] ??= {};
			o = o[k] as Record<string, unknown>;
		}
		o[keys[keys.length - 1]] = conv(v);
	}
	return out;
}

function readConfigFile(file: string): { text: string; doc: unknown } {
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (e) {
		throw new ConfigError([`${file}: cannot read (${(e as Error).message})`]);
	}
	try {
		// YAML is a superset of JSON, so one parser reads both.
		return { text, doc: parseYaml(text) ?? {} };
	} catch (e) {
		throw new ConfigError([`${file}: not valid YAML/JSON (${(e as Error).message})`]);
	}
}

export function loadConfig(
	file: string | undefined,
	env: Record<string, string | undefined> = process.env,
	overrides: Record<string, unknown> = {},
): GavelConfig {
	return loadServeConfig(file, env, overrides).config;
}

/**
 * The configuration to serve with: Gavel's own file, or OPA's (`opa run -c`), recognised by its
 * shape. OPA's file gets OPA's treatment: `${VAR}` substituted from the environment, then the
 * `--set` overrides; it is translated into Gavel's settings (defaults < OPA file < GAVEL_*
 * variables < command-line overrides) and the OPA management clients' settings (`opa`).
 */
export function loadServeConfig(
	file: string | undefined,
	env: Record<string, string | undefined> = process.env,
	overrides: Record<string, unknown> = {},
	opaSets: readonly string[] = [],
): { config: GavelConfig; opa?: OpaSettings } {
	let fromFile: unknown = {};
	let opa: OpaSettings | undefined;
	const read = file ? readConfigFile(file) : undefined;
	const opaShaped = read !== undefined && isOpaConfig(read.doc);
	if (opaSets.length > 0 && read !== undefined && !opaShaped)
		throw new ConfigError([
			`--set: applies to OPA's configuration file; ${file} is Gavel's (set its fields there)`,
		]);
	if (opaSets.length > 0 || opaShaped) {
		let doc: Record<string, unknown> = {};
		if (read) {
			try {
				doc = (parseYaml(substituteEnv(read.text, env)) ?? {}) as Record<string, unknown>;
			} catch (e) {
				throw new ConfigError([
					`${file}: not valid YAML/JSON after \${VAR} substitution (${(e as Error).message})`,
				]);
			}
		}
		for (const s of opaSets) applyOpaSet(doc, s);
		const t = translateOpaConfig(doc, file ?? "--set");
		opa = t.opa;
		// OPA logs decisions only where decision_logs says: Gavel's own decision log is off.
		fromFile = mergeConfig({ decisionLog: { enabled: false } }, t.gavel);
	} else if (read) fromFile = read.doc;
	const config = validateConfig(mergeConfig(mergeConfig(fromFile, envOverrides(env)), overrides));
	if (opa?.bundle && config.bundle.path !== undefined)
		throw new ConfigError([
			`${file ?? "--set"}: bundles.${opa.bundle.name}: and the bundle path ${config.bundle.path}: Gavel serves one bundle (OPA would load both); build them into one`,
		]);
	return { config, opa };
}
