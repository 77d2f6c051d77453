// `gavel serve`: run the decision service (src/node.ts) until SIGTERM/SIGINT.

import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { ConfigError, mergeConfig } from "../server/config.ts";
import { type loadConfig, loadServeConfig } from "../server/config-file.ts";
import type { OpaSettings } from "../server/opa-config.ts";
import {
	type Command,
	EXIT_OK,
	EXIT_USAGE,
	type Io,
	parseCommandArgs,
	stringList,
	stringOption,
} from "./command.ts";

const help = `Usage: gavel serve [--config FILE] [--dev] [--watch] [--bundle PATH] [--host H] [--port N]

Serve decisions over HTTP: POST /v1/decide, the OPA Data API (/v1/data), AuthZEN
(/access/v1/evaluation[s]), /health, /ready, /metrics.

Options:
  --config FILE   YAML or JSON configuration (GAVEL_* environment variables override it);
                  OPA's configuration file (services, bundles, decision_logs, status, …) is
                  recognised by its shape and read as \`opa run -c\` reads it
  --set K=V       override a key of OPA's configuration file, as \`opa run --set\` (repeatable)
  --dev           development identity: a local key pair (kept in .gavel/), its JWKS served
                  on loopback, tokens from \`gavel token\`; bundle defaults to
                  bundles/example.tar.gz, else the policies/ folder compiled on the fly
  --bundle PATH   bundle .tar.gz, a folder holding one, an unpacked bundle folder, or a
                  folder of .rego sources (compiled in-process, recompiled on change)
  --watch         the authoring loop: serve the .rego sources of --bundle (default policies/),
                  recompile on every change and swap atomically; a compile error is printed
                  with its location and the last good policy keeps answering
  --url URL       poll an OPA bundle server instead (ETag / 304)
  --host H        listen address (default 127.0.0.1)
  --port N        listen port (default 8181; 0 picks a free one)
  --policy NAME   default entrypoint for /v1/decide (default example/allow)
  --workers N     run N server processes sharing the port (node:cluster), to use every core
  -h, --help      show this help

Exit codes: 0 after a clean shutdown, 2 for a bad configuration.`;

export const serveCommand: Command = {
	name: "serve",
	summary: "serve decisions over HTTP (/v1/decide, Data API, AuthZEN, metrics)",
	help,
	run: (argv: string[], io: Io) => runServe(argv, io),
};

/**
 * `gavel serve`, and `gavel run` underneath. tokenKeysOptional: start without token keys, as
 * OPA's server needs none (the routes that verify a subject's token answer 401).
 */
export async function runServe(
	argv: string[],
	io: Io,
	extra: {
		tokenKeysOptional?: boolean;
		/** Where the server's operational lines go (default io.err): gavel run's OPA log format. */
		log?: (message: string) => void;
		/** Configuration set by gavel run's OPA flags (TLS, authorization, …), over everything. */
		overrides?: Record<string, unknown>;
		/** Seconds to keep serving after SIGTERM/SIGINT before shutting down (OPA's --shutdown-wait-period). */
		shutdownWaitSeconds?: number;
	} = {},
): Promise<number> {
	const log = extra.log ?? ((m: string) => io.err(m));
	const { values } = parseCommandArgs(argv, {
		config: { type: "string" },
		set: { type: "string", multiple: true },
		dev: { type: "boolean" },
		watch: { type: "boolean" },
		bundle: { type: "string" },
		url: { type: "string" },
		host: { type: "string" },
		port: { type: "string" },
		policy: { type: "string" },
		workers: { type: "string" },
	});
	const overrides: Record<string, unknown> = {};
	const server: Record<string, unknown> = {};
	const host = stringOption(values.host);
	const port = stringOption(values.port);
	if (host) server.host = host;
	if (port !== undefined) server.port = /^\d+$/.test(port) ? Number(port) : port;
	if (Object.keys(server).length > 0) overrides.server = server;
	const bundle: Record<string, unknown> = {};
	if (stringOption(values.bundle)) bundle.path = stringOption(values.bundle);
	if (stringOption(values.url)) bundle.url = stringOption(values.url);
	if (values.watch && bundle.url) {
		io.err("gavel serve: --watch serves local sources; it cannot be combined with --url");
		return EXIT_USAGE;
	}
	if (values.watch) {
		// Sources, not a built bundle: what the author edits is what answers.
		bundle.path ??= "policies";
		bundle.watch = true;
		if (!existsSync(String(bundle.path))) {
			io.err(`gavel serve: --watch: ${bundle.path}: no such folder`);
			return EXIT_USAGE;
		}
	}
	if (Object.keys(bundle).length > 0) overrides.bundle = bundle;
	if (stringOption(values.policy)) overrides.policy = { default: stringOption(values.policy) };
	if (values.dev) overrides.dev = true;
	Object.assign(overrides, mergeConfig(overrides, extra.overrides ?? {}));
	let config: ReturnType<typeof loadConfig>;
	let opa: OpaSettings | undefined;
	try {
		({ config, opa } = loadServeConfig(
			stringOption(values.config),
			process.env,
			overrides,
			stringList(values.set),
		));
	} catch (e) {
		if (e instanceof ConfigError) {
			io.err(`gavel serve: ${e.message}`);
			return EXIT_USAGE;
		}
		throw e;
	}
	// OPA's default_authorization_decision names the rule --authorization=basic asks.
	if (opa?.defaultAuthorizationDecision)
		config.callerAuth.systemAuthzDecision = opa.defaultAuthorizationDecision;
	if (
		config.dev &&
		!config.bundle.path &&
		!config.bundle.url &&
		!config.bundle.oci &&
		!config.bundle.files
	) {
		// The quick start: a built bundle if there is one, else the policies folder itself,
		// compiled in-process and recompiled on every change.
		if (existsSync("bundles/example.tar.gz")) config.bundle.path = "bundles/example.tar.gz";
		else if (existsSync("policies")) config.bundle.path = "policies";
		else io.err("gavel serve: no bundle and no policies/ folder; serving without a policy");
	}
	const workers = stringOption(values.workers);
	if (workers !== undefined && !/^[1-9]\d*$/.test(workers)) {
		io.err("gavel serve: --workers must be a positive number");
		return EXIT_USAGE;
	}
	if (workers !== undefined && Number(workers) > 1 && opa) {
		// Each worker would report status and upload logs as its own instance.
		io.err("gavel serve: --workers is not supported with OPA's configuration file");
		return EXIT_USAGE;
	}
	if (workers !== undefined && Number(workers) > 1 && cluster.isPrimary) {
		return runCluster(Number(workers), config, io);
	}
	// Loaded lazily: the server's dependencies are not needed by other commands.
	const { startGavel } = await import("../node.ts");
	let running: Awaited<ReturnType<typeof startGavel>>;
	try {
		running = await startGavel(config, {
			info: log,
			opa,
			tokenKeysOptional: extra.tokenKeysOptional,
		});
	} catch (e) {
		// Missing keys, an unreadable certificate, a port in use: what the configuration
		// asked for cannot be served. Said in one line, not a stack trace.
		io.err(`gavel serve: ${(e as Error).message}`);
		return EXIT_USAGE;
	}
	await new Promise<void>((resolve) => {
		let stopped = false;
		let waiting: NodeJS.Timeout | undefined;
		const stop = (signal: string) => {
			if (stopped) return;
			stopped = true;
			clearTimeout(waiting);
			log(`gavel: ${signal}, shutting down`);
			void running.close().then(() => {
				// A cluster worker's IPC channel to the primary would keep it alive.
				if (cluster.isWorker) process.disconnect();
				resolve();
				// Shut down is shut down: whatever is left (a write stuck on a stdout pipe
				// nobody reads, a straggling timer) must not keep the process alive. Unref'd,
				// so a process with nothing left exits on its own first.
				setTimeout(() => process.exit(EXIT_OK), 100).unref();
			});
		};
		// OPA's --shutdown-wait-period: keep serving a while after the signal, so load balancers
		// stop sending before the listener closes; a second signal skips the wait.
		const wait = extra.shutdownWaitSeconds ?? 0;
		const onSignal = (signal: string) => {
			if (wait > 0 && waiting === undefined) {
				log(`gavel: ${signal}, shutting down in ${wait} s (another signal: now)`);
				waiting = setTimeout(() => stop(signal), wait * 1000);
				process.once("SIGTERM", () => stop("SIGTERM"));
				process.once("SIGINT", () => stop("SIGINT"));
				return;
			}
			stop(signal);
		};
		process.once("SIGTERM", () => onSignal("SIGTERM"));
		process.once("SIGINT", () => onSignal("SIGINT"));
	});
	return EXIT_OK;
}

/**
 * The primary of `--workers N`: forks N copies of this command (they share the listening
 * port), replaces a worker that dies, and on SIGTERM/SIGINT passes the signal on and waits
 * for every worker's graceful shutdown.
 */
async function runCluster(
	n: number,
	config: ReturnType<typeof loadConfig>,
	io: Io,
): Promise<number> {
	if (config.dev) {
		// Create the dev key once, before workers race to create it.
		const { loadOrCreateDevKey } = await import("../server/dev-identity.ts");
		await loadOrCreateDevKey(config.stateDir);
	}
	let stopping = false;
	const fork = () => cluster.fork();
	cluster.on("exit", (worker, code, signal) => {
		if (stopping) return;
		io.err(`gavel: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
		fork();
	});
	for (let i = 0; i < n; i++) fork();
	io.err(`gavel: primary ${process.pid} running ${n} workers`);
	await new Promise<void>((resolve) => {
		const stop = (signal: NodeJS.Signals) => {
			stopping = true;
			io.err(`gavel: ${signal}, stopping ${n} workers`);
			const alive = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
			if (alive.length === 0) resolve();
			let left = alive.length;
			for (const w of alive) {
				w.once("exit", () => {
					left--;
					if (left === 0) resolve();
				});
				w.process.kill(signal);
			}
		};
		process.once("SIGTERM", () => stop("SIGTERM"));
		process.once("SIGINT", () => stop("SIGINT"));
	});
	return EXIT_OK;
}
