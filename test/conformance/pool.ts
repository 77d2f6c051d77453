// Runs conformance cases in a worker thread with a per-case time guard: a case that hangs (Wasm
// evaluation is synchronous) is failed and the rest go on in a fresh worker. Shared by
// `npm run conformance` and the differential runner (test/differential/conformance.ts).

import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ConformanceCase } from "./cases.ts";
import type { Outcome } from "./outcome.ts";
import type { WorkerInput, WorkerMessage } from "./worker.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** Workers do not inherit tsx's loader, so each one registers it before loading worker.ts. */
function startWorker(input: WorkerInput): Worker {
	const tsxApi = import.meta.resolve("tsx/esm/api");
	const target = pathToFileURL(resolve(here, "worker.ts")).href;
	const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
	return new Worker(boot, { eval: true, workerData: input });
}

export async function runAll(
	cases: ConformanceCase[],
	stage: 1 | 2,
	timeoutMs: number,
): Promise<Outcome[]> {
	const outcomes: (Outcome | undefined)[] = new Array(cases.length);
	let next = 0;
	while (next < cases.length) {
		const batch = cases.slice(next).map((c, i) => ({ index: next + i, c }));
		next = await new Promise<number>((done, fail) => {
			const worker = startWorker({ cases: batch, stage });
			let current = -1;
			let timer: NodeJS.Timeout | undefined;
			let finished = false;
			const finish = (resumeAt: number) => {
				if (finished) return;
				finished = true;
				if (timer) clearTimeout(timer);
				void worker.terminate();
				done(resumeAt);
			};
			worker.on("message", (m: WorkerMessage) => {
				if (m.type === "start") {
					current = m.index;
					timer = setTimeout(() => {
						outcomes[current] = { status: "failed", reason: `timeout: over ${timeoutMs} ms` };
						finish(current + 1);
					}, timeoutMs);
				} else {
					if (timer) clearTimeout(timer);
					outcomes[m.index] = m.outcome;
					if (m.index === cases.length - 1) finish(cases.length);
				}
			});
			worker.on("error", (e) => {
				if (current < 0) {
					// It died before starting any case: a broken setup, not a failing case.
					if (timer) clearTimeout(timer);
					finished = true;
					void worker.terminate();
					fail(new Error(`conformance worker failed to start: ${e.message}`));
					return;
				}
				// The worker died mid-case (e.g. out of memory): fail that case and go on after it.
				if (outcomes[current] === undefined) {
					outcomes[current] = { status: "failed", reason: `worker error: ${e.message}` };
				}
				finish(current + 1);
			});
			worker.on("exit", () => finish(cases.length));
		});
	}
	return outcomes.map((o) => o ?? { status: "failed", reason: "not run (worker exited early)" });
}
