// callerAuth.mode "none" trusts whoever can connect to the Data API and AuthZEN. On loopback
// that is only this machine (the default); on any other listen address `gavel serve` refuses
// to start unless callerAuth.allowUnauthenticated says so, and then warns on stderr.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../src/server/config.ts";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner } from "./helpers.ts";

let jwks: JwksServer;
let dir: string;
let bundle: string;

beforeAll(async () => {
	const signer = await makeSigner("ES256", "exposure-1");
	jwks = await serveJwks([signer.publicJwk]);
	dir = mkdtempSync(join(tmpdir(), "gavel-exposure-"));
	const { sources, data } = repoPolicies();
	bundle = join(dir, "example.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "exp-1" }),
	);
});
afterAll(async () => {
	await jwks.close();
});

/** `gavel serve` with this config; resolves on exit, or once it serves (then SIGTERMs it). */
function serve(
	extraConfig: string,
	host: string,
): Promise<{ code: number | null; stderr: string; url?: string; dataStatus?: number }> {
	const config = join(dir, `gavel-${Math.random().toString(36).slice(2)}.yaml`);
	writeFileSync(
		config,
		`auth:\n  jwksUrl: ${jwks.url}\n  issuer: ${ISSUER}\n  audience: ${AUDIENCE}\ndecisionLog:\n  enabled: false\nstateDir: ${dir}\n${extraConfig}`,
	);
	return start(
		["serve", "--config", config, "--bundle", bundle, "--host", host, "--port", "0"],
		process.env,
	);
}

/** `gavel ARGS`; resolves on exit, or once it serves (then SIGTERMs it). */
function start(
	args: string[],
	env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string; url?: string; dataStatus?: number }> {
	const child = spawn(process.execPath, ["bin/gavel.js", ...args], {
		stdio: ["ignore", "ignore", "pipe"],
		env,
	});
	let stderr = "";
	let url: string | undefined;
	let dataStatus: number | undefined;
	child.stderr.setEncoding("utf8");
	child.stderr.on("data", (d: string) => {
		stderr += d;
		const m = /serving on http:\/\/(?:\[[^\]]*\]|[^\s:"]+):(\d+)/.exec(stderr);
		if (m && url === undefined) {
			// Whatever the listen address, the test only ever sends to loopback.
			url = `http://127.0.0.1:${m[1]}`;
			void fetch(`${url}/v1/data/example`).then(
				(r) => {
					dataStatus = r.status;
					child.kill("SIGTERM");
				},
				() => child.kill("SIGTERM"),
			);
		}
	});
	return new Promise((resolve) =>
		child.on("close", (code) => resolve({ code, stderr, url, dataStatus })),
	);
}

describe("callerAuth.mode none on a non-loopback address", () => {
	it("knows which listen addresses are loopback", () => {
		for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"])
			expect(isLoopbackHost(h), h).toBe(true);
		for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "gavel.internal", ""])
			expect(isLoopbackHost(h), h).toBe(false);
	});

	it("refuses to start on 0.0.0.0 without callerAuth.allowUnauthenticated, naming the setting", async () => {
		const r = await serve("", "0.0.0.0");
		expect(r.code).toBe(2);
		expect(r.url).toBeUndefined();
		expect(r.stderr).toMatch(/callerAuth\.allowUnauthenticated/);
		expect(r.stderr).toMatch(/callerAuth\.mode/);
	}, 30_000);

	it("starts on 0.0.0.0 with allowUnauthenticated: true, with a warning line", async () => {
		const r = await serve("callerAuth:\n  mode: none\n  allowUnauthenticated: true\n", "0.0.0.0");
		expect(r.url, r.stderr).toBeDefined();
		expect(r.dataStatus).toBe(200);
		expect(r.code).toBe(0);
		expect(r.stderr).toMatch(/WARNING: callerAuth\.mode is "none" on 0\.0\.0\.0/);
	}, 30_000);

	it("starts on a non-loopback address with caller credentials required, without the warning", async () => {
		const r = await serve("callerAuth:\n  mode: api-key\n  apiKeys: [k1]\n", "0.0.0.0");
		expect(r.url, r.stderr).toBeDefined();
		expect(r.dataStatus).toBe(401);
		expect(r.stderr).not.toMatch(/WARNING/);
	}, 30_000);

	it("gavel run --addr :PORT (OPA's container command) needs GAVEL_ALLOW_UNAUTHENTICATED=true", async () => {
		const args = ["run", "--server", "--addr", ":0", bundle];
		const env = { ...process.env, GAVEL_STATE_DIR: dir, GAVEL_DECISION_LOG: "false" };
		const refused = await start(args, env);
		expect(refused.code).toBe(2);
		expect(refused.url).toBeUndefined();
		expect(refused.stderr).toMatch(/GAVEL_ALLOW_UNAUTHENTICATED=true/);
		const r = await start(args, { ...env, GAVEL_ALLOW_UNAUTHENTICATED: "true" });
		expect(r.url, r.stderr).toBeDefined();
		expect(r.dataStatus).toBe(200);
		expect(r.stderr).toMatch(/WARNING: callerAuth\.mode is \\?"none\\?"/);
	}, 60_000);

	it("keeps the loopback default: mode none on 127.0.0.1 starts without a warning", async () => {
		const r = await serve("", "127.0.0.1");
		expect(r.dataStatus).toBe(200);
		expect(r.code).toBe(0);
		expect(r.stderr).not.toMatch(/WARNING/);
	}, 30_000);
});
