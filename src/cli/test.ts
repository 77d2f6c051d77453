// `gavel test [PATH…]`: run the Rego unit tests (rules named test_*) under the paths, compiled
// to WebAssembly by Gavel's compiler and evaluated by the official SDK.

import { formatErrors } from "../rego/errors.ts";
import { anyFailed, countResults, jsonReport, runTests, textReport } from "../testing/index.ts";
import {
	type Command,
	EXIT_FAILURE,
	EXIT_OK,
	parseCommandArgs,
	stringOption,
	UsageError,
} from "./command.ts";
import {
	EVAL_LIMIT_HELP,
	EVAL_LIMIT_OPTIONS,
	evalLimitHint,
	evalLimitsOption,
} from "./eval-limits-option.ts";
import { loadData } from "./load-data.ts";
import { loadRegoModules } from "./load-modules.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel test [PATH…] [--run REGEX] [--verbose] [--format text|json] [--bench]
                  [--coverage] [--max-eval-steps N] [--max-eval-memory BYTES] [--v0-compatible]

Run every test under the given files and directories (default: the current directory). A test
is a rule whose name starts with test_ (todo_ marks one as skipped); it passes when it is
defined and not false. Tests are compiled to WebAssembly with Gavel's compiler, together with
every .rego file under the paths, and evaluated by the official OPA Wasm SDK with no input:
set input, data and functions with \`with\`. data.json / data.yaml files are loaded as
\`gavel build\` loads them (a/b/data.json is data.a.b).

Prints one line per test (PASS, FAIL, ERROR or SKIP, its name and location) and a closing
line "N passed, N failed" (", N errored" and ", N skipped" when there are any).

Options:
  -r, --run REGEX          run only tests whose full name (data.pkg.test_x) matches
  -v, --verbose            show a failing test's value and every test's print() output
  -f, --format FORMAT      text (default) or json
  --bench                  time each passing test over repeated evaluations
  -c, --coverage           report which lines of the policies the tests evaluated
  --strict-builtin-errors  builtin errors stop evaluation instead of being undefined
${EVAL_LIMIT_HELP}
  --v0-compatible          parse OPA 0.x syntax (rules without if/contains)
  -h, --help               show this help

Exit codes: 0 all tests passed, 1 a test failed or errored or the policies do not compile,
2 usage error or missing path.`;

export const testCommand: Command = {
	name: "test",
	summary: "run the Rego unit tests (test_* rules) under the given paths",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			run: { type: "string", short: "r" },
			verbose: { type: "boolean", short: "v" },
			format: { type: "string", short: "f" },
			bench: { type: "boolean" },
			coverage: { type: "boolean", short: "c" },
			"strict-builtin-errors": { type: "boolean" },
			"v0-compatible": { type: "boolean" },
			...EVAL_LIMIT_OPTIONS,
		});
		const limits = evalLimitsOption(values);
		const format = stringOption(values.format) ?? "text";
		if (format !== "text" && format !== "json")
			throw new UsageError(`--format must be text or json, not "${format}"`);
		let filter: RegExp | undefined;
		const run = stringOption(values.run);
		if (run !== undefined) {
			try {
				filter = new RegExp(run);
			} catch (e) {
				throw new UsageError(`--run: ${(e as Error).message}`);
			}
		}
		const paths = positionals.length > 0 ? positionals : ["."];
		const loaded = loadRegoModules(paths, values["v0-compatible"] ? 0 : 1);
		if (loaded.errors.length > 0) {
			io.err(formatErrorsWithHint(loaded.errors, values["v0-compatible"] === true));
			return EXIT_FAILURE;
		}
		if (loaded.fileCount === 0) throw new UsageError(`no .rego files under ${paths.join(", ")}`);
		const data = loadData(paths);
		const report = await runTests(loaded.modules, data, {
			filter,
			bench: values.bench === true,
			coverage: values.coverage === true,
			strictBuiltinErrors: values["strict-builtin-errors"] === true,
			limits,
		});
		if (report.errors.length > 0) {
			io.err(formatErrors(report.errors));
			return EXIT_FAILURE;
		}
		// A test cancelled by a limit says which flag raises it.
		for (const r of report.results) {
			if (r.error) r.error.message += evalLimitHint(r.error.code);
		}
		if (format === "json") io.out(JSON.stringify(jsonReport(report), null, 2));
		else io.out(textReport(report, { verbose: values.verbose === true }));
		return anyFailed(countResults(report.results)) ? EXIT_FAILURE : EXIT_OK;
	},
};
