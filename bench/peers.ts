// npm run bench:peers: Gavel beside its peers in one run (issue 12): over HTTP against a bare
// Hono endpoint, OPA's server and Cerbos (bench/peers-http.ts); in process against `opa bench`
// (bench/peers-inprocess.ts); and memory and activation time per MB of data
// (bench/peers-memory.ts). OPA and Cerbos rows are skipped with a reason when their binary is
// absent (npm run opa:install, bash scripts/install-cerbos.sh). Prints the load average before
// and after: on a shared machine the figures mean little without it.
//
// Run: npm run bench:peers [-- --only http,inprocess,memory] [--rounds 5] [--seconds 3]
//      [--rules 1000] [--inprocess-rounds 5] [--sizes 10000,100000,300000]

import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatHttpRows, type HttpOptions, type HttpRow, runPeersHttp } from "./peers-http.ts";
import {
	formatInProcessRows,
	type InProcessCase,
	type InProcessRow,
	inProcessCases,
	runPeersInProcess,
} from "./peers-inprocess.ts";
import { formatMemoryRows, type MemoryRow, runPeersMemory } from "./peers-memory.ts";
import { findOpa, OPA_INSTALL_HINT } from "./peers-targets.ts";

export interface PeersOptions {
	sections: ("http" | "inprocess" | "memory")[];
	http: Omit<HttpOptions, "dir">;
	inProcess: { rounds: number; gavelMs: number; cases: InProcessCase[] };
	memory: { sizes: number[]; activations: number; settleMs: number };
	/** Run the sections at the same time: only for the harness's own test (it times nothing). */
	concurrent?: boolean;
}

export interface PeersResult {
	http?: HttpRow[];
	inProcess?: InProcessRow[];
	memory?: MemoryRow[];
	/** The tables as printed. */
	text: string;
}

export const uptime = () => execSync("uptime").toString().trim();

export async function runPeers(
	o: PeersOptions,
	log: (line: string) => void = () => {},
): Promise<PeersResult> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-peers-"));
	const out: PeersResult = { text: "" };
	const parts: string[] = [];
	const sections = {
		http: async () => {
			const options = { ...o.http, dir: join(dir, "http") };
			out.http = await runPeersHttp(options, log);
			return formatHttpRows(out.http, options);
		},
		memory: async () => {
			out.memory = await runPeersMemory({ ...o.memory, dir: join(dir, "memory") }, log);
			return formatMemoryRows(
				out.memory,
				findOpa() ? undefined : `OPA not found; ${OPA_INSTALL_HINT}`,
			);
		},
		inprocess: async () => {
			const options = { ...o.inProcess, dir: join(dir, "inprocess") };
			out.inProcess = await runPeersInProcess(options, log);
			return formatInProcessRows(out.inProcess, options);
		},
	};
	// In this order: the HTTP rounds first, the in-process timing (whose data fills this
	// process's heap) last.
	const chosen = (["http", "memory", "inprocess"] as const).filter((k) => o.sections.includes(k));
	try {
		if (o.concurrent) parts.push(...(await Promise.all(chosen.map((k) => sections[k]()))));
		else for (const k of chosen) parts.push(await sections[k]());
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	out.text = parts.join("\n\n");
	return out;
}

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const sections = (arg("only") ?? "http,inprocess,memory").split(",") as PeersOptions["sections"];
	const options: PeersOptions = {
		sections,
		http: {
			rounds: Number(arg("rounds") ?? 5),
			seconds: Number(arg("seconds") ?? 3),
			connections: Number(arg("connections") ?? 16),
			rules: Number(arg("rules") ?? 1000),
		},
		inProcess: {
			rounds: Number(arg("inprocess-rounds") ?? 5),
			gavelMs: 300,
			cases: inProcessCases(),
		},
		memory: {
			sizes: (arg("sizes") ?? "10000,100000,300000").split(",").map(Number),
			activations: 3,
			settleMs: 1000,
		},
	};
	const before = uptime();
	const t = performance.now();
	const result = await runPeers(options, (line) => console.error(line));
	console.log(`load before: ${before}`);
	console.log(`\n${result.text}\n`);
	console.log(`load after: ${uptime()}`);
	console.log(`took ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
