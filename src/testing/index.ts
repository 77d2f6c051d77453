// The test runner's public face: discover test_* rules, run them as Wasm, report.

export type { CoverageReport, FileCoverage } from "./coverage.ts";
export { discoverTests, prepareTests, type TestCase } from "./discover.ts";
export { anyFailed, countResults, jsonReport, summaryLine, textReport } from "./report.ts";
export { type Outcome, type RunOptions, type RunReport, runTests, type TestResult } from "./run.ts";
