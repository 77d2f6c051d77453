// `gavel run --server` with OPA's server flags, through the real CLI as a container command
// would start it: TLS and client certificates, --authorization=basic with token identities
// (side by side with a real `opa run --server` given the same flags and policy), the
// diagnostic listener, OPA's log formats and levels, and flags it does not take refused by name.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOpa } from "../opa.ts";
import { type CertDir, certDir } from "../tls-certs.ts";

const AUTHZ = `package system.authz

import rego.v1

default allow := false

# The admin token may do anything; anyone may read app's document and the health check.
allow if input.identity == "admin-secret"

allow if {
	input.method == "GET"
	input.path == ["v1", "data", "app", "p"]
}

allow if input.path == ["health"]

allow if {
	input.params.probe == ["yes"]
	input.headers["X-Probe"] == ["1"]
}
`;
const APP = "package app\n\np := 1\n\nq := 2\n";

const children: ChildProcess[] = [];
afterAll(() => {
	for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

let dir: string;
/** A folder with app.rego only (Gavel serves one path: a bundle or a folder). */
let appDir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "gavel-run-flags-"));
	writeFileSync(join(dir, "authz.rego"), AUTHZ);
	writeFileSync(join(dir, "app.rego"), APP);
	appDir = mkdtempSync(join(tmpdir(), "gavel-run-app-"));
	writeFileSync(join(appDir, "app.rego"), APP);
});

interface Started {
	child: ChildProcess;
	stderr: () => string;
	url: string;
}

/** Starts `gavel run` (or OPA with the same argv) and waits for its listening line. */
async function start(
	argv: string[],
	ready: RegExp,
	bin: "gavel" | string = "gavel",
	env: Record<string, string> = {},
): Promise<Started> {
	const cmd = bin === "gavel" ? process.execPath : bin;
	const args = bin === "gavel" ? ["bin/gavel.js", "run", ...argv] : ["run", ...argv];
	let stderr = "";
	const child = spawn(cmd, args, {
		env: { ...process.env, GAVEL_STATE_DIR: join(dir, "state"), ...env },
		stdio: ["ignore", "ignore", "pipe"],
	});
	children.push(child);
	child.stderr?.on("data", (d) => {
		stderr += d;
	});
	const url = await new Promise<string>((resolve, reject) => {
		child.stderr?.on("data", () => {
			const m = ready.exec(stderr);
			if (m) resolve(m[1]);
		});
		child.once("exit", (code) => reject(new Error(`exited (${code}): ${stderr}`)));
	});
	return { child, stderr: () => stderr, url };
}

const SERVING = /serving on (https?:\/\/127\.0\.0\.1:\d+)/;

function exited(child: ChildProcess): Promise<number | null> {
	return new Promise((resolve) => {
		if (child.exitCode !== null) resolve(child.exitCode);
		else child.once("exit", (code) => resolve(code));
	});
}

describe("gavel run --authorization=basic --authentication=token", () => {
	const requests: { path: string; headers?: Record<string, string>; method?: string }[] = [
		{ path: "/v1/data/app/p" },
		{ path: "/v1/data/app/q" },
		{ path: "/v1/data/app/q", headers: { authorization: "Bearer admin-secret" } },
		{ path: "/v1/data/app/q", headers: { authorization: "Bearer wrong" } },
		{ path: "/v1/data/app/p", method: "POST" },
		{ path: "/v1/data/app/q?probe=yes", headers: { "x-probe": "1" } },
		{ path: "/v1/data/app/q?probe=no", headers: { "x-probe": "1" } },
		{ path: "/health" },
		{ path: "/metrics" },
		{ path: "/v1/policies" },
		{ path: "/v1/policies", headers: { authorization: "Bearer admin-secret" } },
	];
	const answer = async (base: string, r: (typeof requests)[number]) => {
		const res = await fetch(base + r.path, { method: r.method ?? "GET", headers: r.headers });
		const text = await res.text();
		// The bodies compared where both are JSON answers of the Data API or the 401.
		const body = r.path === "/metrics" || r.path === "/v1/policies" ? undefined : text;
		const value = body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>);
		if (value) delete value.decision_id;
		return { status: res.status, body: value, text: res.status === 401 ? text : undefined };
	};

	it("answers as OPA does: 401 'request rejected by administrative policy' unless data.system.authz.allow", async () => {
		const argv = [
			"--server",
			"--addr",
			"127.0.0.1:0",
			"--authentication=token",
			"--authorization=basic",
			join(dir, "authz.rego"),
			join(dir, "app.rego"),
		];
		// One path per Gavel server: the two files as one folder.
		const folder = mkdtempSync(join(tmpdir(), "gavel-run-authz-"));
		writeFileSync(join(folder, "authz.rego"), AUTHZ);
		writeFileSync(join(folder, "app.rego"), APP);
		const gavel = await start([...argv.slice(0, 5), folder], SERVING);
		const got = [];
		for (const r of requests) got.push(await answer(gavel.url, r));
		expect(got.map((g) => g.status)).toEqual([
			200, 401, 200, 401, 401, 200, 401, 200, 401, 401, 200,
		]);
		expect(got[1].text).toBe(
			'{\n  "code": "unauthorized",\n  "message": "request rejected by administrative policy"\n}\n',
		);
		const opa = findOpa();
		if (!opa) return; // The comparison needs the oracle; the statuses above stand alone.
		const port = 18_000 + Math.floor(Math.random() * 2000);
		const opaArgv = argv.map((a) => (a === "127.0.0.1:0" ? `127.0.0.1:${port}` : a));
		const o = spawn(opa, ["run", ...opaArgv], { stdio: "ignore" });
		children.push(o);
		const base = `http://127.0.0.1:${port}`;
		for (;;) {
			const up = await fetch(`${base}/v1/data/app/p`).then(
				(r) => r.status === 200,
				() => false,
			);
			if (up) break;
			if (o.exitCode !== null) throw new Error("opa exited");
			await new Promise((r) => setTimeout(r, 100));
		}
		const want = [];
		for (const r of requests) want.push(await answer(base, r));
		expect(got).toEqual(want);
	});
});

describe("gavel run -c with default_authorization_decision", () => {
	it("asks the rule OPA's configuration names instead of data.system.authz.allow", async () => {
		const folder = mkdtempSync(join(tmpdir(), "gavel-run-dad-"));
		writeFileSync(
			join(folder, "custom.rego"),
			'package system.custom\n\nok if input.identity == "ops"\n',
		);
		writeFileSync(join(folder, "app.rego"), APP);
		const config = join(folder, "opa.yaml");
		writeFileSync(config, "default_authorization_decision: /system/custom/ok\n");
		const g = await start(
			[
				"--server",
				"-a",
				"127.0.0.1:0",
				"-c",
				config,
				"--authorization=basic",
				"--authentication=token",
				folder,
			],
			SERVING,
		);
		const ask = (token?: string) =>
			fetch(`${g.url}/v1/data/app/p`, {
				headers: token ? { authorization: `Bearer ${token}` } : {},
			}).then((r) => r.status);
		expect(await ask("ops")).toBe(200);
		expect(await ask("other")).toBe(401);
		expect(await ask()).toBe(401);
	});
});

describe.skipIf(!findOpa())(
	"gavel run --verification-key, --skip-verify (bundles signed by opa build)",
	() => {
		it("serves a bundle signed with the key, refuses unsigned and wrongly signed ones, loads anything with --skip-verify", async () => {
			const opa = findOpa() as string;
			const d = mkdtempSync(join(tmpdir(), "gavel-run-signed-"));
			const run = (cmd: string, args: string[]) =>
				new Promise<void>((resolve, reject) => {
					const c = spawn(cmd, args, { cwd: d, stdio: "ignore" });
					c.once("exit", (code) =>
						code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")}: ${code}`)),
					);
				});
			for (const name of ["key", "other"]) {
				await run("openssl", ["genrsa", "-out", `${name}.pem`, "2048"]);
				await run("openssl", ["rsa", "-in", `${name}.pem`, "-pubout", "-out", `${name}.pub.pem`]);
			}
			const b = join(d, "b");
			await run("mkdir", [b]);
			writeFileSync(join(b, "app.rego"), APP);
			await run(opa, [
				"build",
				"-b",
				b,
				"--signing-key",
				join(d, "key.pem"),
				"-o",
				join(d, "signed.tar.gz"),
			]);
			await run(opa, ["build", "-b", b, "-o", join(d, "unsigned.tar.gz")]);
			const serve = async (flags: string[], bundle: string) => {
				const g = await start(
					["--server", "-a", "127.0.0.1:0", "-b", ...flags, join(d, bundle)],
					SERVING,
				);
				const ready = (await fetch(`${g.url}/ready`)).status;
				g.child.kill("SIGKILL");
				return { ready, log: g.stderr() };
			};
			expect(
				await serve(["--verification-key", join(d, "key.pub.pem")], "signed.tar.gz"),
			).toMatchObject({
				ready: 200,
			});
			const unsigned = await serve(
				["--verification-key", join(d, "key.pub.pem")],
				"unsigned.tar.gz",
			);
			expect(unsigned.ready).toBe(503);
			expect(unsigned.log).toMatch(/bundle is not signed/);
			const wrong = await serve(["--verification-key", join(d, "other.pub.pem")], "signed.tar.gz");
			expect(wrong.ready).toBe(503);
			expect(wrong.log).toMatch(/rejected/);
			const noKey = await serve([], "signed.tar.gz");
			expect(noKey.log).toMatch(/bundle is signed but no verification key is configured/);
			expect(await serve(["--skip-verify"], "signed.tar.gz")).toMatchObject({ ready: 200 });
		});
	},
);

describe("gavel run with OPA's TLS flags", () => {
	let certs: CertDir;
	beforeAll(() => {
		certs = certDir("gavel-run-tls-");
		certs.ca("ca");
		certs.leaf(
			"server",
			"/CN=localhost",
			"subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
		);
		certs.leaf("client", "/CN=pep", "extendedKeyUsage=clientAuth\n");
	});

	const get = (url: string, withCert: boolean, maxVersion?: "TLSv1.2") =>
		new Promise<number>((resolve, reject) => {
			const req = request(
				url,
				{
					ca: readFileSync(certs.file("ca.crt")),
					...(maxVersion ? { maxVersion } : {}),
					...(withCert
						? {
								cert: readFileSync(certs.file("client.crt")),
								key: readFileSync(certs.file("client.key")),
							}
						: {}),
				},
				(res) => {
					res.resume();
					resolve(res.statusCode ?? 0);
				},
			);
			req.on("error", reject);
			req.end();
		});

	it("--tls-cert-file/--tls-private-key-file serve HTTPS; --authentication=tls requires a client certificate", async () => {
		const argv = [
			"--server",
			"--addr",
			"127.0.0.1:0",
			"--tls-cert-file",
			certs.file("server.crt"),
			"--tls-private-key-file",
			certs.file("server.key"),
		];
		const plain = await start([...argv, appDir], SERVING);
		expect(plain.url.startsWith("https://")).toBe(true);
		expect(await get(`${plain.url}/v1/data/app/p`, false)).toBe(200);
		const mtls = await start(
			[...argv, "--tls-ca-cert-file", certs.file("ca.crt"), "--authentication=tls", appDir],
			SERVING,
		);
		expect(await get(`${mtls.url}/v1/data/app/p`, true)).toBe(200);
		await expect(get(`${mtls.url}/v1/data/app/p`, false)).rejects.toThrow();
		// --min-tls-version 1.3: a client that stops at TLS 1.2 gets no connection.
		const tls13 = await start([...argv, "--min-tls-version", "1.3", appDir], SERVING);
		expect(await get(`${tls13.url}/v1/data/app/p`, false)).toBe(200);
		await expect(get(`${tls13.url}/v1/data/app/p`, false, "TLSv1.2")).rejects.toThrow();
		expect(await get(`${plain.url}/v1/data/app/p`, false, "TLSv1.2")).toBe(200);
	});
});

describe("gavel run --diagnostic-addr, --log-format, --log-level, --shutdown-grace-period", () => {
	it("serves /health, /ready and /metrics on the diagnostic address only", async () => {
		const g = await start(
			[
				"--server",
				"--addr",
				"127.0.0.1:0",
				"--diagnostic-addr",
				"127.0.0.1:0",
				"--shutdown-grace-period",
				"3",
				appDir,
			],
			/diagnostics \(\/health, \/ready, \/metrics\) on (http:\/\/127\.0\.0\.1:\d+)/,
		);
		const diag = g.url;
		expect((await fetch(`${diag}/health`)).status).toBe(200);
		expect((await fetch(`${diag}/ready`)).status).toBe(200);
		expect(await (await fetch(`${diag}/metrics`)).text()).toContain("gavel_http_requests_total");
		const data = await fetch(`${diag}/v1/data/app/p`);
		expect(data.status).toBe(404);
		expect(((await data.json()) as { message: string }).message).toMatch(
			/not served on the diagnostic address/,
		);
		const main = SERVING.exec(g.stderr())?.[1] as string;
		expect((await (await fetch(`${main}/v1/data/app/p`)).json()) as unknown).toMatchObject({
			result: 1,
		});
		g.child.kill("SIGTERM");
		expect(await exited(g.child)).toBe(0);
	});

	it("writes the server's lines as OPA's JSON by default, text on request, and only errors at --log-level error", async () => {
		const json = await start(["--server", "--addr", "127.0.0.1:0", appDir], SERVING);
		const first = json
			.stderr()
			.split("\n")
			.find((l) => l.includes("serving on")) as string;
		expect(JSON.parse(first)).toEqual({
			level: "info",
			msg: expect.stringMatching(/^serving on http:\/\/127\.0\.0\.1:\d+$/),
			time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
		});
		const text = await start(
			["--server", "-a", "127.0.0.1:0", "--log-format", "text", appDir],
			SERVING,
		);
		expect(text.stderr()).toMatch(/^\[INFO\] serving on http/m);
		// At error level nothing informational is written: the port is found through a
		// rejected bundle's error line instead (a file that does not compile).
		const broken = mkdtempSync(join(tmpdir(), "gavel-run-broken-"));
		writeFileSync(join(broken, "bad.rego"), "package bad\n\np := \n");
		const quiet = await start(
			["--server", "-a", "127.0.0.1:0", "-l", "error", broken],
			/"level":"error","msg":"(bundle from .*rejected.*)"/,
		);
		expect(quiet.stderr()).not.toMatch(/"level":"info"/);
		expect(quiet.url).toMatch(/rego_parse_error/);
	});

	it("--shutdown-wait-period keeps serving after SIGTERM until the period ends or a second signal", async () => {
		const g = await start(
			[
				"--server",
				"-a",
				"127.0.0.1:0",
				"--shutdown-wait-period",
				"600",
				"--log-format",
				"text",
				appDir,
			],
			SERVING,
		);
		// Answered once: the command has installed its signal handlers (they follow the listen).
		expect((await fetch(`${g.url}/v1/data/app/p`)).status).toBe(200);
		g.child.kill("SIGTERM");
		while (!g.stderr().includes("SIGTERM, shutting down in 600 s")) {
			if (g.child.exitCode !== null || g.child.signalCode !== null)
				throw new Error(`exited on the first signal: ${g.stderr()}`);
			await new Promise((r) => setTimeout(r, 50));
		}
		// Still answering: the listener is open during the wait.
		expect((await fetch(`${g.url}/v1/data/app/p`)).status).toBe(200);
		g.child.kill("SIGTERM");
		expect(await exited(g.child)).toBe(0);
		expect(g.stderr()).toMatch(/\[INFO\] SIGTERM, shutting down$/m);
	});

	it("serves one .rego file given as PATH, as opa run -s policy.rego does", async () => {
		const g = await start(["--server", "-a", "127.0.0.1:0", join(dir, "app.rego")], SERVING);
		expect((await (await fetch(`${g.url}/v1/data/app/q`)).json()) as unknown).toMatchObject({
			result: 2,
		});
		const list = (await (await fetch(`${g.url}/v1/policies`)).json()) as {
			result: { id: string }[];
		};
		expect(list.result.map((p) => p.id)).toEqual([join(dir, "app.rego").slice(1)]);
	});

	it("serves several .rego and data files together, as opa run -s a.rego data.json does", async () => {
		const d = mkdtempSync(join(tmpdir(), "gavel-run-files-"));
		writeFileSync(join(d, "users.json"), '{"users": {"alice": {"admin": true}}}');
		writeFileSync(join(d, "roles.yaml"), "roles:\n  admin: [read, write]\n");
		writeFileSync(
			join(d, "allow.rego"),
			"package app2\n\nallow if data.users[input.u].admin\n\nperms := data.roles.admin\n",
		);
		const files = [
			join(d, "allow.rego"),
			join(d, "users.json"),
			join(d, "roles.yaml"),
			join(dir, "app.rego"),
		];
		const g = await start(["--server", "-a", "127.0.0.1:0", ...files], SERVING);
		const ask = async (base: string, path: string, input?: unknown) => {
			const r = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify({ input }) });
			const body = (await r.json()) as Record<string, unknown>;
			delete body.decision_id;
			return { status: r.status, body };
		};
		const questions: [string, unknown][] = [
			["/v1/data/app2/allow", { u: "alice" }],
			["/v1/data/app2/allow", { u: "bob" }],
			["/v1/data/app2/perms", undefined],
			["/v1/data/app/q", {}],
		];
		const got = [];
		for (const [path, input] of questions) got.push(await ask(g.url, path, input));
		expect(got[0].body).toEqual({ result: true });
		expect(got[2].body).toMatchObject({ result: ["read", "write"] });
		const ids = (
			(await (await fetch(`${g.url}/v1/policies`)).json()) as { result: { id: string }[] }
		).result
			.map((p) => p.id)
			.sort();
		expect(ids).toEqual(
			[join(d, "allow.rego"), join(dir, "app.rego")].map((p) => p.slice(1)).sort(),
		);
		const opa = findOpa();
		if (!opa) return;
		const port = 20_000 + Math.floor(Math.random() * 2000);
		const o = spawn(opa, ["run", "--server", "--addr", `127.0.0.1:${port}`, ...files], {
			stdio: "ignore",
		});
		children.push(o);
		const base = `http://127.0.0.1:${port}`;
		while (
			!(await fetch(`${base}/health`).then(
				(r) => r.ok,
				() => false,
			))
		) {
			if (o.exitCode !== null) throw new Error("opa exited");
			await new Promise((r) => setTimeout(r, 100));
		}
		const want = [];
		for (const [path, input] of questions) want.push(await ask(base, path, input));
		expect(got).toEqual(want);
		const opaIds = (
			(await (await fetch(`${base}/v1/policies`)).json()) as { result: { id: string }[] }
		).result
			.map((p) => p.id)
			.sort();
		expect(ids).toEqual(opaIds);
	});

	it("--v0-compatible reads the sources and the uploads as OPA 0.x Rego", async () => {
		const d = mkdtempSync(join(tmpdir(), "gavel-run-v0-"));
		writeFileSync(join(d, "old.rego"), "package old\n\nallow { input.x == 1 }\n");
		const v0 = await start(["--server", "-a", "127.0.0.1:0", "--v0-compatible", d], SERVING);
		const r = await fetch(`${v0.url}/v1/data/old/allow`, {
			method: "POST",
			body: JSON.stringify({ input: { x: 1 } }),
		});
		expect(((await r.json()) as { result?: unknown }).result).toBe(true);
		const up = await fetch(`${v0.url}/v1/policies/more.rego`, {
			method: "PUT",
			body: "package more\n\nok { true }\n",
		});
		expect(up.status).toBe(200);
		// Without the flag the same folder is v1 Rego, where a body needs `if`.
		const v1 = await start(["--server", "-a", "127.0.0.1:0", d], SERVING);
		expect((await fetch(`${v1.url}/ready`)).status).toBe(503);
		expect(v1.stderr()).toMatch(/rego_parse_error/);
	});

	it("refuses a bundle among several paths", async () => {
		const d = mkdtempSync(join(tmpdir(), "gavel-run-mixed-"));
		writeFileSync(join(d, "b.tar.gz"), "not read");
		const g = await start(
			["--server", "-a", "127.0.0.1:0", join(dir, "app.rego"), join(d, "b.tar.gz")],
			SERVING,
		);
		expect((await fetch(`${g.url}/ready`)).status).toBe(503);
		expect(g.stderr()).toMatch(
			/b\.tar\.gz: not a \.rego, \.json or \.yaml file or a folder of them \(a bundle is served alone\)/,
		);
	});

	it("refuses bad values and flags it does not take, by name, before anything starts", async () => {
		// (Each value check is also in src/cli/run.test.ts; here the real CLI's exit and message.)
		const cases: [string[], RegExp][] = [
			[["--log-level", "warn"], /--log-level "warn": must be one of debug, info, error/],
			[["--tls-cert-file", "c.pem"], /--tls-cert-file and --tls-private-key-file go together/],
			[["--pprof"], /--pprof is an `opa run` flag gavel run does not support yet/],
			[["--no-such-flag"], /Unknown option '--no-such-flag'/],
		];

		for (const [flags, message] of cases) {
			const child = spawn(process.execPath, ["bin/gavel.js", "run", "--server", ...flags], {
				stdio: ["ignore", "ignore", "pipe"],
			});
			children.push(child);
			let stderr = "";
			child.stderr?.on("data", (d) => {
				stderr += d;
			});
			expect(await exited(child)).toBe(2);
			expect(stderr).toMatch(message);
		}
	});
});
