// The `gavel` command line: dispatches to one module per subcommand. Subcommands load lazily so
// `gavel parse` does not pay for loading the compiler and Binaryen.

import { readFileSync } from "node:fs";
import {
	type Command,
	EXIT_FAILURE,
	EXIT_OK,
	EXIT_USAGE,
	InputError,
	type Io,
	processIo,
	UsageError,
} from "./command.ts";

interface Entry {
	name: string;
	summary: string;
	load: () => Promise<Command>;
}

const commands: Entry[] = [
	{
		name: "parse",
		summary: "parse a Rego file and print its AST or its errors",
		load: async () => (await import("./parse.ts")).parseCommand,
	},
	{
		name: "check",
		summary: "check every .rego file under the given paths and report all errors",
		load: async () => (await import("./check.ts")).checkCommand,
	},
	{
		name: "build",
		summary: "compile policies to WebAssembly and write an OPA bundle",
		load: async () => (await import("./build.ts")).buildCommand,
	},
	{
		name: "eval",
		summary: "evaluate a Rego query against policies, data and input",
		load: async () => (await import("./eval.ts")).evalCommand,
	},
	{
		name: "test",
		summary: "run the Rego unit tests (test_* rules) under the given paths",
		load: async () => (await import("./test.ts")).testCommand,
	},
	{
		name: "fmt",
		summary: "format Rego files in the canonical style (print, --write, --diff, --check)",
		load: async () => (await import("./fmt.ts")).fmtCommand,
	},
	{
		name: "serve",
		summary: "serve decisions over HTTP (/v1/decide, Data API, AuthZEN, metrics)",
		load: async () => (await import("./serve.ts")).serveCommand,
	},
	{
		name: "run",
		summary: "`opa run --server` spelled for Gavel: serve a bundle or policy folder",
		load: async () => (await import("./run.ts")).runCommand,
	},
	{
		name: "token",
		summary: "print a development token signed with the key `gavel serve --dev` trusts",
		load: async () => (await import("./token.ts")).tokenCommand,
	},
];

/** The version users report bugs against: package.json's, read beside the sources. */
function packageVersion(): string {
	try {
		const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
		return typeof pkg.version === "string" ? pkg.version : "unknown";
	} catch {
		return "unknown";
	}
}

export function topLevelHelp(): string {
	const width = Math.max(...commands.map((c) => c.name.length));
	return [
		"gavel: policy-as-code authorization; Rego compiled to WebAssembly.",
		"",
		"Usage: gavel <command> [options]",
		"",
		"Commands:",
		...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
		"",
		"Run `gavel <command> --help` for a command's options; `gavel --version` for the version.",
		"Exit codes: 0 ok, 1 policy or test failure, 2 usage or input error.",
	].join("\n");
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
	const [first, ...rest] = argv;
	if (first === undefined) {
		io.err(topLevelHelp());
		return EXIT_USAGE;
	}
	if (first === "--help" || first === "-h") {
		io.out(topLevelHelp());
		return EXIT_OK;
	}
	if (first === "--version" || first === "version") {
		io.out(`gavel ${packageVersion()} (Node ${process.version})`);
		return EXIT_OK;
	}
	if (first === "help") {
		if (rest.length === 0) {
			io.out(topLevelHelp());
			return EXIT_OK;
		}
		return main([rest[0], "--help"], io);
	}
	const entry = commands.find((c) => c.name === first);
	if (!entry) {
		io.err(`gavel: unknown command "${first}"\n\n${topLevelHelp()}`);
		return EXIT_USAGE;
	}
	const command = await entry.load();
	if (asksForHelp(rest)) {
		io.out(command.help);
		return EXIT_OK;
	}
	try {
		return await command.run(rest, io);
	} catch (e) {
		if (e instanceof UsageError) {
			io.err(
				`gavel ${command.name}: ${e.message}\nRun \`gavel ${command.name} --help\` for usage.`,
			);
			return EXIT_USAGE;
		}
		if (e instanceof InputError) {
			io.err(`gavel ${command.name}: ${e.message}`);
			return EXIT_USAGE;
		}
		// A file the system refused (permissions, a directory where a file was expected, a full
		// disk) is the user's to fix: one line, like any input error, not a stack trace.
		const sys = e as NodeJS.ErrnoException;
		if (e instanceof Error && typeof sys.code === "string" && typeof sys.syscall === "string") {
			io.err(
				`gavel ${command.name}: ${sys.path ? `${sys.path}: ` : ""}${sys.code} (${sys.syscall})`,
			);
			return EXIT_USAGE;
		}
		// Anything else is a bug in Gavel: say so in one line; the trace is there on request.
		if (process.env.GAVEL_DEBUG) throw e;
		io.err(
			`gavel ${command.name}: internal error: ${e instanceof Error ? e.message : String(e)}\n` +
				"This is a bug in Gavel; rerun with GAVEL_DEBUG=1 to see where it happened.",
		);
		return EXIT_FAILURE;
	}
}

/** `-h`/`--help` anywhere before a `--` terminator: every command answers with its help. */
function asksForHelp(argv: string[]): boolean {
	const end = argv.indexOf("--");
	return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "-h" || a === "--help");
}
