import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { gavelFixture, type Server, startServer } from "./http-fixture.ts";
import { median } from "./measure.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 16;
/** tracing.sampleRatio of the traced server: 1 (every request) is the most it can cost. */
const TRACE_RATIO = Number(process.env.BENCH_TRACE_RATIO ?? 1);

// Linux's clock ticks per second for /proc/PID/stat (USER_HZ, 100 on every common build).
const CLOCK_TICKS = 100;

/** CPU seconds the process has used (user + system), from /proc; NaN where there is none. */
function cpuSeconds(pid: number | undefined): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// Fields after the parenthesised command name: utime and stime are the 12th and 13th.
		const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
	} catch {
		return Number.NaN;
	}
}

async function measure(server: Server, headers: Record<string, string>, body: string) {
	const { url } = server;
	const cpuBefore = cpuSeconds(server.child.pid);
	const result = await autocannon({
		url: `${url}/v1/decide`,
		method: "POST",
		headers: { "content-type": "application/json", ...headers },
		body,
		connections: CONNECTIONS,
		duration: SECONDS,
	});
	if (result.non2xx > 0 || result.errors > 0) {
		throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
	}
	const cpu = cpuSeconds(server.child.pid) - cpuBefore;
	return {
		// The server's CPU per request: steadier than throughput on a machine others load too.
		cpuUs: (cpu * 1e6) / result.requests.total,
		rps: result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99,
		total: result.requests.total,
	};
}

/** The sink's counts once they stop growing (the exporter may still be catching up). */
async function sinkSettled(url: string) {
	type Count = { exports: number; spans: number; bytes: number };
	let last: Count = { exports: -1, spans: -1, bytes: -1 };
	for (let i = 0; i < 60; i++) {
		const now = (await (await fetch(`${url}/count`)).json()) as Count;
		if (now.spans === last.spans) return now;
		last = now;
		await new Promise((r) => setTimeout(r, 1500));
	}
	return last;
}

export async function runHttpBench(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-bench-"));
	const servers: Server[] = [];
	try {
		const { sign, config } = await gavelFixture(dir);
		const token = await sign({ sub: "alice", roles: ["user"] }, "1h");
		const gavel = await startServer(["gavel", JSON.stringify(config)]);
		servers.push(gavel);
		const hono = await startServer(["hono"]);
		servers.push(hono);
		const sink = await startServer(["otlp"]);
		servers.push(sink);
		const traced = await startServer([
			"gavel",
			JSON.stringify({
				...config,
				// The queue holds a second of spans at these rates, so none is dropped for room.
				tracing: {
					enabled: true,
					endpoint: `${sink.url}/v1/traces`,
					sampleRatio: TRACE_RATIO,
					flushIntervalMs: 1000,
					maxQueueSize: 100_000,
				},
			}),
		]);
		servers.push(traced);

		let tracedTotal = 0;
		const countTraced = async (m: ReturnType<typeof measure>) => {
			const r = await m;
			tracedTotal += r.total;
			return r;
		};
		const body = JSON.stringify({ action: "read", resource: { id: "doc-1", owner: "alice" } });
		const auth = { authorization: `Bearer ${token}` };
		const scenarios = {
			hono: () => measure(hono, auth, body),
			"gavel (cache hit)": () => measure(gavel, auth, body),
			"gavel (no cache)": () => measure(gavel, { ...auth, "x-gavel-no-cache": "1" }, body),
			"traced (cache hit)": () => countTraced(measure(traced, auth, body)),
			"traced (no cache)": () =>
				countTraced(measure(traced, { ...auth, "x-gavel-no-cache": "1" }, body)),
		};
		// Warm-up: JIT, token-claims cache, decision cache.
		for (const run of Object.values(scenarios)) await run();
		const rows: Record<string, { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[] }> =
			{};
		for (let r = 0; r < ROUNDS; r++) {
			for (const [name, run] of Object.entries(scenarios)) {
				const m = await run();
				rows[name] ??= { rps: [], p50: [], p99: [], cpuUs: [] };
				rows[name].rps.push(m.rps);
				rows[name].cpuUs.push(m.cpuUs);
				rows[name].p50.push(m.p50);
				rows[name].p99.push(m.p99);
			}
		}
		const floor = median(rows.hono.rps);
		const exported = await sinkSettled(sink.url);
		console.log(
			`\nHTTP: ${ROUNDS} rounds × ${SECONDS}s, ${CONNECTIONS} connections, medians over rounds; traced: sampleRatio ${TRACE_RATIO}, OTLP/HTTP to a local sink`,
		);
		console.log(
			"scenario            req/s   p50 ms  p99 ms  server CPU µs/req  throughput vs bare Hono",
		);
		for (const [name, row] of Object.entries(rows)) {
			const rps = median(row.rps);
			console.log(
				`${name.padEnd(18)} ${rps.toFixed(0).padStart(7)} ${median(row.p50).toFixed(1).padStart(7)} ${median(row.p99).toFixed(1).padStart(7)} ${median(row.cpuUs).toFixed(0).padStart(18)}  ${(rps / floor).toFixed(2)}×`,
			);
		}
		const ratio = (on: string, off: string) => median(rows[on].rps) / median(rows[off].rps);
		const extra = (on: string, off: string) => median(rows[on].cpuUs) - median(rows[off].cpuUs);
		console.log(
			`tracing on vs off: throughput cache hit ${ratio("traced (cache hit)", "gavel (cache hit)").toFixed(2)}×, no cache ${ratio("traced (no cache)", "gavel (no cache)").toFixed(2)}×; server CPU per request +${extra("traced (cache hit)", "gavel (cache hit)").toFixed(0)} µs (cache hit), +${extra("traced (no cache)", "gavel (no cache)").toFixed(0)} µs (no cache)`,
		);
		console.log(
			`spans exported: ${exported.spans} in ${exported.exports} OTLP requests (${(exported.bytes / 1e6).toFixed(1)} MB) for ${tracedTotal} traced requests (${(exported.spans / tracedTotal).toFixed(2)} per request)`,
		);
	} finally {
		for (const s of servers) s.child.kill("SIGTERM");
		rmSync(dir, { recursive: true, force: true });
	}
}

if (import.meta.url === `file://${process.argv[1]}`) await runHttpBench();
