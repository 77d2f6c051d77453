// `gavel eval`: compile a query with the given policies and evaluate it through the official
// OPA Wasm SDK, printing results comparable with `opa eval`.

import { readFileSync } from "node:fs";
import { BundleError, type JsonObject, mergeAt, readBundle } from "../bundle/index.ts";
import type { Module } from "../rego/ast.ts";
import { formatErrors, type RegoError } from "../rego/errors.ts";
import { parseModule, parseQuery } from "../rego/index.ts";
import {
	type Command,
	EXIT_FAILURE,
	EXIT_OK,
	InputError,
	type Io,
	parseCommandArgs,
	stringList,
	stringOption,
	UsageError,
} from "./command.ts";
import {
	EVAL_LIMIT_HELP,
	EVAL_LIMIT_OPTIONS,
	evalLimitHint,
	evalLimitsOption,
} from "./eval-limits-option.ts";
import { readText } from "./files.ts";
import { loadData, parseDataText } from "./load-data.ts";
import { loadRegoModules } from "./load-modules.ts";
import {
	compileQuery,
	evaluateWasm,
	QueryEvalError,
	VALUE_VAR,
	valueFails,
	valueQuery,
} from "./query.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel eval [-d PATH]… [-b BUNDLE] [-i FILE | --input-stdin] [-f json|raw]
                  [--max-eval-steps N] [--max-eval-memory BYTES] [--v0-compatible] 'QUERY'

Compile QUERY (any Rego query) together with the policies, evaluate it with the official OPA
Wasm SDK and print the result as JSON. A query that is one expression without variables
(data.example.allow, count(data.users), 1 + 2, 1 < 2) prints its value, or "undefined" on
stderr (an expression other than a reference that is false is undefined, as in opa eval).
Any other query prints the bindings of its variables, one object per solution
([{"x": …}], [] when there is none; [{}] when a query without variables holds).

Options:
  -d, --data PATH          .rego files and data files (repeatable); data.json / data.yaml
                           under a directory nest by directory, a JSON/YAML file named
                           directly is merged at the root of data
  -b, --bundle FILE        an OPA bundle (.tar.gz) with .rego sources: its policies and data
  -i, --input FILE         the input document (JSON, or YAML by extension)
  --input-stdin            read the input document (JSON) from standard input
  -f, --format FORMAT      json (default, indented) or raw: a string value bare, any other
                           value as one line of JSON, bindings one solution per line
  --strict-builtin-errors  builtin errors stop evaluation instead of being undefined
${EVAL_LIMIT_HELP}
  --v0-compatible          parse OPA 0.x syntax (rules without if/contains)
  -h, --help               show this help

Exit codes: 0 evaluated (also when undefined), 1 parse, compile or evaluation error,
2 usage error or unreadable input.`;

/** `-f raw`, as opa eval's: shell scripts want `alice`, not `"alice"`. */
function rawValue(value: unknown): string {
	return typeof value === "string" ? value : JSON.stringify(value);
}

async function readInput(values: Record<string, unknown>, io: Io): Promise<unknown> {
	const file = stringOption(values.input);
	if (file !== undefined && values["input-stdin"])
		throw new UsageError("give --input or --input-stdin, not both");
	if (file !== undefined) return parseDataText(file, readText(file));
	if (values["input-stdin"]) {
		const text = await io.readStdin();
		try {
			return JSON.parse(text);
		} catch (e) {
			throw new InputError(`input from stdin: ${(e as Error).message}`);
		}
	}
	return undefined;
}

function bundleModules(
	file: string,
	v0: boolean,
	data: JsonObject,
): { modules: Module[]; errors: RegoError[] } {
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(readFileSync(file));
	} catch (e) {
		throw new InputError(`${file}: ${(e as Error).message}`);
	}
	try {
		const bundle = readBundle(bytes);
		if (bundle.rego.size === 0) {
			throw new InputError(
				`${file}: the bundle carries no .rego sources, and eval compiles queries from source`,
			);
		}
		mergeAt(data, [], bundle.data, file);
		const modules: Module[] = [];
		const errors: RegoError[] = [];
		for (const [path, source] of bundle.rego) {
			const version = v0
				? 0
				: (bundle.manifest.file_rego_versions?.[`/${path}`] ?? bundle.manifest.rego_version ?? 1);
			const parsed = parseModule(source, path, { regoVersion: version });
			errors.push(...parsed.errors);
			if (parsed.module) modules.push(parsed.module);
		}
		return { modules, errors };
	} catch (e) {
		if (e instanceof BundleError)
			throw new InputError(e.message.startsWith(`${file}:`) ? e.message : `${file}: ${e.message}`);
		throw e;
	}
}

export const evalCommand: Command = {
	name: "eval",
	summary: "evaluate a Rego query against policies, data and input",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			data: { type: "string", short: "d", multiple: true },
			bundle: { type: "string", short: "b" },
			input: { type: "string", short: "i" },
			"input-stdin": { type: "boolean" },
			format: { type: "string", short: "f" },
			"strict-builtin-errors": { type: "boolean" },
			"v0-compatible": { type: "boolean" },
			...EVAL_LIMIT_OPTIONS,
		});
		if (positionals.length !== 1) throw new UsageError("expected exactly one QUERY");
		const limits = evalLimitsOption(values);
		const format = stringOption(values.format) ?? "json";
		if (format !== "json" && format !== "raw")
			throw new UsageError(`--format must be json or raw, not ${JSON.stringify(format)}`);
		const v0 = values["v0-compatible"] === true;
		const dataPaths = stringList(values.data);
		const loaded = loadRegoModules(dataPaths, v0 ? 0 : 1);
		const modules = [...loaded.modules];
		const errors = [...loaded.errors];
		const data = loadData(dataPaths);
		const bundleFile = stringOption(values.bundle);
		if (bundleFile !== undefined) {
			const fromBundle = bundleModules(bundleFile, v0, data);
			modules.push(...fromBundle.modules);
			errors.push(...fromBundle.errors);
		}
		const input = await readInput(values, io);

		const query = parseQuery(positionals[0], { regoVersion: v0 ? 0 : 1 });
		errors.push(...query.errors);
		if (errors.length > 0 || !query.body) {
			io.err(formatErrorsWithHint(errors, v0));
			return EXIT_FAILURE;
		}
		const asValue = valueQuery(query.body);
		const strict = values["strict-builtin-errors"] === true;
		let compiled: Awaited<ReturnType<typeof compileQuery>>;
		try {
			compiled = await compileQuery(modules, asValue ?? query.body, {
				strictBuiltinErrors: strict,
			});
		} catch (e) {
			const { EmitError } = await import("../wasm/index.ts");
			if (e instanceof EmitError) {
				io.err(`gavel eval: ${e.message}`);
				return EXIT_FAILURE;
			}
			throw e;
		}
		if (!compiled.wasm) {
			io.err(formatErrors(compiled.errors));
			return EXIT_FAILURE;
		}
		let results: unknown[];
		try {
			results = await evaluateWasm(compiled.wasm, data, input, {
				strictBuiltinErrors: strict,
				limits,
			});
		} catch (e) {
			if (e instanceof QueryEvalError) {
				const line = e.message.includes(e.code) ? e.message : `${e.code}: ${e.message}`;
				io.err(`${line}${evalLimitHint(e.code)}`);
				return EXIT_FAILURE;
			}
			throw e;
		}
		if (asValue) {
			const value =
				results.length === 0 ? undefined : (results[0] as Record<string, unknown>)[VALUE_VAR];
			if (value === undefined || valueFails(query.body, value)) io.err("undefined");
			else io.out(format === "raw" ? rawValue(value) : JSON.stringify(value, null, 2));
			return EXIT_OK;
		}
		if (format === "raw") {
			for (const solution of results) io.out(JSON.stringify(solution));
		} else io.out(JSON.stringify(results, null, 2));
		return EXIT_OK;
	},
};
