// Soak: one Gavel process under steady load for a while (`npm run bench:soak`; SOAK_SECONDS,
// default 600), with the decision cache both hit and bypassed and a share of requests that
// must be denied or refused, sampling the server's RSS every few seconds. It prints the
// requests served, the errors (non-2xx/4xx answers, socket errors, timeouts) and whether the
// RSS stayed flat: the last minute's median against the first minute's after warm-up.
// Loopback only; it stops by itself.

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { gavelFixture, startServer } from "./http-fixture.ts";
import { median } from "./measure.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
const SAMPLE_MS = 5000;

function rssMiB(pid: number | undefined): number {
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
		return kb ? Number(kb[1]) / 1024 : Number.NaN;
	} catch {
		return Number.NaN;
	}
}

const dir = mkdtempSync(join(tmpdir(), "gavel-soak-"));
let server: ChildProcess | undefined;
try {
	const { sign, config } = await gavelFixture(dir);
	const admin = await sign({ sub: "alice", roles: ["admin"] }, "2h");
	const user = await sign({ sub: "bob", roles: ["user"] }, "2h");
	const gavel = await startServer(["gavel", JSON.stringify(config)]);
	server = gavel.child;
	const decide = (token: string | undefined, resource: unknown, noCache = false) => ({
		method: "POST" as const,
		path: "/v1/decide",
		headers: {
			"content-type": "application/json",
			...(token ? { authorization: `Bearer ${token}` } : {}),
			...(noCache ? { "x-gavel-no-cache": "1" } : {}),
		},
		body: JSON.stringify({ action: "delete", resource }),
	});
	let n = 0;
	// Fresh resource ids keep the cache filling and evicting; a bad token and a malformed body
	// keep the refusal paths busy too.
	const requests: autocannon.Request[] = [
		decide(admin, { id: "doc-1", owner: "bob" }),
		decide(user, { id: "doc-2", owner: "alice" }, true),
		{
			...decide(admin, { id: "x", owner: "bob" }),
			setupRequest: (req: autocannon.Request) => ({
				...req,
				body: JSON.stringify({ action: "read", resource: { id: `doc-${n++}`, owner: "bob" } }),
			}),
		},
		decide(`${admin}x`, { id: "doc-3", owner: "bob" }),
		{ ...decide(admin, {}), body: "{not json" },
	];

	const samples: { t: number; rss: number }[] = [];
	const started = Date.now();
	const sampler = setInterval(() => {
		samples.push({ t: (Date.now() - started) / 1000, rss: rssMiB(server?.pid) });
	}, SAMPLE_MS);
	const status: Record<string, number> = {};
	const result = await autocannon({
		url: gavel.url,
		connections: CONNECTIONS,
		duration: SECONDS,
		requests,
		setupClient: (client) => {
			client.on("response", (statusCode: number) => {
				const k = `${Math.floor(statusCode / 100)}xx`;
				status[k] = (status[k] ?? 0) + 1;
			});
		},
	});
	clearInterval(sampler);
	const alive = server.exitCode === null;
	const window = (from: number, to: number) =>
		median(samples.filter((s) => s.t >= from && s.t < to).map((s) => s.rss));
	const warm = Math.min(60, SECONDS / 4);
	const early = window(warm, warm + 60);
	const late = window(SECONDS - 60, SECONDS + 1);
	console.log(
		`soak: ${SECONDS}s, ${CONNECTIONS} connections, load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
	);
	console.log(
		`requests ${result.requests.total} (${result.requests.average.toFixed(0)} req/s mean), answers by class ${JSON.stringify(status)}, 5xx ${status["5xx"] ?? 0}, socket errors ${result.errors}, timeouts ${result.timeouts}, server ${alive ? "alive" : "DEAD"}`,
	);
	console.log(
		`RSS MiB: first minute after warm-up ${early.toFixed(0)}, last minute ${late.toFixed(0)}, max ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} (${samples.length} samples)`,
	);
	if (!alive || (status["5xx"] ?? 0) > 0 || result.errors > 0) process.exitCode = 1;
} finally {
	server?.kill("SIGTERM");
	rmSync(dir, { recursive: true, force: true });
}
