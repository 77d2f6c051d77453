// `gavel fmt [PATH…]`: the canonical formatting of Rego files (src/rego/format.ts), printed,
// written back, shown as a diff or checked for CI.

import { writeFileSync } from "node:fs";
import type { Module } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { formatMeaning, formatModule } from "../rego/format.ts";
import { parseModule, printModule } from "../rego/index.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from "./command.ts";
import { findFiles, isRegoFile, readText } from "./files.ts";
import { unifiedDiff } from "./line-diff.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel fmt [PATH…] [--write | --diff | --check] [--v0-compatible]

Format every .rego file under the given files and directories (default: the current
directory) in the canonical style of \`opa fmt\`: tabs, \`if\` and \`contains\`, imports sorted
and grouped, one blank line between statements, comments kept where they were written.
Without an option the formatted text is printed.

Options:
  -w, --write        rewrite the files that are not formatted (and list them)
  -d, --diff         print a unified diff of the changes formatting would make
  -c, --check        list the files that are not formatted; exit 1 when there are any
  --v0-compatible    read OPA 0.x syntax; the output is v1 syntax with \`import rego.v1\`,
                     which reads the same in both (\`future.keywords\` imports, which it
                     implies, are dropped)
  -h, --help         show this help

Exit codes: 0 done (or all formatted), 1 parse errors or (--check) unformatted files,
2 usage error or missing path.`;

type Import = Module["imports"][number];

/**
 * `import future.keywords…`: `import rego.v1` turns all of them on, and OPA refuses a v0
 * module holding both, so a v0 module converted to v1 syntax drops them.
 */
const isFutureKeywords = (i: Import) =>
	i.path.head.type === "var" &&
	i.path.head.name === "future" &&
	i.path.path[0]?.type === "string" &&
	i.path.path[0].value === "keywords";

/** The AST a format must preserve (see formatMeaning); a v0 module converted drops v1 imports. */
function meaning(m: Module, toV1: boolean): unknown {
	const imports = m.imports.filter(
		(i) =>
			!(
				toV1 &&
				(printModule({ ...m, imports: [i], rules: [], annotations: [] }).includes(
					"import rego.v1",
				) ||
					isFutureKeywords(i))
			),
	);
	return formatMeaning({ ...m, imports });
}

interface Formatted {
	path: string;
	source: string;
	formatted?: string;
	errors: RegoError[];
	/** A file the formatter refuses to touch (a formatter bug, never the user's). */
	problem?: string;
}

function formatFile(path: string, v0: boolean): Formatted {
	const source = readText(path);
	const regoVersion = v0 ? 0 : 1;
	const parsed = parseModule(source, path, { regoVersion });
	if (!parsed.module) return { path, source, errors: parsed.errors };
	const module = v0
		? { ...parsed.module, imports: parsed.module.imports.filter((i) => !isFutureKeywords(i)) }
		: parsed.module;
	const formatted = formatModule(module, { addRegoV1Import: v0, source });
	// Never write something that reads differently: check the output parses to the same AST.
	const again = parseModule(formatted, path, { regoVersion });
	const same =
		again.module !== undefined &&
		JSON.stringify(meaning(again.module, v0)) === JSON.stringify(meaning(parsed.module, v0));
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
			const f = formatFile(path, values["v0-compatible"] === true);
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
		for (const e of errors) io.err(formatErrorsWithHint(e, values["v0-compatible"] === true));
		for (const p of problems) io.err(`gavel fmt: ${p}`);
		if (errors.length > 0 || problems.length > 0) return EXIT_FAILURE;
		return mode === "check" && unformatted.length > 0 ? EXIT_FAILURE : EXIT_OK;
	},
};
