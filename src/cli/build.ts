// `gavel build`: compile .rego and data files into an OPA-format bundle with policy.wasm.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { type Manifest, writeBundle } from "../bundle/index.ts";
import { compile, printIr } from "../compiler/index.ts";
import { formatErrors } from "../rego/errors.ts";
import { readCapabilitiesOption } from "./capabilities-option.ts";
import {
	type Command,
	EXIT_FAILURE,
	EXIT_OK,
	InputError,
	parseCommandArgs,
	stringList,
	stringOption,
	UsageError,
} from "./command.ts";
import { entrypointsWithoutRules } from "./entrypoints.ts";
import { loadData } from "./load-data.ts";
import { loadRegoModules } from "./load-modules.ts";
import { formatErrorsWithHint } from "./v0-hint.ts";

const help = `Usage: gavel build [PATH…] -e ENTRYPOINT… [-o FILE] [--revision R] [--v0-compatible] [--capabilities FILE] [--ir] [-O]

Compile every .rego file under the paths (default: the current directory) to WebAssembly and
write an OPA-format bundle (.tar.gz): /.manifest, /policy.wasm, /data.json and the .rego
sources. data.json / data.yaml files under a directory become the data at that directory's
path (a/b/data.json is data.a.b); a JSON or YAML file named directly is merged at the root.

Entrypoints are the rules the bundle answers: give them with -e (example/allow or
data.example.allow, repeatable), or mark rules with a "# METADATA" block holding
"entrypoint: true". At least one is required.

Options:
  -e, --entrypoint E   an entrypoint (repeatable)
  -o, --output FILE    where to write the bundle (default bundle.tar.gz)
  -r, --revision R     the bundle's revision in the manifest
  --v0-compatible      parse OPA 0.x syntax (rules without if/contains)
  --capabilities FILE  OPA's capabilities JSON (opa capabilities): a call to a builtin the
                       file does not list is an error, as with opa build --capabilities
  --ir                 print the planner's IR; writes no bundle unless -o is given
  -O, --optimize       run Binaryen's optimiser over the module (smaller module; loads Binaryen)
  -h, --help           show this help

Exit codes: 0 built, 1 parse or compile errors, 2 usage error or missing path.`;

/** The file's path inside the bundle: relative to the working directory when under it. */
function bundlePath(file: string): string {
	const rel = relative(process.cwd(), resolve(file));
	return rel.startsWith("..") || isAbsolute(rel) ? basename(file) : rel.split("\\").join("/");
}

export const buildCommand: Command = {
	name: "build",
	summary: "compile policies to WebAssembly and write an OPA bundle",
	help,
	async run(argv, io) {
		const { values, positionals } = parseCommandArgs(argv, {
			entrypoint: { type: "string", short: "e", multiple: true },
			output: { type: "string", short: "o" },
			revision: { type: "string", short: "r" },
			"v0-compatible": { type: "boolean" },
			ir: { type: "boolean" },
			optimize: { type: "boolean", short: "O" },
			capabilities: { type: "string" },
		});
		const paths = positionals.length > 0 ? positionals : ["."];
		const v0 = values["v0-compatible"] === true;
		const caps = readCapabilitiesOption(stringOption(values.capabilities), v0 ? 0 : 1);
		if (caps && caps.errors.length > 0) {
			io.err(formatErrors(caps.errors));
			return EXIT_FAILURE;
		}
		const loaded = loadRegoModules(paths, v0 ? 0 : 1);
		if (loaded.errors.length > 0) {
			io.err(formatErrorsWithHint(loaded.errors, v0));
			return EXIT_FAILURE;
		}
		if (loaded.modules.length === 0)
			throw new UsageError(`no .rego files under ${paths.join(", ")}`);
		const data = loadData(paths);
		const requested = stringList(values.entrypoint);
		// An empty entrypoint would silently mean "all of data".
		if (requested.some((e) => e.trim() === ""))
			throw new UsageError("-e needs a rule path, not an empty string");
		const unknown = entrypointsWithoutRules(loaded.modules, requested);
		if (unknown.length > 0) {
			const message = (e: string) => `entrypoint ${e} does not refer to any rule`;
			io.err(
				formatErrors(unknown.map((e) => ({ code: "rego_compile_error", message: message(e) }))),
			);
			return EXIT_FAILURE;
		}

		const { policy, errors } = compile({
			modules: loaded.modules,
			entrypoints: requested,
			capabilities: caps?.names,
		});
		if (!policy || errors.length > 0) {
			io.err(formatErrors(errors));
			return EXIT_FAILURE;
		}
		if (policy.plans.length === 0) {
			throw new UsageError(
				'no entrypoints: give -e ENTRYPOINT or mark rules with "entrypoint: true" metadata',
			);
		}
		if (values.ir) io.out(printIr(policy));
		const output = stringOption(values.output);
		if (values.ir && output === undefined) return EXIT_OK;

		// Loaded only now, so usage and compile errors return at once.
		const { EmitError, emitOptimizedWasm, emitWasm } = await import("../wasm/index.ts");
		let wasm: Uint8Array;
		try {
			wasm = values.optimize === true ? await emitOptimizedWasm(policy) : emitWasm(policy);
		} catch (e) {
			if (e instanceof EmitError) {
				io.err(`gavel build: ${e.message}`);
				return EXIT_FAILURE;
			}
			throw e;
		}
		const manifest: Manifest = {
			revision: stringOption(values.revision) ?? "",
			roots: [""],
			wasm: policy.plans.map((p) => ({ entrypoint: p.name, module: "/policy.wasm" })),
			rego_version: v0 ? 0 : 1,
		};
		const rego = new Map([...loaded.sources].map(([file, source]) => [bundlePath(file), source]));
		const bytes = writeBundle({ manifest, data, wasm, rego });
		const file = output ?? "bundle.tar.gz";
		try {
			mkdirSync(dirname(resolve(file)), { recursive: true });
			writeFileSync(file, bytes);
		} catch (e) {
			const code = (e as NodeJS.ErrnoException).code;
			const why = code === "EISDIR" ? "is a directory" : (e as Error).message;
			throw new InputError(`cannot write the bundle to ${file}: ${why}`);
		}
		const entrypoints = policy.plans.map((p) => p.name).join(", ");
		io.err(
			`wrote ${file}: entrypoints ${entrypoints}; policy.wasm ${wasm.length} bytes; bundle ${bytes.length} bytes`,
		);
		return EXIT_OK;
	},
};
