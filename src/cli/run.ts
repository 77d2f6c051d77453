// `gavel run --server`: the spelling of `opa run --server`, so a command line that starts OPA
// starts Gavel with `opa` → `gavel`, for the flags handled here: the path, --addr, --bundle, --watch,
// --config-file and --set.
// It is `gavel serve` underneath. OPA's other flags are refused by name, never ignored.

import {
	type Command,
	type Io,
	parseCommandArgs,
	stringList,
	stringOption,
	UsageError,
} from "./command.ts";
import { runServe } from "./serve.ts";

const help = `Usage: gavel run --server [PATH] [--addr [HOST]:PORT] [--bundle] [--watch]

Serve decisions as \`opa run --server\` does: OPA's Data API (/v1/data), and Gavel's own
routes (/v1/decide, AuthZEN, forward auth, /health, /metrics). This is \`gavel serve\` with
OPA's flag names; \`gavel serve --help\` lists everything the server can do.

Arguments:
  PATH                  a bundle (.tar.gz), an unpacked bundle folder (.manifest), or a folder
                        of .rego sources compiled in-process; re-read when it changes.
                        One path per server.

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
  -h, --help            show this help

Tokens: like OPA's server, this needs no token keys: the Data API answers without them.
Gavel's own /v1/decide, forward auth and AuthZEN verify a subject's bearer token and answer
401 until a key set is given (GAVEL_JWKS_URL or GAVEL_JWKS_FILE, with GAVEL_ISSUER,
GAVEL_AUDIENCE; or GAVEL_DEV=1 for the development identity of \`gavel serve --dev\`).
Every GAVEL_* variable of docs/configuration.md applies.

Other \`opa run\` flags (--log-level, --tls-*, --authentication, …) are
refused by name: use \`gavel serve\` and its configuration file for those.

Exit codes: 0 after a clean shutdown, 2 for a bad command line or configuration.`;

// `opa run` flags this command does not take yet, refused with their name rather than
// parseArgs's generic "unknown option" (a user copying an OPA command line should see which).
// The list is `opa run --help` of OPA 1.22.3, less the flags taken here.
const OPA_FLAGS = [
	"authentication",
	"authorization",
	"diagnostic-addr",
	"exclude-files-verify",
	"format",
	"h2c",
	"history",
	"ignore",
	"log-format",
	"log-level",
	"log-level-request",
	"log-timestamp-format",
	"max-errors",
	"min-tls-version",
	"optimize-store-for-read-speed",
	"pprof",
	"ready-timeout",
	"scope",
	"set-file",
	"shutdown-grace-period",
	"shutdown-wait-period",
	"signing-alg",
	"skip-known-schema-check",
	"skip-verify",
	"skip-version-check",
	"tls-ca-cert-file",
	"tls-cert-file",
	"tls-cert-refresh-period",
	"tls-cipher-suites",
	"tls-private-key-file",
	"unix-socket-perm",
	"v0-compatible",
	"verification-key",
	"verification-key-id",
	"watch-config",
];
const OPA_SHORT: Record<string, string> = {
	f: "format",
	H: "history",
	l: "log-level",
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
		});
		if (values.server !== true) {
			throw new UsageError("only --server is supported (the interactive REPL is not provided)");
		}
		const addrs = stringList(values.addr);
		if (addrs.length > 1) throw new UsageError("--addr: one listen address per server");
		if (positionals.length > 1) {
			throw new UsageError(
				`one bundle or policy folder per server, got ${positionals.length} paths (build them into one bundle with gavel build)`,
			);
		}
		const { host, port } = parseAddr(addrs[0] ?? "localhost:8181");
		const args = ["--host", host, "--port", port];
		if (positionals[0] !== undefined) args.push("--bundle", positionals[0]);
		const configFile = stringOption(values["config-file"]);
		if (configFile !== undefined) args.push("--config", configFile);
		for (const s of stringList(values.set)) args.push("--set", s);
		// OPA's server needs no token keys: without them the Data API answers as OPA's does,
		// and only Gavel's own routes that verify a subject's token (/v1/decide, forward auth,
		// AuthZEN) answer 401.
		return runServe(args, io, { tokenKeysOptional: true });
	},
};
