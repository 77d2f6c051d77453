// Load from another process against the benchmark servers, shared by bench:http and
// bench:path: autocannon always, and wrk (Debian package `wrk`) too when it is installed, one
// after the other on the same scenarios in the same rounds. For each scenario: req/s, p50
// and p99 latency, the server's CPU µs per request (user + system from /proc, steadier than
// throughput on a shared machine) and both as a ratio of the floor scenario.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { pinningNote } from "./cpu-pinning.ts";
import type { Server } from "./http-fixture.ts";
import { median } from "./measure.ts";

const run = promisify(execFile);

export interface Scenario {
	name: string;
	server: Server;
	method: string;
	path: string;
	headers: Record<string, string>;
	body?: string;
}

export interface LoadResult {
	rps: number;
	p50: number;
	p99: number;
	cpuUs: number;
	total: number;
	/**
	 * Against the floor, paired: the median over rounds of this scenario's figure divided by
	 * the floor's in the same round (in the summary only).
	 */
	vsFloor?: { rps: number; cpuUs: number; rpsLow: number; rpsHigh: number };
}

export interface LoadOptions {
	/** The scenario the others are compared with (bare Hono). */
	floor: string;
	rounds?: number;
	seconds?: number;
	connections?: number;
	/** Called with every measurement (e.g. to count a traced server's requests). */
	onResult?: (scenario: Scenario, result: LoadResult) => void;
}

// Linux's clock ticks per second for /proc/PID/stat (USER_HZ, 100 on every common build).
const CLOCK_TICKS = 100;

/** CPU seconds the process has used (user + system), from /proc; NaN where there is none. */
export function cpuSeconds(pid: number | undefined): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// Fields after the parenthesised command name: utime and stime are the 12th and 13th.
		const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
	} catch {
		return Number.NaN;
	}
}

export function loadAverage(): string {
	try {
		return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
	} catch {
		return "?";
	}
}

async function withAutocannon(s: Scenario, seconds: number, connections: number) {
	const r = await autocannon({
		url: `${s.server.url}${s.path}`,
		method: s.method as "POST",
		headers: s.headers,
		body: s.body,
		connections,
		duration: seconds,
	});
	if (r.errors > 0 || r.timeouts > 0) throw new Error(`${s.name}: ${r.errors} errors`);
	return {
		rps: r.requests.average,
		p50: r.latency.p50,
		p99: r.latency.p99,
		total: r.requests.total,
		non2xx: r.non2xx,
	};
}

let wrkPath: string | null | undefined;
/** wrk's path, or null when it is not installed. */
export async function findWrk(): Promise<string | null> {
	if (wrkPath !== undefined) return wrkPath;
	try {
		await run("wrk", ["--version"]).catch((e: { stdout?: string }) => {
			// wrk --version prints its banner and exits 1.
			if (!String(e.stdout ?? "").includes("wrk")) throw e;
		});
		wrkPath = "wrk";
	} catch {
		wrkPath = null;
	}
	return wrkPath;
}

/** A Lua script for wrk: the request, and a JSON summary printed when done. */
function wrkScript(s: Scenario): string {
	const lua = (v: string) => JSON.stringify(v); // JSON string escapes are valid Lua escapes here
	const lines = [`wrk.method = ${lua(s.method)}`];
	if (s.body !== undefined) lines.push(`wrk.body = ${lua(s.body)}`);
	for (const [k, v] of Object.entries(s.headers)) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
	lines.push(
		"function done(summary, latency, requests)",
		"  local e = summary.errors",
		'  io.write(string.format("\\nRESULT {\\"requests\\":%d,\\"us\\":%d,\\"p50\\":%f,\\"p99\\":%f,\\"errors\\":%d,\\"non2xx\\":%d}\\n",',
		"    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),",
		"    e.connect + e.read + e.write + e.timeout, e.status))",
		"end",
	);
	return `${lines.join("\n")}\n`;
}

let scripts = 0;

/** One wrk run of `s` (its own script file: runs may overlap, see bench/http-pairs.ts). */
export async function withWrk(s: Scenario, seconds: number, connections: number, dir: string) {
	const script = join(dir, `request-${++scripts}.lua`);
	writeFileSync(script, wrkScript(s));
	// One thread: like autocannon, the load generator takes one core of the machine.
	const { stdout } = await run("wrk", [
		"-t1",
		`-c${connections}`,
		`-d${seconds}s`,
		"-s",
		script,
		`${s.server.url}${s.path}`,
	]);
	const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
	if (!line) throw new Error(`${s.name}: no result from wrk:\n${stdout}`);
	const r = JSON.parse(line.slice(7)) as {
		requests: number;
		us: number;
		p50: number;
		p99: number;
		errors: number;
		non2xx: number;
	};
	if (r.errors > 0) throw new Error(`${s.name}: wrk saw ${r.errors} socket errors`);
	return {
		rps: r.requests / (r.us / 1e6),
		p50: r.p50 / 1000,
		p99: r.p99 / 1000,
		total: r.requests,
		non2xx: r.non2xx,
	};
}

/**
 * Every scenario under each load generator, `rounds` times in turn; prints a table per
 * generator of medians over the rounds and returns them (generator → scenario → result).
 */
export async function loadScenarios(
	scenarios: Scenario[],
	options: LoadOptions,
): Promise<Map<string, Map<string, LoadResult>>> {
	const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 3);
	const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 3);
	const connections = options.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 16);
	const dir = mkdtempSync(join(tmpdir(), "gavel-load-"));
	const generators: string[] = ["autocannon"];
	if (process.env.BENCH_WRK !== "0" && (await findWrk())) generators.push("wrk");
	const samples = new Map<string, Map<string, LoadResult[]>>();
	const once = async (g: string, s: Scenario): Promise<LoadResult> => {
		const before = cpuSeconds(s.server.child.pid);
		const m =
			g === "wrk"
				? await withWrk(s, seconds, connections, dir)
				: await withAutocannon(s, seconds, connections);
		if (m.non2xx > 0) throw new Error(`${s.name}: ${m.non2xx} non-2xx`);
		const cpu = cpuSeconds(s.server.child.pid) - before;
		const result = { ...m, cpuUs: (cpu * 1e6) / m.total };
		options.onResult?.(s, result);
		return result;
	};
	const loadBefore = loadAverage();
	try {
		// Warm-up: JIT, token-claims cache, decision cache.
		for (const s of scenarios) await once("autocannon", s);
		for (let r = 0; r < rounds; r++) {
			// Each round starts at another scenario: none always runs first, or right after the
			// heaviest one, when the machine's speed drifts.
			const order = scenarios.map((_, i) => scenarios[(i + r) % scenarios.length]);
			for (const g of generators) {
				for (const s of order) {
					const m = await once(g, s);
					let byName = samples.get(g);
					if (!byName) {
						byName = new Map();
						samples.set(g, byName);
					}
					const list = byName.get(s.name) ?? [];
					list.push(m);
					byName.set(s.name, list);
				}
			}
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	const out = new Map<string, Map<string, LoadResult>>();
	console.log(
		`\nHTTP load: ${rounds} rounds × ${seconds}s, ${connections} connections, medians over rounds; load average before ${loadBefore}, after ${loadAverage()}; ${pinningNote()}`,
	);
	for (const g of generators) {
		const byName = samples.get(g) as Map<string, LoadResult[]>;
		const meds = new Map<string, LoadResult>();
		const floorList = byName.get(options.floor);
		for (const [name, list] of byName) {
			const pick = (f: (x: LoadResult) => number) => median(list.map(f));
			const ratios = (f: (x: LoadResult) => number) =>
				list.map((x, i) => f(x) / f((floorList as LoadResult[])[i]));
			const paired = (f: (x: LoadResult) => number) => median(ratios(f));
			const rps = ratios((x) => x.rps);
			meds.set(name, {
				rps: pick((x) => x.rps),
				p50: pick((x) => x.p50),
				p99: pick((x) => x.p99),
				cpuUs: pick((x) => x.cpuUs),
				total: pick((x) => x.total),
				vsFloor: floorList
					? {
							rps: median(rps),
							cpuUs: paired((x) => x.cpuUs),
							rpsLow: Math.min(...rps),
							rpsHigh: Math.max(...rps),
						}
					: undefined,
			});
		}
		out.set(g, meds);
		console.log(
			`${g.padEnd(28)}   req/s  p50 ms  p99 ms  server CPU µs/req  throughput / CPU vs ${options.floor} (paired by round)`,
		);
		for (const [name, m] of meds) {
			const vs = m.vsFloor
				? `${m.vsFloor.rps.toFixed(2)}× / ${m.vsFloor.cpuUs.toFixed(2)}×  (rounds ${m.vsFloor.rpsLow.toFixed(2)}–${m.vsFloor.rpsHigh.toFixed(2)}×)`
				: "";
			console.log(
				`${name.padEnd(28)} ${m.rps.toFixed(0).padStart(7)} ${m.p50.toFixed(2).padStart(7)} ${m.p99.toFixed(2).padStart(7)} ${m.cpuUs.toFixed(1).padStart(18)}  ${vs}`,
			);
		}
	}
	return out;
}
