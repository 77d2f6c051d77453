// A real Prometheus (Debian's) scrapes two real Gavel replicas; every PromQL expression the
// Grafana dashboard and the alert rules use is run through its HTTP API and must return data.
// promtool checks the alert file and runs its unit tests (each alert fires on its condition
// and stays quiet otherwise).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle, repoPolicies } from "../server/build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, sign } from "../server/helpers.ts";
import { ALERTS_FILE, alertRules, dashboardExprs } from "./deploy-files.ts";
import { type Replica, startReplica } from "./replica.ts";

function findTool(name: string): string | undefined {
	for (const dir of (process.env.PATH ?? "").split(":").concat("/usr/bin")) {
		const p = join(dir, name);
		if (dir && existsSync(p)) return p;
	}
	return undefined;
}

const prometheusBin = findTool("prometheus");
const promtoolBin = findTool("promtool");
const inCi = Boolean(process.env.CI);
const available = Boolean(prometheusBin && promtoolBin);

if (!available && !inCi) {
	console.warn(
		"test/deploy/prometheus.test.ts: skipped, prometheus/promtool not installed (apt-get install prometheus; .ci/run does)",
	);
}

describe.runIf(!available && inCi)("Prometheus in CI", () => {
	it("is installed (.ci/run installs Debian's prometheus)", () => {
		expect.fail("prometheus or promtool not found and CI is set: the Prometheus test must run");
	});
});

describe.skipIf(!available)("promtool on deploy/prometheus", () => {
	it("checks the alert rules", () => {
		const out = execFileSync(promtoolBin as string, ["check", "rules", ALERTS_FILE], {
			encoding: "utf8",
		});
		expect(out).toContain(`SUCCESS: ${alertRules().length} rules found`);
	});

	it("passes the alerts' unit tests, which cover every alert", () => {
		const out = execFileSync(
			promtoolBin as string,
			["test", "rules", "deploy/prometheus/gavel-alerts.test.yaml"],
			{ encoding: "utf8" },
		);
		expect(out).toContain("SUCCESS");
		const tests = execFileSync(
			"grep",
			["-o", "alertname: \\w*", "deploy/prometheus/gavel-alerts.test.yaml"],
			{
				encoding: "utf8",
			},
		);
		const tested = new Set(
			tests
				.split("\n")
				.filter(Boolean)
				.map((l) => l.slice(11)),
		);
		expect([...tested].sort()).toEqual(
			alertRules()
				.map((r) => r.alert)
				.sort(),
		);
	});
});

/** A port free on loopback right now (Prometheus needs one named on its command line). */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address() as { port: number };
			s.close(() => resolve(port));
		});
	});
}

/**
 * What an alert rule watches, without its threshold: the expression to the left of a final
 * comparison with a number, and the inside of absent(). A healthy fleet must have data there
 * (a threshold or absent() may rightly make the whole expression empty).
 */
export function alertSignal(expr: string): string {
	let e = expr.trim().replace(/\s*(?:>|<|>=|<=|==|!=)\s*[\d.e+-]+$/, "");
	const absent = /^absent\((.*)\)$/s.exec(e);
	if (absent) e = absent[1];
	return e;
}

interface QueryResult {
	status: string;
	error?: string;
	data?: { resultType: string; result: unknown[] };
}

describe.skipIf(!available)("a real Prometheus scraping two replicas", () => {
	let jwks: JwksServer;
	let replicas: Replica[] = [];
	let prom: ChildProcess | undefined;
	let promUrl = "";
	let promLog = "";
	let traffic: ReturnType<typeof setInterval> | undefined;

	async function query(expr: string): Promise<QueryResult> {
		const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
		return (await res.json()) as QueryResult;
	}

	beforeAll(async () => {
		const signer = await makeSigner("ES256", "prom-1");
		jwks = await serveJwks([signer.publicJwk]);
		const dir = mkdtempSync(join(tmpdir(), "gavel-prom-"));
		const { sources, data } = repoPolicies();
		const bundle = join(dir, "example.tar.gz");
		writeFileSync(
			bundle,
			buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "prom-1" }),
		);
		for (const name of ["a", "b"]) {
			replicas.push(
				await startReplica({
					GAVEL_BUNDLE_PATH: bundle,
					GAVEL_JWKS_URL: jwks.url,
					GAVEL_ISSUER: ISSUER,
					GAVEL_AUDIENCE: AUDIENCE,
					GAVEL_STATE_DIR: mkdtempSync(join(dir, `state-${name}-`)),
				}),
			);
		}
		const admin = await sign(signer, { roles: ["admin"] });
		const user = await sign(signer, { sub: "carol" });
		const decide = (url: string, token: string, body: unknown) =>
			fetch(`${url}/v1/decide`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify(body),
			}).then((r) => r.text());
		// Light, bounded traffic while Prometheus scrapes: allows, denies, cache hits and misses,
		// a rejected token, on both replicas.
		let round = 0;
		const send = () => {
			round++;
			return Promise.all(
				replicas.flatMap((r) => [
					decide(r.url, admin, { action: "delete", resource: { id: `doc-${round}` } }),
					decide(r.url, admin, { action: "delete", resource: { id: "doc-1" } }),
					decide(r.url, user, { action: "delete", resource: { id: "doc-9", owner: "bob" } }),
					fetch(`${r.url}/v1/decide`, {
						method: "POST",
						headers: { authorization: "Bearer x.y.z" },
					}),
				]),
			);
		};
		await send();
		traffic = setInterval(() => {
			if (round < 400) void send().catch(() => {});
		}, 100);

		const port = await freePort();
		promUrl = `http://127.0.0.1:${port}`;
		const config = join(dir, "prometheus.yml");
		const targets = replicas.map((r) => JSON.stringify(new URL(r.url).host)).join(", ");
		writeFileSync(
			config,
			`global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [${JSON.stringify(
				join(process.cwd(), ALERTS_FILE),
			)}]\nscrape_configs:\n  - job_name: gavel\n    static_configs:\n      - targets: [${targets}]\n`,
		);
		prom = spawn(
			prometheusBin as string,
			[
				`--config.file=${config}`,
				`--storage.tsdb.path=${join(dir, "tsdb")}`,
				`--web.listen-address=127.0.0.1:${port}`,
				"--web.enable-lifecycle",
			],
			{ stdio: ["ignore", "ignore", "pipe"] },
		);
		prom.stderr?.on("data", (d) => {
			promLog += d;
		});
		// Ready, then both targets up with enough samples for the rates below (bounded wait).
		const deadline = Date.now() + 60_000;
		for (;;) {
			if (Date.now() > deadline)
				throw new Error(`Prometheus never scraped both replicas:\n${promLog}`);
			if (prom.exitCode !== null) throw new Error(`prometheus exited:\n${promLog}`);
			const up = await query('count_over_time(up{job="gavel"}[30s]) >= 6').catch(() => undefined);
			if (up?.status === "success" && up.data?.result.length === 2) break;
			await new Promise((r) => setTimeout(r, 500));
		}
	}, 120_000);

	afterAll(async () => {
		if (traffic) clearInterval(traffic);
		if (prom && prom.exitCode === null) {
			const exited = new Promise((r) => prom?.once("exit", r));
			prom.kill("SIGTERM");
			await exited;
		}
		await Promise.all(replicas.map((r) => r.stop()));
		replicas = [];
		await jwks?.close();
	});

	it("scrapes both replicas", async () => {
		const up = await query('up{job="gavel"} == 1');
		expect(up.status).toBe("success");
		expect(up.data?.result).toHaveLength(2);
	});

	it("answers every dashboard query with data", async () => {
		const exprs = dashboardExprs();
		expect(exprs.length).toBeGreaterThan(10);
		const empty: string[] = [];
		for (const expr of exprs) {
			const q = expr.replaceAll("$job", "gavel").replaceAll("$__rate_interval", "10s");
			const r = await query(q);
			expect(r.status, `${q}: ${r.error}`).toBe("success");
			if ((r.data?.result.length ?? 0) === 0) empty.push(q);
		}
		expect(empty).toEqual([]);
	});

	it("evaluates every alert expression, and what each watches has data", async () => {
		// A healthy fleet has no 5xx, so no 5xx series exists to watch; promtool's unit tests
		// show that alert firing instead.
		const noSeriesWhenHealthy = new Set(["GavelServerErrors"]);
		const empty: string[] = [];
		for (const rule of alertRules()) {
			const whole = await query(rule.expr);
			expect(whole.status, `${rule.alert}: ${whole.error}`).toBe("success");
			if (noSeriesWhenHealthy.has(rule.alert)) continue;
			const signal = await query(alertSignal(rule.expr));
			expect(signal.status, `${rule.alert}: ${signal.error}`).toBe("success");
			if ((signal.data?.result.length ?? 0) === 0)
				empty.push(`${rule.alert}: ${alertSignal(rule.expr)}`);
		}
		expect(empty).toEqual([]);
	});

	it("loads the alert rules and fires none on a healthy fleet", async () => {
		const res = (await (await fetch(`${promUrl}/api/v1/rules?type=alert`)).json()) as {
			data: { groups: { rules: { name: string; health: string; state: string }[] }[] };
		};
		const rules = res.data.groups.flatMap((g) => g.rules);
		expect(rules.map((r) => r.name).sort()).toEqual(
			alertRules()
				.map((r) => r.alert)
				.sort(),
		);
		for (const r of rules) {
			expect(r.health, r.name).not.toBe("err");
			expect(r.state, r.name).toBe("inactive");
		}
	});
});
