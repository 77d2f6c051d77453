// The hot routes' common requests (POST /v1/decide, POST /v1/data/<entrypoint>) are
// answered on node:http without Hono (node-direct.ts).
// Each request here is sent to a listener built from the real server's app, whose fallback
// to Hono is counted, and compared with the same request answered by Hono (the URL with
// a query the route ignores, which the direct listener never takes): same status, body, headers and
// metrics, and the direct listener hands everything out of the common case to the app.

import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directListener } from "../../src/server/node-direct.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { parseMetrics, sign, startTestServer, type TestServer } from "./helpers.ts";

// A document long enough to be compressed, and a rule that fails when evaluated.
const BIG = `package big

doc := {"text": data.big.text, "who": input.who}

fails := x if x := 1 / input.zero
`;

let t: TestServer;
let direct: Server;
let url: string;
let fallbacks = 0;
let admin: string;

beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), "gavel-direct-"));
	const { sources, data } = repoPolicies();
	const file = join(dir, "b.tar.gz");
	writeFileSync(
		file,
		buildBundle({
			sources: { ...sources, "big.rego": BIG },
			data: { ...data, big: { text: "x".repeat(3000) } },
			entrypoints: ["example/allow", "authzen/allow", "big/doc", "big/fails"],
			revision: "d-1",
		}),
	);
	t = await startTestServer({
		bundle: { path: file, watch: false },
		policy: { decideEntrypoints: ["example/allow", "other/allow"] },
		input: { headers: ["x-tenant"] },
	});
	const app = getRequestListener(t.running.gavel.fetch);
	const gavelDirect = t.running.gavel.direct;
	if (!gavelDirect) throw new Error("the app offers no direct route");
	direct = createServer(
		directListener(gavelDirect, (req, res) => {
			fallbacks++;
			app(req, res);
		}),
	);
	await new Promise<void>((r) => direct.listen(0, "127.0.0.1", r));
	url = `http://127.0.0.1:${(direct.address() as AddressInfo).port}`;
	admin = await sign(t.rsa, { roles: ["admin"] });
	// Verified once, through the app: from then on the token is in the claims cache.
	expect((await ask("/v1/decide", "{}", { authorization: `Bearer ${admin}` })).status).toBe(200);
});
afterAll(async () => {
	await new Promise((r) => direct.close(r));
	await t.close();
});

interface Seen {
	status: number;
	type: string | null;
	requestId: string | null;
	vary?: string | null;
	encoding?: string | null;
	body: unknown;
}

async function ask(path: string, body: string, headers: Record<string, string>): Promise<Seen> {
	const res = await fetch(`${url}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...headers },
		body,
	});
	const parsed = (await res.json()) as Record<string, unknown>;
	// A fresh id per decision: its shape is compared, not its value.
	if (typeof parsed.decision_id === "string") {
		expect(parsed.decision_id).toMatch(/^[0-9a-f-]{36}$/);
		parsed.decision_id = "(id)";
	}
	const seen: Seen = {
		status: res.status,
		type: res.headers.get("content-type"),
		requestId: res.headers.get("x-request-id"),
		body: parsed,
	};
	if (path.startsWith("/v1/data")) {
		seen.vary = res.headers.get("vary");
		seen.encoding = res.headers.get("content-encoding");
	}
	return seen;
}

/** The request answered directly and by the app: both seen, and whether each fell back. */
async function both(body: string, headers: Record<string, string> = {}) {
	const h = { authorization: `Bearer ${admin}`, ...headers };
	const before = fallbacks;
	const viaDirect = await ask("/v1/decide", body, h);
	const directFellBack = fallbacks > before;
	const viaApp = await ask("/v1/decide?via=app", body, h);
	expect(fallbacks).toBe(before + (directFellBack ? 2 : 1));
	// The first of the two puts the decision in the cache the second is answered from.
	for (const seen of [viaDirect, viaApp]) delete (seen.body as { cached?: boolean }).cached;
	return { viaDirect, viaApp, directFellBack };
}

async function metric(key: string): Promise<number> {
	return parseMetrics(await (await fetch(`${t.url}/metrics`)).text()).get(key) ?? 0;
}

const READ = JSON.stringify({ action: "read", resource: { id: "d", owner: "bob" } });

describe("the direct decide listener", () => {
	it.each([
		["a decision", READ, {}],
		["with no cache asked", READ, { "x-gavel-no-cache": "1" }],
		["with a request id", READ, { "x-request-id": "req-42" }],
		["with a header the input carries", READ, { "x-tenant": "acme" }],
		["an empty body", "", {}],
		["a body starting with a BOM", `\ufeff${READ}`, {}],
		["malformed JSON", "{", {}],
		["a JSON array", "[1]", {}],
		["a policy not allowed", JSON.stringify({ policy: "secret/allow" }), {}],
		["a policy not in the bundle", JSON.stringify({ policy: "other/allow" }), {}],
		["an empty policy name", JSON.stringify({ policy: "" }), {}],
		["a body that is not JSON", "action=read", { "content-type": "text/plain" }],
		["a JSON body nested too deep", `${'{"a":'.repeat(200)}1${"}".repeat(200)}`, {}],
	])("answers %s as the app does", async (_name, body, headers) => {
		const { viaDirect, viaApp, directFellBack } = await both(body, headers);
		expect(directFellBack).toBe(false);
		expect(viaDirect).toEqual(viaApp);
	});

	it("answers a repeated request from the decision cache", async () => {
		const body = JSON.stringify({ action: "read", resource: { id: "cache-me", owner: "x" } });
		const h = { authorization: `Bearer ${admin}` };
		const first = await ask("/v1/decide", body, h);
		const second = await ask("/v1/decide", body, h);
		expect((first.body as { cached: boolean }).cached).toBe(false);
		expect(second.body).toEqual({ ...(first.body as object), cached: true });
	});

	it("puts the same input before the policy", async () => {
		// example/allow lets an admin do anything and a user read what they own: the answer
		// turns on the token's roles and the body's fields, read the same way by both.
		const user = await sign(t.rsa, { sub: "carol", roles: ["user"] });
		await ask("/v1/decide", "{}", { authorization: `Bearer ${user}` }); // verified, cached
		for (const owner of ["carol", "dave"]) {
			const body = JSON.stringify({ action: "read", resource: { id: "x", owner } });
			const { viaDirect, viaApp, directFellBack } = await both(body, {
				authorization: `Bearer ${user}`,
			});
			expect(directFellBack).toBe(false);
			expect(viaDirect).toEqual(viaApp);
			expect((viaDirect.body as { allow: boolean }).allow).toBe(owner === "carol");
		}
	});

	it("counts each request as the app does", async () => {
		const key = 'gavel_http_requests_total{route="/v1/decide",method="POST",status="200"}';
		const refused = 'gavel_http_requests_total{route="/v1/decide",method="POST",status="415"}';
		const [ok, bad] = [await metric(key), await metric(refused)];
		await ask("/v1/decide", READ, { authorization: `Bearer ${admin}` });
		await ask("/v1/decide", "x", {
			authorization: `Bearer ${admin}`,
			"content-type": "text/plain",
		});
		expect(await metric(key)).toBe(ok + 1);
		expect(await metric(refused)).toBe(bad + 1);
	});

	it("hands the app every request out of the common case", async () => {
		const fresh = await sign(t.rsa, { roles: ["admin"], jti: "not-seen-before" });
		const cases: [string, RequestInit, number][] = [
			["a token not verified yet", { headers: { authorization: `Bearer ${fresh}` } }, 200],
			["no token", { headers: {} }, 401],
			["a token of another scheme", { headers: { authorization: `Basic ${admin}` } }, 401],
			// A verified token, but not written `Bearer <token>`: the app reads the header in full.
			["the scheme in lower case", { headers: { authorization: `bearer ${admin}` } }, 200],
			["two spaces after the scheme", { headers: { authorization: `Bearer  ${admin}` } }, 200],
			["a tab after the scheme", { headers: { authorization: `Bearer\t${admin}` } }, 200],
			[
				"a body without a length",
				{
					headers: { authorization: `Bearer ${admin}` },
					body: new Blob([READ]).stream(),
					duplex: "half",
				} as RequestInit,
				200,
			],
		];
		for (const [name, init, status] of cases) {
			const before = fallbacks;
			const res = await fetch(`${url}/v1/decide`, {
				method: "POST",
				body: READ,
				...init,
				headers: { "content-type": "application/json", ...(init.headers as object) },
			});
			expect(res.status, name).toBe(status);
			expect(fallbacks, name).toBe(before + 1);
		}
		const before = fallbacks;
		expect((await fetch(`${url}/health`)).status).toBe(200);
		expect((await fetch(`${url}/v1/decide`)).status).toBe(404);
		expect(fallbacks).toBe(before + 2);
	});

	it("counts a client that leaves mid-body as aborted, not as an error", async () => {
		const key = 'gavel_http_requests_total{route="/v1/decide",method="POST",status="aborted"}';
		const before = await metric(key);
		const fellBack = fallbacks;
		const { port } = direct.address() as AddressInfo;
		await new Promise<void>((resolve) => {
			const s = connect(port, "127.0.0.1", () => {
				s.write(
					`POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"action": `,
				);
				setTimeout(() => s.destroy(), 100);
			});
			s.on("error", () => {});
			s.on("close", () => resolve());
		});
		let now = await metric(key);
		while (now === before) now = await metric(key);
		expect(now).toBe(before + 1);
		expect(fallbacks).toBe(fellBack);
		expect((await ask("/v1/decide", READ, { authorization: `Bearer ${admin}` })).status).toBe(200);
	});
});

describe("the direct Data API listener", () => {
	const input = (v: unknown) => JSON.stringify({ input: v });
	it.each([
		["an allowed decision", "example/allow", input({ subject: { roles: ["admin"] } }), {}],
		["a denied decision", "example/allow", input({ subject: { roles: [] } }), {}],
		["no input", "example/allow", "{}", {}],
		["a null input", "example/allow", input(null), {}],
		["an empty body", "example/allow", "", {}],
		["malformed JSON", "example/allow", "{", {}],
		["a body that is not an object", "example/allow", "[1]", {}],
		["a request id", "example/allow", input({}), { "x-request-id": "r-7" }],
		["a long answer, not asked compressed", "big/doc", input({ who: "me" }), {}],
		["a long answer, compressed", "big/doc", input({ who: "me" }), { "accept-encoding": "gzip" }],
		["a short answer, gzip accepted", "example/allow", input({}), { "accept-encoding": "gzip" }],
		["an evaluation error", "big/fails", input({ zero: 0 }), {}],
	])("answers %s as the app does", async (_name, path, body, headers) => {
		const before = fallbacks;
		const viaDirect = await ask(`/v1/data/${path}`, body, headers);
		expect(fallbacks).toBe(before);
		const viaApp = await ask(`/v1/data/${path}?via=app`, body, headers);
		expect(fallbacks).toBe(before + 1);
		expect(viaDirect).toEqual(viaApp);
	});

	it("compresses a long answer when asked", async () => {
		const seen = await ask("/v1/data/big/doc", input({ who: "me" }), { "accept-encoding": "gzip" });
		expect(seen.encoding).toBe("gzip");
		expect((seen.body as { result: { text: string } }).result.text).toHaveLength(3000);
	});

	it("counts each request as the app does", async () => {
		const key = 'gavel_http_requests_total{route="/v1/data/*",method="POST",status="200"}';
		const before = await metric(key);
		await ask("/v1/data/example/allow", input({}), {});
		expect(await metric(key)).toBe(before + 1);
	});

	it("hands the app every request out of the common case", async () => {
		for (const path of [
			"/v1/data/example", // a package, not an entrypoint
			"/v1/data/example/allow?pretty",
			"/v1/data/example/%61llow",
			"/v1/data/",
			"/v1/data",
		]) {
			const before = fallbacks;
			const res = await fetch(`${url}${path}`, { method: "POST", body: input({}) });
			expect(fallbacks, path).toBe(before + 1);
			await res.arrayBuffer();
		}
	});
});

describe("the direct AuthZEN evaluation listener", () => {
	const tuple = (action: string, subject = "bob") =>
		JSON.stringify({
			subject: { type: "user", id: subject },
			action: { name: action },
			resource: { type: "record", id: "r1" },
		});
	it.each([
		["a permit", tuple("read"), {}],
		["a deny", tuple("write"), {}],
		["a request id", tuple("read"), { "x-request-id": "z-1" }],
		["an empty body", "", {}],
		["an empty object", "{}", {}],
		["malformed JSON", "{", {}],
		["a subject without an id", JSON.stringify({ subject: { type: "user" } }), {}],
		["a body that is not JSON", "subject=x", { "content-type": "text/plain" }],
	])("answers %s as the app does", async (_name, body, headers) => {
		const before = fallbacks;
		const viaDirect = await ask("/access/v1/evaluation", body, headers);
		expect(fallbacks).toBe(before);
		const viaApp = await ask("/access/v1/evaluation?via=app", body, headers);
		expect(fallbacks).toBe(before + 1);
		expect(viaDirect).toEqual(viaApp);
	});

	it("decides by the policy and counts each request", async () => {
		const key =
			'gavel_http_requests_total{route="/access/v1/evaluation",method="POST",status="200"}';
		const before = await metric(key);
		expect((await ask("/access/v1/evaluation", tuple("read"), {})).body).toEqual({
			decision: true,
		});
		expect((await ask("/access/v1/evaluation", tuple("write"), {})).body).toEqual({
			decision: false,
		});
		expect((await ask("/access/v1/evaluation", tuple("write", "alice"), {})).body).toEqual({
			decision: true,
		});
		expect(await metric(key)).toBe(before + 3);
	});
});

describe("the direct forward-auth listener", () => {
	/** A forward-auth request as a gateway sends it, seen whole (status, headers, body). */
	async function gate(
		path: string,
		method: string,
		headers: Record<string, string>,
		body?: string,
	) {
		const res = await fetch(`${url}${path}`, { method, headers, body });
		const seen: Record<string, unknown> = { status: res.status };
		for (const name of [
			"content-type",
			"x-auth-subject",
			"x-auth-roles",
			"x-request-id",
			"www-authenticate",
		]) {
			seen[name] = res.headers.get(name);
		}
		const parsed = (await res.json()) as Record<string, unknown>;
		if (typeof parsed.decision_id === "string") parsed.decision_id = "(id)";
		seen.body = parsed;
		return seen;
	}
	let user: string;
	beforeAll(async () => {
		user = await sign(t.rsa, { sub: "erin", roles: ["user", "a,b"] });
		// Verified once through the app, then cached.
		await fetch(`${url}/v1/authz`, { headers: { authorization: `Bearer ${user}` } });
	});

	it.each([
		["an admin", "/v1/authz/orders", "GET", {}],
		["a user, denied", "/v1/authz/orders/1", "DELETE", { who: "user" }],
		[
			"the original request from trusted headers",
			"/v1/authz",
			"GET",
			{
				"x-forwarded-uri": "/orders?id=7",
				"x-forwarded-method": "POST",
				"x-forwarded-host": "shop.test",
			},
		],
		[
			"nginx's X-Original-URI",
			"/v1/authz",
			"GET",
			{ "x-original-uri": "/a/b", "x-original-method": "PUT" },
		],
		["a query on the prefix", "/v1/authz?x=1", "GET", {}],
		["an encoded slash in the path", "/v1/authz/a%2Fb", "GET", {}],
		["a request id", "/v1/authz/x", "POST", { "x-request-id": "fa-1" }],
	])("answers %s as the app does", async (_name, path, method, extra) => {
		const { who, ...headers } = extra as Record<string, string>;
		const h = { authorization: `Bearer ${who === "user" ? user : admin}`, ...headers };
		const before = fallbacks;
		const viaDirect = await gate(path, method, h);
		expect(fallbacks).toBe(before);
		// A body (which forward auth does not read) sends the same request to the app; a GET
		// cannot carry one, so its copy is a POST (the GET cases are allowed either way: an
		// admin, or a method taken from the gateway's headers).
		const viaApp = await gate(path, method === "GET" ? "POST" : method, h, "x");
		expect(fallbacks).toBe(before + 1);
		expect(viaDirect).toEqual(viaApp);
	});

	it("passes the identity upstream and counts each request", async () => {
		const key = 'gavel_http_requests_total{route="/v1/authz/*",method="GET",status="200"}';
		const before = await metric(key);
		const seen = await gate("/v1/authz/x", "GET", {
			authorization: `Bearer ${user}`,
			"x-forwarded-method": "GET",
		});
		expect(seen.status).toBe(403);
		const ok = await gate("/v1/authz/x", "GET", { authorization: `Bearer ${admin}` });
		expect(ok).toMatchObject({ status: 200, "x-auth-subject": "alice", body: { allow: true } });
		expect(await metric(key)).toBe(before + 1);
	});

	it("hands the app a token it has not verified, and HEAD", async () => {
		const before = fallbacks;
		const fresh = await sign(t.rsa, { jti: "fa-fresh" });
		expect(
			(await fetch(`${url}/v1/authz`, { headers: { authorization: `Bearer ${fresh}` } })).status,
		).toBe(403);
		expect((await fetch(`${url}/v1/authz`)).status).toBe(401);
		expect(
			(
				await fetch(`${url}/v1/authz`, {
					method: "HEAD",
					headers: { authorization: `Bearer ${admin}` },
				})
			).status,
		).toBe(200);
		expect(fallbacks).toBe(before + 3);
	});
});
