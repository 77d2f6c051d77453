// `gavel run --server`: the spelling of `opa run --server`, so a command line that starts OPA
// starts Gavel with `opa` → `gavel`, for the flags handled here: the path, --addr, --bundle, --watch,
// --config-file, --set, --log-level, --log-format, the --tls-* files, --authentication,
// --authorization, --diagnostic-addr and --shutdown-grace-period.
// It is `gavel serve` underneath. OPA's other flags are refused by name, never ignored.

import {
	type Command,
	type Io,
	parseCommandArgs,
	stringList,
	stringOption,
	UsageError,
} from "./command.ts";
import { OPA_LOG_FORMATS, OPA_LOG_LEVELS, opaLogWriter } from "./opa-log.ts";
import { runServe } from "./serve.ts";

const help = `Usage: gavel run --server [PATH…] [--addr [HOST]:PORT] [OPA's flags below]

Serve decisions as \`opa run --server\` does: OPA's Data API (/v1/data), Policy API
(/v1/policies), and Gavel's own routes (/v1/decide, AuthZEN, forward auth, /health,
/metrics). This is \`gavel serve\` with OPA's flag names; \`gavel serve --help\` lists
everything the server can do.

Arguments:
  PATH…                 a bundle (.tar.gz), an unpacked bundle folder (.manifest), a folder of
                        .rego sources or one .rego file, compiled in-process; or several
                        .rego / .json / .yaml files and source folders served together (data
                        files merged at the root). Re-read when they change.

Options:
  --server, -s          serve (required: the interactive REPL of \`opa run\` is not provided)
  --addr, -a [HOST]:PORT
                        listen address (default localhost:8181; ":8181" listens on every
                        interface; port 0 picks a free one)
  --bundle, -b          the paths are bundles: accepted, as Gavel tells a bundle from a source
                        folder by its contents either way
  --watch, -w           accepted: the path is re-read and swapped in when it changes either way
  --config-file, -c FILE
                        OPA's configuration file (services, bundles, decision_logs, status,
                        labels, keys, default_decision, …; docs/migrating-from-opa.md lists
                        each key); a Gavel configuration file is read as gavel serve reads it
  --set KEY=VALUE       override a key of OPA's configuration, as opa run --set (repeatable)
  --log-level, -l debug|info|error
                        the server's own lines: error keeps only failures (default info)
  --log-format json|json-pretty|text
                        OPA's log formats for those lines (default json, as OPA)
  --tls-cert-file FILE, --tls-private-key-file FILE
                        serve HTTPS with this certificate and key (PEM), both together
  --min-tls-version 1.0|1.1|1.2|1.3
                        the oldest TLS version accepted (default 1.2, as OPA)
  --tls-ca-cert-file FILE
                        CA bundle for client certificates (with --authentication=tls)
  --authentication token|tls|off
                        token: the bearer token is input.identity for --authorization=basic;
                        tls: client certificates signed by --tls-ca-cert-file are required
  --authorization basic|off
                        basic: every request to OPA's routes, /health and /metrics is allowed
                        only when data.system.authz.allow is true, else 401 (as OPA)
  --diagnostic-addr [HOST]:PORT
                        a second, plain-HTTP listener serving only /health, /ready, /metrics
  --shutdown-grace-period SECONDS
                        how long in-flight requests may take at shutdown (default 10)
  --verification-key KEY
                        verify the bundle's signature: a PEM public key file, or the HMAC
                        secret with --signing-alg HS256 (unsigned bundles are refused)
  --verification-key-id ID, --signing-alg ALG (default RS256), --scope S,
  --exclude-files-verify F
                        as opa run: the key's id, its algorithm, the required scope, files
                        the signature need not list
  --skip-verify         load bundles without verifying signatures (signed ones too)
  --skip-version-check  accepted: Gavel never checks for new releases
  --v0-compatible       .rego sources and uploaded policies are OPA 0.x syntax (a bundle's
                        manifest rego_version decides for its own sources)
  --shutdown-wait-period SECONDS
                        keep serving this long after SIGTERM/SIGINT before shutting down
                        (a second signal shuts down at once; default 0)
  -h, --help            show this help

Tokens: like OPA's server, this needs no token keys: the Data API answers without them.
Gavel's own /v1/decide, forward auth and AuthZEN verify a subject's bearer token and answer
401 until a key set is given (GAVEL_JWKS_URL or GAVEL_JWKS_FILE, with GAVEL_ISSUER,
GAVEL_AUDIENCE; or GAVEL_DEV=1 for the development identity of \`gavel serve --dev\`).
Every GAVEL_* variable of docs/configuration.md applies.

Other \`opa run\` flags (--pprof, --h2c, --min-tls-version, …) are refused by name.

Exit codes: 0 after a clean shutdown, 2 for a bad command line or configuration.`;

// `opa run` flags this command does not take yet, refused with their name rather than
// parseArgs's generic "unknown option" (a user copying an OPA command line should see which).
// The list is `opa run --help` of OPA 1.22.3, less the flags taken here.
const OPA_FLAGS = [
	"format",
	"h2c",
	"history",
	"ignore",
	"log-level-request",
	"log-timestamp-format",
	"max-errors",
	"optimize-store-for-read-speed",
	"pprof",
	"ready-timeout",
	"set-file",
	"skip-known-schema-check",
	"tls-cert-refresh-period",
	"tls-cipher-suites",
	"unix-socket-perm",
	"watch-config",
];
const OPA_SHORT: Record<string, string> = {
	f: "format",
	H: "history",
	m: "max-errors",
};

function refuseOpaFlags(argv: string[]): void {
	for (const arg of argv) {
		if (arg === "--") break;
		const long = /^--([^=]+)/.exec(arg)?.[1];
		const short = /^-([a-zA-Z])(?:=.*)?$/.exec(arg)?.[1];
		const name = long ?? (short ? OPA_SHORT[short] : undefined);
		if (name && OPA_FLAGS.includes(name)) {
			throw new UsageError(
				`--${name} is an \`opa run\` flag gavel run does not support yet (use gavel serve and its configuration)`,
			);
		}
	}
}

/** OPA's address syntax: "host:port", ":port" (every interface), "[v6]:port". */
export function parseAddr(addr: string): { host: string; port: string } {
	if (addr.startsWith("unix://")) throw new UsageError("--addr: unix sockets are not supported");
	const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
	if (!m || Number(m[3]) > 65535) {
		throw new UsageError(
			`--addr ${JSON.stringify(addr)}: expected [HOST]:PORT, e.g. localhost:8181`,
		);
	}
	const host = m[1] ?? m[2];
	return { host: host === "" ? "0.0.0.0" : host, port: m[3] };
}

/** One of OPA's enumerated flag values, or a usage error naming the allowed ones. */
function oneOf<T extends string>(
	flag: string,
	value: string | undefined,
	allowed: readonly T[],
	def: T,
): T {
	if (value === undefined) return def;
	if (!(allowed as readonly string[]).includes(value)) {
		throw new UsageError(
			`--${flag} ${JSON.stringify(value)}: must be one of ${allowed.join(", ")}`,
		);
	}
	return value as T;
}

/** OPA's server flags as Gavel configuration (over the file and the environment). */
export function opaFlagOverrides(values: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const server: Record<string, unknown> = {};
	const cert = stringOption(values["tls-cert-file"] as string | undefined);
	const key = stringOption(values["tls-private-key-file"] as string | undefined);
	const ca = stringOption(values["tls-ca-cert-file"] as string | undefined);
	const authn = oneOf(
		"authentication",
		stringOption(values.authentication as string | undefined),
		["token", "tls", "off"],
		"off",
	);
	const authz = oneOf(
		"authorization",
		stringOption(values.authorization as string | undefined),
		["basic", "off"],
		"off",
	);
	if ((cert === undefined) !== (key === undefined)) {
		throw new UsageError(
			"--tls-cert-file and --tls-private-key-file go together (the certificate and its key)",
		);
	}
	const minTls = oneOf(
		"min-tls-version",
		stringOption(values["min-tls-version"] as string | undefined),
		["1.0", "1.1", "1.2", "1.3"],
		"1.2",
	);
	if (values["min-tls-version"] !== undefined && cert === undefined) {
		throw new UsageError("--min-tls-version needs --tls-cert-file and --tls-private-key-file");
	}
	if (cert !== undefined && key !== undefined) {
		server.tls = {
			cert,
			key,
			...(ca !== undefined ? { ca } : {}),
			requireClientCert: authn === "tls",
			minVersion: minTls === "1.0" ? "TLSv1" : `TLSv${minTls}`,
		};
	} else if (ca !== undefined || authn === "tls") {
		throw new UsageError(
			`${authn === "tls" ? "--authentication=tls" : "--tls-ca-cert-file"} needs --tls-cert-file and --tls-private-key-file (client certificates are a TLS feature)`,
		);
	}
	if (authn === "tls") {
		if (ca === undefined)
			throw new UsageError(
				"--authentication=tls needs --tls-ca-cert-file (the CA that signs client certificates)",
			);
		if (authz === "basic") {
			throw new UsageError(
				"--authentication=tls with --authorization=basic: Gavel does not put client certificates into data.system.authz's input; use --authentication=token, or tls alone (a valid client certificate is then the authorization)",
			);
		}
		out.callerAuth = { mode: "mtls" };
	}
	if (authz === "basic") {
		out.callerAuth = {
			systemAuthz: true,
			systemAuthzIdentity: authn === "token" ? "token" : "none",
		};
	}
	const diag = stringList(values["diagnostic-addr"] as string[] | undefined);
	if (diag.length > 1) throw new UsageError("--diagnostic-addr: one diagnostic address per server");
	if (diag[0] !== undefined) {
		const d = parseAddr(diag[0]);
		server.diagnostic = { host: d.host, port: Number(d.port) };
	}
	const grace = stringOption(values["shutdown-grace-period"] as string | undefined);
	if (grace !== undefined) {
		if (!/^\d+$/.test(grace))
			throw new UsageError(
				`--shutdown-grace-period ${JSON.stringify(grace)}: whole seconds, e.g. 10`,
			);
		server.shutdownGraceSeconds = Number(grace);
	}
	if (Object.keys(server).length > 0) out.server = server;
	// Bundle signatures, as opa run verifies the bundles it is given.
	const vkey = stringOption(values["verification-key"] as string | undefined);
	const alg = stringOption(values["signing-alg"] as string | undefined) ?? "RS256";
	const keyId = stringOption(values["verification-key-id"] as string | undefined) ?? "default";
	const scope = stringOption(values.scope as string | undefined);
	const exclude = stringList(values["exclude-files-verify"] as string[] | undefined).flatMap((v) =>
		v.split(","),
	);
	if (vkey === undefined && (scope !== undefined || exclude.length > 0)) {
		throw new UsageError(
			`${scope !== undefined ? "--scope" : "--exclude-files-verify"} needs --verification-key (the key bundles are verified with)`,
		);
	}
	if (values["skip-verify"] === true) {
		// Signed bundles load too, unverified, as with opa run --skip-verify.
		out.bundle = { signing: { keys: [], skip: true } };
	} else if (vkey !== undefined) {
		// OPA's --verification-key is an HMAC secret or the path of a PEM public key.
		const key = alg.startsWith("HS") ? { secret: vkey } : { keyFile: vkey };
		out.bundle = {
			signing: {
				keys: [{ id: keyId, algorithm: alg, ...key }],
				keyId,
				...(scope !== undefined ? { scope } : {}),
				...(exclude.length > 0 ? { excludeFiles: exclude } : {}),
			},
		};
	}
	return out;
}

export const runCommand: Command = {
	name: "run",
	summary: "`opa run --server` spelled for Gavel: serve a bundle or policy folder",
	help,
	async run(argv: string[], io: Io) {
		refuseOpaFlags(argv);
		const { values, positionals } = parseCommandArgs(argv, {
			server: { type: "boolean", short: "s" },
			addr: { type: "string", short: "a", multiple: true },
			bundle: { type: "boolean", short: "b" },
			watch: { type: "boolean", short: "w" },
			"config-file": { type: "string", short: "c" },
			set: { type: "string", multiple: true },
			"log-level": { type: "string", short: "l" },
			"log-format": { type: "string" },
			"tls-cert-file": { type: "string" },
			"tls-private-key-file": { type: "string" },
			"tls-ca-cert-file": { type: "string" },
			authentication: { type: "string" },
			authorization: { type: "string" },
			"diagnostic-addr": { type: "string", multiple: true },
			"shutdown-grace-period": { type: "string" },
			"shutdown-wait-period": { type: "string" },
			"verification-key": { type: "string" },
			"verification-key-id": { type: "string" },
			"signing-alg": { type: "string" },
			scope: { type: "string" },
			"exclude-files-verify": { type: "string", multiple: true },
			"skip-verify": { type: "boolean" },
			"v0-compatible": { type: "boolean" },
			// Gavel never checks for new versions: what the flag asks for is always so.
			"skip-version-check": { type: "boolean" },
			"min-tls-version": { type: "string" },
		});
		if (values.server !== true) {
			throw new UsageError("only --server is supported (the interactive REPL is not provided)");
		}
		const addrs = stringList(values.addr);
		if (addrs.length > 1) throw new UsageError("--addr: one listen address per server");

		const { host, port } = parseAddr(addrs[0] ?? "localhost:8181");
		const overrides = opaFlagOverrides(values);
		const level = oneOf("log-level", stringOption(values["log-level"]), OPA_LOG_LEVELS, "info");
		const format = oneOf("log-format", stringOption(values["log-format"]), OPA_LOG_FORMATS, "json");
		if (values["v0-compatible"] === true) {
			overrides.bundle = { ...(overrides.bundle as object | undefined), v0Compatible: true };
		}
		const waitPeriod = stringOption(values["shutdown-wait-period"]);
		if (waitPeriod !== undefined && !/^\d+$/.test(waitPeriod)) {
			throw new UsageError(
				`--shutdown-wait-period ${JSON.stringify(waitPeriod)}: whole seconds, e.g. 5`,
			);
		}
		const args = ["--host", host, "--port", port];
		// Several paths are policy and data files served together (as opa run loads them);
		// one path may also be a bundle.
		if (positionals.length > 1) {
			overrides.bundle = { ...(overrides.bundle as object | undefined), files: positionals };
		} else if (positionals[0] !== undefined) args.push("--bundle", positionals[0]);
		const configFile = stringOption(values["config-file"]);
		if (configFile !== undefined) args.push("--config", configFile);
		for (const s of stringList(values.set)) args.push("--set", s);
		// OPA's server needs no token keys: without them the Data API answers as OPA's does,
		// and only Gavel's own routes that verify a subject's token (/v1/decide, forward auth,
		// AuthZEN) answer 401.
		return runServe(args, io, {
			tokenKeysOptional: true,
			overrides,
			shutdownWaitSeconds: waitPeriod === undefined ? undefined : Number(waitPeriod),
			log: opaLogWriter(level, format, (line) => io.err(line)),
		});
	},
};
