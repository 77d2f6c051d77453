// `npm run conformance`: runs OPA's own Rego conformance cases against Gavel and reports per
// category. See `--help`. Cases run in one worker thread (compiled once each, one process);
// a case that exceeds the time guard is failed and the run continues in a fresh worker.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadCases, suiteDir } from "./cases.ts";
import { runAll } from "./pool.ts";
import { type Baseline, buildReport, formatReport, ratchetFailure } from "./report.ts";

const here = dirname(fileURLToPath(import.meta.url));
const defaultBaseline = resolve(here, "..", "conformance-baseline.json");

const help = `Usage: npm run conformance -- [options]

Runs OPA's Rego conformance cases (YAML) from $OPA_TEST_CASES, or by default from
../shared/conformance/opa-v1 beside the repository; skips cleanly when neither exists.

Options:
  --filter SUBSTR     run only cases whose file or note contains SUBSTR
  --json FILE         write the report as JSON to FILE
  --verbose           list every failure and skip
  --timeout MS        per-case time guard (default 20000)
  --parse-only        stage 1 only: check that every case parses
  --ratchet           exit 1 when fewer cases pass than ${"test/conformance-baseline.json"} records
  --update-baseline   record this run's pass count as the new baseline
  --baseline FILE     the baseline file (default test/conformance-baseline.json)
  -h, --help          show this help`;

interface Options {
	filter?: string;
	json?: string;
	verbose: boolean;
	timeoutMs: number;
	ratchet: boolean;
	updateBaseline: boolean;
	stage: 1 | 2;
	baselinePath: string;
}

function options(argv: string[]): Options | undefined {
	const { values } = parseArgs({
		args: argv,
		options: {
			filter: { type: "string" },
			json: { type: "string" },
			verbose: { type: "boolean" },
			timeout: { type: "string" },
			ratchet: { type: "boolean" },
			"update-baseline": { type: "boolean" },
			"parse-only": { type: "boolean" },
			baseline: { type: "string" },
			help: { type: "boolean", short: "h" },
		},
	});
	if (values.help) return undefined;
	const timeoutMs = values.timeout === undefined ? 20_000 : Number(values.timeout);
	if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
		throw new Error("--timeout wants a positive number of milliseconds");
	return {
		filter: values.filter,
		json: values.json,
		verbose: values.verbose === true,
		timeoutMs,
		ratchet: values.ratchet === true,
		updateBaseline: values["update-baseline"] === true,
		stage: values["parse-only"] ? 1 : 2,
		baselinePath: values.baseline ?? defaultBaseline,
	};
}

function readBaseline(baselinePath: string): Baseline | undefined {
	try {
		return JSON.parse(readFileSync(baselinePath, "utf8")) as Baseline;
	} catch {
		return undefined;
	}
}

async function main(argv: string[]): Promise<number> {
	let opts: Options | undefined;
	try {
		opts = options(argv);
	} catch (e) {
		console.error(`conformance: ${(e as Error).message}\n\n${help}`);
		return 2;
	}
	if (!opts) {
		console.log(help);
		return 0;
	}
	const root = suiteDir();
	if (!root) {
		console.log(
			"conformance: no suite found ($OPA_TEST_CASES unset or missing, and no ../shared/conformance/opa-v1); skipping",
		);
		return 0;
	}
	let cases = loadCases(root);
	const filter = opts.filter;
	if (filter) cases = cases.filter((c) => c.file.includes(filter) || c.note.includes(filter));
	const stage = opts.stage;
	console.log(`conformance: ${cases.length} cases from ${root}`);
	const started = performance.now();
	const outcomes = await runAll(cases, stage, opts.timeoutMs);
	const seconds = (performance.now() - started) / 1000;
	const report = buildReport(
		stage,
		cases.map((c, i) => ({ c, outcome: outcomes[i] })),
	);
	console.log(formatReport(report, opts.verbose));
	// Wall time, for the record (compile speed is a goal); never a pass/fail criterion.
	console.log(`ran in ${seconds.toFixed(1)} s (one worker; each case compiled once)`);
	if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
	if (opts.updateBaseline) {
		if (filter) {
			console.error("conformance: --update-baseline needs the whole suite (no --filter)");
			return 2;
		}
		const baseline: Baseline = { stage: report.stage, passed: report.passed };
		writeFileSync(opts.baselinePath, `${JSON.stringify(baseline, null, "\t")}\n`);
		console.log(`conformance: baseline set to ${report.passed} passed (stage ${report.stage})`);
	}
	if (opts.ratchet) {
		const baseline = readBaseline(opts.baselinePath);
		if (!baseline) {
			console.error(`conformance: no baseline at ${opts.baselinePath}`);
			return 1;
		}
		if (filter) {
			console.error("conformance: --ratchet needs the whole suite (no --filter)");
			return 2;
		}
		const why = ratchetFailure(report, baseline);
		if (why) {
			console.error(`conformance ratchet FAILED: ${why}`);
			return 1;
		}
		console.log(
			`conformance ratchet ok: ${report.passed} passed (baseline ${baseline.passed}, stage ${baseline.stage})`,
		);
	}
	return 0;
}

process.exitCode = await main(process.argv.slice(2));
