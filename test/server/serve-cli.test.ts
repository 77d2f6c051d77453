// `gavel serve` as users run it: a separate process, here with --workers 2 (node:cluster),
// answering over HTTP, and shutting down cleanly on SIGTERM.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, type Signer, sign } from "./helpers.ts";

let jwks: JwksServer;
let signer: Signer;
let child: ChildProcess;
let stderr = "";
let url = "";

beforeAll(async () => {
	signer = await makeSigner("ES256", "cli-1");
	jwks = await serveJwks([signer.publicJwk]);
	const dir = mkdtempSync(join(tmpdir(), "gavel-cli-"));
	const { sources, data } = repoPolicies();
	const bundle = join(dir, "example.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "cli-1" }),
	);
	const config = join(dir, "gavel.yaml");
	writeFileSync(
		config,
		`auth:\n  issuer: ${ISSUER}\n  audience: ${AUDIENCE}\ndecisionLog:\n  enabled: false\n`,
	);
	child = spawn(
		process.execPath,
		[
			"bin/gavel.js",
			"serve",
			"--config",
			config,
			"--bundle",
			bundle,
			"--port",
			"0",
			"--workers",
			"2",
		],
		{
			env: { ...process.env, GAVEL_JWKS_URL: jwks.url, GAVEL_STATE_DIR: dir },
			stdio: ["ignore", "ignore", "pipe"],
		},
	);
	child.stderr?.on("data", (d) => {
		stderr += d;
	});
	// Both workers report the port they serve on.
	await new Promise<void>((resolve, reject) => {
		const check = () => {
			const ports = [...stderr.matchAll(/serving on (http:\/\/127\.0\.0\.1:\d+)/g)].map(
				(m) => m[1],
			);
			if (ports.length >= 2) {
				url = ports[0];
				resolve();
			}
		};
		child.stderr?.on("data", check);
		child.once("exit", (code) =>
			reject(new Error(`gavel serve exited early (${code}): ${stderr}`)),
		);
	});
});
afterAll(async () => {
	if (child.exitCode === null) child.kill("SIGKILL");
	await jwks.close();
});

describe("gavel serve --workers 2", () => {
	it("serves decisions from two processes sharing one port", async () => {
		const ports = new Set(
			[...stderr.matchAll(/serving on http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => m[1]),
		);
		expect(ports.size).toBe(1);
		expect((await fetch(`${url}/health`)).status).toBe(200);
		const token = await sign(signer, { roles: ["admin"] });
		const res = await fetch(`${url}/v1/decide`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify({ action: "delete" }),
		});
		expect(await res.json()).toMatchObject({ allow: true, revision: "cli-1" });
	});

	it("shuts down cleanly on SIGTERM", async () => {
		const exited = new Promise<number | null>((resolve) =>
			child.once("exit", (code) => resolve(code)),
		);
		child.kill("SIGTERM");
		expect(await exited).toBe(0);
		expect(stderr).toMatch(/SIGTERM, stopping 2 workers/);
	});
});
