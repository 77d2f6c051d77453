// Test reports: the human one (one line per test, closing "N passed, N failed[, N skipped]")
// and the machine-readable JSON one.

import type { CoverageReport } from "./coverage.ts";
import type { RunReport, TestResult } from "./run.ts";

export interface Counts {
	passed: number;
	failed: number;
	/** Tests whose evaluation stopped with an error (a conflict, a strict builtin error). */
	errored: number;
	skipped: number;
}

export function countResults(results: TestResult[]): Counts {
	const counts: Counts = { passed: 0, failed: 0, errored: 0, skipped: 0 };
	for (const r of results) {
		if (r.outcome === "pass") counts.passed++;
		else if (r.outcome === "skip") counts.skipped++;
		else if (r.outcome === "error") counts.errored++;
		else counts.failed++;
	}
	return counts;
}

/** Whether the run should fail the build: any test that failed or errored. */
export function anyFailed(c: Counts): boolean {
	return c.failed + c.errored > 0;
}

// The closing line keeps the plain "N passed, N failed[, N skipped]" shape that CI systems read,
// so a test that errored counts as failed there; its ERROR line above and the JSON report's
// `errored` keep the distinction.
export function summaryLine(c: Counts): string {
	const skipped = c.skipped > 0 ? `, ${c.skipped} skipped` : "";
	return `${c.passed} passed, ${c.failed + c.errored} failed${skipped}`;
}

function duration(ns: number): string {
	if (ns < 1e3) return `${ns.toFixed(0)}ns`;
	if (ns < 1e6) return `${(ns / 1e3).toFixed(1)}µs`;
	if (ns < 1e9) return `${(ns / 1e6).toFixed(2)}ms`;
	return `${(ns / 1e9).toFixed(2)}s`;
}

function valueText(r: TestResult): string {
	return r.defined ? JSON.stringify(r.value) : "undefined";
}

const LABEL = { pass: "PASS ", fail: "FAIL ", error: "ERROR", skip: "SKIP " } as const;

export function textReport(report: RunReport, opts: { verbose?: boolean } = {}): string {
	const lines: string[] = [];
	for (const r of report.results) {
		const where = `${r.test.file}:${r.test.row}`;
		let line = `${LABEL[r.outcome]} ${r.test.name}  ${where}`;
		if (r.outcome === "pass" || r.outcome === "fail") line += ` (${duration(r.durationNs)})`;
		if (r.outcome === "fail" && !r.defined) line += ": undefined";
		if (r.outcome === "error" && r.error) line += `: ${r.error.message}`;
		lines.push(line);
		const failed = r.outcome === "fail" || r.outcome === "error";
		if (opts.verbose && r.outcome === "fail") lines.push(`      value: ${valueText(r)}`);
		if (failed || opts.verbose) for (const o of r.output) lines.push(`      print: ${o}`);
		if (r.bench) {
			lines.push(`      bench: ${r.bench.iterations} iterations, ${duration(r.bench.nsPerOp)}/op`);
		}
	}
	if (report.coverage) lines.push(...coverageText(report.coverage));
	lines.push(summaryLine(countResults(report.results)));
	return lines.join("\n");
}

/** Consecutive line numbers collapsed into ranges: 3-5, 9. */
function ranges(rows: number[]): string {
	const out: string[] = [];
	for (let i = 0; i < rows.length; ) {
		let j = i;
		while (j + 1 < rows.length && rows[j + 1] === rows[j] + 1) j++;
		out.push(i === j ? `${rows[i]}` : `${rows[i]}-${rows[j]}`);
		i = j + 1;
	}
	return out.join(", ");
}

function coverageText(c: CoverageReport): string[] {
	const lines = ["coverage:"];
	const width = Math.max(...c.files.map((f) => f.file.length), 0);
	for (const f of c.files) {
		const n = f.covered.length + f.notCovered.length;
		let line = `  ${f.file.padEnd(width)}  ${f.percent.toFixed(1).padStart(5)}% (${f.covered.length}/${n} lines)`;
		if (f.notCovered.length > 0) line += `  not covered: ${ranges(f.notCovered)}`;
		lines.push(line);
	}
	lines.push(`  total ${c.percent.toFixed(1)}%`);
	return lines;
}

export function jsonReport(report: RunReport): unknown {
	return {
		tests: report.results.map((r) => ({
			name: r.test.name,
			package: r.test.packagePath.join("."),
			file: r.test.file,
			row: r.test.row,
			col: r.test.col,
			outcome: r.outcome,
			...(r.outcome === "pass" || r.outcome === "fail"
				? { defined: r.defined, ...(r.defined ? { value: r.value } : {}) }
				: {}),
			...(r.error ? { error: r.error } : {}),
			...(r.output.length > 0 ? { output: r.output } : {}),
			duration_ns: r.durationNs,
			...(r.bench ? { bench: { iterations: r.bench.iterations, ns_per_op: r.bench.nsPerOp } } : {}),
		})),
		summary: countResults(report.results),
		...(report.coverage ? { coverage: report.coverage } : {}),
	};
}
