// bench:peers over HTTP: a bare Hono endpoint, Gavel's /v1/decide (a verified token; the
// decision cache bypassed, then hit) and /v1/data, OPA's server and Cerbos's server, on the same
// RBAC rules and on a policy of many rules (issue 12's shape). One load generator
// (autocannon, in this process), every target in its own process, rounds rotating over the
// scenarios so load that drifts hits them alike; medians over rounds, and each scenario's
// throughput against OPA's as the median of per-round ratios.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { gavelFixture, type Server, startServer } from "./http-fixture.ts";
import { median } from "./measure.ts";
import {
	cerbosCheck,
	GRANTS,
	httpCases,
	manyRulesCerbos,
	manyRulesRego,
	type PolicyCase,
	type Question,
	RBAC_REGO,
	rbacCerbos,
} from "./peers-policies.ts";
import {
	CERBOS_INSTALL_HINT,
	cerbosAllowed,
	cpuSeconds,
	findCerbos,
	findOpa,
	OPA_INSTALL_HINT,
	opaResult,
	type Proc,
	startCerbos,
	startOpa,
} from "./peers-targets.ts";

export interface HttpOptions {
	dir: string;
	rounds: number;
	/** Seconds per measurement (autocannon's duration: it stops on a 1 s tick, so at least 1). */
	seconds: number;
	/** A short measurement of every scenario before the rounds (default true). */
	warmUp?: boolean;
	connections: number;
	/** Rules in the many-rules policy. */
	rules: number;
}

export interface HttpRow {
	policy: string;
	target: string;
	/** Why the row has no figures (a binary is missing, a server did not start). */
	skipped?: string;
	rps?: number;
	p50?: number;
	p99?: number;
	/** The server's CPU time per request (all its threads), from /proc. */
	cpuUs?: number;
	/** Median of per-round ratios of this row's req/s to OPA's server on the same policy. */
	vsOpa?: number;
}

interface Request {
	path: string;
	headers: Record<string, string>;
	body: string;
}

interface Scenario {
	policy: string;
	target: string;
	url: string;
	pid: number | undefined;
	request: Request;
	/** Reads the answer to a question: allowed or not; throws when it is no answer. */
	check?: (q: Question) => Promise<boolean>;
}

interface Sample {
	rps: number;
	p50: number;
	p99: number;
	cpuUs: number;
}

const json = { "content-type": "application/json" };

/** The rule sets on disk: Rego for Gavel and OPA, YAML for Cerbos. */
function writePolicies(dir: string, rules: number) {
	const rego = join(dir, "rego");
	const cerbos = join(dir, "cerbos");
	for (const d of [join(rego, "peers"), join(rego, "rules"), cerbos]) {
		mkdirSync(d, { recursive: true });
	}
	writeFileSync(join(rego, "peers", "policy.rego"), RBAC_REGO);
	writeFileSync(join(rego, "peers", "data.json"), JSON.stringify({ grants: GRANTS }));
	writeFileSync(join(rego, "rules", "policy.rego"), manyRulesRego(rules));
	writeFileSync(join(cerbos, "document.yaml"), rbacCerbos());
	writeFileSync(join(cerbos, "route.yaml"), manyRulesCerbos(rules));
	return { rego, cerbos };
}

function gavelBuild(src: string, out: string, entrypoints: string[]): Promise<void> {
	const args = ["bin/gavel.js", "build", src, "-O", "-o", out];
	for (const e of entrypoints) args.push("-e", e);
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
		child.once("exit", (code) =>
			code === 0 ? resolve() : reject(new Error(`gavel build exited with ${code}`)),
		);
	});
}

async function post(url: string, r: Request): Promise<unknown> {
	const res = await fetch(url + r.path, { method: "POST", headers: r.headers, body: r.body });
	const text = await res.text();
	if (!res.ok) throw new Error(`${url}${r.path}: ${res.status} ${text.slice(0, 300)}`);
	return JSON.parse(text);
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function measure(s: Scenario, o: HttpOptions, warmUp = false): Promise<Sample> {
	const seconds = warmUp ? Math.min(1, o.seconds) : o.seconds;
	const cpuBefore = cpuSeconds(s.pid);
	// Latencies from each response's own timing (fractional ms): autocannon's histogram keeps
	// whole milliseconds, too coarse for answers that take a fraction of one.
	const times: number[] = [];
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		const instance = autocannon(
			{
				url: s.url + s.request.path,
				method: "POST",
				headers: s.request.headers,
				body: s.request.body,
				connections: o.connections,
				duration: seconds,
			},
			(err, r) => (err ? reject(err) : resolve(r)),
		);
		instance.on("response", (_client, statusCode, _bytes, responseTime) => {
			if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
		});
	});
	if (result.non2xx > 0 || result.errors > 0 || result.requests.total === 0) {
		throw new Error(
			`${s.target} (${s.policy}): ${result.non2xx} non-2xx, ${result.errors} errors of ${result.requests.total}`,
		);
	}
	const cpu = cpuSeconds(s.pid) - cpuBefore;
	const sorted = Float64Array.from(times).sort();
	return {
		rps: result.requests.total / (result.duration || seconds),
		p50: quantile(sorted, 0.5),
		p99: quantile(sorted, 0.99),
		cpuUs: (cpu * 1e6) / result.requests.total,
	};
}

export async function runPeersHttp(
	o: HttpOptions,
	log: (line: string) => void = () => {},
): Promise<HttpRow[]> {
	const paths = writePolicies(o.dir, o.rules);
	const cases = httpCases(o.rules);
	const entrypoints = cases.map((c) => c.entrypoint);
	const bundle = join(o.dir, "peers.tar.gz");
	const procs: { stop(): void }[] = [];
	const skipped: HttpRow[] = [];
	try {
		const [{ sign, config }] = await Promise.all([
			gavelFixture(o.dir),
			gavelBuild(paths.rego, bundle, entrypoints),
		]);
		// Started side by side; each is stopped at the end even when another failed to start.
		const started = <T extends { stop(): void }>(p: Promise<T>) =>
			p.then((x) => {
				procs.push(x);
				return x;
			});
		const asProc = (s: Server) => ({ ...s, stop: () => s.child.kill("SIGTERM") });
		const opaBin = findOpa();
		if (!opaBin)
			skipped.push({
				policy: "*",
				target: "OPA server",
				skipped: `not found; ${OPA_INSTALL_HINT}`,
			});
		const cerbosBin = findCerbos();
		if (!cerbosBin) {
			skipped.push({ policy: "*", target: "Cerbos", skipped: `not found; ${CERBOS_INSTALL_HINT}` });
		}
		const results = await Promise.allSettled([
			started(
				startServer([
					"gavel",
					JSON.stringify({
						...config,
						bundle: { path: bundle, watch: false },
						policy: { default: entrypoints[0], decideEntrypoints: entrypoints },
					}),
				]).then(asProc),
			),
			started(startServer(["hono"]).then(asProc)),
			opaBin ? started(startOpa(opaBin, [paths.rego])) : undefined,
			cerbosBin ? started(startCerbos(cerbosBin, paths.cerbos, o.dir)) : undefined,
		]);
		for (const r of results) if (r.status === "rejected") throw r.reason;
		const value = <T>(r: PromiseSettledResult<T>) =>
			r.status === "fulfilled" ? r.value : undefined;
		const gavel = value(results[0]) as Proc;
		const hono = value(results[1]) as Proc;
		const opa = value(results[2]);
		const cerbos = value(results[3]);

		const tokens = new Map<Question, string>();
		for (const c of cases) {
			for (const q of [c.allowed, c.denied]) tokens.set(q, await sign(q.subject, "1h"));
		}
		const decideRequest = (c: PolicyCase, q: Question, noCache: boolean): Request => ({
			path: "/v1/decide",
			headers: {
				...json,
				authorization: `Bearer ${tokens.get(q)}`,
				...(noCache ? { "x-gavel-no-cache": "1" } : {}),
			},
			body: JSON.stringify({ policy: c.entrypoint, action: q.action, resource: q.resource }),
		});
		const dataRequest = (c: PolicyCase, q: Question): Request => ({
			path: `/v1/data/${c.entrypoint}`,
			headers: json,
			body: JSON.stringify({ input: q }),
		});
		const cerbosRequest = (c: PolicyCase, q: Question): Request => ({
			path: "/api/check/resources",
			headers: json,
			body: cerbosCheck(c.kind, q),
		});

		const scenarios: Scenario[] = [
			{
				policy: "(none)",
				target: "bare Hono",
				url: hono.url,
				pid: hono.child.pid,
				// The floor parses the body and answers every request alike: nothing to check.
				request: decideRequest(cases[0], cases[0].allowed, false),
			},
		];
		for (const c of cases) {
			const decide = (noCache: boolean) => async (q: Question) => {
				const r = (await post(gavel.url, decideRequest(c, q, noCache))) as { allow?: unknown };
				if (typeof r.allow !== "boolean") throw new Error(`/v1/decide: ${JSON.stringify(r)}`);
				return r.allow;
			};
			scenarios.push(
				{
					policy: c.name,
					target: "Gavel /v1/decide (no cache)",
					url: gavel.url,
					pid: gavel.child.pid,
					request: decideRequest(c, c.allowed, true),
					check: decide(true),
				},
				{
					policy: c.name,
					target: "Gavel /v1/decide (cache hit)",
					url: gavel.url,
					pid: gavel.child.pid,
					request: decideRequest(c, c.allowed, false),
					check: decide(false),
				},
				{
					policy: c.name,
					target: "Gavel /v1/data",
					url: gavel.url,
					pid: gavel.child.pid,
					request: dataRequest(c, c.allowed),
					check: async (q) => opaResult(await post(gavel.url, dataRequest(c, q))) === true,
				},
			);
			if (opa) {
				const { url, child } = opa;
				scenarios.push({
					policy: c.name,
					target: "OPA server",
					url,
					pid: child.pid,
					request: dataRequest(c, c.allowed),
					check: async (q) => opaResult(await post(url, dataRequest(c, q))) === true,
				});
			}
			if (cerbos) {
				const { url, child } = cerbos;
				scenarios.push({
					policy: c.name,
					target: "Cerbos",
					url,
					pid: child.pid,
					request: cerbosRequest(c, c.allowed),
					check: async (q) => cerbosAllowed(await post(url, cerbosRequest(c, q)), q.action),
				});
			}
		}

		// Every target must decide both questions as the policy says before it is timed.
		for (const s of scenarios) {
			const c = cases.find((x) => x.name === s.policy);
			if (!c || !s.check) continue;
			const allow = await s.check(c.allowed);
			const deny = await s.check(c.denied);
			if (!allow || deny) {
				throw new Error(`${s.target} (${s.policy}): allowed → ${allow}, denied → ${deny}`);
			}
		}
		log(`HTTP: ${scenarios.length} scenarios checked (allow and deny answered as the policy says)`);

		// Warm-up: JIT, token claims, the decision cache, Go's heap.
		if (o.warmUp !== false) for (const s of scenarios) await measure(s, o, true);
		const samples = new Map<Scenario, Sample[]>();
		for (let r = 0; r < o.rounds; r++) {
			const order = scenarios.map((_, i) => scenarios[(i + r) % scenarios.length]);
			for (const s of order) {
				const m = await measure(s, o);
				samples.set(s, [...(samples.get(s) ?? []), m]);
			}
			log(`HTTP: round ${r + 1}/${o.rounds} done`);
		}

		const rows: HttpRow[] = [];
		for (const s of scenarios) {
			const ms = samples.get(s) ?? [];
			const opaRow = scenarios.find((x) => x.target === "OPA server" && x.policy === s.policy);
			const opaMs = opaRow ? samples.get(opaRow) : undefined;
			rows.push({
				policy: s.policy,
				target: s.target,
				rps: median(ms.map((m) => m.rps)),
				p50: median(ms.map((m) => m.p50)),
				p99: median(ms.map((m) => m.p99)),
				cpuUs: median(ms.map((m) => m.cpuUs)),
				vsOpa: opaMs ? median(ms.map((m, i) => m.rps / opaMs[i].rps)) : undefined,
			});
		}
		return [...rows, ...skipped];
	} finally {
		for (const p of procs) p.stop();
	}
}

export function formatHttpRows(rows: HttpRow[], o: HttpOptions): string {
	const lines = [
		`HTTP: ${o.rounds} rounds × ${o.seconds} s per scenario, ${o.connections} connections, autocannon in the bench process; medians over rounds`,
		"policy      target                          req/s   p50 ms   p99 ms  server CPU µs/req  req/s × OPA  × bare Hono",
	];
	const hono = rows.find((r) => r.target === "bare Hono")?.rps;
	for (const r of rows) {
		if (r.skipped) {
			lines.push(`${r.policy.padEnd(11)} ${r.target.padEnd(29)}  skipped: ${r.skipped}`);
			continue;
		}
		const f = (x: number | undefined, d: number, w: number) =>
			(x === undefined || Number.isNaN(x) ? "—" : x.toFixed(d)).padStart(w);
		lines.push(
			`${r.policy.padEnd(11)} ${r.target.padEnd(29)} ${f(r.rps, 0, 7)} ${f(r.p50, 2, 8)} ${f(r.p99, 2, 8)} ${f(r.cpuUs, 0, 18)} ${f(r.vsOpa, 2, 12)} ${f(hono && r.rps ? r.rps / hono : undefined, 2, 12)}`,
		);
	}
	return lines.join("\n");
}
