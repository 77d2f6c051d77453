// `gavel check [PATH…]`: parse every .rego file under the paths and report every error.

import { checkModules } from "../compiler/index.ts";
import { type RegoError, sortErrors } from "../rego/errors.ts";
import { readCapabilitiesOption } from "./capabilities-option.ts";
import {
	type Command,
	EXIT_FAILURE,
	EXIT_OK,
	parseCommandArgs,
	stringOption,
	UsageError,
} from "./command.ts";
import { loadRegoModules } from "./load-modules.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel check [PATH…] [--v0-compatible] [--capabilities FILE] [--format pretty|json]

Parse every .rego file under the given files and directories (default: the current
directory; node_modules and hidden directories are skipped), then run the compiler's semantic
checks (imports and references, safety, builtin arity and types, recursion, conflicting rules)
over all of them together. Reports all errors, sorted by location, as
file:row:col: code: message.

Options:
  --v0-compatible   parse OPA 0.x syntax (rules without if/contains)
  --capabilities FILE
                    OPA's capabilities JSON (opa capabilities): a call to a builtin the
                    file does not list is an error, as with opa check --capabilities
  --format FORMAT   pretty (default) or json: the errors as OPA's \`opa check --format json\`
                    writes them, {"errors": [{"message", "code", "location": {"file", "row",
                    "col"}}]} on stderr (nothing is written when there are none)
  -h, --help        show this help

Exit codes: 0 no errors, 1 errors found, 2 usage error or missing path.`;

export const checkCommand: Command = {
	name: "check",
	summary: "check every .rego file under the given paths and report all errors",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			"v0-compatible": { type: "boolean" },
			format: { type: "string" },
			capabilities: { type: "string" },
		});
		const format = values.format ?? "pretty";
		if (format !== "pretty" && format !== "json")
			throw new UsageError(`--format wants pretty or json, not ${String(format)}`);
		const paths = positionals.length > 0 ? positionals : ["."];
		const regoVersion = values["v0-compatible"] ? 0 : 1;
		const caps = readCapabilitiesOption(stringOption(values.capabilities), regoVersion);
		const loaded = loadRegoModules(paths, regoVersion);
		const { fileCount } = loaded;
		// The semantic passes need every module: they run once all files parse.
		const errors =
			caps && caps.errors.length > 0
				? caps.errors
				: loaded.errors.length > 0
					? loaded.errors
					: checkModules(loaded.modules, caps?.names);
		if (errors.length > 0) {
			io.err(
				format === "json"
					? errorsJson(errors)
					: formatErrorsWithHint(errors, values["v0-compatible"] === true),
			);
			return EXIT_FAILURE;
		}
		if (format === "json") return EXIT_OK;
		io.out(`${fileCount} ${fileCount === 1 ? "file" : "files"} checked, no errors`);
		return EXIT_OK;
	},
};

/** OPA's JSON error listing: sorted and capped as the text one, a location only where known. */
export function errorsJson(errors: RegoError[]): string {
	const listed = sortErrors(errors).map((e) => ({
		message: e.message,
		code: e.code,
		...(e.loc ? { location: { file: e.loc.file, row: e.loc.row, col: e.loc.col } } : {}),
	}));
	return JSON.stringify({ errors: listed }, null, 2);
}
