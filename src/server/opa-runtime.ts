// OPA's management clients for a server started with OPA's configuration file (Node): one
// HTTP client per service, the decision logger in OPA's event format (console and/or gzip
// uploads to <service>/logs) and the status reporter (<service>/status). src/node.ts wires
// what this returns into the server; the bundle source takes the bundle service's client.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../engine/index.ts";
import type { DecisionLogger } from "./decision-log.ts";
import { createHttpLogger, type HttpDecisionLogger } from "./decision-log-http.ts";
import type { OpaSettings } from "./opa-config.ts";
import { createOpaDecisionLogger } from "./opa-decision-log.ts";
import { createServiceClient, type ServiceClient, type ServiceFetch } from "./opa-service.ts";
import { createOpaStatusReporter, type OpaStatusReporter, prometheusModel } from "./opa-status.ts";

export interface OpaRuntime {
	/** id (this process), version (Gavel's) and the configured labels. */
	labels: Record<string, string>;
	/** The decision logger, when decision_logs is configured. */
	logger?: DecisionLogger;
	/**
	 * How the bundle is fetched from its service (headers, credentials, TLS): for that URL
	 * only, so the service's credentials never go to another one (a --url given beside -c).
	 */
	bundleFetch(url: string): ServiceFetch | undefined;
	/** Where the bundle is persisted (bundles.<name>.persist), else undefined. */
	bundlePersistPath?: string;
	sink?: HttpDecisionLogger;
	status?: OpaStatusReporter;
	/** Send the first status report. */
	start(): void;
	/** Flush the decision log within the deadline, send a last status, close the clients. */
	close(flushMs: number): Promise<void>;
}

export function gavelVersion(): string {
	// Beside the sources (src/server) or the built file (dist/).
	for (const rel of ["../../package.json", "../package.json"]) {
		try {
			const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8"));
			if (pkg.name === "gavel" && typeof pkg.version === "string") return pkg.version;
		} catch {}
	}
	return "unknown";
}

export function createOpaRuntime(
	opa: OpaSettings,
	deps: {
		engine: Engine;
		/** Prometheus' JSON of the server's registry (prom-client getMetricsAsJSON). */
		metricsJson: () => Promise<unknown[]>;
		info: (message: string) => void;
		/** Console lines (OPA writes them to stderr, as its log). */
		console?: (line: string) => void;
		/** Name of the bundle when none is configured (the served path). */
		defaultBundleName?: string;
	},
): OpaRuntime {
	const version = gavelVersion();
	const userAgent = `Gavel/${version} (Node ${process.version})`;
	// Sorted by name, as OPA (a Go map) writes them.
	const unsorted: Record<string, string> = { ...opa.labels, id: crypto.randomUUID(), version };
	const labels = Object.fromEntries(
		Object.keys(unsorted)
			.sort()
			.map((k) => [k, unsorted[k]]),
	);
	const clients = new Map<string, ServiceClient>();
	const client = (name: string): ServiceClient => {
		let c = clients.get(name);
		if (!c) {
			const svc = opa.services.find((s) => s.name === name);
			if (!svc) throw new Error(`no service ${name}`);
			c = createServiceClient(svc, { userAgent });
			clients.set(name, c);
		}
		return c;
	};
	const writeConsole = deps.console ?? ((line: string) => process.stderr.write(line));
	const bundleName = opa.bundle?.name ?? deps.defaultBundleName;

	let status: OpaStatusReporter | undefined;
	let sink: HttpDecisionLogger | undefined;
	const dl = opa.decisionLogs;
	if (dl?.service) {
		const c = client(dl.service.name);
		sink = createHttpLogger({
			url: c.url(dl.resource),
			fetch: c.fetch as typeof fetch,
			gzip: true,
			// Bounded by bytes (upload_size_limit_bytes, of the JSON before compression, so a
			// chunk is never over OPA's limit); the count only caps very small events.
			batchSize: 10_000,
			maxUploadBytes: dl.uploadSizeLimitBytes,
			maxBufferedBytes: dl.bufferSizeLimitBytes,
			// Sent between min_delay_seconds and max_delay_seconds after the first waiting event,
			// as OPA; failed uploads back off from min to max.
			flushIntervalMs: dl.minDelaySeconds * 1000,
			flushIntervalMaxMs: dl.maxDelaySeconds * 1000,
			retryMinMs: dl.minDelaySeconds * 1000,
			retryMaxMs: dl.maxDelaySeconds * 1000,
			timeoutMs: dl.service.responseHeaderTimeoutSeconds * 1000,
			onError: deps.info,
			onUpload: (r) => status?.decisionLogUpload(r),
		});
	}
	const logger = dl
		? createOpaDecisionLogger({
				engine: deps.engine,
				labels,
				bundleName,
				maskDecision: dl.maskDecision,
				dropDecision: dl.dropDecision,
				console: dl.console ? writeConsole : undefined,
				sink,
				onError: deps.info,
			})
		: undefined;
	if (opa.status) {
		const s = opa.status;
		const c = s.service ? client(s.service.name) : undefined;
		status = createOpaStatusReporter({
			engine: deps.engine,
			labels,
			bundleName,
			decisionLogs: dl !== undefined,
			upload: c ? { url: c.url(s.resource), fetch: c.fetch } : undefined,
			console: s.console ? writeConsole : undefined,
			prometheus: async () => prometheusModel((await deps.metricsJson()) as never),
			onError: deps.info,
		});
	}
	const b = opa.bundle;
	return {
		labels,
		logger,
		sink,
		status,
		bundleFetch: (url) =>
			b && b.service.type !== "oci" && url === client(b.service.name).url(b.resource)
				? client(b.service.name).fetch
				: undefined,
		bundlePersistPath:
			b?.persist === true
				? join(opa.persistenceDirectory, "bundles", b.name, "bundle.tar.gz")
				: undefined,
		start() {
			void status?.report();
		},
		async close(flushMs) {
			await sink?.flush(flushMs);
			await status?.report();
			status?.stop();
			for (const c of clients.values()) c.close();
		},
	};
}
