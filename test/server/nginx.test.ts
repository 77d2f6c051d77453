// A real nginx (Debian's, from .ci/run) in front of Gavel's /v1/authz with auth_request:
// allowed requests reach the upstream with the identity headers, denied ones get 403, a
// request without a token gets 401 with Gavel's challenge, and with Gavel down nothing
// gets through (fail closed).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";

const NGINX = "/usr/sbin/nginx";

const GATEWAY = `package gateway

import rego.v1

default decision := {"allow": false}

decision := {"allow": true, "obligations": {"headers": {"x-tenant": "acme"}}} if {
	input.request.method == "GET"
	input.request.path == "/orders"
}

decision := {"allow": true} if "admin" in input.subject.roles
`;

let gavel: TestServer;
let upstream: Server;
let nginx: ChildProcess;
let base = "";
const seen: { url?: string; headers: IncomingHttpHeaders }[] = [];

async function freePort(): Promise<number> {
	const s = createServer();
	await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
	const { port } = s.address() as AddressInfo;
	await new Promise<void>((r) => s.close(() => r()));
	return port;
}

beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), "gavel-nginx-"));
	const bundle = join(dir, "gw.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({
			sources: { "gw.rego": GATEWAY },
			entrypoints: ["gateway/decision"],
			revision: "n-1",
		}),
	);
	gavel = await startTestServer({
		bundle: { path: bundle },
		forwardAuth: { policy: "gateway/decision" },
	});
	upstream = createServer((req, res) => {
		seen.push({ url: req.url, headers: req.headers });
		res.writeHead(200, { "content-type": "text/plain" }).end("upstream says hi");
	});
	await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
	const upstreamPort = (upstream.address() as AddressInfo).port;
	const gavelPort = new URL(gavel.url).port;
	const port = await freePort();
	for (const d of ["logs", "tmp"]) mkdirSync(join(dir, d));
	const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
		.map((t) => `${t}_temp_path ${join(dir, "tmp", t)};`)
		.join("\n  ");
	writeFileSync(
		join(dir, "nginx.conf"),
		`daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 64; }
http {
  access_log off;
  ${temp}
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /_gavel;
      auth_request_set $auth_subject $upstream_http_x_auth_subject;
      auth_request_set $auth_roles $upstream_http_x_auth_roles;
      auth_request_set $auth_tenant $upstream_http_x_tenant;
      proxy_set_header X-Auth-Subject $auth_subject;
      proxy_set_header X-Auth-Roles $auth_roles;
      proxy_set_header X-Tenant $auth_tenant;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
    location = /_gavel {
      internal;
      proxy_pass http://127.0.0.1:${gavelPort}/v1/authz;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
  }
}
`,
	);
	nginx = spawn(
		NGINX,
		["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log")],
		{
			stdio: ["ignore", "ignore", "pipe"],
		},
	);
	base = `http://127.0.0.1:${port}`;
	// Ready when it answers (any status).
	for (;;) {
		if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}`);
		try {
			await fetch(`${base}/`);
			break;
		} catch {
			await new Promise((r) => setTimeout(r, 50));
		}
	}
});
afterAll(async () => {
	nginx?.kill("SIGTERM");
	upstream?.closeAllConnections();
	upstream?.close();
	await gavel?.close().catch(() => {});
});

describe("nginx auth_request → /v1/authz", () => {
	it("an allowed request reaches the upstream with the identity headers", async () => {
		const token = await sign(gavel.rsa, { sub: "alice", roles: ["clerk"] });
		const res = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${token}` } });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe("upstream says hi");
		const got = seen.at(-1);
		expect(got?.url).toBe("/orders");
		expect(got?.headers["x-auth-subject"]).toBe("alice");
		expect(got?.headers["x-auth-roles"]).toBe("clerk");
		expect(got?.headers["x-tenant"]).toBe("acme");
	});

	it("a denied request gets 403 and never reaches the upstream", async () => {
		const before = seen.length;
		const token = await sign(gavel.rsa, { sub: "alice" });
		const res = await fetch(`${base}/orders`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${token}` },
		});
		expect(res.status).toBe(403);
		expect(seen.length).toBe(before);
	});

	it("a request without a token gets 401 with Gavel's challenge", async () => {
		const res = await fetch(`${base}/orders`);
		expect(res.status).toBe(401);
		expect(res.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
	});

	it("with Gavel down, nothing gets through", async () => {
		const before = seen.length;
		const token = await sign(gavel.rsa, { sub: "root", roles: ["admin"] });
		await gavel.close();
		const res = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${token}` } });
		expect(res.status).toBeGreaterThanOrEqual(500);
		expect(seen.length).toBe(before);
	});
});
