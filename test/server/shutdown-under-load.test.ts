// SIGTERM under load while stdout is a pipe nobody reads (a stuck log collector): the process
// must still exit, after the grace period plus the bounded decision-log flush (docs/
// operations.md: at most 2 s), not hang on the blocked pipe. Both ways users start it.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, type Signer, sign } from "./helpers.ts";

let jwks: JwksServer;
let signer: Signer;
let config: string;

beforeAll(async () => {
	signer = await makeSigner("ES256", "load-1");
	jwks = await serveJwks([signer.publicJwk]);
	const dir = mkdtempSync(join(tmpdir(), "gavel-load-stop-"));
	const { sources, data } = repoPolicies();
	const bundle = join(dir, "example.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "load-1" }),
	);
	config = join(dir, "gavel.yaml");
	writeFileSync(
		config,
		[
			"server:",
			"  port: 0",
			"  shutdownGraceSeconds: 1",
			"auth:",
			`  jwksUrl: ${jwks.url}`,
			`  issuer: ${ISSUER}`,
			`  audience: ${AUDIENCE}`,
			"bundle:",
			`  path: ${bundle}`,
			"  watch: false",
			`stateDir: ${dir}`,
			"decisionLog:",
			"  enabled: true",
			"",
		].join("\n"),
	);
});
afterAll(async () => {
	await jwks.close();
});

async function stopUnderLoad(args: string[]): Promise<{ code: number | null; stderr: string }> {
	// stdout is a pipe the test never reads: it fills at 64 KiB and stays full.
	const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
	let stderr = "";
	child.stderr.setEncoding("utf8");
	child.stderr.on("data", (d: string) => {
		stderr += d;
	});
	const closed = new Promise<number | null>((r) => child.on("close", r));
	const url = await new Promise<string>((resolve, reject) => {
		child.stderr.on("data", () => {
			const m = /serving on (http:\/\/[^\s]+)/.exec(stderr);
			if (m) resolve(m[1]);
		});
		child.once("exit", (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
	});
	const token = await sign(signer, { roles: ["admin"] });
	const pad = "p".repeat(2000);
	let running = true;
	let answered = 0;
	// 16 clients in a loop until the server stops answering.
	const clients = Array.from({ length: 16 }, async (_, c) => {
		let i = 0;
		while (running) {
			try {
				const res = await fetch(`${url}/v1/decide`, {
					method: "POST",
					headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
					body: JSON.stringify({ action: "read", context: { c, i: i++, pad } }),
				});
				await res.arrayBuffer();
				answered++;
			} catch {
				return;
			}
		}
	});
	// Enough decision-log lines to fill the pipe several times over before the signal.
	while (answered < 500) await new Promise((r) => setTimeout(r, 20));
	const signalled = Date.now();
	child.kill("SIGTERM");
	const code = await closed;
	running = false;
	await Promise.all(clients);
	stderr += `\n(exited ${Date.now() - signalled} ms after SIGTERM, ${answered} answered)`;
	return { code, stderr };
}

describe("SIGTERM under load with a stdout nobody reads", () => {
	it("gavel serve exits by itself", async () => {
		const r = await stopUnderLoad(["bin/gavel.js", "serve", "--config", config]);
		expect(r.code, r.stderr).toBe(0);
		expect(r.stderr).toMatch(/SIGTERM, shutting down/);
	}, 30_000);

	it("src/node.ts (the container entry point) exits by itself", async () => {
		const r = await stopUnderLoad(["--import", "tsx", "src/node.ts", config]);
		expect(r.code, r.stderr).toBe(0);
	}, 30_000);
});
