// `npm run differential`: OPA v1.22.3 (the binary) as the oracle for Gavel. Runs the parts of
// the registry (parts.ts), prints one summary line per part, writes every disagreement with
// --json, and with --ratchet fails when a part agrees on fewer cases than the baseline records.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findOpa, OPA_INSTALL_HINT, OPA_VERSION } from "../opa.ts";
import type { PartOptions, PartResult } from "./part.ts";
import { registry } from "./parts.ts";

const here = dirname(fileURLToPath(import.meta.url));
const defaultBaseline = resolve(here, "..", "differential-baseline.json");

const help = `Usage: npm run differential -- [PART…] [options]

Compares Gavel with OPA ${OPA_VERSION} (the binary: $OPA_BIN, the cache folder of
npm run opa:install, or PATH). Each part prints one line:
  differential <part>: N agree, N disagree, N skipped

Parts (default: all; with --policies, those that run on a policy folder):
${Object.entries(registry)
	.map(([name, e]) => `  ${name.padEnd(12)}${e.policies ? "[policies] " : ""}${e.about}`)
	.join("\n")}

Options:
  --json FILE          write every disagreement (with a reproduction) and each part's extras
  --programs N         how many generated programs (parts that generate them)
  --seed S             the generators' seed
  --policies DIR       compare on your own policy folder instead of the project's samples:
                       errors (opa check vs gavel check on every .rego under DIR) and bundles
                       (opa build -t wasm / rego bundles served by Gavel, and opa eval, vs
                       Gavel's own bundle, for each --entrypoint and --inputs)
  -e, --entrypoint EP  with --policies: an entrypoint to compare (repeatable), e.g. authz/allow;
                       default: the rules named allow/deny in DIR's packages
  --inputs PATH        with --policies: a JSON file holding an array of inputs, or a folder of
                       *.json files (one input each); default: one empty input {}
  --concurrency N      OPA processes at a time (default 2)
  --ratchet            exit 1 when a part agrees on fewer cases than ${"test/differential-baseline.json"}
  --update-baseline    record this run's agree counts as the baseline
  --baseline FILE      the baseline file
  --verbose            list each disagreement
  -h, --help           show this help

Without OPA: outside CI the run is skipped with one line; with CI set it fails.`;

interface Baseline {
	[part: string]: { agree: number };
}

function loadInputs(path: string): unknown[] {
	if (statSync(path).isDirectory()) {
		return readdirSync(path)
			.filter((f) => f.endsWith(".json"))
			.sort()
			.map((f) => JSON.parse(readFileSync(join(path, f), "utf8")));
	}
	const value = JSON.parse(readFileSync(path, "utf8"));
	if (!Array.isArray(value)) throw new Error(`--inputs ${path}: want a JSON array of inputs`);
	return value;
}

function summary(r: PartResult): string {
	return `differential ${r.part}: ${r.agree} agree, ${r.disagree} disagree, ${r.skipped} skipped`;
}

const optionSpec = {
	json: { type: "string" },
	programs: { type: "string" },
	seed: { type: "string" },
	policies: { type: "string" },
	entrypoint: { type: "string", short: "e", multiple: true },
	inputs: { type: "string" },
	concurrency: { type: "string" },
	ratchet: { type: "boolean" },
	"update-baseline": { type: "boolean" },
	baseline: { type: "string" },
	verbose: { type: "boolean" },
	help: { type: "boolean", short: "h" },
} as const;

const parseArgsOf = (args: string[]) =>
	parseArgs({ args, options: optionSpec, allowPositionals: true });

async function main(argv: string[]): Promise<number> {
	let parsed: ReturnType<typeof parseArgsOf>;
	try {
		parsed = parseArgsOf(argv);
	} catch (e) {
		console.error(`differential: ${(e as Error).message}\n\n${help}`);
		return 2;
	}
	const { values, positionals } = parsed;
	if (values.help) {
		console.log(help);
		return 0;
	}
	const num = (name: string, v: string | undefined) => {
		if (v === undefined) return undefined;
		const n = Number(v);
		if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} wants a whole number`);
		return n;
	};
	let opts: Omit<PartOptions, "opa">;
	try {
		opts = {
			programs: num("programs", values.programs),
			seed: num("seed", values.seed),
			concurrency: num("concurrency", values.concurrency) || 2,
			verbose: values.verbose === true,
		};
		if (values.policies) {
			const dir = resolve(values.policies);
			if (!existsSync(dir) || !statSync(dir).isDirectory())
				throw new Error(`--policies ${values.policies}: not a folder`);
			opts.policies = dir;
			opts.entrypoints = values.entrypoint;
			if (values.inputs) opts.inputs = loadInputs(resolve(values.inputs));
		} else if (values.entrypoint || values.inputs) {
			throw new Error("--entrypoint and --inputs go with --policies");
		}
	} catch (e) {
		console.error(`differential: ${(e as Error).message}`);
		return 2;
	}
	const unknown = positionals.filter((p) => !(p in registry));
	if (unknown.length > 0) {
		console.error(
			`differential: unknown part ${unknown.join(", ")}; parts: ${Object.keys(registry).join(", ")}`,
		);
		return 2;
	}
	let names = positionals.length > 0 ? positionals : Object.keys(registry);
	if (opts.policies) {
		const cannot = names.filter((n) => !registry[n].policies);
		if (positionals.length > 0 && cannot.length > 0) {
			console.error(`differential: ${cannot.join(", ")} cannot run on --policies`);
			return 2;
		}
		names = names.filter((n) => registry[n].policies);
	}
	const ratchet = values.ratchet === true;
	const update = values["update-baseline"] === true;
	if (
		(ratchet || update) &&
		(opts.policies || opts.programs !== undefined || opts.seed !== undefined)
	) {
		console.error(
			"differential: --ratchet/--update-baseline compare the default sample (no --policies, --programs, --seed)",
		);
		return 2;
	}

	const opa = findOpa();
	if (!opa) {
		const line = `differential: OPA ${OPA_VERSION} not found ($OPA_BIN, cache, PATH); ${OPA_INSTALL_HINT}`;
		if (process.env.CI) {
			console.error(`${line} (CI is set: failing)`);
			return 1;
		}
		console.log(`${line}; skipped`);
		return 0;
	}

	const results: PartResult[] = [];
	const timings: string[] = [];
	let crashed = false;
	const started = performance.now();
	for (const name of names) {
		const t0 = performance.now();
		try {
			const { part } = await registry[name].load();
			const r = await part({ ...opts, opa });
			results.push(r);
			console.log(summary(r));
			if (opts.verbose) {
				for (const d of r.disagreements) console.log(`  ${d.name}${d.note ? ` (${d.note})` : ""}`);
			}
		} catch (e) {
			crashed = true;
			console.error(`differential ${name}: crashed: ${(e as Error)?.stack ?? String(e)}`);
		}
		timings.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
	}
	const seconds = ((performance.now() - started) / 1000).toFixed(1);
	// Wall time, for the record; never a pass/fail criterion.
	console.log(`differential: ${names.length} parts in ${seconds} s (${timings.join(", ")})`);

	if (values.json) {
		const report = {
			opa: OPA_VERSION,
			options: { ...opts, inputs: opts.inputs?.length },
			parts: results,
		};
		writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
	}
	const baselinePath = values.baseline ? resolve(values.baseline) : defaultBaseline;
	if (update) {
		const baseline: Baseline = readBaseline(baselinePath) ?? {};
		for (const r of results) baseline[r.part] = { agree: r.agree };
		writeFileSync(baselinePath, `${JSON.stringify(baseline, null, "\t")}\n`);
		console.log(`differential: baseline written to ${baselinePath}`);
	}
	if (ratchet) {
		const baseline = readBaseline(baselinePath);
		if (!baseline) {
			console.error(`differential: no baseline at ${baselinePath}`);
			return 1;
		}
		const drops: string[] = [];
		for (const r of results) {
			const want = baseline[r.part]?.agree;
			if (want === undefined)
				console.log(`differential ${r.part}: no baseline yet (not ratcheted)`);
			else if (r.agree < want) drops.push(`${r.part} ${r.agree} agree < baseline ${want}`);
		}
		if (drops.length > 0) {
			console.error(`differential ratchet FAILED: ${drops.join("; ")}`);
			return 1;
		}
		console.log("differential ratchet ok");
	}
	return crashed ? 1 : 0;
}

function readBaseline(path: string): Baseline | undefined {
	try {
		return JSON.parse(readFileSync(path, "utf8")) as Baseline;
	} catch {
		return undefined;
	}
}

process.exitCode = await main(process.argv.slice(2));
