// Running tests: the selected test rules become entrypoints of ONE Wasm module built by
// Gavel's own compiler and back end (what deploys is what is tested), loaded with the official
// SDK and the shared host builtins, each entrypoint evaluated once with no input.

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile } from "../compiler/index.ts";
import { toEvalError } from "../engine/eval-error.ts";
import { createHostBuiltins } from "../engine/host-builtins.ts";
import type { Module } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import {
	applyEvalLimits,
	DEFAULT_EVAL_LIMITS,
	type EvalLimits,
	type WasmInstance,
} from "../wasm/limits.ts";
import { type CoverageReport, coverageReport, instrumentModules, isCoverMark } from "./coverage.ts";
import { prepareTests, type TestCase } from "./discover.ts";

/** Errors the policy raised itself, which leave the instance as good as new. */
const POLICY_ERRORS = new Set(["eval_conflict_error", "eval_type_error", "eval_builtin_error"]);

export type Outcome = "pass" | "fail" | "error" | "skip";

export interface TestResult {
	test: TestCase;
	outcome: Outcome;
	/** The test rule's value when it was defined ("undefined" tests have none). */
	value?: unknown;
	defined: boolean;
	/** The evaluation error, for outcome "error". */
	error?: { code: string; message: string };
	/** Lines the test printed (`print(…)`), in order. */
	output: string[];
	durationNs: number;
	bench?: { iterations: number; nsPerOp: number };
}

export interface RunOptions {
	/** Only tests whose full name (data.pkg.test_x) matches. */
	filter?: RegExp;
	/** Repeat each passing test to measure its time per evaluation. */
	bench?: boolean;
	/** Minimum total time spent per benchmarked test, in milliseconds (default 200). */
	benchMs?: number;
	coverage?: boolean;
	strictBuiltinErrors?: boolean;
	/** Per-evaluation budget and memory cap, as the server's (default DEFAULT_EVAL_LIMITS). */
	limits?: EvalLimits;
}

export interface RunReport {
	results: TestResult[];
	/** Compile (or emit) errors: no test ran. */
	errors: RegoError[];
	coverage?: CoverageReport;
}

interface SdkPolicy {
	wasmInstance: WasmInstance;
	setData(data: unknown): void;
	evaluate(input: unknown, entrypoint: string | number): unknown;
}

/**
 * The SDK prints `print()` output with console.log from inside evaluate(): capture it for the
 * duration of one synchronous evaluation so it lands on the right test.
 */
function captured<T>(fn: () => T): { value?: T; thrown?: unknown; lines: string[] } {
	const lines: string[] = [];
	const original = console.log;
	console.log = (...args: unknown[]) => {
		lines.push(args.map(String).join(" "));
	};
	try {
		return { value: fn(), lines };
	} catch (e) {
		return { thrown: e, lines };
	} finally {
		console.log = original;
	}
}

function nowNs(): bigint {
	return process.hrtime.bigint();
}

function resultValue(rs: unknown): { defined: boolean; value?: unknown } {
	if (!Array.isArray(rs) || rs.length === 0) return { defined: false };
	return { defined: true, value: (rs[0] as { result?: unknown }).result };
}

export async function runTests(
	modules: Module[],
	data: unknown,
	opts: RunOptions = {},
): Promise<RunReport> {
	const prepared = prepareTests(modules);
	const all = prepared.tests;
	const selected = all.filter((t) => !opts.filter || opts.filter.test(t.name));
	const runnable = selected.filter((t) => !t.skip);
	const skipped: TestResult[] = selected
		.filter((t) => t.skip)
		.map((test) => ({ test, outcome: "skip", defined: false, output: [], durationNs: 0 }));
	if (runnable.length === 0) return { results: order(skipped), errors: [] };

	const instrumented = opts.coverage ? instrumentModules(prepared.modules) : undefined;
	const { policy, errors } = compile({
		modules: instrumented?.modules ?? prepared.modules,
		entrypoints: runnable.map((t) => t.entrypoint),
		strictBuiltinErrors: opts.strictBuiltinErrors,
	});
	if (!policy || errors.length > 0) return { results: [], errors };
	// Loaded on demand: Binaryen is slow to load and compile errors need not wait for it.
	const { emitWasm, EmitError } = await import("../wasm/index.ts");
	let wasm: Uint8Array;
	try {
		wasm = emitWasm(policy);
	} catch (e) {
		if (e instanceof EmitError)
			return { results: [], errors: [{ code: "rego_compile_error", message: e.message }] };
		throw e;
	}
	const host = createHostBuiltins({ strictErrors: opts.strictBuiltinErrors });
	const limits = opts.limits ?? DEFAULT_EVAL_LIMITS;
	const instantiate = async () => {
		const loaded = (await loadPolicy(
			wasm,
			undefined,
			host.builtins as Record<string, (...a: unknown[]) => unknown>,
		)) as unknown as SdkPolicy;
		loaded.setData(data ?? {});
		applyEvalLimits(loaded.wasmInstance, limits);
		return loaded;
	};
	let sdk = await instantiate();

	const hits = new Set<string>();
	const results: TestResult[] = [...skipped];
	for (const test of runnable) {
		host.beginEvaluation();
		const start = nowNs();
		const run = captured(() => sdk.evaluate(undefined, test.entrypoint));
		const durationNs = Number(nowNs() - start);
		const output: string[] = [];
		for (const line of run.lines) {
			if (isCoverMark(line)) hits.add(line);
			else output.push(line);
		}
		if (run.thrown !== undefined) {
			const e = toEvalError(run.thrown, limits);
			// As the server does: after an abort that is not the policy's own error (budget,
			// memory, trap), the next test starts on a fresh instance.
			if (!POLICY_ERRORS.has(e.code)) sdk = await instantiate();
			results.push({
				test,
				outcome: "error",
				defined: false,
				error: { code: e.code, message: e.message },
				output,
				durationNs,
			});
			continue;
		}
		const { defined, value } = resultValue(run.value);
		const outcome: Outcome = !defined || value === false ? "fail" : "pass";
		const result: TestResult = { test, outcome, defined, value, output, durationNs };
		if (opts.bench && outcome === "pass") {
			result.bench = bench(sdk, host, test.entrypoint, opts.benchMs ?? 200);
		}
		results.push(result);
	}
	return {
		results: order(results),
		errors: [],
		coverage: instrumented ? coverageReport(instrumented.lines, hits) : undefined,
	};
}

/** Report order: by file, then line (the order a reader finds the tests in). */
function order(results: TestResult[]): TestResult[] {
	return results.sort(
		(a, b) =>
			(a.test.file < b.test.file ? -1 : a.test.file > b.test.file ? 1 : 0) ||
			a.test.row - b.test.row,
	);
}

/** Doubles the iteration count until one batch takes at least `minMs`. */
function bench(
	sdk: SdkPolicy,
	host: ReturnType<typeof createHostBuiltins>,
	entrypoint: string,
	minMs: number,
): { iterations: number; nsPerOp: number } {
	for (let n = 1; ; n *= 2) {
		const r = captured(() => {
			const start = nowNs();
			for (let i = 0; i < n; i++) {
				host.beginEvaluation();
				sdk.evaluate(undefined, entrypoint);
			}
			return Number(nowNs() - start);
		});
		if (r.thrown !== undefined) return { iterations: 0, nsPerOp: 0 };
		const elapsed = r.value ?? 0;
		if (elapsed >= minMs * 1e6 || n >= 1 << 24) return { iterations: n, nsPerOp: elapsed / n };
	}
}
