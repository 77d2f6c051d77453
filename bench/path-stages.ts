// CPU-time microbenchmarks for bench/path.ts: each stage runs many times in a row and is
// timed with process.cpuUsage (user + system of this process), so time the scheduler gives
// other processes on a shared machine is not counted; rounds alternate over all stages and
// the median round is kept.

import { median } from "./measure.ts";

export interface Stage {
	name: string;
	/** One call of the stage; a returned value is kept so the work cannot be optimised away. */
	run: () => unknown;
	/** Awaited each call (body reading, the whole request): the microtask hops are counted. */
	async?: boolean;
}

let sink: unknown;
/** Something the optimiser cannot prove unused. */
export function keep(v: unknown): void {
	sink = v;
}

function cpuMicros(): number {
	const u = process.cpuUsage();
	return u.user + u.system;
}

async function timeOnce(stage: Stage, n: number): Promise<number> {
	const t = cpuMicros();
	if (stage.async) {
		for (let i = 0; i < n; i++) sink = await stage.run();
	} else {
		for (let i = 0; i < n; i++) sink = stage.run();
	}
	return (cpuMicros() - t) / n;
}

/** Calls per round so that one round of the stage takes about `targetMs` of CPU. */
async function calibrate(stage: Stage, targetMs: number): Promise<number> {
	let n = 64;
	for (;;) {
		const t = cpuMicros();
		await timeOnce(stage, n);
		const spent = cpuMicros() - t;
		if (spent >= targetMs * 100 || n >= 1 << 22)
			return Math.max(64, Math.round((n * targetMs * 1000) / Math.max(spent, 1)));
		n *= 4;
	}
}

/**
 * Median CPU µs per call of each stage over `rounds` interleaved rounds, and each stage's
 * median per-round ratio to the stage named `floor` (paired rounds cancel load that drifts).
 */
export async function timeStages(
	stages: Stage[],
	rounds: number,
	targetMs = 40,
	floor?: string,
): Promise<{ times: Map<string, number>; ratios: Map<string, number> }> {
	const counts: number[] = [];
	for (const s of stages) {
		await timeOnce(s, 2000); // warm up: JIT tiers, caches
		counts.push(await calibrate(s, targetMs));
	}
	const samples = stages.map(() => [] as number[]);
	for (let r = 0; r < rounds; r++) {
		for (let i = 0; i < stages.length; i++) samples[i].push(await timeOnce(stages[i], counts[i]));
	}
	if (sink === Symbol.for("never")) console.log(sink);
	const times = new Map(stages.map((s, i) => [s.name, median(samples[i])]));
	const f = stages.findIndex((s) => s.name === floor);
	const ratios = new Map(
		f < 0
			? []
			: stages.map((s, i) => [s.name, median(samples[i].map((x, r) => x / samples[f][r]))]),
	);
	return { times, ratios };
}
