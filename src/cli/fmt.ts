// `gavel fmt [PATH…]`: the canonical formatting of Rego files (src/rego/format.ts), printed,
// written back, shown as a diff or checked for CI.

import { writeFileSync } from "node:fs";
import type { Module } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { formatMeaning, formatModule, isFutureKeywords, isRegoV1 } from "../rego/format.ts";
import { parseModule } from "../rego/index.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from "./command.ts";
import { findFiles, isRegoFile, readText } from "./files.ts";
import { unifiedDiff } from "./line-diff.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel fmt [PATH…] [--write | --diff | --check] [--v0-compatible] [--v0-v1]
                 [--v1-compatible] [--drop-v0-imports]

Format every .rego file under the given files and directories (default: the current
directory) in the canonical style of \`opa fmt\`: tabs, \`if\` and \`contains\`, imports sorted
and grouped, one blank line between statements, comments kept where they were written.
Without an option the formatted text is printed. The modes are those of \`opa fmt\`:

  (default)                      v1 is formatted to v1; v0 is refused
  --v0-compatible                v0 (OPA 0.x) is formatted to v0: \`if\`/\`contains\` only
                                 where a future.keywords or rego.v1 import allows them
  --v0-v1                        v0 is formatted to v1 syntax with \`import rego.v1\`, which
                                 reads the same in v0 and v1 (future.keywords imports go)
  --v0-v1 --v1-compatible        the same for a v1 module

Options:
  -w, --write        rewrite the files that are not formatted (and list them)
  -d, --diff         print a unified diff of the changes formatting would make
  -c, --check        list the files that are not formatted; exit 1 when there are any
  --v0-compatible    read (and write) OPA 0.x syntax
  --v0-v1            write syntax that both Rego v0 and v1 read the same
  --v1-compatible    with --v0-v1: the input is v1
  --drop-v0-imports  drop \`rego.v1\` and \`future.keywords\` imports (v1 output)
  -h, --help         show this help

Exit codes: 0 done (or all formatted), 1 parse errors or (--check) unformatted files,
2 usage error or missing path.`;

/** The AST a format must preserve (see formatMeaning), version imports aside. */
function meaning(m: Module): unknown {
	return formatMeaning({
		...m,
		imports: m.imports.filter((i) => !(isRegoV1(i) || isFutureKeywords(i))),
	});
}

/** How files are read and written: OPA's fmt modes. */
export interface FmtMode {
	/** The syntax read. */
	input: 0 | 1;
	/** The syntax written (v0-v1 output is v1 syntax with `import rego.v1`). */
	output: 0 | 1;
	addRegoV1Import: boolean;
	dropV0Imports: boolean;
}

export function fmtMode(flags: {
	v0Compatible?: boolean;
	v0v1?: boolean;
	v1Compatible?: boolean;
	dropV0Imports?: boolean;
}): FmtMode {
	const v0v1 = flags.v0v1 === true;
	const input = flags.v0Compatible || (v0v1 && !flags.v1Compatible) ? 0 : 1;
	return {
		input,
		output: input === 0 && !v0v1 ? 0 : 1,
		addRegoV1Import: v0v1,
		dropV0Imports: flags.dropV0Imports === true,
	};
}

interface Formatted {
	path: string;
	source: string;
	formatted?: string;
	errors: RegoError[];
	/** A file the formatter refuses to touch (a formatter bug, never the user's). */
	problem?: string;
}

function formatFile(path: string, mode: FmtMode): Formatted {
	const source = readText(path);
	const parsed = parseModule(source, path, { regoVersion: mode.input, annotations: false });
	if (!parsed.module) return { path, source, errors: parsed.errors };
	const formatted = formatModule(parsed.module, {
		regoVersion: mode.output,
		addRegoV1Import: mode.addRegoV1Import,
		dropV0Imports: mode.dropV0Imports,
		source,
	});
	// Never write something that reads differently: check the output parses to the same AST.
	const again = parseModule(formatted, path, { regoVersion: mode.output, annotations: false });
	// v0 converted to v1 must also pass v1's checks (a deprecated builtin, say): as opa fmt
	// --v0-v1 does, refuse with those errors (their rows are the formatted text's).
	if (
		!again.module &&
		mode.input !== mode.output &&
		again.errors.every((e) => e.code !== "rego_parse_error")
	) {
		return { path, source, errors: again.errors };
	}
	const same =
		again.module !== undefined &&
		JSON.stringify(meaning(again.module)) === JSON.stringify(meaning(parsed.module));
	if (!same) {
		return {
			path,
			source,
			errors: [],
			problem: `${path}: formatting would change the module's meaning; left as it is (please report this)`,
		};
	}
	return { path, source, formatted, errors: [] };
}

export const fmtCommand: Command = {
	name: "fmt",
	summary: "format Rego files in the canonical style (print, --write, --diff, --check)",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			write: { type: "boolean", short: "w" },
			diff: { type: "boolean", short: "d" },
			check: { type: "boolean", short: "c" },
			"v0-compatible": { type: "boolean" },
			"v0-v1": { type: "boolean" },
			"v1-compatible": { type: "boolean" },
			"drop-v0-imports": { type: "boolean" },
		});
		const fmt = fmtMode({
			v0Compatible: values["v0-compatible"] === true,
			v0v1: values["v0-v1"] === true,
			v1Compatible: values["v1-compatible"] === true,
			dropV0Imports: values["drop-v0-imports"] === true,
		});
		const modes = (["write", "diff", "check"] as const).filter((m) => values[m] === true);
		if (modes.length > 1) throw new UsageError(`give one of --${modes.join(", --")}`);
		const mode: string = modes[0] ?? "print";
		const paths = positionals.length > 0 ? positionals : ["."];
		const files = findFiles(paths, isRegoFile);
		if (files.length === 0) throw new UsageError(`no .rego files under ${paths.join(", ")}`);

		// Each file's errors are listed on their own (a cap across files would hide whole files).
		const errors: RegoError[][] = [];
		const problems: string[] = [];
		const unformatted: string[] = [];
		for (const { path } of files) {
			const f = formatFile(path, fmt);
			if (f.formatted === undefined) {
				if (f.errors.length > 0) errors.push(f.errors);
				if (f.problem) problems.push(f.problem);
				continue;
			}
			const changed = f.formatted !== f.source;
			if (changed) unformatted.push(path);
			if (mode === "print") io.out(f.formatted.replace(/\n$/, ""));
			else if (mode === "diff" && changed)
				io.out(unifiedDiff(f.source, f.formatted, path).replace(/\n$/, ""));
			else if (mode === "write" && changed) {
				writeFileSync(path, f.formatted);
				io.out(path);
			} else if (mode === "check" && changed) io.out(path);
		}
		for (const e of errors) io.err(formatErrorsWithHint(e, fmt.input === 0));
		for (const p of problems) io.err(`gavel fmt: ${p}`);
		if (errors.length > 0 || problems.length > 0) return EXIT_FAILURE;
		return mode === "check" && unformatted.length > 0 ? EXIT_FAILURE : EXIT_OK;
	},
};
