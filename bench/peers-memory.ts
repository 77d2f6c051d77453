// bench:peers memory figures: for data documents of growing size (data.users, n entries), how
// much Wasm memory Gavel's module holds after setData, how much the Gavel server process
// (RSS) and OPA's server (RSS) grow over the same server with no users, per MB of the data's
// JSON, and how long Gavel takes to activate a bundle carrying it (read the .tar.gz, compile
// the module, load the data: what the engine does on every activation) per MB.

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { exportJWK, generateKeyPair } from "jose";
import { loadActivePolicy, policyBundleFromArchive } from "../src/engine/index.ts";
import { setBundleData } from "../src/engine/sdk-data.ts";
import { startServer } from "./http-fixture.ts";
import { median } from "./measure.ts";
import { USERS_REGO, usersData, usersInput } from "./peers-policies.ts";
import { findOpa, opaResult, rssBytes, startOpa } from "./peers-targets.ts";

export interface MemoryOptions {
	dir: string;
	/** Entry counts; a 0 is added as the baseline the growth is measured from. */
	sizes: number[];
	/** Activations timed per size (median). */
	activations: number;
	/** Wait before reading a server's RSS, for start-up garbage to be collected. */
	settleMs: number;
}

export interface MemoryRow {
	users: number;
	jsonBytes: number;
	activationMs: number;
	/** The module's linear memory after setData, and the part of its heap the data took. */
	wasmMemoryBytes: number;
	wasmDataHeapBytes: number;
	gavelRssBytes: number;
	opaRssBytes?: number;
	/** From spawning `opa run --server` to its /health answering. */
	opaReadyMs?: number;
}

const MB = 1e6;

function build(src: string, out: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			["bin/gavel.js", "build", src, "-e", "directory/allow", "-o", out],
			{ stdio: ["ignore", "ignore", "inherit"] },
		);
		child.once("exit", (code) =>
			code === 0 ? resolve() : reject(new Error(`gavel build exited with ${code}`)),
		);
	});
}

async function settledRss(pid: number | undefined, ms: number): Promise<number> {
	await new Promise((r) => setTimeout(r, ms));
	return rssBytes(pid);
}

async function askUsers(url: string, n: number): Promise<unknown> {
	const input = n > 0 ? usersInput(n) : { user: "nobody", role: "r0" };
	const res = await fetch(`${url}/v1/data/directory/allow`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ input }),
	});
	if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
	return opaResult(await res.json());
}

/**
 * Milliseconds per activation of the bundle, timed in a fresh process (this one's heap holds
 * whatever ran before, which would slow the collector down): read the .tar.gz, compile the
 * module, load its data; each activated policy is checked to answer as the data says.
 */
function activationTimes(bundlePath: string, n: number, count: number): Promise<number[]> {
	const self = fileURLToPath(import.meta.url);
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			["--import", "tsx", self, "--activate", bundlePath, String(n), String(count)],
			{ stdio: ["ignore", "pipe", "inherit"] },
		);
		let out = "";
		child.stdout?.on("data", (b: Buffer) => {
			out += b.toString();
		});
		child.once("exit", (code) => {
			if (code !== 0) reject(new Error(`activation timing exited with ${code}`));
			else resolve(JSON.parse(out) as number[]);
		});
	});
}

async function timeActivations(bundlePath: string, n: number, count: number): Promise<number[]> {
	const bytes = readFileSync(bundlePath);
	const want = n > 0;
	const input = want ? usersInput(n) : { user: "nobody", role: "r0" };
	const times: number[] = [];
	for (let i = 0; i < count; i++) {
		const t = performance.now();
		const active = await loadActivePolicy(await policyBundleFromArchive(bytes));
		times.push(performance.now() - t);
		if (active.evaluate("directory/allow", input) !== want) {
			throw new Error(`users ${n}: the activated policy did not answer ${want}`);
		}
	}
	return times;
}

export async function runPeersMemory(
	o: MemoryOptions,
	log: (line: string) => void = () => {},
): Promise<MemoryRow[]> {
	const opa = findOpa();
	mkdirSync(o.dir, { recursive: true });
	// Gavel refuses to start without token keys; only the Data API is asked here.
	const { publicKey } = await generateKeyPair("ES256");
	const jwksFile = join(o.dir, "jwks.json");
	writeFileSync(
		jwksFile,
		JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k" }] }),
	);
	const rows: MemoryRow[] = [];
	const sizes = [0, ...o.sizes.filter((s) => s > 0)];
	const jsonBytes = new Map<number, number>();
	// The bundles are built side by side first: the gavel CLI starts slowly.
	await Promise.all(
		sizes.map((n) => {
			const src = join(o.dir, `users-${n}`);
			mkdirSync(join(src, "users"), { recursive: true });
			mkdirSync(join(src, "directory"), { recursive: true });
			writeFileSync(join(src, "directory", "policy.rego"), USERS_REGO);
			const json = JSON.stringify(usersData(n).users);
			writeFileSync(join(src, "users", "data.json"), json);
			jsonBytes.set(n, Buffer.byteLength(json));
			return build(src, join(o.dir, `users-${n}.tar.gz`));
		}),
	);
	for (const n of sizes) {
		const src = join(o.dir, `users-${n}`);
		const bundlePath = join(o.dir, `users-${n}.tar.gz`);
		const bytes = readFileSync(bundlePath);
		const want = n > 0;

		const times = await activationTimes(bundlePath, n, o.activations);

		const bundle = await policyBundleFromArchive(bytes);
		const policy = await loadPolicy(bundle.module ?? (bundle.wasm as Uint8Array));
		const heap = policy as unknown as { baseHeapPtr: number; dataHeapPtr: number };
		// As the engine loads it: the bundle's own JSON text when it has one (sdk-data.ts).
		setBundleData(policy, bundle);
		const wasmMemoryBytes = policy.mem.buffer.byteLength;
		const wasmDataHeapBytes = heap.dataHeapPtr - heap.baseHeapPtr;

		const gavel = await startServer([
			"gavel",
			JSON.stringify({
				server: { port: 0 },
				auth: { jwksFile },
				bundle: { path: bundlePath, watch: false },
				policy: { default: "directory/allow" },
				decisionLog: { enabled: false },
			}),
		]);
		let gavelRssBytes: number;
		try {
			if ((await askUsers(gavel.url, n)) !== want) throw new Error(`Gavel server, users ${n}`);
			gavelRssBytes = await settledRss(gavel.child.pid, o.settleMs);
		} finally {
			gavel.child.kill("SIGTERM");
		}

		const row: MemoryRow = {
			users: n,
			jsonBytes: jsonBytes.get(n) ?? 0,
			activationMs: median(times),
			wasmMemoryBytes,
			wasmDataHeapBytes,
			gavelRssBytes,
		};
		if (opa) {
			const server = await startOpa(opa, [src]);
			try {
				if ((await askUsers(server.url, n)) !== want) throw new Error(`OPA server, users ${n}`);
				row.opaRssBytes = await settledRss(server.child.pid, o.settleMs);
				row.opaReadyMs = server.readyMs;
			} finally {
				server.stop();
			}
		}
		rows.push(row);
		log(`memory: ${n} users done`);
	}
	return rows;
}

export function formatMemoryRows(rows: MemoryRow[], opaMissing?: string): string {
	const base = rows.find((r) => r.users === 0);
	const lines = [
		"Memory: data.users of n entries (JSON MB = 10^6 bytes); growth over the same server with 0 users, per MB of JSON",
		"   users  JSON MB  activation ms  ms/MB  Wasm mem MB  Wasm data heap ×JSON  Gavel RSS MB  ΔRSS ×JSON  OPA RSS MB  ΔRSS ×JSON  OPA ready ms",
	];
	const f = (x: number | undefined, d: number, w: number) =>
		(x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(d)).padStart(w);
	for (const r of rows) {
		const mb = r.jsonBytes / MB;
		const per = (x: number | undefined, x0: number | undefined) =>
			r.users === 0 || x === undefined || x0 === undefined ? undefined : (x - x0) / r.jsonBytes;
		lines.push(
			[
				f(r.users, 0, 8),
				f(mb, 2, 8),
				f(r.activationMs, 1, 14),
				f(r.users === 0 ? undefined : (r.activationMs - (base?.activationMs ?? 0)) / mb, 1, 6),
				f(r.wasmMemoryBytes / MB, 1, 12),
				f(per(r.wasmDataHeapBytes, base?.wasmDataHeapBytes), 1, 21),
				f(r.gavelRssBytes / MB, 1, 13),
				f(per(r.gavelRssBytes, base?.gavelRssBytes), 1, 11),
				f(r.opaRssBytes === undefined ? undefined : r.opaRssBytes / MB, 1, 11),
				f(per(r.opaRssBytes, base?.opaRssBytes), 1, 11),
				f(r.opaReadyMs, 0, 13),
			].join(" "),
		);
	}
	if (opaMissing) lines.push(`OPA columns skipped: ${opaMissing}`);
	return lines.join("\n");
}

// The child process activationTimes starts: prints the times as JSON.
if (process.argv[2] === "--activate" && process.argv[1] === fileURLToPath(import.meta.url)) {
	const [path, n, count] = process.argv.slice(3);
	console.log(JSON.stringify(await timeActivations(path, Number(n), Number(count))));
}
