// Gavel on Node: wires the engine, bundle source, verifier, cache, metrics and decision log
// into the Hono app and serves it over HTTP or HTTPS (optionally mTLS). Graceful shutdown
// stops accepting, lets in-flight requests finish, then closes.

import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import {
	createServer as createHttpServer,
	type RequestListener,
	type ServerOptions,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import {
	Engine,
	FileBundleSource,
	FilesSource,
	HttpBundleSource,
	OciBundleSource,
} from "./engine/index.ts";
import { createApp, type GavelApp } from "./server/app.ts";
import { answerClientError } from "./server/client-error.ts";
import { type GavelConfig, isLoopbackHost } from "./server/config.ts";
import { loadConfig } from "./server/config-file.ts";
import { DecisionCache } from "./server/decision-cache.ts";
import { nullLogger } from "./server/decision-log.ts";
import { createHttpLogger } from "./server/decision-log-http.ts";
import {
	DEV_AUDIENCE,
	DEV_ISSUER,
	type DevKey,
	type JwksServer,
	loadOrCreateDevKey,
	serveJwks,
} from "./server/dev-identity.ts";
import { startExtAuthzGrpc } from "./server/ext-authz-grpc.ts";
import { directListener } from "./server/node-direct.ts";
import type { OpaSettings } from "./server/opa-config.ts";
import { createPinoDecisionLogger } from "./server/pino-log.ts";
import { createPromMetrics } from "./server/prom-metrics.ts";
import { nodePeerOf, nodeRemoteAddr, socketPeer } from "./server/tls-peer.ts";
import {
	createTokenVerifier,
	type KeySource,
	localKeySource,
	remoteKeySource,
} from "./server/token-verifier.ts";

/** How long the shutdown flush may take per decision-log sink (docs/operations.md: 2 s). */
export const SHUTDOWN_FLUSH_MS = 2000;

export interface StartOptions {
	/** Where decision-log lines go (default stdout). */
	writeLog?: (line: string) => void;
	/** Where operational messages go (default stderr). */
	info?: (message: string) => void;
	/** Collect Node process metrics (default true). */
	processMetrics?: boolean;
	/** OPA's configuration file's management settings (decision logs, status, services). */
	opa?: OpaSettings;
	/**
	 * Start without token keys, as OPA's server does (`gavel run`): the routes that verify a
	 * subject's token then answer 401, the Data API is unaffected.
	 */
	tokenKeysOptional?: boolean;
}

export interface RunningGavel {
	url: string;
	port: number;
	/** The Envoy ext_authz gRPC port, when envoyGrpc.enabled. */
	grpcPort?: number;
	config: GavelConfig;
	engine: Engine;
	gavel: GavelApp;
	devKey?: DevKey;
	close(): Promise<void>;
}

function keySources(config: GavelConfig): KeySource[] {
	const a = config.auth;
	const out: KeySource[] = [];
	if (a.jwksUrl) out.push(remoteKeySource(a.jwksUrl, a));
	if (a.jwksFile) out.push(localKeySource(JSON.parse(readFileSync(a.jwksFile, "utf8"))));
	for (const f of a.publicKeyFiles) out.push(createPublicKey(readFileSync(f, "utf8")));
	return out;
}

export async function startGavel(
	config: GavelConfig,
	options: StartOptions = {},
): Promise<RunningGavel> {
	const info = options.info ?? ((m: string) => process.stderr.write(`${m}\n`));
	let devKey: DevKey | undefined;
	let jwks: JwksServer | undefined;
	if (config.dev) {
		devKey = await loadOrCreateDevKey(config.stateDir);
		jwks = await serveJwks([devKey.publicJwk]);
		// Dev tokens are verified through a real JWKS URL, like production ones.
		config.auth.jwksUrl ??= jwks.url;
		config.auth.issuer ??= [DEV_ISSUER];
		config.auth.audience ??= [DEV_AUDIENCE];
		info(
			`gavel: development identity; JWKS at ${jwks.url}; mint tokens with \`npx gavel token --sub alice\``,
		);
	}
	if (
		config.callerAuth.mode === "none" &&
		!config.callerAuth.systemAuthz &&
		!isLoopbackHost(config.server.host)
	) {
		// Only reachable with callerAuth.allowUnauthenticated (validateConfig refuses otherwise).
		info(
			`gavel: WARNING: callerAuth.mode is "none" on ${config.server.host}: the Data API and AuthZEN answer anyone who can connect (callerAuth.allowUnauthenticated is true)`,
		);
	}
	for (const w of options.opa?.warnings ?? []) info(`gavel: WARNING: ${w}`);
	const sources = keySources(config);
	if (sources.length === 0 && options.tokenKeysOptional) {
		info(
			"gavel: no token verification keys (auth.jwksUrl, GAVEL_JWKS_URL, …): /v1/decide, forward auth and AuthZEN answer 401; the Data API needs none",
		);
	} else if (sources.length === 0) {
		throw new Error(
			"no token verification keys: set auth.jwksUrl, auth.jwksFile or auth.publicKeyFiles (or use --dev)",
		);
	}
	const metrics = createPromMetrics({ processMetrics: options.processMetrics });
	const engine = new Engine({
		evalLimits: {
			steps: config.policy.maxEvalSteps,
			memoryBytes: config.policy.maxEvalMemoryBytes,
		},
	});
	const verifier = createTokenVerifier(config.auth, sources, {
		onResult: (outcome) => metrics.tokenVerification(outcome),
	});
	const cache = config.cache.enabled
		? new DecisionCache({
				maxEntries: config.cache.maxEntries,
				maxBytes: config.cache.maxBytes,
				ttlSeconds: config.cache.ttlSeconds,
			})
		: undefined;
	const httpLog =
		config.decisionLog.enabled && config.decisionLog.url
			? createHttpLogger({
					url: config.decisionLog.url,
					mask: config.decisionLog.mask,
					batchSize: config.decisionLog.batchSize,
					flushIntervalMs: config.decisionLog.flushIntervalMs,
					maxUploadBytes: config.decisionLog.maxUploadBytes,
					retryMinMs: config.decisionLog.retryMinMs,
					retryMaxMs: config.decisionLog.retryMaxMs,
					onError: info,
				})
			: undefined;
	// stdout (pino's asynchronous destination) unless a sink URL or a writer is given.
	const lineLog =
		config.decisionLog.enabled && !httpLog
			? createPinoDecisionLogger({
					mask: config.decisionLog.mask,
					write: options.writeLog,
					flushDeadlineMs: SHUTDOWN_FLUSH_MS,
				})
			: undefined;
	if (httpLog) metrics.decisionLogDropped("http", () => httpLog.dropped);
	// A caller-given writer never drops; only pino's own stdout destination does.
	if (lineLog && !options.writeLog) metrics.decisionLogDropped("stdout", () => lineLog.dropped);
	// OPA's management clients, when started with OPA's configuration file.
	const opa = options.opa
		? (await import("./server/opa-runtime.ts")).createOpaRuntime(options.opa, {
				engine,
				metricsJson: () => metrics.registry.getMetricsAsJSON() as Promise<unknown[]>,
				info,
				defaultBundleName: config.bundle.path,
			})
		: undefined;
	if (opa?.sink) metrics.decisionLogDropped("http", () => opa.sink?.dropped ?? 0);
	const logger =
		opa?.logger ?? (!config.decisionLog.enabled ? nullLogger : (httpLog ?? lineLog ?? nullLogger));
	// Loaded only when switched on: with tracing off no OpenTelemetry module is even read.
	const tracing = config.tracing.enabled
		? await (await import("./server/tracing-otel.ts")).createOtelTracing(config.tracing, info)
		: undefined;
	if (tracing) info(`gavel: tracing to ${config.tracing.endpoint} (OTLP/HTTP protobuf)`);
	let listenUrl: string | undefined;
	const gavel = createApp({
		config,
		engine,
		verifier,
		metrics,
		logger,
		cache,
		peerOf: config.server.tls ? nodePeerOf : undefined,
		remoteAddrOf: nodeRemoteAddr,
		listenUrl: () => listenUrl,
		tracing,
	});
	engine.onActivation((e) =>
		info(
			e.outcome === "success"
				? `gavel: activated bundle revision "${e.revision}" from ${e.source}`
				: `gavel: bundle from ${e.source} rejected, keeping the active one: ${e.error}`,
		),
	);

	const regoVersion = config.bundle.v0Compatible ? 0 : 1;
	engine.uploadRegoVersion = regoVersion;
	let source: FileBundleSource | FilesSource | HttpBundleSource | OciBundleSource | undefined;
	const opaSizeLimit = options.opa?.bundle?.sizeLimitBytes;
	const opaFileLimit = opaSizeLimit === undefined ? undefined : { maxFileBytes: opaSizeLimit };
	const oci = config.bundle.oci;
	if (oci) {
		source = new OciBundleSource(engine, {
			resource: oci.resource,
			url: oci.url,
			credentials: { username: oci.username, password: oci.password, token: oci.token },
			minDelaySeconds: config.bundle.minDelaySeconds,
			maxDelaySeconds: config.bundle.maxDelaySeconds,
			persistPath: opa
				? opa.bundlePersistPath
				: (config.bundle.persistPath ?? join(config.stateDir, "last-good-bundle.tar.gz")),
			signing: options.opa?.bundle?.signing ?? config.bundle.signing,
			// OPA's bundles.*.size_limit_bytes: the largest file in the bundle.
			limits: opaFileLimit,
			maxDownloadBytes: config.bundle.maxDownloadBytes,
		});
	} else if (config.bundle.url) {
		source = new HttpBundleSource(engine, {
			url: config.bundle.url,
			minDelaySeconds: config.bundle.minDelaySeconds,
			maxDelaySeconds: config.bundle.maxDelaySeconds,
			persistPath: opa
				? opa.bundlePersistPath
				: (config.bundle.persistPath ?? join(config.stateDir, "last-good-bundle.tar.gz")),
			signing: options.opa?.bundle?.signing ?? config.bundle.signing,
			// OPA's bundles.*.size_limit_bytes: the largest file in the bundle.
			limits: opaFileLimit,
			headers: config.bundle.headers,
			maxDownloadBytes: config.bundle.maxDownloadBytes,
			fetch: opa?.bundleFetch(config.bundle.url) as typeof fetch | undefined,
		});
	} else if (config.bundle.files || config.bundle.path?.endsWith(".rego")) {
		// Policy files (one .rego file too): listed by their paths, as OPA lists loaded files.
		source = new FilesSource(engine, {
			paths: config.bundle.files ?? [config.bundle.path as string],
			watch: config.bundle.watch,
			regoVersion,
		});
	} else if (config.bundle.path) {
		source = new FileBundleSource(engine, {
			path: config.bundle.path,
			watch: config.bundle.watch,
			signing: config.bundle.signing,
			regoVersion,
		});
	}
	await source?.start();
	opa?.start();

	const tls = config.server.tls;
	const sc = config.server;
	// Slow clients: Node checks its header and request deadlines only every 30 s by default,
	// so a deadline of a few seconds needs a finer check.
	const timeouts = {
		headersTimeout: sc.headersTimeoutSeconds * 1000,
		requestTimeout: sc.requestTimeoutSeconds * 1000,
		keepAliveTimeout: sc.keepAliveTimeoutSeconds * 1000,
		connectionsCheckingInterval: Math.min(1000, sc.headersTimeoutSeconds * 500),
	};
	// The hot routes' common requests are answered without the framework (node-direct.ts).
	const direct = gavel.direct;
	const listen = (create: typeof createHttpServer): typeof createHttpServer =>
		direct
			? (((options: ServerOptions, app: RequestListener) =>
					create(
						options,
						directListener(direct, app, tls ? socketPeer : undefined),
					)) as typeof createHttpServer)
			: create;
	const server = serve({
		fetch: gavel.fetch,
		port: config.server.port,
		hostname: config.server.host,
		...(tls
			? {
					createServer: listen(createHttpsServer as unknown as typeof createHttpServer),
					serverOptions: {
						...timeouts,
						cert: readFileSync(tls.cert),
						key: readFileSync(tls.key),
						ca: tls.ca ? readFileSync(tls.ca) : undefined,
						requestCert: tls.requireClientCert,
						rejectUnauthorized: tls.requireClientCert,
						...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
					},
				}
			: { serverOptions: timeouts, createServer: listen(createHttpServer) }),
	});
	// Properties too: not every Node version reads all of them from the options.
	const httpServer = server as unknown as {
		headersTimeout: number;
		requestTimeout: number;
		keepAliveTimeout: number;
		maxConnections: number;
	};
	httpServer.headersTimeout = timeouts.headersTimeout;
	httpServer.requestTimeout = timeouts.requestTimeout;
	httpServer.keepAliveTimeout = timeouts.keepAliveTimeout;
	// Past the cap Node closes a new connection on accept: slow sockets cannot use up the
	// process's file descriptors.
	httpServer.maxConnections = sc.maxConnections;
	await new Promise<void>((resolve, reject) => {
		if (server.listening) resolve();
		server.once("listening", () => resolve());
		server.once("error", reject);
	});
	server.on(
		"clientError",
		answerClientError((status) => metrics.httpRequest("unparsed", "unknown", status)),
	);
	const port = (server.address() as AddressInfo).port;
	const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
	const url = `${tls ? "https" : "http"}://${host}:${port}`;
	listenUrl = url;
	info(`gavel: serving on ${url}`);

	// OPA's --diagnostic-addr: health and metrics on their own listener (plain HTTP, as OPA's).
	const diagnostic = config.server.diagnostic
		? await startDiagnostic(gavel, config.server.diagnostic.host, config.server.diagnostic.port)
		: undefined;
	if (diagnostic) info(`gavel: diagnostics (/health, /ready, /metrics) on ${diagnostic.url}`);

	const eg = config.envoyGrpc;
	const grpcServer = eg.enabled
		? await startExtAuthzGrpc(gavel.decisions, {
				host: eg.host,
				port: eg.port,
				path: eg.path,
				tls: eg.tls ? tls : undefined,
			})
		: undefined;
	if (grpcServer)
		info(
			`gavel: Envoy ext_authz (gRPC${eg.tls ? ", TLS" : ""}) on ${grpcServer.address}, policy ${eg.path}`,
		);

	let closing: Promise<void> | undefined;
	return {
		url,
		port,
		grpcPort: grpcServer?.port,
		config,
		engine,
		gavel,
		devKey,
		close() {
			closing ??= (async () => {
				source?.stop();
				await diagnostic?.close();
				await grpcServer?.close(config.server.shutdownGraceSeconds * 1000);
				await new Promise<void>((resolve) => {
					const force = setTimeout(() => {
						(server as { closeAllConnections?: () => void }).closeAllConnections?.();
					}, config.server.shutdownGraceSeconds * 1000);
					force.unref();
					// Idle keep-alive sockets would hold close() open until they time out, and a
					// connection whose in-flight request finishes goes idle later: sweep until closed.
					const closeIdle = () =>
						(server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
					const sweep = setInterval(closeIdle, 50);
					sweep.unref();
					server.close(() => {
						clearInterval(sweep);
						resolve();
					});
					closeIdle();
				});
				await jwks?.close();
				// Whatever decisions are still buffered go out before we stop, within the
				// documented cap: a collector that is down must not hold the process.
				await httpLog?.flush(SHUTDOWN_FLUSH_MS);
				await opa?.close(SHUTDOWN_FLUSH_MS);
				// Queued spans too; a collector that is down costs at most its export timeout.
				await tracing?.shutdown().catch(() => {});
				// Bounded: a stdout nobody reads must not keep the process from exiting.
				await lineLog?.flush();
				if (lineLog && lineLog.droppedAtFlushBytes > 0)
					info(
						`gavel: stdout not writable at shutdown; dropped ${lineLog.droppedAtFlushBytes} bytes of decision log`,
					);
			})();
			return closing;
		},
	};
}

const DIAGNOSTIC_PATHS = /^\/(health(\/.*)?|ready|metrics)$/;

/** A listener answering only the read-only diagnostic routes (GET/HEAD), 404 for the rest. */
async function startDiagnostic(
	gavel: GavelApp,
	hostname: string,
	port: number,
): Promise<{ url: string; close(): Promise<void> }> {
	const server = serve({
		hostname,
		port,
		fetch: (request: Request) => {
			const path = new URL(request.url).pathname;
			if ((request.method === "GET" || request.method === "HEAD") && DIAGNOSTIC_PATHS.test(path))
				return gavel.fetch(request);
			return new Response(
				`${JSON.stringify({ code: "not_found", message: `${path} is not served on the diagnostic address (only /health, /ready, /metrics)` })}\n`,
				{ status: 404, headers: { "Content-Type": "application/json" } },
			);
		},
	});
	await new Promise<void>((resolve, reject) => {
		if (server.listening) resolve();
		server.once("listening", () => resolve());
		server.once("error", reject);
	});
	const bound = (server.address() as AddressInfo).port;
	const host = hostname.includes(":") ? `[${hostname}]` : hostname;
	return {
		url: `http://${host}:${bound}`,
		close: () =>
			new Promise<void>((resolve) => {
				(server as { closeAllConnections?: () => void }).closeAllConnections?.();
				server.close(() => resolve());
			}),
	};
}

/** Stop on SIGTERM/SIGINT: finish in-flight requests, then exit. */
export function closeOnSignals(running: RunningGavel, info: (m: string) => void): void {
	const stop = (signal: string) => {
		info(`gavel: ${signal}, shutting down`);
		running.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once("SIGTERM", () => stop("SIGTERM"));
	process.once("SIGINT", () => stop("SIGINT"));
}

// `tsx src/node.ts [config.yaml]`: the container entry point.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const info = (m: string) => process.stderr.write(`${m}\n`);
	try {
		const running = await startGavel(loadConfig(process.argv[2] ?? process.env.GAVEL_CONFIG), {
			info,
		});
		closeOnSignals(running, info);
	} catch (e) {
		info(`gavel: ${(e as Error).message}`);
		process.exit(2);
	}
}
