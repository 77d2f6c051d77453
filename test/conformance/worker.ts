// Runs conformance cases inside a worker thread, so the main thread can stop a case that hangs
// (Wasm evaluation is synchronous: nothing else could interrupt it) and carry on in a new worker.

import { parentPort, workerData } from "node:worker_threads";
import type { ConformanceCase } from "./cases.ts";
import { evalOutcome } from "./eval-stage.ts";
import type { Outcome } from "./outcome.ts";
import { parseCase, parseOutcome } from "./parse-stage.ts";

export interface WorkerInput {
	cases: { index: number; c: ConformanceCase }[];
	stage: 1 | 2;
}

export type WorkerMessage =
	| { type: "start"; index: number }
	| { type: "done"; index: number; outcome: Outcome };

async function runOne(c: ConformanceCase, stage: 1 | 2): Promise<Outcome> {
	const parsed = parseCase(c);
	return stage === 1 ? parseOutcome(c, parsed) : evalOutcome(c, parsed);
}

async function work(input: WorkerInput) {
	const port = parentPort;
	if (!port) throw new Error("worker.ts must run as a worker thread");
	// Load the back end before the first case's clock starts: loading Binaryen takes seconds,
	// and that is not the case's time.
	if (input.stage === 2) await import("../../src/wasm/index.ts");
	for (const { index, c } of input.cases) {
		port.postMessage({ type: "start", index } satisfies WorkerMessage);
		let outcome: Outcome;
		try {
			outcome = await runOne(c, input.stage);
		} catch (e) {
			// A crash in one case is that case's failure, not the run's.
			outcome = {
				status: "failed",
				reason: `crash: ${(e as Error)?.stack?.split("\n").slice(0, 3).join(" | ") ?? String(e)}`,
			};
		}
		port.postMessage({ type: "done", index, outcome } satisfies WorkerMessage);
	}
}

await work(workerData as WorkerInput);
