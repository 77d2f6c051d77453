// Servers on one core, load generators on the others, for the load benchmarks. Why: with two
// cores and nothing pinned, the scheduler moves the server, its helper threads and the load
// generator between the cores from run to run, and the same server's throughput swung by ±25%
// between rounds (bare node:http measured 0.52–2.59× of bare Hono within one run). Pinned, each
// scenario gets the same core to itself, which is what a ratio between two servers needs.
// BENCH_PIN=0 turns it off; it is off where taskset (util-linux) is missing or there is one core.

import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

export interface Pinning {
	/** The cores a server runs on (taskset's list syntax). */
	server: string;
	/** The cores the benchmark itself and its load generators (wrk) run on. */
	load: string;
}

let decided: Pinning | null | undefined;

function tasksetWorks(): boolean {
	try {
		execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

/**
 * The pinning in force for this run, or null. The first call pins this process (every thread:
 * autocannon runs here) to the load cores; wrk and anything else spawned later inherits it.
 */
export function pinning(): Pinning | null {
	if (decided !== undefined) return decided;
	const cores = availableParallelism();
	if (process.env.BENCH_PIN === "0" || cores < 2 || !tasksetWorks()) {
		decided = null;
		return decided;
	}
	decided = { server: "0", load: cores === 2 ? "1" : `1-${cores - 1}` };
	execFileSync("taskset", ["-a", "-cp", decided.load, String(process.pid)], { stdio: "ignore" });
	return decided;
}

/** `command args…` as run on the server cores (unchanged when nothing is pinned). */
export function onServerCores(command: string, args: string[]): [string, string[]] {
	const p = pinning();
	return p ? ["taskset", ["-c", p.server, command, ...args]] : [command, args];
}

/** A line for a benchmark's header saying how it ran. */
export function pinningNote(): string {
	const p = pinning();
	return p
		? `servers pinned to CPU ${p.server}, load generators to CPU ${p.load} (BENCH_PIN=0: unpinned)`
		: "nothing pinned";
}
