// OPA's configuration file (`opa run -c config.yaml`), read so that an OPA deployment can start
// Gavel with the same file: services, bundles, decision_logs, status, labels, keys,
// default_decision, server.encoding, persistence_directory, distributed_tracing. It becomes a
// Gavel configuration (bundle, tracing, policy.default) plus the settings of OPA's management
// clients (opa-decision-log.ts, opa-status.ts). Keys Gavel cannot honour are named: refused
// when honouring them could change a decision (or lose what an operator asked to be kept),
// warned about otherwise. Pure: no file system; the caller reads files and the environment.

import type { SigningConfig, VerificationKey } from "../engine/index.ts";
import { ConfigError } from "./config.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
	typeof v === "object" && v !== null && !Array.isArray(v);

/** OPA's top-level keys (1.22); a file with only these, and one that Gavel lacks, is OPA's. */
const OPA_TOP = new Set([
	"services",
	"bundles",
	"bundle",
	"decision_logs",
	"status",
	"discovery",
	"labels",
	"keys",
	"default_decision",
	"default_authorization_decision",
	"persistence_directory",
	"plugins",
	"caching",
	"nd_builtin_cache",
	"distributed_tracing",
	"server",
	"storage",
	"extra",
]);
/** Top-level keys only Gavel's own configuration has. */
const GAVEL_ONLY = new Set([
	"policy",
	"bundle",
	"auth",
	"callerAuth",
	"forwardAuth",
	"authzen",
	"envoyGrpc",
	"cache",
	"decisionLog",
	"tracing",
	"input",
	"dev",
	"stateDir",
]);

/**
 * Whether a parsed configuration document is OPA's shape: every top-level key is one of OPA's,
 * at least one is OPA's alone, and `server` (both have one) holds only OPA's `encoding`/`metrics`.
 */
export function isOpaConfig(doc: unknown): boolean {
	if (!isObject(doc)) return false;
	const keys = Object.keys(doc);
	if (keys.length === 0) return false;
	if (!keys.every((k) => OPA_TOP.has(k))) return false;
	if (
		isObject(doc.server) &&
		!Object.keys(doc.server).every((k) => k === "encoding" || k === "metrics")
	)
		return false;
	return keys.some((k) => !GAVEL_ONLY.has(k) && k !== "server") || isObject(doc.server);
}

/** OPA's `${NAME}` substitution in the file's text (an unset variable reads as empty, as in OPA). */
export function substituteEnv(text: string, env: Record<string, string | undefined>): string {
	return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
}

/** A --set value as OPA (Helm's strvals) types it: true/false/null, integers, else a string. */
function typedValue(v: string): unknown {
	if (v === "true") return true;
	if (v === "false") return false;
	if (v === "null") return null;
	if (/^-?(0|[1-9]\d*)$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
	return v;
}

/** Split on an unescaped separator; `\x` keeps x. */
function splitEscaped(s: string, sep: string): string[] {
	const out: string[] = [];
	let cur = "";
	let depth = 0;
	for (let i = 0; i < s.length; i++) {
		const ch = s[i];
		if (ch === "\\" && i + 1 < s.length) {
			cur += s[++i];
			continue;
		}
		if (ch === "{") depth++;
		if (ch === "}") depth = Math.max(0, depth - 1);
		if (ch === sep && depth === 0) {
			out.push(cur);
			cur = "";
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

/**
 * Apply one `--set` argument as OPA does: `a.b.c=v`, several separated by commas, `{x,y}` for a
 * list, `k[0]=v` for a list element. Throws a usage message for a malformed one.
 */
export function applyOpaSet(doc: Json, arg: string): void {
	for (const part of splitEscaped(arg, ",")) {
		if (part === "") continue;
		const eq = part.indexOf("=");
		if (eq <= 0) throw new ConfigError([`--set ${JSON.stringify(arg)}: expected KEY=VALUE`]);
		const key = part.slice(0, eq);
		const raw = part.slice(eq + 1);
		const value =
			raw.startsWith("{") && raw.endsWith("}")
				? splitEscaped(raw.slice(1, -1), ",").map(typedValue)
				: typedValue(raw);
		const segs: (string | number)[] = [];
		for (const s of key.split(".")) {
			const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(s);
			if (!m)
				throw new ConfigError([`--set ${JSON.stringify(arg)}: bad key ${JSON.stringify(key)}`]);
			segs.push(m[1]);
			for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
		}
		let node: Json | unknown[] = doc;
		for (let i = 0; i < segs.length - 1; i++) {
			const s = segs[i];
			const nextIsIndex = typeof segs[i + 1] === "number";
			const cur = (node as Record<string | number, unknown>)[s];
			if (nextIsIndex ? !Array.isArray(cur) : !isObject(cur))
				(node as Record<string | number, unknown>)[s] = nextIsIndex ? [] : {};
			node = (node as Record<string | number, unknown>)[s] as Json | unknown[];
		}
		(node as Record<string | number, unknown>)[segs[segs.length - 1]] = value;
	}
}

export interface OpaCredentials {
	bearer?: { token?: string; tokenPath?: string; scheme: string };
	clientTls?: { cert: string; privateKey: string; passphrase?: string };
	oauth2?: { tokenUrl: string; clientId: string; clientSecret: string; scopes: string[] };
}

export interface OpaService {
	name: string;
	/** Base URL, without a trailing slash. */
	url: string;
	headers: Record<string, string>;
	type?: "oci";
	/** CA certificate file for the service's TLS (tls.ca_cert or client_tls.ca_cert). */
	caCert?: string;
	allowInsecureTls: boolean;
	responseHeaderTimeoutSeconds: number;
	credentials: OpaCredentials;
}

export interface OpaBundle {
	name: string;
	service: OpaService;
	resource: string;
	minDelaySeconds: number;
	maxDelaySeconds: number;
	persist: boolean;
	signing?: SigningConfig;
	sizeLimitBytes?: number;
}

export interface OpaDecisionLogs {
	console: boolean;
	service?: OpaService;
	/** Path below the service URL (default /logs). */
	resource: string;
	minDelaySeconds: number;
	maxDelaySeconds: number;
	uploadSizeLimitBytes: number;
	bufferSizeLimitBytes?: number;
	/** Entrypoints (slash form) of the mask and drop rules. */
	maskDecision: string;
	dropDecision: string;
}

export interface OpaStatus {
	console: boolean;
	service?: OpaService;
	/** Path below the service URL (default /status). */
	resource: string;
}

/** What OPA's management clients need at run time. */
export interface OpaSettings {
	file: string;
	labels: Record<string, string>;
	services: OpaService[];
	bundle?: OpaBundle;
	decisionLogs?: OpaDecisionLogs;
	status?: OpaStatus;
	defaultAuthorizationDecision?: string;
	persistenceDirectory: string;
	/** One line per key that was accepted but is not applied. */
	warnings: string[];
}

export interface TranslatedOpaConfig {
	/** A partial Gavel configuration (merged over the defaults by validateConfig). */
	gavel: Json;
	opa: OpaSettings;
}

/** `/a/b/c` or `a.b.c` or `data.a.b` → `a/b/c` (an entrypoint's slash form). */
export function decisionPath(p: string): string {
	let s = p.trim();
	if (s.startsWith("data.")) s = s.slice(5);
	if (!s.includes("/")) s = s.replaceAll(".", "/");
	return s.replace(/^\/+|\/+$/g, "");
}

const BUNDLE_KEYS = new Set([
	"service",
	"resource",
	"polling",
	"persist",
	"signing",
	"size_limit_bytes",
	"trigger",
]);

/**
 * Translate an OPA configuration document (already ${VAR}-substituted and --set applied).
 * Throws ConfigError listing every problem as `file: key.path: problem`.
 */
export function translateOpaConfig(doc: unknown, file: string): TranslatedOpaConfig {
	const problems: string[] = [];
	const warnings: string[] = [];
	const bad = (path: string, msg: string) => problems.push(`${file}: ${path}: ${msg}`);
	const refuse = (path: string, why: string) =>
		problems.push(`${file}: ${path}: not supported by Gavel (${why})`);
	const warn = (path: string, why: string) =>
		warnings.push(`${file}: ${path}: accepted but not applied (${why})`);
	if (!isObject(doc)) throw new ConfigError([`${file}: (root): must be an object`]);

	const str = (o: Json, k: string, path: string, required = false): string | undefined => {
		const v = o[k];
		if (v === undefined || v === null) {
			if (required) bad(`${path}.${k}`, "required");
			return undefined;
		}
		if (typeof v !== "string" || (required && v === "")) {
			bad(`${path}.${k}`, "must be a string");
			return undefined;
		}
		return v;
	};
	const int = (o: Json, k: string, path: string, def: number, min = 0): number => {
		const v = o[k];
		if (v === undefined || v === null) return def;
		if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
			bad(`${path}.${k}`, `must be a whole number of at least ${min}`);
			return def;
		}
		return v;
	};
	const bool = (o: Json, k: string, path: string, def = false): boolean => {
		const v = o[k];
		if (v === undefined || v === null) return def;
		if (typeof v !== "boolean") {
			bad(`${path}.${k}`, "must be true or false");
			return def;
		}
		return v;
	};
	const obj = (v: unknown, path: string): Json | undefined => {
		if (v === undefined || v === null) return undefined;
		if (!isObject(v)) {
			bad(path, "must be an object");
			return undefined;
		}
		return v;
	};
	const unknownKeys = (o: Json, path: string, known: readonly string[]) => {
		for (const k of Object.keys(o)) if (!known.includes(k)) bad(`${path}.${k}`, "unknown field");
	};

	// --- services: an object by name, or a list of objects with `name`.
	const services: OpaService[] = [];
	const rawServices: [string, unknown, string][] = [];
	if (Array.isArray(doc.services)) {
		doc.services.forEach((s, i) => {
			const name = isObject(s) && typeof s.name === "string" ? s.name : undefined;
			if (!name) bad(`services[${i}].name`, "required");
			else rawServices.push([name, s, `services[${i}]`]);
		});
	} else if (doc.services !== undefined) {
		const so = obj(doc.services, "services");
		for (const [name, s] of Object.entries(so ?? {}))
			rawServices.push([name, s, `services.${name}`]);
	}
	for (const [name, raw, path] of rawServices) {
		const s = obj(raw, path);
		if (!s) continue;
		unknownKeys(s, path, [
			"name",
			"url",
			"headers",
			"credentials",
			"response_header_timeout_seconds",
			"allow_insecure_tls",
			"tls",
			"type",
			"keys",
		]);
		const url = str(s, "url", path, true);
		if (url !== undefined && !/^https?:\/\/[^/]/.test(url))
			bad(`${path}.url`, "must be an http:// or https:// URL");
		const headers: Record<string, string> = {};
		const h = obj(s.headers, `${path}.headers`);
		for (const [k, v] of Object.entries(h ?? {})) {
			if (typeof v !== "string") bad(`${path}.headers.${k}`, "must be a string");
			else headers[k] = v;
		}
		let type: "oci" | undefined;
		if (s.type !== undefined) {
			if (s.type === "oci") type = "oci";
			else if (s.type !== "" && s.type !== "http")
				bad(`${path}.type`, 'must be "oci" (or absent for HTTP)');
		}
		if (s.keys !== undefined)
			refuse(`${path}.keys`, "per-service signing keys; use the top-level keys");
		const tls = obj(s.tls, `${path}.tls`);
		let caCert: string | undefined;
		if (tls) {
			unknownKeys(tls, `${path}.tls`, ["ca_cert", "system_ca_required"]);
			caCert = str(tls, "ca_cert", `${path}.tls`);
			if (tls.system_ca_required === true)
				warn(`${path}.tls.system_ca_required`, "with ca_cert only that CA is trusted");
		}
		const credentials: OpaCredentials = {};
		const cred = obj(s.credentials, `${path}.credentials`);
		if (cred) {
			const cp = `${path}.credentials`;
			for (const k of Object.keys(cred)) {
				if (!["bearer", "client_tls", "oauth2"].includes(k))
					refuse(
						`${cp}.${k}`,
						"the service could not be reached as configured: bundles would not load and logs would not be delivered",
					);
			}
			const bearer = obj(cred.bearer, `${cp}.bearer`);
			if (bearer) {
				unknownKeys(bearer, `${cp}.bearer`, ["token", "token_path", "scheme"]);
				const token = str(bearer, "token", `${cp}.bearer`);
				const tokenPath = str(bearer, "token_path", `${cp}.bearer`);
				if (token === undefined && tokenPath === undefined)
					bad(`${cp}.bearer`, "needs token or token_path");
				credentials.bearer = {
					token,
					tokenPath,
					scheme: str(bearer, "scheme", `${cp}.bearer`) || "Bearer",
				};
			}
			const ct = obj(cred.client_tls, `${cp}.client_tls`);
			if (ct) {
				unknownKeys(ct, `${cp}.client_tls`, [
					"cert",
					"private_key",
					"private_key_passphrase",
					"ca_cert",
					"system_ca_required",
				]);
				const cert = str(ct, "cert", `${cp}.client_tls`, true);
				const privateKey = str(ct, "private_key", `${cp}.client_tls`, true);
				if (cert && privateKey)
					credentials.clientTls = {
						cert,
						privateKey,
						passphrase: str(ct, "private_key_passphrase", `${cp}.client_tls`),
					};
				caCert ??= str(ct, "ca_cert", `${cp}.client_tls`);
			}
			const o2 = obj(cred.oauth2, `${cp}.oauth2`);
			if (o2) {
				const op = `${cp}.oauth2`;
				const grant = o2.grant_type ?? "client_credentials";
				if (grant !== "client_credentials")
					refuse(`${op}.grant_type`, `only client_credentials, not ${String(grant)}`);
				for (const k of [
					"signing_key",
					"thumbprint",
					"additional_claims",
					"include_jti_claim",
					"aws_kms",
					"azure_keyvault",
				]) {
					if (o2[k] !== undefined)
						refuse(`${op}.${k}`, "JWT client assertions are not implemented; use client_secret");
				}
				unknownKeys(o2, op, [
					"token_url",
					"client_id",
					"client_secret",
					"scopes",
					"grant_type",
					"additional_headers",
					"additional_parameters",
					"signing_key",
					"thumbprint",
					"additional_claims",
					"include_jti_claim",
					"aws_kms",
					"azure_keyvault",
				]);
				for (const k of ["additional_headers", "additional_parameters"]) {
					if (o2[k] !== undefined)
						refuse(`${op}.${k}`, "the token request would differ from the one configured");
				}
				const tokenUrl = str(o2, "token_url", op, true);
				// As OPA: the token endpoint is HTTPS only (RFC 6749 2.3.1).
				if (tokenUrl !== undefined && !tokenUrl.startsWith("https://"))
					bad(`${op}.token_url`, "must be an https:// URL");
				const clientId = str(o2, "client_id", op, true);
				const clientSecret = str(o2, "client_secret", op, true);
				const scopes = o2.scopes ?? [];
				if (!Array.isArray(scopes) || !scopes.every((x) => typeof x === "string"))
					bad(`${op}.scopes`, "must be a list of strings");
				if (tokenUrl && clientId && clientSecret)
					credentials.oauth2 = { tokenUrl, clientId, clientSecret, scopes: scopes as string[] };
			}
		}
		if (services.some((x) => x.name === name)) bad(path, `service ${name} is defined twice`);
		if (url)
			services.push({
				name,
				url: url.replace(/\/+$/, ""),
				headers,
				type,
				caCert,
				allowInsecureTls: bool(s, "allow_insecure_tls", path),
				responseHeaderTimeoutSeconds: int(s, "response_header_timeout_seconds", path, 10, 1),
				credentials,
			});
	}
	const serviceByName = (name: string | undefined, path: string): OpaService | undefined => {
		if (name === undefined) return undefined;
		const s = services.find((x) => x.name === name);
		if (!s && !rawServices.some(([n]) => n === name))
			bad(path, `no service named ${JSON.stringify(name)} in services`);
		return s;
	};

	// --- keys
	const keys = new Map<string, VerificationKey & { scope?: string }>();
	const ko = obj(doc.keys, "keys");
	for (const [id, raw] of Object.entries(ko ?? {})) {
		const path = `keys.${id}`;
		const k = obj(raw, path);
		if (!k) continue;
		unknownKeys(k, path, ["key", "private_key", "algorithm", "scope"]);
		const algorithm = str(k, "algorithm", path) ?? "RS256";
		if (!/^(RS|PS|ES|HS)(256|384|512)$/.test(algorithm))
			bad(`${path}.algorithm`, `unknown algorithm ${algorithm}`);
		const key = str(k, "key", path);
		if (k.private_key !== undefined)
			warn(
				`${path}.private_key`,
				"Gavel signs nothing with it (OPA uses it for JWT client assertions)",
			);
		if (key === undefined) {
			if (k.private_key === undefined) bad(`${path}.key`, "required");
			continue;
		}
		keys.set(
			id,
			algorithm.startsWith("HS")
				? { id, algorithm, secret: key, scope: str(k, "scope", path) }
				: { id, algorithm, key, scope: str(k, "scope", path) },
		);
	}

	const gavel: Json = {};
	const persistenceDirectory = str(doc, "persistence_directory", "") ?? ".opa";

	// --- bundles: Gavel serves one bundle; more would leave some policies unserved.
	let bundle: OpaBundle | undefined;
	if (doc.bundle !== undefined)
		refuse("bundle", "OPA's deprecated single-bundle key; use bundles.<name>");
	const bo = obj(doc.bundles, "bundles");
	const bundleNames = Object.keys(bo ?? {});
	if (bundleNames.length > 1)
		refuse(
			`bundles`,
			`${bundleNames.length} bundles (${bundleNames.join(", ")}); Gavel activates one bundle, so the others' policies would be missing: build them into one`,
		);
	for (const name of bundleNames.slice(0, 1)) {
		const path = `bundles.${name}`;
		const b = obj(bo?.[name], path);
		if (!b) continue;
		for (const k of Object.keys(b)) if (!BUNDLE_KEYS.has(k)) bad(`${path}.${k}`, "unknown field");
		const svcName =
			str(b, "service", path) ?? (services.length === 1 ? services[0].name : undefined);
		if (svcName === undefined)
			bad(`${path}.service`, "required (there is not exactly one service)");
		const service = serviceByName(svcName, `${path}.service`);
		const resource = str(b, "resource", path) ?? `bundles/${name}`;
		const polling = obj(b.polling, `${path}.polling`) ?? {};
		unknownKeys(polling, `${path}.polling`, [
			"min_delay_seconds",
			"max_delay_seconds",
			"long_polling_timeout_seconds",
		]);
		const minDelaySeconds = int(polling, "min_delay_seconds", `${path}.polling`, 60, 1);
		const maxDelaySeconds = int(polling, "max_delay_seconds", `${path}.polling`, 120, 1);
		if (maxDelaySeconds < minDelaySeconds)
			bad(`${path}.polling.max_delay_seconds`, "must be at least min_delay_seconds");
		if (polling.long_polling_timeout_seconds !== undefined)
			warn(
				`${path}.polling.long_polling_timeout_seconds`,
				"Gavel polls; updates arrive at the next poll",
			);
		if (b.trigger !== undefined && b.trigger !== "periodic")
			refuse(`${path}.trigger`, `"${String(b.trigger)}": Gavel has no manual trigger, it polls`);
		let signing: SigningConfig | undefined;
		const so = obj(b.signing, `${path}.signing`);
		if (so) {
			unknownKeys(so, `${path}.signing`, ["keyid", "scope", "exclude_files"]);
			const keyid = str(so, "keyid", `${path}.signing`);
			if (keyid !== undefined && !keys.has(keyid))
				bad(`${path}.signing.keyid`, `no key named ${JSON.stringify(keyid)} in keys`);
			const exclude = so.exclude_files ?? [];
			if (!Array.isArray(exclude) || !exclude.every((x) => typeof x === "string"))
				bad(`${path}.signing.exclude_files`, "must be a list of strings");
			if (keys.size === 0) bad(`${path}.signing`, "needs at least one key in keys");
			const chosen = keyid !== undefined ? keys.get(keyid) : undefined;
			signing = {
				keys: [...keys.values()].map(({ scope: _, ...k }) => k),
				keyId: keyid,
				scope: str(so, "scope", `${path}.signing`) ?? chosen?.scope,
				excludeFiles: exclude as string[],
			};
		}
		const sizeLimit =
			b.size_limit_bytes === undefined ? undefined : int(b, "size_limit_bytes", path, 0, 1);
		if (service) {
			bundle = {
				name,
				service,
				resource,
				minDelaySeconds,
				maxDelaySeconds,
				persist: bool(b, "persist", path),
				signing,
				sizeLimitBytes: sizeLimit,
			};
			if (service.type === "oci") {
				// The OCI source (engine/sources/oci-source.ts) takes a reference and plain credentials.
				const bearer = service.credentials.bearer;
				const oci: Json = { resource, url: service.url };
				if (bearer?.token !== undefined) {
					if (bearer.scheme.toLowerCase() === "basic") {
						// atob, not Buffer: this module stays free of Node APIs.
						let plain = "";
						try {
							plain = new TextDecoder().decode(
								Uint8Array.from(atob(bearer.token), (c) => c.charCodeAt(0)),
							);
						} catch {
							bad(
								`services.${service.name}.credentials.bearer.token`,
								"scheme Basic needs base64 user:password",
							);
						}
						const i = plain.indexOf(":");
						oci.username = i < 0 ? plain : plain.slice(0, i);
						oci.password = i < 0 ? "" : plain.slice(i + 1);
					} else oci.token = bearer.token;
				}
				if (
					bearer?.tokenPath !== undefined ||
					service.credentials.oauth2 ||
					service.credentials.clientTls
				)
					refuse(
						`services.${service.name}.credentials`,
						"an OCI service takes a bearer token (Bearer or Basic scheme) only",
					);
				gavel.bundle = { oci, minDelaySeconds, maxDelaySeconds };
			} else {
				gavel.bundle = {
					url: `${service.url}/${resource.replace(/^\/+/, "")}`,
					minDelaySeconds,
					maxDelaySeconds,
				};
			}
			if (sizeLimit !== undefined) (gavel.bundle as Json).maxDownloadBytes = sizeLimit;
		}
	}

	// --- decision_logs
	let decisionLogs: OpaDecisionLogs | undefined;
	const dl = obj(doc.decision_logs, "decision_logs");
	if (dl) {
		const path = "decision_logs";
		unknownKeys(dl, path, [
			"service",
			"resource",
			"partition_name",
			"reporting",
			"mask_decision",
			"drop_decision",
			"console",
			"plugin",
			"request_context",
			"nd_builtin_cache",
		]);
		if (dl.plugin !== undefined)
			refuse(
				`${path}.plugin`,
				"custom Go plugins; the decisions would not be logged where configured",
			);
		if (dl.request_context !== undefined)
			warn(`${path}.request_context`, "request headers are not added to the events");
		if (dl.nd_builtin_cache !== undefined)
			warn(`${path}.nd_builtin_cache`, "no non-deterministic builtin cache");
		const console = bool(dl, "console", path);
		let svcName = str(dl, "service", path);
		// As OPA: without a plugin or the console, the first service is the default.
		if (svcName === undefined && !console && services.length > 0) svcName = services[0].name;
		const service = serviceByName(svcName, `${path}.service`);
		const rep = obj(dl.reporting, `${path}.reporting`) ?? {};
		unknownKeys(rep, `${path}.reporting`, [
			"buffer_size_limit_bytes",
			"buffer_size_limit_events",
			"buffer_type",
			"max_decisions_per_second",
			"upload_size_limit_bytes",
			"min_delay_seconds",
			"max_delay_seconds",
			"trigger",
		]);
		if (rep.max_decisions_per_second !== undefined)
			refuse(
				`${path}.reporting.max_decisions_per_second`,
				"Gavel does not rate-limit the decision log; every decision is logged",
			);
		for (const k of ["buffer_type", "buffer_size_limit_events"]) {
			if (rep[k] !== undefined)
				warn(`${path}.reporting.${k}`, "Gavel buffers events bounded by bytes");
		}
		if (rep.trigger !== undefined && rep.trigger !== "periodic")
			refuse(`${path}.reporting.trigger`, `"${String(rep.trigger)}": Gavel uploads periodically`);
		const minDelaySeconds = int(rep, "min_delay_seconds", `${path}.reporting`, 300, 1);
		const maxDelaySeconds = int(rep, "max_delay_seconds", `${path}.reporting`, 600, 1);
		if (maxDelaySeconds < minDelaySeconds)
			bad(`${path}.reporting.max_delay_seconds`, "must be at least min_delay_seconds");
		const partition = str(dl, "partition_name", path);
		let resource = str(dl, "resource", path) ?? "/logs";
		if (partition !== undefined) resource = `/logs/${partition}`;
		decisionLogs = {
			console,
			service,
			resource: `/${resource.replace(/^\/+/, "")}`,
			minDelaySeconds,
			maxDelaySeconds,
			uploadSizeLimitBytes: int(rep, "upload_size_limit_bytes", `${path}.reporting`, 32768, 1024),
			bufferSizeLimitBytes:
				rep.buffer_size_limit_bytes === undefined
					? undefined
					: int(rep, "buffer_size_limit_bytes", `${path}.reporting`, 0, 1024),
			maskDecision: decisionPath(str(dl, "mask_decision", path) ?? "system/log/mask"),
			dropDecision: decisionPath(str(dl, "drop_decision", path) ?? "system/log/drop"),
		};
		if (!console && !service) decisionLogs = undefined;
	}

	// --- status
	let status: OpaStatus | undefined;
	const st = obj(doc.status, "status");
	if (st) {
		const path = "status";
		unknownKeys(st, path, [
			"service",
			"partition_name",
			"console",
			"plugin",
			"prometheus",
			"trigger",
		]);
		if (st.plugin !== undefined)
			refuse(`${path}.plugin`, "custom Go plugins; status would not be reported where configured");
		if (st.trigger !== undefined && st.trigger !== "periodic")
			refuse(`${path}.trigger`, `"${String(st.trigger)}": Gavel reports on every change`);
		if (st.prometheus === false) warn(`${path}.prometheus`, "Gavel always includes its metrics");
		const console = bool(st, "console", path);
		const svcName = str(st, "service", path, !console);
		const service = serviceByName(svcName, `${path}.service`);
		const partition = str(st, "partition_name", path);
		status = {
			console,
			service,
			resource: partition === undefined ? "/status" : `/status/${partition}`,
		};
	}

	// --- labels
	const labels: Record<string, string> = {};
	const lo = obj(doc.labels, "labels");
	for (const [k, v] of Object.entries(lo ?? {})) {
		if (k === "id" || k === "version")
			bad(`labels.${k}`, "is set by the server, not by configuration");
		else if (typeof v !== "string") bad(`labels.${k}`, "must be a string");
		else labels[k] = v;
	}

	// --- decisions
	const dd = str(doc, "default_decision", "");
	if (dd !== undefined) gavel.policy = { default: decisionPath(dd) };
	const dad = str(doc, "default_authorization_decision", "");

	// --- the rest
	if (doc.discovery !== undefined)
		refuse(
			"discovery",
			"the configuration (and so the bundles served) would come from a discovery bundle",
		);
	if (doc.plugins !== undefined)
		refuse("plugins", "custom Go plugins can authorize requests or change decisions");
	if (doc.storage !== undefined) warn("storage", "Gavel keeps data in memory");
	if (doc.caching !== undefined)
		warn("caching", "no inter-query builtin cache (http.send is refused at compile time)");
	if (doc.nd_builtin_cache !== undefined)
		warn("nd_builtin_cache", "no non-deterministic builtin cache");
	if (doc.extra !== undefined) warn("extra", "not read");
	const server = obj(doc.server, "server");
	if (server) {
		unknownKeys(server, "server", ["encoding", "metrics"]);
		if (server.metrics !== undefined)
			warn("server.metrics", "Gavel's /metrics has its own buckets");
		const enc = obj(server.encoding, "server.encoding");
		if (enc) {
			unknownKeys(enc, "server.encoding", ["gzip"]);
			const gz = obj(enc.gzip, "server.encoding.gzip") ?? {};
			unknownKeys(gz, "server.encoding.gzip", ["min_length", "compression_level"]);
			if (int(gz, "min_length", "server.encoding.gzip", 1024, 0) !== 1024)
				warn(
					"server.encoding.gzip.min_length",
					"answers are compressed from OPA's default of 1024 bytes",
				);
			if (gz.compression_level !== undefined)
				warn("server.encoding.gzip.compression_level", "the platform's default level is used");
		}
	}
	const tr = obj(doc.distributed_tracing, "distributed_tracing");
	if (tr) {
		const path = "distributed_tracing";
		unknownKeys(tr, path, [
			"type",
			"address",
			"service_name",
			"sample_percentage",
			"encryption",
			"allow_insecure_tls",
			"tls_ca_cert_file",
			"tls_cert_file",
			"tls_private_key_file",
			"resource",
		]);
		const type = str(tr, "type", path) ?? "grpc";
		if (type === "grpc") {
			warn(`${path}.type`, "Gavel exports OTLP over HTTP only (type: http); tracing is off");
		} else if (type !== "http") {
			bad(`${path}.type`, 'must be "grpc" or "http"');
		} else {
			const enc = str(tr, "encryption", path) ?? "off";
			if (!["off", "tls", "mtls"].includes(enc))
				bad(`${path}.encryption`, 'must be "off", "tls" or "mtls"');
			if (enc === "mtls")
				warn(`${path}.encryption`, "no client certificate is presented to the collector");
			for (const k of [
				"tls_ca_cert_file",
				"tls_cert_file",
				"tls_private_key_file",
				"allow_insecure_tls",
				"resource",
			]) {
				if (tr[k] !== undefined) warn(`${path}.${k}`, "not applied to the OTLP exporter");
			}
			const address = str(tr, "address", path) ?? "localhost:4318";
			const pct = tr.sample_percentage === undefined ? 100 : Number(tr.sample_percentage);
			if (!Number.isFinite(pct) || pct < 0 || pct > 100)
				bad(`${path}.sample_percentage`, "must be 0 to 100");
			gavel.tracing = {
				enabled: true,
				endpoint: `${enc === "off" ? "http" : "https"}://${address.replace(/^https?:\/\//, "").replace(/\/+$/, "")}/v1/traces`,
				serviceName: str(tr, "service_name", path) ?? "opa",
				sampleRatio: Number.isFinite(pct) ? pct / 100 : 1,
			};
		}
	}
	if (problems.length > 0) throw new ConfigError(problems);
	return {
		gavel,
		opa: {
			file,
			labels,
			services,
			bundle,
			decisionLogs,
			status,
			defaultAuthorizationDecision: dad === undefined ? undefined : decisionPath(dad),
			persistenceDirectory,
			warnings,
		},
	};
}
