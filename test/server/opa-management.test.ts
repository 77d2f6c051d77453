// OPA's management APIs as a client, checked against a collector on loopback: the same OPA
// configuration file is given to the real `opa run --server -c` (when OPA 1.22.3 is here) and
// to `gavel run --server -c`; what each sends (bundle downloads, gzip decision-log uploads,
// status reports, console lines) is recorded and checked field by field, and Gavel's events
// are compared with OPA's. Without OPA the Gavel half still runs; in CI OPA is required.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundle } from "../../src/bundle/index.ts";
import { orasPush, registryRequirement, startRegistry } from "../oci-registry.ts";
import { opaRequirement } from "../opa.ts";
import { certDir } from "../tls-certs.ts";
import { type Collector, type Recorded, startCollector } from "./opa-collector.ts";

const POLICY = `package authz

default allow := false

allow if input.user == "alice"
`;
// OPA's log rules, evaluated with the decision event as input.
const LOG_RULES = `package system.log

mask contains "/input/password"

mask contains "/input/arr/0"

mask contains "/input/missing"

mask contains {"op": "upsert", "path": "/input/ssn", "value": "***"} if input.input.ssn

mask contains {"op": "upsert", "path": "/input/new/deep", "value": 2}

drop if input.input.user == "carol"
`;

const bundle = writeBundle({
	manifest: { revision: "r1", roots: [""] },
	data: {},
	rego: new Map([
		["authz/policy.rego", POLICY],
		["system/log/rules.rego", LOG_RULES],
	]),
});

const { opa, missing } = opaRequirement("OPA management APIs (decision logs, status)");
const dir = mkdtempSync(join(tmpdir(), "gavel-opa-mgmt-"));

async function freePort(): Promise<number> {
	const s = createServer();
	await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
	const port = (s.address() as { port: number }).port;
	await new Promise<void>((r) => s.close(() => r()));
	return port;
}

interface Server {
	url: string;
	stderr: () => string;
	stop(): Promise<void>;
}

/** Start `opa run --server` or `gavel run --server` (or gavel serve) on a free loopback port. */
async function startServer(
	kind: "opa" | "gavel",
	args: string[],
	env: Record<string, string> = {},
): Promise<Server> {
	const port = await freePort();
	const child: ChildProcess =
		kind === "opa"
			? spawn(opa as string, ["run", "--server", "--addr", `127.0.0.1:${port}`, ...args], {
					cwd: dir,
					stdio: ["ignore", "ignore", "pipe"],
				})
			: spawn(
					process.execPath,
					[
						"bin/gavel.js",
						...args,
						...(args[0] === "run"
							? ["--addr", `127.0.0.1:${port}`]
							: ["--host", "127.0.0.1", "--port", String(port)]),
					],
					{
						env: { ...process.env, GAVEL_STATE_DIR: dir, ...env },
						stdio: ["ignore", "ignore", "pipe"],
					},
				);
	let err = "";
	child.stderr?.on("data", (d) => {
		err += d;
	});
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`${kind} exited: ${err}`);
		const ok = await fetch(`${url}/health`).then(
			// Any answer: a server without a bundle yet answers 503 (Gavel) or 200 (OPA).
			(r) => r.status > 0,
			() => false,
		);
		if (ok) break;
		if (Date.now() > deadline) throw new Error(`${kind} did not answer /health: ${err}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url,
		stderr: () => err,
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise((r) => child.once("exit", r));
			child.kill("SIGTERM");
			await exited;
		},
	};
}

function config(collectorUrl: string, extra = ""): string {
	return `services:
  ctl:
    url: ${collectorUrl}
    headers:
      x-extra: hi
    credentials:
      bearer:
        token: sekrit
bundles:
  main:
    service: ctl
    resource: bundles/b.tar.gz
    polling:
      min_delay_seconds: 1
      max_delay_seconds: 2
decision_logs:
  service: ctl
  console: true
  reporting:
    min_delay_seconds: 1
    max_delay_seconds: 2
status:
  service: ctl
  console: true
labels:
  region: eu
  app: demo
default_decision: /authz/allow
${extra}`;
}

async function post(
	url: string,
	body: unknown,
): Promise<{ decision_id: string; result?: unknown }> {
	const res = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	expect(res.status).toBe(200);
	return (await res.json()) as { decision_id: string; result?: unknown };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const NEVER = "0001-01-01T00:00:00Z";

type Json = Record<string, unknown>;
interface Run {
	logs: Recorded;
	events: Json[];
	alice: Json;
	bob: Json;
	status: Json;
	statusRequest: Recorded;
	console: Json[];
	statusConsole: Json[];
	started: number;
}

/** One server's run against a fresh collector: three decisions, then what was sent. */
async function runAgainst(kind: "opa" | "gavel"): Promise<Run> {
	const collector = await startCollector({ bundle });
	const cfg = join(dir, `${kind}.yaml`);
	writeFileSync(cfg, config(collector.url));
	const started = Date.now();
	const server = await startServer(
		kind,
		kind === "opa" ? ["-c", cfg] : ["run", "--server", "-c", cfg],
	);
	try {
		await collector.wait(
			(r) =>
				r.url === "/status" &&
				(r.body as Json)?.bundles !== undefined &&
				JSON.stringify(r.body).includes('"active_revision":"r1"'),
		);
		const alice = await post(`${server.url}/v1/data/authz/allow`, {
			input: { user: "alice", password: "p", ssn: "1", arr: [1, 2] },
		});
		expect(alice.result).toBe(true);
		if (kind === "gavel") {
			// Started without token keys, as OPA: Gavel's token-verifying route says so.
			const decide = await fetch(`${server.url}/v1/decide`, { method: "POST", body: "{}" });
			expect(decide.status).toBe(401);
		}
		// The default decision (POST /), dropped by the drop rule.
		const carol = await fetch(`${server.url}/`, {
			method: "POST",
			body: JSON.stringify({ user: "carol" }),
		});
		expect(await carol.json()).toBe(false);
		const bob = await post(`${server.url}/v1/data/authz/allow`, { input: { user: "bob" } });
		const logs = await collector.wait(
			(r) => r.url === "/logs" && JSON.stringify(r.body).includes(bob.decision_id),
		);
		const events = collector.requests
			.filter((r) => r.url === "/logs")
			.flatMap((r) => r.body as Json[]);
		const byId = (id: string) => events.find((e) => e.decision_id === id) as Json;
		// A status report after the upload carries its outcome.
		const statusRequest = await collector.wait(
			(r) => r.url === "/status",
			30_000,
			collector.requests.indexOf(logs) + 1,
		);
		await server.stop();
		const consoleLines = server
			.stderr()
			.split("\n")
			.filter((l) => l.includes('"Decision Log"'))
			.map((l) => JSON.parse(l) as Json);
		const statusLines = server
			.stderr()
			.split("\n")
			.filter((l) => l.includes('"Status Log"'))
			.map((l) => JSON.parse(l) as Json);
		return {
			logs,
			events,
			alice: byId(alice.decision_id),
			bob: byId(bob.decision_id),
			status: statusRequest.body as Json,
			statusRequest,
			console: consoleLines,
			statusConsole: statusLines,
			started,
		};
	} finally {
		await server.stop();
		await collector.close();
	}
}

/** What both servers must send, checked on each one's run. */
function checkRun(run: Run, who: string) {
	const { logs, alice, bob, status } = run;
	// The upload: gzip JSON, the service's headers and credentials.
	expect(logs.method, who).toBe("POST");
	expect(logs.headers["content-encoding"], who).toBe("gzip");
	expect(logs.headers["content-type"], who).toBe("application/json");
	expect(logs.headers.authorization, who).toBe("Bearer sekrit");
	expect(logs.headers["x-extra"], who).toBe("hi");
	expect(Array.isArray(logs.body), who).toBe(true);
	// The masked event, field by field, in OPA's order.
	expect(alice, who).toBeDefined();
	expect(Object.keys(alice), who).toEqual([
		"labels",
		"decision_id",
		"bundles",
		"path",
		"input",
		"result",
		"erased",
		"masked",
		"requested_by",
		"timestamp",
		"metrics",
		"req_id",
	]);
	// The server numbers its requests: each decision its own, later ones higher.
	expect(Number.isInteger(alice.req_id) && (alice.req_id as number) > 0, who).toBe(true);
	expect((bob.req_id as number) > (alice.req_id as number), who).toBe(true);
	const labels = alice.labels as Record<string, string>;
	expect(Object.keys(labels), who).toEqual(["app", "id", "region", "version"]);
	expect(labels.app).toBe("demo");
	expect(labels.region).toBe("eu");
	expect(labels.id).toMatch(UUID);
	expect(labels.version).toMatch(/^\d+\.\d+\.\d+/);
	expect(alice.bundles, who).toEqual({ main: { revision: "r1" } });
	expect(alice.path, who).toBe("authz/allow");
	expect(alice.input, who).toEqual({ user: "alice", ssn: "***", arr: [2], new: { deep: 2 } });
	expect(alice.result, who).toBe(true);
	expect(alice.erased, who).toEqual(["/input/arr/0", "/input/password"]);
	expect(alice.masked, who).toEqual(["/input/new/deep", "/input/ssn"]);
	expect(alice.requested_by, who).toMatch(/^127\.0\.0\.1(:\d+)?$/);
	expect(alice.timestamp, who).toMatch(RFC3339NANO);
	const at = Date.parse(alice.timestamp as string);
	expect(at >= run.started - 1000 && at <= Date.now(), who).toBe(true);
	const metrics = alice.metrics as Record<string, number>;
	expect(
		Number.isInteger(metrics.timer_server_handler_ns) && metrics.timer_server_handler_ns > 0,
		who,
	).toBe(true);
	expect(metrics.counter_server_query_cache_hit, who).toBe(0);
	// Unmasked where the mask does not reach; the dropped decision is absent.
	expect(bob.input, who).toEqual({ user: "bob", new: { deep: 2 } });
	expect(bob.result, who).toBe(false);
	expect(bob.labels, who).toEqual(labels);
	expect(
		run.events.some((e) => JSON.stringify(e.input).includes("carol")),
		who,
	).toBe(false);
	// The status report.
	expect(run.statusRequest.headers.authorization, who).toBe("Bearer sekrit");
	expect(run.statusRequest.headers["content-type"], who).toBe("application/json");
	expect(Object.keys(status), who).toEqual([
		"labels",
		"bundles",
		"decision_logs",
		"metrics",
		"plugins",
	]);
	expect(status.labels, who).toEqual(labels);
	const main = (status.bundles as Record<string, Json>).main;
	expect(main.name, who).toBe("main");
	expect(main.active_revision, who).toBe("r1");
	for (const k of [
		"last_successful_activation",
		"last_successful_download",
		"last_successful_request",
		"last_request",
	]) {
		expect(main[k], `${who} ${k}`).toMatch(RFC3339NANO);
		expect(main[k], `${who} ${k}`).not.toBe(NEVER);
	}
	expect(main.code, who).toBeUndefined();
	expect(status.decision_logs, who).toEqual({});
	const prometheus = (status.metrics as Json).prometheus as Record<string, Json>;
	const families = Object.entries(prometheus);
	expect(families.length, who).toBeGreaterThan(0);
	for (const [name, f] of families) {
		// OPA writes its plugins' own counters as bare numbers beside the families.
		if (who === "opa" && typeof f === "number") continue;
		expect(Array.isArray(f.metric), `${who} ${name}`).toBe(true);
		expect(f.name, who).toBe(name);
		expect(["COUNTER", "GAUGE", "HISTOGRAM", "SUMMARY", "UNTYPED"], who).toContain(f.type);
	}
	const plugins = status.plugins as Record<string, { state: string }>;
	for (const p of ["bundle", "decision_logs", "status"])
		expect(plugins[p], `${who} ${p}`).toEqual({ state: "OK" });
	// The console: OPA's log line for each event, fields sorted by name.
	const line = run.console.find((l) => l.decision_id === alice.decision_id) as Json;
	expect(line, who).toBeDefined();
	expect(Object.keys(line), who).toEqual([...Object.keys(line)].sort());
	expect(line.msg, who).toBe("Decision Log");
	expect(line.level, who).toBe("info");
	expect(line.type, who).toBe("openpolicyagent.org/decision_logs");
	expect(line.input, who).toEqual(alice.input);
	expect(line.erased, who).toEqual(alice.erased);
	expect(
		run.console.some((l) => JSON.stringify(l.input).includes("carol")),
		who,
	).toBe(false);
	// status.console: each report as OPA's log line too.
	const st = run.statusConsole.find((l) =>
		JSON.stringify(l).includes('"active_revision":"r1"'),
	) as Json;
	expect(st, who).toBeDefined();
	expect(Object.keys(st), who).toEqual([...Object.keys(st)].sort());
	expect(st.msg, who).toBe("Status Log");
	expect(st.type, who).toBe("openpolicyagent.org/status");
	expect(st.labels, who).toEqual(labels);
}

let gavelRun: Run;
let opaRun: Run | undefined;

beforeAll(async () => {
	[gavelRun, opaRun] = await Promise.all([
		runAgainst("gavel"),
		opa ? runAgainst("opa") : Promise.resolve(undefined),
	]);
}, 180_000);

describe("OPA's decision logs and status, sent by gavel run -c", () => {
	it("uploads OPA's events (masked, dropped, labelled) and reports OPA's status", () => {
		checkRun(gavelRun, "gavel");
	});

	it.skipIf(missing === "skip")(
		"OPA itself sends the same shapes, and the same masked events",
		() => {
			if (!opaRun) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			checkRun(opaRun, "opa");
			for (const k of ["bundles", "path", "input", "result", "erased", "masked"]) {
				expect(gavelRun.alice[k], k).toEqual(opaRun.alice[k]);
				expect(gavelRun.bob[k], k).toEqual(opaRun.bob[k]);
			}
			expect(Object.keys(gavelRun.alice)).toEqual(Object.keys(opaRun.alice));
			expect(Object.keys(gavelRun.status)).toEqual(Object.keys(opaRun.status));
			const keysOf = (r: Run) => Object.keys((r.status.bundles as Record<string, Json>).main);
			// OPA also reports the bundle's type, size and load timers.
			expect(keysOf(opaRun).filter((k) => !["type", "size", "metrics"].includes(k))).toEqual(
				keysOf(gavelRun),
			);
		},
	);
});

describe("failures reported as OPA reports them", () => {
	async function failing(kind: "opa" | "gavel") {
		const collector = await startCollector({ bundle });
		collector.answer["/logs"] = 500;
		const cfg = join(dir, `${kind}-failing.yaml`);
		writeFileSync(cfg, config(collector.url));
		// gavel serve --config takes OPA's file too (it needs token keys: the dev identity).
		const server = await startServer(
			kind,
			kind === "opa" ? ["-c", cfg] : ["serve", "--config", cfg],
			{ GAVEL_DEV: "1" },
		);
		try {
			await collector.wait(
				(r) => r.url === "/status" && JSON.stringify(r.body).includes('"active_revision":"r1"'),
			);
			// Then the bundle server fails: the active revision stays, the error is reported.
			collector.answer["/bundles/"] = 404;
			const bundleError = await collector.wait(
				(r) => r.url === "/status" && JSON.stringify(r.body).includes("bundle_error"),
			);
			await post(`${server.url}/v1/data/authz/allow`, { input: { user: "x" } });
			const logError = await collector.wait(
				(r) => r.url === "/status" && JSON.stringify(r.body).includes("decision_log_error"),
			);
			return { bundleError: bundleError.body as Json, logError: logError.body as Json };
		} finally {
			await server.stop();
			await collector.close();
		}
	}
	function check(r: { bundleError: Json; logError: Json }, who: string) {
		const main = (r.bundleError.bundles as Record<string, Json>).main;
		expect(main.code, who).toBe("bundle_error");
		expect(main.http_code, who).toBe(404);
		expect(typeof main.message, who).toBe("string");
		expect(main.active_revision, who).toBe("r1");
		for (const k of [
			"last_successful_activation",
			"last_successful_download",
			"last_successful_request",
			"last_request",
		]) {
			expect(main[k], `${who} ${k}`).toMatch(RFC3339NANO);
			expect(main[k], `${who} ${k}`).not.toBe(NEVER);
		}
		// The failed request is the last one.
		expect(
			Date.parse(main.last_request as string) > Date.parse(main.last_successful_request as string),
			who,
		).toBe(true);
		const dl = r.logError.decision_logs as Json;
		expect(dl.code, who).toBe("decision_log_error");
		expect(dl.http_code, who).toBe(500);
		expect(dl.message, who).toMatch(/^log upload failed/);
	}

	it("bundle download 404 and log upload 500 (gavel serve --config with OPA's file)", async () => {
		check(await failing("gavel"), "gavel");
	}, 90_000);

	it.skipIf(missing === "skip")(
		"OPA reports them in the same fields",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			check(await failing("opa"), "opa");
		},
		90_000,
	);
});

describe("service credentials", () => {
	const certs = certDir("gavel-opa-svc-");
	let collector: Collector;

	afterAll(async () => {
		await collector?.close();
	});

	it("OAuth2 client credentials (token cached), a client certificate, a token_path re-read per request", async () => {
		certs.ca("ca");
		certs.leaf(
			"server",
			"/CN=localhost",
			"subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
		);
		certs.leaf("client", "/CN=gavel-client", "extendedKeyUsage=clientAuth\n");
		const { readFileSync } = await import("node:fs");
		collector = await startCollector({
			bundle,
			tls: {
				cert: readFileSync(certs.file("server.crt")),
				key: readFileSync(certs.file("server.key")),
				ca: readFileSync(certs.file("ca.crt")),
			},
			token: { access_token: "tok-1", expires_in: 3600 },
		});
		const tokenFile = join(dir, "status-token");
		writeFileSync(tokenFile, "first\n");
		const cfg = join(dir, "credentials.yaml");
		writeFileSync(
			cfg,
			`services:
  - name: oauth
    url: ${collector.url}
    tls: {ca_cert: ${certs.file("ca.crt")}}
    credentials:
      oauth2:
        token_url: ${collector.url}/token
        client_id: "opa client"
        client_secret: s3cret
        scopes: [read, write]
  - name: mtls
    url: ${collector.url}
    tls: {ca_cert: ${certs.file("ca.crt")}}
    credentials:
      client_tls:
        cert: ${certs.file("client.crt")}
        private_key: ${certs.file("client.key")}
  - name: file
    url: ${collector.url}
    tls: {ca_cert: ${certs.file("ca.crt")}}
    credentials:
      bearer: {token_path: ${tokenFile}, scheme: Token}
bundles:
  main:
    service: oauth
    polling: {min_delay_seconds: 1, max_delay_seconds: 1}
decision_logs:
  service: mtls
  reporting: {min_delay_seconds: 1, max_delay_seconds: 1}
status:
  service: file
`,
		);
		const server = await startServer("gavel", ["run", "--server", "-c", cfg]);
		try {
			const token = await collector.wait((r) => r.url === "/token");
			expect(token.method).toBe("POST");
			expect(token.headers["content-type"]).toBe("application/x-www-form-urlencoded");
			expect(token.headers.authorization).toBe(
				`Basic ${Buffer.from("opa%20client:s3cret").toString("base64")}`,
			);
			expect(Object.fromEntries(new URLSearchParams(token.raw))).toEqual({
				grant_type: "client_credentials",
				scope: "read write",
			});
			// bundles/<name> by default; two downloads, one token.
			const first = await collector.wait((r) => r.url === "/bundles/main");
			await collector.wait(
				(r) => r.url === "/bundles/main",
				30_000,
				collector.requests.indexOf(first) + 1,
			);
			expect(first.headers.authorization).toBe("Bearer tok-1");
			expect(first.clientCn).toBeUndefined();
			expect(collector.requests.filter((r) => r.url === "/token")).toHaveLength(1);
			const status = await collector.wait((r) => r.url === "/status");
			expect(status.headers.authorization).toBe("Token first");
			writeFileSync(tokenFile, "second\n");
			await collector.wait(
				(r) => r.url === "/status" && r.headers.authorization === "Token second",
			);
			const d = await post(`${server.url}/v1/data/authz/allow`, { input: { user: "alice" } });
			const logs = await collector.wait((r) => r.url === "/logs" && r.raw.includes(d.decision_id));
			expect(logs.clientCn).toBe("gavel-client");
			expect(logs.headers.authorization).toBeUndefined();
		} finally {
			await server.stop();
		}
	}, 90_000);
});

describe("bundle signing with OPA's keys, and persistence", () => {
	it.skipIf(missing === "skip")(
		"a bundle signed by opa build activates with keys.<id> and bundles.*.signing.keyid (the configured key, as OPA); a scope the signature lacks is refused; persist keeps it for a restart without the service",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const { execFileSync } = await import("node:child_process");
			const { existsSync, mkdirSync, readFileSync } = await import("node:fs");
			const sd = mkdtempSync(join(tmpdir(), "gavel-opa-signed-"));
			execFileSync(
				"openssl",
				[
					"genpkey",
					"-algorithm",
					"RSA",
					"-pkeyopt",
					"rsa_keygen_bits:2048",
					"-out",
					join(sd, "priv.pem"),
				],
				{ stdio: "pipe" },
			);
			execFileSync(
				"openssl",
				["pkey", "-in", join(sd, "priv.pem"), "-pubout", "-out", join(sd, "pub.pem")],
				{ stdio: "pipe" },
			);
			mkdirSync(join(sd, "src"));
			writeFileSync(join(sd, "src", "policy.rego"), POLICY);
			execFileSync(
				opa,
				[
					"build",
					"--bundle",
					join(sd, "src"),
					"--signing-key",
					join(sd, "priv.pem"),
					"--signing-alg",
					"RS256",
					"--revision",
					"s1",
					"-o",
					join(sd, "signed.tar.gz"),
				],
				{ stdio: "pipe" },
			);
			const signed = new Uint8Array(readFileSync(join(sd, "signed.tar.gz")));
			const pem = readFileSync(join(sd, "pub.pem"), "utf8")
				.trim()
				.split("\n")
				.map((l) => `      ${l}`)
				.join("\n");
			const cfgFor = (url: string, signing: string) => `services:
  ctl: {url: ${url}}
bundles:
  main:
    service: ctl
    persist: true
    polling: {min_delay_seconds: 1, max_delay_seconds: 1}
    signing: {${signing}}
keys:
  k1:
    algorithm: RS256
    key: |
${pem}
persistence_directory: ${join(sd, "persist")}
status: {service: ctl}
`;
			const collector = await startCollector({ bundle: signed });
			const cfg = join(sd, "signed.yaml");
			writeFileSync(cfg, cfgFor(collector.url, "keyid: k1"));
			let server = await startServer("gavel", ["run", "--server", "-c", cfg]);
			try {
				await collector.wait(
					(r) => r.url === "/status" && r.raw.includes('"active_revision":"s1"'),
				);
				expect(
					(await post(`${server.url}/v1/data/authz/allow`, { input: { user: "alice" } })).result,
				).toBe(true);
				expect(existsSync(join(sd, "persist", "bundles", "main", "bundle.tar.gz"))).toBe(true);
			} finally {
				await server.stop();
			}
			// The service is down now: the persisted bundle answers.
			collector.answer["/bundles/"] = 500;
			server = await startServer("gavel", ["run", "--server", "-c", cfg]);
			try {
				expect(
					(await post(`${server.url}/v1/data/authz/allow`, { input: { user: "alice" } })).result,
				).toBe(true);
			} finally {
				await server.stop();
			}
			// A scope the signature does not carry: never activated (OPA: "scope mismatch").
			delete collector.answer["/bundles/"];
			writeFileSync(
				cfg,
				cfgFor(collector.url, "keyid: k1, scope: write").replace(
					join(sd, "persist"),
					join(sd, "other"),
				),
			);
			const from = collector.requests.length;
			server = await startServer("gavel", ["run", "--server", "-c", cfg]);
			try {
				const st = await collector.wait(
					(r) => r.url === "/status" && r.raw.includes("bundle_error"),
					30_000,
					from,
				);
				const main = ((st.body as Json).bundles as Record<string, Json>).main;
				expect(main.message).toMatch(/scope/);
				expect(main.active_revision).toBeUndefined();
			} finally {
				await server.stop();
				await collector.close();
			}
		},
		120_000,
	);
});

const reg = registryRequirement("OPA configuration with an oci service");

describe("an oci service in OPA's configuration", () => {
	/** Poll the Data API until the pulled bundle answers (or a deadline). */
	async function answer(server: Server): Promise<unknown> {
		const deadline = Date.now() + 30_000;
		for (;;) {
			const res = await fetch(`${server.url}/v1/data/authz/allow`, {
				method: "POST",
				body: JSON.stringify({ input: { user: "alice" } }),
			});
			// Until the first pull Gavel has no policy (503), OPA an undefined document.
			const result =
				res.status === 200 ? ((await res.json()) as { result?: unknown }).result : undefined;
			if (result !== undefined || Date.now() > deadline) return result;
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	const ociConfig = (url: string, ref: string, credentials = "") => `services:
  registry:
    url: ${url}
    type: oci
${credentials}bundles:
  main:
    service: registry
    resource: ${ref}
    polling: {min_delay_seconds: 60, max_delay_seconds: 120}
`;

	it.skipIf(reg.missing === "skip")(
		"services.*.type: oci pulls the bundle in gavel run -c as in opa run -c; Basic credentials (Gavel's reading of scheme Basic)",
		async () => {
			if (!reg.registry || !reg.oras || !reg.htpasswd)
				throw new Error("docker-registry, oras and htpasswd are required in CI");
			const file = join(dir, "oci-bundle.tar.gz");
			writeFileSync(file, bundle);
			const open = await startRegistry(reg.registry, { kind: "none" }, reg.htpasswd);
			const login = { username: "puller", password: "s3cret-oci" };
			const basic = await startRegistry(reg.registry, { kind: "basic", ...login }, reg.htpasswd);
			try {
				const openRef = `${open.host}/gavel/opa-config:v1`;
				await orasPush(reg.oras, openRef, file);
				const cfg = join(dir, "oci.yaml");
				writeFileSync(cfg, ociConfig(open.url, openRef));
				for (const kind of opa ? (["gavel", "opa"] as const) : (["gavel"] as const)) {
					const server = await startServer(
						kind,
						kind === "opa" ? ["-c", cfg] : ["run", "--server", "-c", cfg],
					);
					try {
						expect(await answer(server), `${kind}: ${server.stderr()}`).toBe(true);
					} finally {
						await server.stop();
					}
				}
				const basicRef = `${basic.host}/gavel/opa-config:v1`;
				await orasPush(reg.oras, basicRef, file, login);
				const token = Buffer.from(`${login.username}:${login.password}`).toString("base64");
				const basicCfg = join(dir, "oci-basic.yaml");
				writeFileSync(
					basicCfg,
					ociConfig(
						basic.url,
						basicRef,
						`    credentials:\n      bearer: {scheme: Basic, token: ${token}}\n`,
					),
				);
				const server = await startServer("gavel", ["run", "--server", "-c", basicCfg]);
				try {
					expect(await answer(server), server.stderr()).toBe(true);
				} finally {
					await server.stop();
				}
			} finally {
				await open.stop();
				await basic.stop();
			}
		},
		120_000,
	);
});

describe("bundles.*.size_limit_bytes", () => {
	async function limited(kind: "opa" | "gavel") {
		const collector = await startCollector({ bundle });
		const cfg = join(dir, `${kind}-limited.yaml`);
		// The log rules' file is over 200 bytes, the policy's under.
		writeFileSync(
			cfg,
			`services:\n  ctl: {url: ${collector.url}}\nbundles:\n  main: {service: ctl, resource: bundles/b.tar.gz, size_limit_bytes: 200}\nstatus: {service: ctl}\n`,
		);
		const server = await startServer(
			kind,
			kind === "opa" ? ["-c", cfg] : ["run", "--server", "-c", cfg],
		);
		try {
			const st = await collector.wait((r) => r.url === "/status" && r.raw.includes("bundle_error"));
			return ((st.body as Json).bundles as Record<string, Json>).main;
		} finally {
			await server.stop();
			await collector.close();
		}
	}
	it("a bundle holding a file over the limit is refused (gavel)", async () => {
		const main = await limited("gavel");
		expect(main.code).toBe("bundle_error");
		expect(main.active_revision).toBeUndefined();
		expect(main.message).toMatch(/rules.rego: \d+ bytes exceeds the 200-byte file limit/);
	}, 60_000);
	it.skipIf(missing === "skip")(
		"…as by OPA",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const main = await limited("opa");
			expect(main.code).toBe("bundle_error");
			expect(main.active_revision).toBeUndefined();
		},
		60_000,
	);
});
