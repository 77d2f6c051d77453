// `gavel parse FILE`: the AST as JSON, a short outline, or located parse errors.

import { parseModule } from "../rego/index.ts";
import { type Command, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from "./command.ts";
import { readText } from "./files.ts";
import { outline } from "./outline.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel parse FILE [--json] [--v0-compatible]

Parse one Rego module. Prints an outline of the module (package, imports, rules with their
kinds and locations), or with --json the whole AST as JSON. Parse errors are printed as
file:row:col: code: message (on stdout as {"errors": [...]} with --json).

Options:
  --json            print the AST (or the errors) as JSON
  --v0-compatible   parse OPA 0.x syntax (rules without if/contains)
  -h, --help        show this help

Exit codes: 0 parsed, 1 parse errors, 2 usage or unreadable file.`;

export const parseCommand: Command = {
	name: "parse",
	summary: "parse a Rego file and print its AST or its errors",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			json: { type: "boolean" },
			"v0-compatible": { type: "boolean" },
		});
		if (positionals.length !== 1) throw new UsageError("expected exactly one FILE");
		const file = positionals[0];
		const source = readText(file);
		const regoVersion = values["v0-compatible"] ? 0 : 1;
		const { module, errors } = parseModule(source, file, { regoVersion });
		if (errors.length > 0 || !module) {
			if (values.json) io.out(JSON.stringify({ errors }, null, 2));
			else io.err(formatErrorsWithHint(errors, regoVersion === 0));
			return EXIT_FAILURE;
		}
		io.out(values.json ? JSON.stringify(module, null, 2) : outline(module));
		return EXIT_OK;
	},
};
