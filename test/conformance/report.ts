// The runner's report: per-category counts, the failures, and the ratchet against the baseline.
// The JSON shape is stable (other tools read it); fields are only ever added.

import type { ConformanceCase } from "./cases.ts";
import type { Outcome } from "./outcome.ts";

export interface Counts {
	passed: number;
	failed: number;
	skipped: number;
}

export interface Report extends Counts {
	total: number;
	/** 1: parse only; 2: compile and evaluate through the official SDK. */
	stage: 1 | 2;
	/** Cases where some module only parsed in OPA 0.x syntax. */
	v0Fallback: number;
	categories: Record<string, Counts>;
	failures: { file: string; note: string; reason: string }[];
	skips: { file: string; note: string; reason: string }[];
}

export function buildReport(
	stage: 1 | 2,
	results: { c: ConformanceCase; outcome: Outcome }[],
): Report {
	const report: Report = {
		total: results.length,
		passed: 0,
		failed: 0,
		skipped: 0,
		stage,
		v0Fallback: 0,
		categories: {},
		failures: [],
		skips: [],
	};
	for (const { c, outcome } of results) {
		report.categories[c.category] ??= { passed: 0, failed: 0, skipped: 0 };
		report.categories[c.category][outcome.status]++;
		report[outcome.status]++;
		if (outcome.v0Fallback) report.v0Fallback++;
		const entry = { file: c.file, note: c.note, reason: outcome.reason ?? "" };
		if (outcome.status === "failed") report.failures.push(entry);
		if (outcome.status === "skipped") report.skips.push(entry);
	}
	return report;
}

export function formatReport(report: Report, verbose: boolean): string {
	const lines: string[] = [];
	const names = Object.keys(report.categories).sort();
	const width = Math.max(8, ...names.map((n) => n.length));
	lines.push(`${"category".padEnd(width)}  passed  failed  skipped`);
	for (const name of names) {
		const c = report.categories[name];
		lines.push(
			`${name.padEnd(width)}  ${String(c.passed).padStart(6)}  ${String(c.failed).padStart(6)}  ${String(c.skipped).padStart(7)}`,
		);
	}
	if (verbose || report.failures.length <= 40) {
		for (const f of report.failures) lines.push(`FAIL ${f.file}: ${f.note}: ${f.reason}`);
	} else {
		lines.push(`(${report.failures.length} failures; --verbose or --json FILE lists them)`);
	}
	if (verbose) for (const s of report.skips) lines.push(`SKIP ${s.file}: ${s.note}: ${s.reason}`);
	const what = report.stage === 1 ? "stage 1: parse" : "stage 2: compile + evaluate";
	const pct = report.total > 0 ? ((100 * report.passed) / report.total).toFixed(1) : "0.0";
	lines.push(
		`total ${report.total}: ${report.passed} passed (${pct}%), ${report.failed} failed, ${report.skipped} skipped [${what}]`,
	);
	if (report.v0Fallback > 0) {
		lines.push(
			`${report.v0Fallback} cases parsed only in OPA 0.x syntax (pre-1.0 rule form upstream)`,
		);
	}
	return lines.join("\n");
}

export interface Baseline {
	stage: 1 | 2;
	passed: number;
}

/** Undefined when the run holds the line; otherwise why it does not. */
export function ratchetFailure(report: Report, baseline: Baseline): string | undefined {
	if (report.stage < baseline.stage) {
		return `the baseline was recorded at stage ${baseline.stage} but this run could only do stage ${report.stage}`;
	}
	if (report.stage > baseline.stage) return undefined;
	if (report.passed < baseline.passed) {
		return `${report.passed} cases passed, fewer than the baseline's ${baseline.passed}`;
	}
	return undefined;
}
