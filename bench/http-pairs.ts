// Each scenario run at the same time as the floor, both servers on the same core (see
// cpu-pinning.ts), one wrk each: the core's time is shared between the two servers by the
// scheduler, so whatever the machine does to one it does to the other in the same seconds,
// and the ratio of their throughputs is the ratio of their costs per request. Run one after
// the other, the same ratio swung by ±25% between rounds here; run together, by a few percent.
// Both are printed: the sequential figures are what one server alone does, these the
// steadier comparison of what a request costs.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinning } from "./cpu-pinning.ts";
import { cpuSeconds, findWrk, type Scenario, withWrk } from "./http-load.ts";
import { median } from "./measure.ts";

export interface PairResult {
	/** Median over rounds of the scenario's req/s over the floor's, in the same seconds. */
	rps: number;
	low: number;
	high: number;
	/** Median over rounds of the scenario's server CPU per request over the floor's. */
	cpu: number;
}

/**
 * Every scenario against `floor` concurrently, `rounds` times; null when wrk is missing or the
 * servers are not pinned to one core (unpinned, the two would not share one core's time).
 */
export async function pairedWithFloor(
	floor: Scenario,
	scenarios: Scenario[],
	options: { rounds?: number; seconds?: number; connections?: number } = {},
): Promise<Map<string, PairResult> | null> {
	if (!(await findWrk()) || pinning() === null) return null;
	const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
	const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
	const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 16);
	const dir = mkdtempSync(join(tmpdir(), "gavel-pairs-"));
	const out = new Map<string, PairResult>();
	try {
		for (const s of scenarios) {
			const rps: number[] = [];
			const cpu: number[] = [];
			for (let r = 0; r < rounds; r++) {
				const before = [cpuSeconds(floor.server.child.pid), cpuSeconds(s.server.child.pid)];
				const [f, m] = await Promise.all([
					withWrk(floor, seconds, connections, dir),
					withWrk(s, seconds, connections, dir),
				]);
				if (f.non2xx > 0 || m.non2xx > 0) throw new Error(`${s.name}: non-2xx answers`);
				const used = [
					cpuSeconds(floor.server.child.pid) - before[0],
					cpuSeconds(s.server.child.pid) - before[1],
				];
				rps.push(m.rps / f.rps);
				cpu.push(used[1] / m.total / (used[0] / f.total));
			}
			out.set(s.name, {
				rps: median(rps),
				low: Math.min(...rps),
				high: Math.max(...rps),
				cpu: median(cpu),
			});
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return out;
}
