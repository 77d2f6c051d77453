// `gavel check [PATH…]`: parse every .rego file under the paths and report every error.

import { checkModules } from "../compiler/index.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, parseCommandArgs } from "./command.ts";
import { loadRegoModules } from "./load-modules.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel check [PATH…] [--v0-compatible]

Parse every .rego file under the given files and directories (default: the current
directory; node_modules and hidden directories are skipped), then run the compiler's semantic
checks (imports and references, safety, builtin arity and types, recursion, conflicting rules)
over all of them together. Reports all errors, sorted by location, as
file:row:col: code: message.

Options:
  --v0-compatible   parse OPA 0.x syntax (rules without if/contains)
  -h, --help        show this help

Exit codes: 0 no errors, 1 errors found, 2 usage error or missing path.`;

export const checkCommand: Command = {
	name: "check",
	summary: "check every .rego file under the given paths and report all errors",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			"v0-compatible": { type: "boolean" },
		});
		const paths = positionals.length > 0 ? positionals : ["."];
		const loaded = loadRegoModules(paths, values["v0-compatible"] ? 0 : 1);
		const { fileCount } = loaded;
		// The semantic passes need every module: they run once all files parse.
		const errors = loaded.errors.length > 0 ? loaded.errors : checkModules(loaded.modules);
		if (errors.length > 0) {
			io.err(formatErrorsWithHint(errors, values["v0-compatible"] === true));
			return EXIT_FAILURE;
		}
		io.out(`${fileCount} ${fileCount === 1 ? "file" : "files"} checked, no errors`);
		return EXIT_OK;
	},
};
