// The Worker under real workerd: the same app as on Node, a bundle compiled by Gavel, real
// ES256/RS256 tokens verified against a JWKS the test serves over HTTP on loopback (the
// Worker fetches it with jose's remote key set, like production).

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { buildBundle } from "../server/build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, type Signer, sign } from "../server/helpers.ts";
import { type EdgeWorker, startEdgeWorker } from "./start-worker.ts";

const EDGE_POLICY = `package edge
import rego.v1

default allow := false

allow if "admin" in input.subject.roles

allow if {
	input.action == "read"
	input.resource.owner == input.subject.sub
}

# Host builtins (regex on the RE2 port, hashes on node:crypto) must work under workerd too.
allow if regex.match("^svc-[a-z]+$", input.subject.sub)

digest := crypto.sha256(input.text)

# JSON Schema validation is a host builtin in TypeScript: it must run under workerd as well.
schema := json.match_schema(input.doc, {"properties": {"id": {"type": "integer"}}})

# GraphQL (graphql-js behind OPA's AST and error texts) is a host builtin too.
gql := graphql.parse_and_verify(input.q, "type Query { a: Int b(x: Int!): Int }")

# A large constant is built once when workerd instantiates the module (a start function).
region := regions[input.region]
regions := {${Array.from({ length: 200 }, (_, i) => `"r${i}": ${i * 10}`).join(", ")}}
`;

let worker: EdgeWorker;
let jwks: JwksServer;
let signer: Signer;
let stranger: Signer;

beforeAll(async () => {
	signer = await makeSigner("ES256", "edge-1");
	stranger = await makeSigner("ES256", "edge-1"); // same kid, different key
	jwks = await serveJwks([signer.publicJwk]);
	const bundle = buildBundle({
		sources: {
			"edge.rego": EDGE_POLICY,
			"authzen.rego": readFileSync("policies/authzen/authzen.rego", "utf8"),
		},
		entrypoints: [
			"edge/allow",
			"edge/digest",
			"edge/schema",
			"edge/gql",
			"edge/region",
			"authzen/allow",
		],
		revision: "edge-test-1",
	});
	worker = await startEdgeWorker(bundle, {
		GAVEL_POLICY: "edge/allow",
		GAVEL_JWKS_URL: jwks.url,
		GAVEL_ISSUER: ISSUER,
		GAVEL_AUDIENCE: AUDIENCE,
	});
}, 180_000);

afterAll(async () => {
	await worker?.close();
	await jwks?.close();
});

const decide = (token: string | undefined, body: unknown) =>
	worker.fetch("/v1/decide", {
		method: "POST",
		headers: {
			"content-type": "application/json",
			...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
		},
		body: JSON.stringify(body),
	});

describe("Gavel on workerd", () => {
	it("allows what the policy allows, with the bundle's revision", async () => {
		const token = await sign(signer, { sub: "alice", roles: ["admin"] });
		const res = await decide(token, { action: "delete", resource: { id: "r1" } });
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toMatchObject({ allow: true, policy: "edge/allow", revision: "edge-test-1" });
		expect(body.decision_id).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("denies what the policy does not allow", async () => {
		const token = await sign(signer, { sub: "bob", roles: ["viewer"] });
		const res = await decide(token, { action: "delete", resource: { owner: "bob" } });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ allow: false, policy: "edge/allow" });
		const own = await decide(token, { action: "read", resource: { owner: "bob" } });
		expect(await own.json()).toMatchObject({ allow: true });
	});

	it("runs host builtins (regex, node:crypto hashes) inside workerd", async () => {
		const svc = await sign(signer, { sub: "svc-batch" });
		expect(await (await decide(svc, { action: "purge" })).json()).toMatchObject({ allow: true });
		const res = await worker.fetch("/v1/data/edge/digest", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input: { text: "gavel at the edge" } }),
		});
		const expected = createHash("sha256").update("gavel at the edge").digest("hex");
		expect(await res.json()).toMatchObject({ result: expected });
	});

	it("reads a large constant built once at instantiation, request after request", async () => {
		for (const [region, want] of [
			["r7", 70],
			["r199", 1990],
			["r7", 70],
		] as const) {
			const res = await worker.fetch("/v1/data/edge/region", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ input: { region } }),
			});
			expect(await res.json()).toMatchObject({ result: want });
		}
	});

	it("validates JSON Schema (json.match_schema) inside workerd", async () => {
		const ask = async (doc: unknown) => {
			const res = await worker.fetch("/v1/data/edge/schema", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ input: { doc } }),
			});
			return ((await res.json()) as { result: unknown }).result;
		};
		expect(await ask({ id: 5 })).toEqual([true, []]);
		expect(await ask({ id: "x" })).toEqual([
			false,
			[
				{
					error: "id: Invalid type. Expected: integer, given: string",
					type: "invalid_type",
					field: "id",
					desc: "Invalid type. Expected: integer, given: string",
				},
			],
		]);
	});

	it("parses and validates GraphQL (graphql.parse_and_verify) inside workerd", async () => {
		const ask = async (q: string) => {
			const res = await worker.fetch("/v1/data/edge/gql", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ input: { q } }),
			});
			return ((await res.json()) as { result: unknown }).result;
		};
		expect(await ask("{ a }")).toEqual([
			true,
			{
				Operations: [
					{
						Name: "",
						Description: "",
						Operation: "query",
						SelectionSet: [{ Alias: "a", Name: "a" }],
					},
				],
			},
			{
				Definitions: [
					{
						Kind: "OBJECT",
						Name: "Query",
						Description: "",
						BuiltIn: false,
						Fields: [
							{ Description: "", Name: "a", Type: { NamedType: "Int", NonNull: false } },
							{
								Description: "",
								Name: "b",
								Arguments: [
									{ Description: "", Name: "x", Type: { NamedType: "Int", NonNull: true } },
								],
								Type: { NamedType: "Int", NonNull: false },
							},
						],
					},
				],
			},
		]);
		// A required argument left out: OPA answers [false, {}, {}].
		expect(await ask("{ b }")).toEqual([false, {}, {}]);
	});

	it("answers a repeated decision from the isolate's cache", async () => {
		const token = await sign(signer, { sub: "carol", roles: ["viewer"] });
		const body = { action: "read", resource: { owner: "carol", id: "cache-me" } };
		const first = (await (await decide(token, body)).json()) as { cached: boolean };
		const second = (await (await decide(token, body)).json()) as { cached: boolean };
		expect(first.cached).toBe(false);
		expect(second.cached).toBe(true);
	});

	it("rejects a token signed by another key with 401 and a challenge", async () => {
		const forged = await sign(stranger, { sub: "alice", roles: ["admin"] });
		const res = await decide(forged, { action: "delete" });
		expect(res.status).toBe(401);
		expect(res.headers.get("www-authenticate")).toMatch(
			/^Bearer realm="gavel", error="invalid_token"/,
		);
		expect(await res.json()).toMatchObject({ code: "unauthorized", reason: "bad_signature" });
	});

	it("rejects an expired token, garbage and a missing token with 401", async () => {
		const expired = await sign(signer, { sub: "alice" }, { expSeconds: -3600 });
		expect((await decide(expired, {})).status).toBe(401);
		const garbage = await decide("not.a.jwt", {});
		expect(garbage.status).toBe(401);
		expect(await garbage.json()).toMatchObject({ reason: "malformed" });
		const none = await decide(undefined, {});
		expect(none.status).toBe(401);
		expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gavel"');
	});

	it("evaluates AuthZEN requests with the configured policy", async () => {
		const evaluation = async (body: unknown) => {
			const res = await worker.fetch("/access/v1/evaluation", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
			});
			expect(res.status).toBe(200);
			return (await res.json()) as { decision: boolean };
		};
		const record = { type: "record", id: "101" };
		const alice = { type: "user", id: "alice" };
		const bob = { type: "user", id: "bob" };
		expect(
			await evaluation({ subject: alice, action: { name: "write" }, resource: record }),
		).toEqual(expect.objectContaining({ decision: true }));
		expect(await evaluation({ subject: bob, action: { name: "write" }, resource: record })).toEqual(
			expect.objectContaining({ decision: false }),
		);
		const discovery = await worker.fetch("/.well-known/authzen-configuration");
		expect(discovery.status).toBe(200);
		expect(await discovery.json()).toHaveProperty("access_evaluation_endpoint");
	});

	it("serves the Data API and forward-auth from the same app", async () => {
		const data = await worker.fetch("/v1/data/edge/allow", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input: { subject: { roles: ["admin"] } } }),
		});
		expect(await data.json()).toMatchObject({ result: true });
		const token = await sign(signer, { sub: "dave", roles: ["admin", "ops"] });
		const authz = await worker.fetch("/v1/authz/orders/7", {
			headers: { authorization: `Bearer ${token}` },
		});
		expect(authz.status).toBe(200);
		expect(authz.headers.get("x-auth-subject")).toBe("dave");
		expect(authz.headers.get("x-auth-roles")).toBe("admin,ops");
		const viewer = await sign(signer, { sub: "erin", roles: ["viewer"] });
		const denied = await worker.fetch("/v1/authz/orders/7", {
			method: "DELETE",
			headers: { authorization: `Bearer ${viewer}` },
		});
		expect(denied.status).toBe(403);
	});

	it("answers an unknown route with 404 and health with 200", async () => {
		const res = await worker.fetch("/v2/nothing-here");
		expect(res.status).toBe(404);
		expect(await res.json()).toMatchObject({ code: "not_found" });
		expect((await worker.fetch("/health")).status).toBe(200);
	});

	it("counts this isolate's decisions at /metrics", async () => {
		const text = await (await worker.fetch("/metrics")).text();
		expect(text).toMatch(/^gavel_decisions_total\{policy="edge\/allow",outcome="allow"\} [1-9]/m);
		expect(text).toMatch(/^gavel_token_verifications_total\{outcome="bad_signature"\} [1-9]/m);
		expect(text).toMatch(/^gavel_bundle_info\{revision="edge-test-1"\} 1$/m);
		// The Worker serves gavel.fetch, which counts every HTTP request by route and status.
		expect(text).toMatch(
			/^gavel_http_requests_total\{route="\/v1\/decide",method="POST",status="200"\} [1-9]/m,
		);
		expect(text).toMatch(
			/^gavel_http_requests_total\{route="unmatched",method="GET",status="404"\} [1-9]/m,
		);
	});
});
