// Shutdown must not hang on the decision log: a container whose stdout nobody reads (a stuck
// log collector) still exits on SIGTERM, the undelivered lines counted on stderr. Lines the
// full stdout buffer dropped before that show in /metrics as
// gavel_decision_log_dropped_total{sink="stdout"}.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, parseMetrics, sign } from "./helpers.ts";

let jwks: JwksServer | undefined;
afterAll(async () => {
	await jwks?.close();
});

describe("SIGTERM with a stdout that is never read", () => {
	it("counts the lines the full buffer dropped in /metrics, then exits by itself on SIGTERM, reporting the bytes it gave up on", async () => {
		const signer = await makeSigner("ES256", "stuck-1");
		jwks = await serveJwks([signer.publicJwk]);
		const dir = mkdtempSync(join(tmpdir(), "gavel-stuck-"));
		const { sources, data } = repoPolicies();
		const bundle = join(dir, "example.tar.gz");
		writeFileSync(
			bundle,
			buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "stuck-1" }),
		);
		const config = join(dir, "gavel.yaml");
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
				`stateDir: ${dir}`,
				"decisionLog:",
				"  enabled: true",
				"",
			].join("\n"),
		);
		// stdout is a pipe the test never reads: it fills at 64 KiB and stays full.
		const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts", config], {
			stdio: ["ignore", "pipe", "pipe"],
		});
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
		const series = 'gavel_decision_log_dropped_total{sink="stdout"}';
		const scrape = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());
		expect((await scrape()).get(series)).toBe(0);
		const token = await sign(signer, { roles: ["admin"] });
		// ~18 MB of decision-log lines against the 16 MiB stdout buffer (and a 64 KiB pipe):
		// 20 decisions whose logged input carries 900 KB each.
		const blob = "z".repeat(900 * 1024);
		for (let i = 0; i < 20; i++) {
			const res = await fetch(`${url}/v1/decide`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify({ action: "read", context: { blob, i } }),
			});
			expect(res.status).toBe(200);
		}
		const dropped = (await scrape()).get(series) ?? 0;
		// At most 18 lines fit in the buffer; the pipe is full after the first.
		expect(dropped).toBeGreaterThanOrEqual(2);
		expect(dropped).toBeLessThan(20);
		child.kill("SIGTERM");
		expect(await closed).toBe(0);
		const m = /dropped (\d+) bytes of decision log/.exec(stderr);
		expect(m, stderr).not.toBeNull();
		expect(Number(m?.[1])).toBeGreaterThan(1024 * 1024);
	}, 60_000);
});
