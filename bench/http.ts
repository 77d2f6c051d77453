import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gavelFixture, type Server, startServer } from "./http-fixture.ts";
import { loadScenarios, type Scenario } from "./http-load.ts";
import { pairedWithFloor } from "./http-pairs.ts";

/** tracing.sampleRatio of the traced server: 1 (every request) is the most it can cost. */
const TRACE_RATIO = Number(process.env.BENCH_TRACE_RATIO ?? 1);

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

/**
 * Bare Hono (and, for scale, the same endpoint on bare node:http), Gavel's /v1/decide
 * with and without the decision cache, /v1/data, forward auth (/v1/authz), and Gavel
 * with tracing on, under autocannon and (when installed) wrk side by side; ratios against
 * bare Hono, p99s, server CPU per request.
 */
export async function runHttpBench(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-bench-"));
	const servers: Server[] = [];
	try {
		const { sign, config } = await gavelFixture(dir);
		const token = await sign({ sub: "alice", roles: ["user"] }, "1h");
		// The example policy lets an admin do anything: a forward-auth GET is allowed (200).
		const adminToken = await sign({ sub: "root", roles: ["admin"] }, "1h");
		const gavel = await startServer(["gavel", JSON.stringify(config)]);
		servers.push(gavel);
		const hono = await startServer(["hono"]);
		servers.push(hono);
		const bareNode = await startServer(["node"]);
		servers.push(bareNode);
		const tracedScenarios = !process.argv.includes("--no-trace");
		const sink = tracedScenarios ? await startServer(["otlp"]) : undefined;
		if (sink) servers.push(sink);
		const traced = sink
			? await startServer([
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
				])
			: undefined;
		if (traced) servers.push(traced);

		const body = JSON.stringify({ action: "read", resource: { id: "doc-1", owner: "alice" } });
		const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
		const noCache = { ...headers, "x-gavel-no-cache": "1" };
		const decide = (name: string, server: Server, h: Record<string, string>): Scenario => ({
			name,
			server,
			method: "POST",
			path: "/v1/decide",
			headers: h,
			body,
		});
		const scenarios: Scenario[] = [
			decide("hono", hono, headers),
			decide("node:http", bareNode, headers),
			decide("gavel (cache hit)", gavel, headers),
			decide("gavel (no cache)", gavel, noCache),
			{
				name: "gavel /v1/data",
				server: gavel,
				method: "POST",
				path: "/v1/data/example/allow",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ input: JSON.parse(body) }),
			},
			{
				// A gateway's forward-auth question (nginx auth_request, Traefik, Envoy HTTP).
				name: "gavel /v1/authz",
				server: gavel,
				method: "GET",
				path: "/v1/authz/documents/doc-1",
				headers: { authorization: `Bearer ${adminToken}` },
			},
		];
		if (traced) {
			scenarios.push(decide("traced (cache hit)", traced, headers));
			scenarios.push(decide("traced (no cache)", traced, noCache));
		}
		let tracedTotal = 0;
		const results = await loadScenarios(scenarios, {
			floor: "hono",
			rounds: Number(process.env.BENCH_ROUNDS ?? 5),
			onResult: (s, r) => {
				if (s.server === traced) tracedTotal += r.total;
			},
		});
		for (const [generator, rows] of results) {
			const floor = rows.get("hono");
			if (!floor) continue;
			const vs = (name: string) => {
				const r = rows.get(name);
				if (!r) return "";
				const ratio = r.vsFloor?.rps ?? r.rps / floor.rps;
				return `${name} ${ratio.toFixed(2)}× (p99 ${r.p99.toFixed(2)} ms)`;
			};
			console.log(
				`${generator}: throughput vs bare Hono (p99 ${floor.p99.toFixed(2)} ms): ${["gavel (no cache)", "gavel (cache hit)", "gavel /v1/data", "gavel /v1/authz", "node:http"].map(vs).join(", ")}`,
			);
			if (!traced) continue;
			const ratio = (on: string, off: string) =>
				((rows.get(on)?.rps ?? Number.NaN) / (rows.get(off)?.rps ?? Number.NaN)).toFixed(2);
			const extra = (on: string, off: string) =>
				((rows.get(on)?.cpuUs ?? Number.NaN) - (rows.get(off)?.cpuUs ?? Number.NaN)).toFixed(0);
			console.log(
				`${generator}: tracing on vs off: throughput cache hit ${ratio("traced (cache hit)", "gavel (cache hit)")}×, no cache ${ratio("traced (no cache)", "gavel (no cache)")}×; server CPU per request +${extra("traced (cache hit)", "gavel (cache hit)")} µs (cache hit), +${extra("traced (no cache)", "gavel (no cache)")} µs (no cache)`,
			);
		}
		// The same comparison with each scenario run at the same time as bare Hono on one core.
		const floor = scenarios[0];
		const compared = scenarios.filter((x) => x !== floor && x.server !== traced);
		const pairs = await pairedWithFloor(floor, compared, {
			rounds: Number(process.env.BENCH_ROUNDS ?? 5),
		});
		if (pairs) {
			console.log(
				"\nwrk, each scenario at the same time as bare Hono on the same core (req/s ratio, range over rounds; server CPU per request ratio):",
			);
			for (const [name, p] of pairs) {
				console.log(
					`${name.padEnd(28)} ${p.rps.toFixed(2)}× (${p.low.toFixed(2)}–${p.high.toFixed(2)}×), CPU ${p.cpu.toFixed(2)}×`,
				);
			}
		}
		if (sink) {
			const exported = await sinkSettled(sink.url);
			console.log(
				`spans exported: ${exported.spans} in ${exported.exports} OTLP requests (${(exported.bytes / 1e6).toFixed(1)} MB) for ${tracedTotal} traced requests (${(exported.spans / tracedTotal).toFixed(2)} per request)`,
			);
		}
	} finally {
		for (const s of servers) s.child.kill("SIGTERM");
		rmSync(dir, { recursive: true, force: true });
	}
}

if (import.meta.url === `file://${process.argv[1]}`) await runHttpBench();
