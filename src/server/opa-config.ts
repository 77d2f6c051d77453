// OPA's configuration file (`opa run -c config.yaml`), read so that an OPA deployment can start
// Gavel with the same file: services, bundles, decision_logs, status, labels, keys,
// default_decision, server.encoding, persistence_directory, distributed_tracing. It becomes a
// Gavel configuration (bundle, tracing, policy.default) plus the settings of OPA's management
// clients (opa-decision-log.ts, opa-status.ts). Keys Gavel cannot honour are named: refused
// when honouring them could change a decision (or lose what an operator asked to be kept),
// warned about otherwise. Pure: no file system; the caller reads files and the environment.

import type { SigningConfig, VerificationKey } from "../engine/index.ts";
import { ConfigError } from "./config.ts";
import { createChecks, isObject, type Json } from "./opa-config-checks.ts";
import { type OpaService, readServices } from "./opa-config-services.ts";

export type { OpaCredentials, OpaService } from "./opa-config-services.ts";
export { applyOpaSet, isOpaConfig, substituteEnv } from "./opa-config-syntax.ts";

/** OPA's top-level keys (1.22); a file with only these, and one that Gavel lacks, is OPA's. */

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
	if (!isObject(doc)) throw new ConfigError([`${file}: (root): must be an object`]);
	const checks = createChecks(file);
	const { problems, warnings, bad, refuse, warn, str, int, bool, obj, unknownKeys } = checks;

	const { services, serviceByName } = readServices(doc, checks);

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
