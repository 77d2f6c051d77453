// Gavel's configuration: one document (from a YAML/JSON file plus GAVEL_* overrides, see
// config-file.ts), validated up front so a bad field stops start-up with its name, instead
// of surfacing later as a confusing deny. Pure: no file system, so Workers can use it too.

// The evaluation limits' defaults live with the module globals they set (a pure file).
import { DEFAULT_EVAL_MEMORY_BYTES, DEFAULT_EVAL_STEPS } from "../wasm/limits.ts";

export interface TlsConfig {
	cert: string; // PEM file path
	key: string;
	/** CA bundle for client certificates; with requireClientCert this is mTLS. */
	ca?: string;
	requireClientCert: boolean;
	/** Oldest TLS version accepted (OPA's --min-tls-version); default Node's, TLSv1.2. */
	minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
}

export interface AuthConfig {
	jwksUrl?: string;
	jwksFile?: string;
	/** PEM public keys (file paths), for deployments without a JWKS. */
	publicKeyFiles: string[];
	/** Pinned: the token's own "alg" is only accepted if listed here. */
	algorithms: string[];
	issuer?: string[];
	audience?: string[];
	clockToleranceSeconds: number;
	requiredClaims: string[];
	maxTokenAgeSeconds?: number;
	maxTokenBytes: number;
	/** Minimum time between JWKS refetches triggered by unknown kids (bounds refresh storms). */
	jwksCooldownSeconds: number;
	jwksCacheMaxAgeSeconds: number;
	/** Bytes the verified-token claims cache may hold (tokens + claims); optional for callers
	 * that build an AuthConfig by hand, the verifier then uses the same 8 MiB default. */
	tokenCacheMaxBytes?: number;
}

export interface CallerAuthConfig {
	/** How enforcement points authenticate on AuthZEN and the Data API. */
	/** jwt: a bearer token verified with the auth settings (the caller's own identity). */
	mode: "none" | "api-key" | "mtls" | "jwt";
	apiKeys: string[];
	/**
	 * mode "none" on a non-loopback server.host: refused at start-up unless this is true
	 * (then a warning line says so), since anyone who can connect may query the Data API.
	 */
	allowUnauthenticated: boolean;
	/**
	 * OPA's `--authorization=basic`: every request to OPA's routes (/v1/data, /v1/policies,
	 * /v1/batch, POST /, /health, /metrics) is allowed only when data.system.authz.allow is
	 * true for OPA's input ({identity?, method, path, params, headers}); else 401.
	 */
	systemAuthz: boolean;
	/** OPA's `--authentication`: token puts the bearer token in input.identity. */
	systemAuthzIdentity: "none" | "token";
	/** The authorization rule (OPA's default_authorization_decision); default system/authz/allow. */
	systemAuthzDecision?: string;
}

export interface GavelConfig {
	server: {
		host: string;
		port: number;
		bodyLimitBytes: number;
		maxJsonDepth: number;
		tls?: TlsConfig;
		shutdownGraceSeconds: number;
		/** A request's headers must arrive within this (Node's headersTimeout; slowloris). */
		headersTimeoutSeconds: number;
		/** The whole request, body included, must arrive within this (Node's requestTimeout). */
		requestTimeoutSeconds: number;
		/** An idle keep-alive connection is closed after this (Node's keepAliveTimeout). */
		keepAliveTimeoutSeconds: number;
		/** Open connections past this are closed on accept, before they can use a descriptor long. */
		maxConnections: number;
		/** OPA's --diagnostic-addr: a second listener serving only /health…, /ready and /metrics. */
		diagnostic?: { host: string; port: number };
	};
	policy: {
		/** Entrypoint used by /v1/decide when the body names none ("example/allow"). */
		default: string;
		/**
		 * Entrypoints a /v1/decide body may name in `policy`; default: only `default`. Any
		 * other entrypoint of the bundle may hold rules meant for another route.
		 */
		decideEntrypoints?: string[];
		/**
		 * Steps one evaluation may take (scan iterations, calls, allocation, heavy builtins'
		 * work); past it the decision is an eval_cancel_error deny. 0: unlimited.
		 */
		maxEvalSteps: number;
		/** Bytes one evaluation may allocate; past it, an eval_memory_limit_error deny. */
		maxEvalMemoryBytes: number;
	};
	bundle: {
		path?: string;
		url?: string;
		watch: boolean;
		minDelaySeconds: number;
		maxDelaySeconds: number;
		persistPath?: string;
		/** Largest compressed bundle download from bundle.url; bigger ones are refused unread. */
		maxDownloadBytes?: number;
		/** Extra headers for the bundle server, e.g. Authorization. */
		headers?: Record<string, string>;
		/** Several .rego / .json / .yaml files or source folders served together (opa run FILE…). */
		files?: string[];
		/** Rego sources (folders, files, uploads) read as OPA 0.x syntax (opa run --v0-compatible). */
		v0Compatible?: boolean;
		/** Pull the bundle from an OCI registry instead (polled like bundle.url). */
		oci?: {
			/** registry/repository:tag or registry/repository@sha256:… */
			resource: string;
			/** How the registry is reached; default https://<registry of resource>. */
			url?: string;
			/** Basic credentials (sent to a Basic challenge, or to the token realm). */
			username?: string;
			password?: string;
			/** A bearer token sent as it is. */
			token?: string;
		};
		/** Verify OPA bundle signatures; when set, unsigned bundles are refused. */
		signing?: {
			keys: { id: string; algorithm: string; keyFile?: string; secret?: string }[];
			defaultKeyId?: string;
			scope?: string;
			excludeFiles?: string[];
			/** Load bundles without checking signatures, signed or not (OPA's --skip-verify). */
			skip?: boolean;
		};
	};
	auth: AuthConfig;
	callerAuth: CallerAuthConfig;
	forwardAuth: {
		/** Entrypoint for /v1/authz; default: policy.default. */
		policy?: string;
		/** Peers (IPs or IPv4 CIDRs) whose X-Forwarded-* / X-Original-* headers are believed. */
		trustedProxies: string[];
		/** Response header carrying the subject's `sub` to the upstream. */
		subjectHeader: string;
		/** Response header carrying the subject's roles (comma-joined), and the claim they come from. */
		rolesHeader: string;
		rolesClaim: string;
	};
	authzen: {
		/** Entrypoint that answers AuthZEN evaluations. */
		policy: string;
		/** Public base URL for discovery; default: the listen address (never the request's Host). */
		baseUrl?: string;
		/** Most evaluations one batch request may carry (each costs a policy evaluation). */
		maxEvaluations: number;
	};
	/** Envoy's ext_authz over gRPC (the contract opa-envoy-plugin serves), on its own port. */
	envoyGrpc: {
		enabled: boolean;
		host: string;
		port: number;
		/** The entrypoint each Check evaluates. */
		path: string;
		/** Serve it with server.tls's certificate (and its CA for client certificates). */
		tls: boolean;
	};
	cache: {
		enabled: boolean;
		maxEntries: number;
		maxBytes: number;
		ttlSeconds: number;
		/** Request header that skips the cache ("Cache-Control: no-cache" also does). */
		bypassHeader: string;
	};
	decisionLog: {
		enabled: boolean;
		/**
		 * JSON pointers into the log entry to erase, like OPA's system.log.mask: "/input/subject/email";
		 * a `*` segment is any one key or index, `**` any run of them.
		 */
		mask: string[];
		/** POST batches here instead of writing lines to stdout. */
		url?: string;
		batchSize: number;
		flushIntervalMs: number;
		/** Most bytes in one upload to decisionLog.url (collectors refuse large bodies). */
		maxUploadBytes: number;
		/** Backoff after a failed upload: first wait, doubling up to retryMaxMs, jittered. */
		retryMinMs: number;
		retryMaxMs: number;
	};
	/** OpenTelemetry traces (Node only): a span per decision, exported over OTLP/HTTP. */
	tracing: {
		enabled: boolean;
		/** The collector's OTLP/HTTP traces URL (protobuf), e.g. http://collector:4318/v1/traces. */
		endpoint: string;
		/** service.name on every span. */
		serviceName: string;
		/** Fraction of new traces recorded (0 to 1); a caller's traceparent decides for its own. */
		sampleRatio: number;
		/** Extra headers for the collector (e.g. an API key). */
		headers?: Record<string, string>;
		/** Spans wait at most this long before they are exported in a batch. */
		flushIntervalMs: number;
		/** Spans waiting for export past this are dropped, so a collector that is down costs bounded memory. */
		maxQueueSize: number;
	};
	input: {
		/** Request headers copied into input.request.headers (lower-case names). */
		headers: string[];
		/**
		 * input.request.path is normalised (Envoy's normalize_path): unreserved escapes
		 * decoded, dot segments removed, a backslash read as "/"; the sent form is raw_path.
		 */
		normalizePath: boolean;
		/** Collapse runs of "/" in input.request.path (Envoy's merge_slashes). */
		mergeSlashes: boolean;
		/** An encoded slash or backslash (%2F, %5C): refuse with 400, keep encoded, or decode. */
		escapedSlashesAction: "reject" | "keep" | "unescape";
	};
	/** Development identity: local key pair, JWKS on loopback, `gavel token`. */
	dev: boolean;
	/** Folder for dev keys and persisted bundles. */
	stateDir: string;
}

export const DEFAULT_CONFIG: GavelConfig = {
	server: {
		host: "127.0.0.1",
		port: 8181,
		bodyLimitBytes: 1024 * 1024,
		maxJsonDepth: 64,
		shutdownGraceSeconds: 10,
		headersTimeoutSeconds: 10,
		requestTimeoutSeconds: 30,
		keepAliveTimeoutSeconds: 5,
		maxConnections: 4096,
	},
	policy: {
		default: "example/allow",
		maxEvalSteps: DEFAULT_EVAL_STEPS,
		maxEvalMemoryBytes: DEFAULT_EVAL_MEMORY_BYTES,
	},
	bundle: {
		watch: true,
		minDelaySeconds: 60,
		maxDelaySeconds: 120,
		maxDownloadBytes: 64 * 1024 * 1024,
	},
	auth: {
		publicKeyFiles: [],
		algorithms: ["RS256", "ES256"],
		clockToleranceSeconds: 30,
		requiredClaims: ["sub", "exp"],
		maxTokenBytes: 8192,
		jwksCooldownSeconds: 30,
		jwksCacheMaxAgeSeconds: 600,
		tokenCacheMaxBytes: 8 * 1024 * 1024,
	},
	callerAuth: {
		mode: "none",
		apiKeys: [],
		allowUnauthenticated: false,
		systemAuthz: false,
		systemAuthzIdentity: "none",
	},
	forwardAuth: {
		trustedProxies: ["127.0.0.1", "::1"],
		subjectHeader: "x-auth-subject",
		rolesHeader: "x-auth-roles",
		rolesClaim: "roles",
	},
	authzen: { policy: "authzen/allow", maxEvaluations: 1000 },
	envoyGrpc: {
		enabled: false,
		host: "127.0.0.1",
		port: 9191,
		path: "envoy/authz/allow",
		tls: false,
	},
	cache: {
		enabled: true,
		maxEntries: 10_000,
		maxBytes: 32 * 1024 * 1024,
		ttlSeconds: 60,
		bypassHeader: "x-gavel-no-cache",
	},
	decisionLog: {
		enabled: true,
		mask: [],
		batchSize: 100,
		flushIntervalMs: 1000,
		maxUploadBytes: 512 * 1024,
		retryMinMs: 500,
		retryMaxMs: 30_000,
	},
	tracing: {
		enabled: false,
		endpoint: "http://127.0.0.1:4318/v1/traces",
		serviceName: "gavel",
		sampleRatio: 1,
		flushIntervalMs: 5000,
		maxQueueSize: 2048,
	},
	// Empty by default: every header the policy sees is part of the decision cache key, so a
	// per-request header such as x-request-id would make every decision a miss.
	input: { headers: [], normalizePath: true, mergeSlashes: true, escapedSlashesAction: "reject" },
	dev: false,
	stateDir: ".gavel",
};

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
		this.name = "ConfigError";
	}
}

type Json = Record<string, unknown>;
const ALGORITHMS = new Set([
	"RS256",
	"RS384",
	"RS512",
	"PS256",
	"PS384",
	"PS512",
	"ES256",
	"ES384",
	"ES512",
	"EdDSA",
	"Ed25519",
]);

function isObject(v: unknown): v is Json {
	return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars replace. */
export function mergeConfig(base: unknown, over: unknown): unknown {
	if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
	const out: Json = { ...base };
	for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
	return out;
}

/** Validate a partial config merged over the defaults. Throws ConfigError naming every bad field. */
export function validateConfig(raw: unknown): GavelConfig {
	if (raw !== undefined && !isObject(raw)) throw new ConfigError(["(root): must be an object"]);
	const problems: string[] = [];
	const merged = mergeConfig(DEFAULT_CONFIG, raw ?? {}) as Json;
	const known: Record<string, unknown> = DEFAULT_CONFIG as unknown as Record<string, unknown>;
	// Unknown keys are typos far more often than intent; name them.
	const walkUnknown = (value: Json, shape: Json, path: string) => {
		for (const [k, v] of Object.entries(value)) {
			const p = path ? `${path}.${k}` : k;
			if (!(k in shape) && !OPTIONAL_KEYS.has(p)) problems.push(`${p}: unknown field`);
			else if (isObject(v) && isObject(shape[k])) walkUnknown(v, shape[k] as Json, p);
		}
	};
	if (raw) walkUnknown(raw as Json, known, "");

	const get = (path: string): unknown =>
		path.split(".").reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), merged);
	const num = (path: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
		const v = get(path);
		if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
			problems.push(`${path}: must be a number from ${min} to ${max}`);
		}
	};
	const bool = (path: string) => {
		if (typeof get(path) !== "boolean") problems.push(`${path}: must be true or false`);
	};
	const str = (path: string, optional = false) => {
		const v = get(path);
		if (optional && v === undefined) return;
		if (typeof v !== "string" || v === "") problems.push(`${path}: must be a non-empty string`);
	};
	const strList = (path: string) => {
		const v = get(path);
		if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
			problems.push(`${path}: must be a list of strings`);
		}
	};
	str("server.host");
	num("server.port", 0, 65535);
	num("server.bodyLimitBytes", 1);
	num("server.maxJsonDepth", 1, 10_000);
	num("server.shutdownGraceSeconds", 0);
	num("server.headersTimeoutSeconds", 1, 3600);
	num("server.requestTimeoutSeconds", 1, 3600);
	num("server.keepAliveTimeoutSeconds", 1, 3600);
	num("server.maxConnections", 1, 1_000_000);
	// Node refuses a headers timeout longer than the request's.
	if (
		(get("server.headersTimeoutSeconds") as number) >
		(get("server.requestTimeoutSeconds") as number)
	) {
		problems.push("server.headersTimeoutSeconds: must not exceed server.requestTimeoutSeconds");
	}
	if (get("server.tls") !== undefined) {
		str("server.tls.cert");
		str("server.tls.key");
		str("server.tls.ca", true);
		const minVersion = get("server.tls.minVersion");
		if (
			minVersion !== undefined &&
			!["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"].includes(minVersion as string)
		)
			problems.push('server.tls.minVersion: must be "TLSv1", "TLSv1.1", "TLSv1.2" or "TLSv1.3"');
		const rcc = get("server.tls.requireClientCert");
		if (rcc === undefined)
			(merged.server as Json).tls = { ...(get("server.tls") as Json), requireClientCert: false };
		else bool("server.tls.requireClientCert");
		if (rcc === true && get("server.tls.ca") === undefined) {
			problems.push("server.tls.ca: required when requireClientCert is true");
		}
	}
	str("policy.default");
	if (get("policy.decideEntrypoints") !== undefined) strList("policy.decideEntrypoints");
	num("policy.maxEvalSteps", 0, 0x7fff_ffff);
	// Room for the input and a few values at least; a wasm32 memory holds at most 4 GiB.
	num("policy.maxEvalMemoryBytes", 1024 * 1024, 0xffff_ffff);
	str("bundle.path", true);
	str("bundle.url", true);
	str("bundle.persistPath", true);
	const bundleHeaders = get("bundle.headers");
	if (
		bundleHeaders !== undefined &&
		!(isObject(bundleHeaders) && Object.values(bundleHeaders).every((v) => typeof v === "string"))
	) {
		problems.push("bundle.headers: must map header names to strings");
	}
	if (get("bundle.v0Compatible") !== undefined) bool("bundle.v0Compatible");
	if (get("bundle.files") !== undefined) {
		strList("bundle.files");
		if (get("bundle.path") !== undefined || get("bundle.url") !== undefined)
			problems.push("bundle.files: one bundle source: not with bundle.path or bundle.url");
	}
	const oci = get("bundle.oci");
	if (oci !== undefined) {
		if (!isObject(oci)) problems.push("bundle.oci: must be an object");
		else {
			str("bundle.oci.resource");
			for (const k of ["url", "username", "token"]) str(`bundle.oci.${k}`, true);
			// An empty password is a password (user-only credentials).
			if (oci.password !== undefined && typeof oci.password !== "string")
				problems.push("bundle.oci.password: must be a string");
			for (const k of Object.keys(oci)) {
				if (!["resource", "url", "username", "password", "token"].includes(k))
					problems.push(`bundle.oci.${k}: unknown field`);
			}
			if (
				get("bundle.url") !== undefined ||
				get("bundle.path") !== undefined ||
				get("bundle.files") !== undefined
			)
				problems.push("bundle.oci: one bundle source: not with bundle.url or bundle.path");
		}
	}
	const signing = get("bundle.signing");
	if (signing !== undefined) {
		const keys = isObject(signing) ? signing.keys : undefined;
		const skip = isObject(signing) && signing.skip === true;
		if (skip && Array.isArray(keys) && keys.length === 0) {
			// No keys needed: nothing is verified.
		} else if (!Array.isArray(keys) || keys.length === 0) {
			problems.push("bundle.signing.keys: needs at least one key");
		} else {
			keys.forEach((k, i) => {
				const at = `bundle.signing.keys[${i}]`;
				if (!isObject(k) || typeof k.id !== "string" || typeof k.algorithm !== "string") {
					problems.push(`${at}: needs string id and algorithm`);
				} else if (
					k.algorithm.startsWith("HS")
						? typeof k.secret !== "string"
						: typeof k.keyFile !== "string"
				) {
					problems.push(
						`${at}: ${k.algorithm} needs ${k.algorithm.startsWith("HS") ? "secret" : "keyFile"}`,
					);
				}
			});
		}
		str("bundle.signing.scope", true);
		str("bundle.signing.defaultKeyId", true);
	}
	bool("bundle.watch");
	num("bundle.minDelaySeconds", 1);
	num("bundle.maxDelaySeconds", 1);
	num("bundle.maxDownloadBytes", 1024);
	str("auth.jwksUrl", true);
	str("auth.jwksFile", true);
	strList("auth.publicKeyFiles");
	strList("auth.algorithms");
	strList("auth.requiredClaims");
	for (const a of (get("auth.algorithms") as string[] | undefined) ?? []) {
		if (!ALGORITHMS.has(a)) {
			problems.push(
				`auth.algorithms: "${a}" is not an allowed asymmetric algorithm (${[...ALGORITHMS].join(", ")})`,
			);
		}
	}
	for (const key of ["auth.issuer", "auth.audience"]) {
		const v = get(key);
		if (typeof v === "string") setPath(merged, key, [v]);
		else if (v !== undefined) strList(key);
	}
	num("auth.clockToleranceSeconds", 0, 3600);
	if (get("auth.maxTokenAgeSeconds") !== undefined) num("auth.maxTokenAgeSeconds", 1);
	num("auth.maxTokenBytes", 64);
	num("auth.jwksCooldownSeconds", 0);
	num("auth.jwksCacheMaxAgeSeconds", 0);
	num("auth.tokenCacheMaxBytes", 1024);
	const mode = get("callerAuth.mode");
	if (mode !== "none" && mode !== "api-key" && mode !== "mtls" && mode !== "jwt") {
		problems.push('callerAuth.mode: must be "none", "api-key", "mtls" or "jwt"');
	}
	strList("callerAuth.apiKeys");
	bool("callerAuth.allowUnauthenticated");
	bool("callerAuth.systemAuthz");
	str("callerAuth.systemAuthzDecision", true);
	if (!["none", "token"].includes(get("callerAuth.systemAuthzIdentity") as string))
		problems.push('callerAuth.systemAuthzIdentity: must be "none" or "token"');
	if (get("server.diagnostic") !== undefined) {
		str("server.diagnostic.host");
		num("server.diagnostic.port", 0, 65535);
	}
	if (
		mode === "none" &&
		get("callerAuth.allowUnauthenticated") !== true &&
		// OPA's system.authz policy decides who may call: that is caller authorization.
		get("callerAuth.systemAuthz") !== true &&
		typeof get("server.host") === "string" &&
		!isLoopbackHost(get("server.host") as string)
	) {
		problems.push(
			`callerAuth.mode: "none" on server.host ${get("server.host")} (not loopback) lets anyone who can connect use the Data API and AuthZEN: set callerAuth.mode (api-key, mtls, jwt) or callerAuth.systemAuthz (gavel run --authorization=basic), or callerAuth.allowUnauthenticated: true (GAVEL_ALLOW_UNAUTHENTICATED=true) to accept that`,
		);
	}
	str("forwardAuth.policy", true);
	strList("forwardAuth.trustedProxies");
	for (const p of (get("forwardAuth.trustedProxies") as string[] | undefined) ?? []) {
		if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p)) {
			problems.push(`forwardAuth.trustedProxies: "${p}" is not an IP address or CIDR`);
		}
	}
	str("forwardAuth.subjectHeader");
	str("forwardAuth.rolesHeader");
	str("forwardAuth.rolesClaim");
	str("authzen.policy");
	str("authzen.baseUrl", true);
	num("authzen.maxEvaluations", 1);
	bool("envoyGrpc.enabled");
	str("envoyGrpc.host");
	num("envoyGrpc.port", 0, 65535);
	str("envoyGrpc.path");
	bool("envoyGrpc.tls");
	if (get("envoyGrpc.tls") === true && get("server.tls") === undefined)
		problems.push("envoyGrpc.tls: needs server.tls (its certificate and key serve gRPC too)");
	if (mode === "api-key" && (get("callerAuth.apiKeys") as unknown[]).length === 0) {
		problems.push("callerAuth.apiKeys: needs at least one key when mode is api-key");
	}
	if (mode === "mtls" && get("server.tls.requireClientCert") !== true) {
		problems.push("callerAuth.mode: mtls needs server.tls.requireClientCert");
	}
	bool("cache.enabled");
	num("cache.maxEntries", 1);
	num("cache.maxBytes", 1024);
	num("cache.ttlSeconds", 0);
	str("cache.bypassHeader");
	bool("decisionLog.enabled");
	strList("decisionLog.mask");
	str("decisionLog.url", true);
	num("decisionLog.batchSize", 1);
	num("decisionLog.flushIntervalMs", 1);
	num("decisionLog.maxUploadBytes", 1024);
	num("decisionLog.retryMinMs", 1);
	num("decisionLog.retryMaxMs", 1);
	if ((get("decisionLog.retryMaxMs") as number) < (get("decisionLog.retryMinMs") as number)) {
		problems.push("decisionLog.retryMaxMs: must be at least decisionLog.retryMinMs");
	}
	for (const m of (get("decisionLog.mask") as string[] | undefined) ?? []) {
		if (!m.startsWith("/"))
			problems.push(`decisionLog.mask: "${m}" must be a JSON pointer starting with /`);
	}
	bool("tracing.enabled");
	str("tracing.endpoint");
	if (
		typeof get("tracing.endpoint") === "string" &&
		!/^https?:\/\/[^/]/.test(get("tracing.endpoint") as string)
	)
		problems.push("tracing.endpoint: must be an http:// or https:// URL (OTLP/HTTP)");
	str("tracing.serviceName");
	num("tracing.sampleRatio", 0, 1);
	num("tracing.flushIntervalMs", 1, 3_600_000);
	num("tracing.maxQueueSize", 1, 1_000_000);
	const tracingHeaders = get("tracing.headers");
	if (
		tracingHeaders !== undefined &&
		!(isObject(tracingHeaders) && Object.values(tracingHeaders).every((v) => typeof v === "string"))
	) {
		problems.push("tracing.headers: must map header names to strings");
	}
	strList("input.headers");
	bool("input.normalizePath");
	bool("input.mergeSlashes");
	if (!["reject", "keep", "unescape"].includes(get("input.escapedSlashesAction") as string)) {
		problems.push('input.escapedSlashesAction: must be "reject", "keep" or "unescape"');
	}
	bool("dev");
	str("stateDir");
	if (problems.length > 0) throw new ConfigError(problems);
	const cfg = merged as unknown as GavelConfig;
	cfg.input.headers = cfg.input.headers.map((h) => h.toLowerCase());
	cfg.cache.bypassHeader = cfg.cache.bypassHeader.toLowerCase();
	return cfg;
}

const OPTIONAL_KEYS = new Set([
	"server.tls",
	"server.diagnostic",
	"callerAuth.systemAuthzDecision",
	"bundle.path",
	"bundle.url",
	"bundle.persistPath",
	"bundle.signing",
	"bundle.headers",
	"bundle.oci",
	"bundle.files",
	"bundle.v0Compatible",
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
]);

/** Only this machine can connect: 127.0.0.0/8, ::1 (also IPv4-mapped), "localhost". */
export function isLoopbackHost(host: string): boolean {
	const h = host.toLowerCase().replace(/^\[|\]$/g, "");
	if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
	const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
	return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function setPath(obj: Json, path: string, value: unknown): void {
	const keys = path.split(".");
	let o = obj;
	for (const k of keys.slice(0, -1)) o = o[k] as Json;
	o[keys[keys.length - 1]] = value;
}
