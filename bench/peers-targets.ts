// The peers npm run bench:peers measures Gavel against, as processes: OPA's server
// (`opa run --server`, its Go evaluator, no decision logs) and Cerbos's server (the binary of
// the @cerbos/cerbos-linux-x64 npm package, installed into the cache by
// scripts/install-cerbos.sh), plus what reads a process's CPU time and RSS from /proc.
// Either binary may be absent: findCerbos() says so and the rows are skipped with a reason.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

export { findOpa, OPA_INSTALL_HINT } from "../test/opa.ts";

export const CERBOS_VERSION = "0.55.0";
export const CERBOS_INSTALL_HINT =
	"npm run cerbos:install (npm install of @cerbos/cerbos-linux-x64 into the cache folder)";

/** $CERBOS_BIN, else the cache folder scripts/install-cerbos.sh fills; null when neither runs. */
export function findCerbos(): string | null {
	const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
	const dir = process.env.GAVEL_CERBOS_DIR || join(cache, "gavel", `cerbos-${CERBOS_VERSION}`);
	const candidates = [
		process.env.CERBOS_BIN,
		join(dir, "node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64"),
	];
	for (const c of candidates) {
		if (!c || !existsSync(c)) continue;
		try {
			execFileSync(c, ["--version"], { encoding: "utf8", timeout: 10_000 });
			return c;
		} catch {}
	}
	return null;
}

export interface Proc {
	child: ChildProcess;
	url: string;
	stop(): void;
}

/** A port free right now on 127.0.0.1 (for servers that cannot be told to pick one). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const address = s.address();
			const port = typeof address === "object" && address ? address.port : 0;
			s.close(() => resolve(port));
		});
	});
}

/** Polls `url` until it answers 200; rejects when the process exits or after `timeoutMs`. */
async function waitReady(child: ChildProcess, url: string, timeoutMs: number, log: () => string) {
	const deadline = Date.now() + timeoutMs;
	let exited: number | null = null;
	child.once("exit", (code) => {
		exited = code ?? -1;
	});
	while (Date.now() < deadline) {
		if (exited !== null) throw new Error(`exited with ${exited} before ready: ${log()}`);
		try {
			if ((await fetch(url)).ok) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`not ready after ${timeoutMs} ms: ${log()}`);
}

function spawnLogged(bin: string, args: string[], env?: NodeJS.ProcessEnv) {
	const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], env });
	let stderr = "";
	child.stderr?.on("data", (b: Buffer) => {
		stderr = (stderr + b.toString()).slice(-2000);
	});
	return { child, log: () => stderr.trim() };
}

/** `opa run --server` on the given policy and data paths, ready to answer. */
export async function startOpa(opa: string, paths: string[]): Promise<Proc & { readyMs: number }> {
	const port = await freePort();
	const t0 = performance.now();
	// No configuration: no decision logs, no status or bundle plugins; telemetry off.
	const { child, log } = spawnLogged(opa, [
		"run",
		"--server",
		"--addr",
		`127.0.0.1:${port}`,
		"--disable-telemetry",
		"--log-level",
		"error",
		...paths,
	]);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitReady(child, `${url}/health`, 60_000, log);
	} catch (e) {
		child.kill("SIGKILL");
		throw new Error(`opa run --server: ${(e as Error).message}`);
	}
	return { child, url, readyMs: performance.now() - t0, stop: () => child.kill("SIGTERM") };
}

/** `cerbos server` on a folder of policies: disk store, no watching, no audit log. */
export async function startCerbos(cerbos: string, policyDir: string, workDir: string) {
	const http = await freePort();
	const grpc = await freePort();
	const config = join(workDir, "cerbos.yaml");
	writeFileSync(
		config,
		`server:
  httpListenAddr: "127.0.0.1:${http}"
  grpcListenAddr: "127.0.0.1:${grpc}"
storage:
  driver: disk
  disk:
    directory: ${JSON.stringify(policyDir)}
    watchForChanges: false
audit:
  enabled: false
`,
	);
	const { child, log } = spawnLogged(cerbos, ["server", `--config=${config}`], {
		...process.env,
		CERBOS_NO_TELEMETRY: "1",
	});
	const url = `http://127.0.0.1:${http}`;
	try {
		await waitReady(child, `${url}/_cerbos/health`, 60_000, log);
	} catch (e) {
		child.kill("SIGKILL");
		throw new Error(`cerbos server: ${(e as Error).message}`);
	}
	return { child, url, stop: () => child.kill("SIGTERM") } satisfies Proc;
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

/** The process's resident set size in bytes (VmRSS), NaN where /proc has none. */
export function rssBytes(pid: number | undefined): number {
	try {
		const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return m ? Number(m[1]) * 1024 : Number.NaN;
	} catch {
		return Number.NaN;
	}
}

/** Reads OPA's Data API answer: `{"result": …}`; undefined when the document is. */
export function opaResult(body: unknown): unknown {
	if (typeof body !== "object" || body === null) throw new Error(`not an OPA answer: ${body}`);
	return (body as { result?: unknown }).result;
}

/** Reads Cerbos's check answer for one resource and action: true for EFFECT_ALLOW. */
export function cerbosAllowed(body: unknown, action: string): boolean {
	const results = (body as { results?: { actions?: Record<string, string> }[] })?.results;
	const effect = results?.[0]?.actions?.[action];
	if (effect !== "EFFECT_ALLOW" && effect !== "EFFECT_DENY") {
		throw new Error(`not a Cerbos check answer for ${action}: ${JSON.stringify(body)}`);
	}
	return effect === "EFFECT_ALLOW";
}

/** Reads `opa bench --format json` output: Go's testing.BenchmarkResult. */
export function opaBenchNsPerOp(stdout: string): { nsPerOp: number; n: number } {
	const r = JSON.parse(stdout) as { N?: unknown; T?: unknown };
	if (typeof r.N !== "number" || typeof r.T !== "number" || r.N <= 0) {
		throw new Error(`not opa bench JSON output: ${stdout.slice(0, 200)}`);
	}
	return { nsPerOp: r.T / r.N, n: r.N };
}
