// HTTP benchmark: Gavel's POST /v1/decide (real ES256 token verified, the example policy
// evaluated) against a bare Hono endpoint on this machine, measured side by side in one run.
// Rounds alternate between the servers so drift in a shared machine's load hits both; the
// printed figures are medians over rounds and the ratios are what to compare, not absolutes.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { median } from "./measure.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 16;

interface Server {
	child: ChildProcess;
	url: string;
}

function startServer(args: string[]): Promise<Server> {
	const child = spawn(process.execPath, ["--import", "tsx", "bench/http-server.ts", ...args], {
		stdio: ["ignore", "pipe", "inherit"],
	});
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
		lines.once("line", (line) => {
			const { port } = JSON.parse(line) as { port: number };
			resolve({ child, url: `http://127.0.0.1:${port}` });
		});
		child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
	});
}

async function measure(url: string, headers: Record<string, string>, body: string) {
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
	return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

export async function runHttpBench(): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-bench-"));
	const servers: Server[] = [];
	try {
		const { privateKey, publicKey } = await generateKeyPair("ES256");
		const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
		writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [jwk] }));
		const token = await new SignJWT({ sub: "alice", roles: ["user"] })
			.setProtectedHeader({ alg: "ES256", kid: "bench" })
			.setIssuer("https://bench.test")
			.setAudience("gavel-bench")
			.setIssuedAt()
			.setExpirationTime("1h")
			.sign(privateKey);
		const bundle = join(dir, "example.tar.gz");
		const built = spawnSync(
			process.execPath,
			["bin/gavel.js", "build", "policies/example", "-e", "example/allow", "-O", "-o", bundle],
			{ stdio: "inherit" },
		);
		if (built.status !== 0) throw new Error("gavel build failed");
		const config = {
			server: { port: 0 },
			bundle: { path: bundle, watch: false },
			auth: {
				jwksFile: join(dir, "jwks.json"),
				issuer: ["https://bench.test"],
				audience: ["gavel-bench"],
			},
			decisionLog: { enabled: false },
		};
		const gavel = await startServer(["gavel", JSON.stringify(config)]);
		servers.push(gavel);
		const hono = await startServer(["hono"]);
		servers.push(hono);

		const body = JSON.stringify({ action: "read", resource: { id: "doc-1", owner: "alice" } });
		const auth = { authorization: `Bearer ${token}` };
		const scenarios = {
			hono: () => measure(hono.url, auth, body),
			"gavel (cache hit)": () => measure(gavel.url, auth, body),
			"gavel (no cache)": () => measure(gavel.url, { ...auth, "x-gavel-no-cache": "1" }, body),
		};
		// Warm-up: JIT, token-claims cache, decision cache.
		for (const run of Object.values(scenarios)) await run();
		const rows: Record<string, { rps: number[]; p50: number[]; p99: number[] }> = {};
		for (let r = 0; r < ROUNDS; r++) {
			for (const [name, run] of Object.entries(scenarios)) {
				const m = await run();
				rows[name] ??= { rps: [], p50: [], p99: [] };
				rows[name].rps.push(m.rps);
				rows[name].p50.push(m.p50);
				rows[name].p99.push(m.p99);
			}
		}
		const floor = median(rows.hono.rps);
		console.log(
			`\nHTTP: ${ROUNDS} rounds × ${SECONDS}s, ${CONNECTIONS} connections, medians over rounds`,
		);
		console.log("scenario            req/s   p50 ms  p99 ms  throughput vs bare Hono");
		for (const [name, row] of Object.entries(rows)) {
			const rps = median(row.rps);
			console.log(
				`${name.padEnd(18)} ${rps.toFixed(0).padStart(7)} ${median(row.p50).toFixed(1).padStart(7)} ${median(row.p99).toFixed(1).padStart(7)}  ${(rps / floor).toFixed(2)}×`,
			);
		}
	} finally {
		for (const s of servers) s.child.kill("SIGTERM");
		rmSync(dir, { recursive: true, force: true });
	}
}

if (import.meta.url === `file://${process.argv[1]}`) await runHttpBench();
