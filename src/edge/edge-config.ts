// Gavel's configuration at the edge, from wrangler.toml vars and secrets instead of a file:
// GAVEL_CONFIG holds the same document as the Node config file (a JSON string or a TOML
// table), and a few GAVEL_* variables override single fields, as on Node. Settings that
// need a file system or a socket of our own (TLS, bundle path/URL, key files) cannot apply
// in a Worker and are refused by name rather than ignored.

import { ConfigError, type GavelConfig, mergeConfig, validateConfig } from "../server/config.ts";

/** What the Worker's `env` may carry (vars, secrets, bindings). */
export interface EdgeEnv {
	GAVEL_CONFIG?: string | Record<string, unknown>;
	GAVEL_POLICY?: string;
	GAVEL_JWKS_URL?: string;
	/** An inline JWKS (JSON text), for deployments that pin their keys as a secret. */
	GAVEL_JWKS?: string;
	GAVEL_ISSUER?: string;
	GAVEL_AUDIENCE?: string;
	GAVEL_ALGORITHMS?: string;
	GAVEL_CALLER_AUTH?: string;
	GAVEL_API_KEYS?: string;
	GAVEL_TRUSTED_PROXIES?: string;
	GAVEL_CACHE_ENABLED?: string;
	GAVEL_DECISION_LOG?: string;
	/** Workers Analytics Engine dataset binding, when bound. */
	GAVEL_ANALYTICS?: AnalyticsSink;
}

/** The part of Workers' AnalyticsEngineDataset the metrics use. */
export interface AnalyticsSink {
	writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

export interface EdgeSettings {
	config: GavelConfig;
	/** Parsed GAVEL_JWKS, when given. */
	jwks?: { keys: unknown[] };
}

const list = (v: string) =>
	v
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);
const bool = (v: string): unknown =>
	v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v;

const OVERRIDES: [keyof EdgeEnv, string, (v: string) => unknown][] = [
	["GAVEL_POLICY", "policy.default", (v) => v],
	["GAVEL_JWKS_URL", "auth.jwksUrl", (v) => v],
	["GAVEL_ISSUER", "auth.issuer", list],
	["GAVEL_AUDIENCE", "auth.audience", list],
	["GAVEL_ALGORITHMS", "auth.algorithms", list],
	["GAVEL_CALLER_AUTH", "callerAuth.mode", (v) => v],
	["GAVEL_API_KEYS", "callerAuth.apiKeys", list],
	["GAVEL_TRUSTED_PROXIES", "forwardAuth.trustedProxies", list],
	["GAVEL_CACHE_ENABLED", "cache.enabled", bool],
	["GAVEL_DECISION_LOG", "decisionLog.enabled", bool],
];

/** Fields that only mean something on Node. */
const NODE_ONLY: [string, string][] = [
	["server.tls", "Cloudflare terminates TLS; use mTLS rules in the dashboard"],
	["bundle.path", "the bundle is built into the Worker (npm run edge:bundle)"],
	["bundle.url", "the bundle is built into the Worker (npm run edge:bundle)"],
	["bundle.persistPath", "the bundle is built into the Worker"],
	["auth.jwksFile", "set GAVEL_JWKS to the JWKS itself"],
	["auth.publicKeyFiles", "set GAVEL_JWKS to the keys as a JWKS"],
	["dev", "the development identity needs a local key file and port"],
	[
		"tracing.enabled",
		"OTLP export runs on Node; Workers traces with its own observability settings",
	],
];

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
	const keys = path.split(".");
	let o = obj;
	for (const k of keys.slice(0, -1)) {
		o[k] ??= {};
		o = o[k] as Record<string, unknown>;
	}
	o[keys[keys.length - 1]] = value;
}

function getPath(obj: unknown, path: string): unknown {
	return path
		.split(".")
		.reduce<unknown>(
			(o, k) =>
				o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined,
			obj,
		);
}

export function edgeSettings(env: EdgeEnv): EdgeSettings {
	let base: unknown = {};
	if (typeof env.GAVEL_CONFIG === "string" && env.GAVEL_CONFIG.trim() !== "") {
		try {
			base = JSON.parse(env.GAVEL_CONFIG);
		} catch (e) {
			throw new ConfigError([`GAVEL_CONFIG: not valid JSON (${(e as Error).message})`]);
		}
	} else if (env.GAVEL_CONFIG !== undefined && typeof env.GAVEL_CONFIG === "object") {
		base = env.GAVEL_CONFIG;
	}
	const over: Record<string, unknown> = {};
	for (const [name, path, conv] of OVERRIDES) {
		const v = env[name];
		if (typeof v === "string" && v !== "") setPath(over, path, conv(v));
	}
	const raw = mergeConfig(base, over);
	const problems: string[] = [];
	for (const [path, instead] of NODE_ONLY) {
		const v = getPath(raw, path);
		if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) {
			problems.push(`${path}: not available in a Worker (${instead})`);
		}
	}
	let jwks: { keys: unknown[] } | undefined;
	if (env.GAVEL_JWKS) {
		try {
			const parsed = JSON.parse(env.GAVEL_JWKS) as { keys?: unknown };
			if (!Array.isArray(parsed.keys)) throw new Error("no keys array");
			jwks = { keys: parsed.keys };
		} catch (e) {
			problems.push(`GAVEL_JWKS: not a JWKS (${(e as Error).message})`);
		}
	}
	if (problems.length > 0) throw new ConfigError(problems);
	const config = validateConfig(raw);
	if (!config.auth.jwksUrl && !jwks) {
		throw new ConfigError(["auth: set GAVEL_JWKS_URL (or auth.jwksUrl) or the GAVEL_JWKS secret"]);
	}
	return { config, jwks };
}
