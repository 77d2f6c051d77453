// The Data API side by side: one `opa run --server -b bundle.tar.gz` and one Gavel server on
// the same bundle (built by opa build from the same policy and data), the same list of raw
// HTTP requests to both, and the answers compared: status, the headers a client acts on
// (content type, encoding, Allow, Vary) and the body. Values that legitimately differ are
// normalised first: decision ids, timer values, versions, file paths and OPA's stack traces.
// Requests go out through node:http so nothing (fetch's Accept-Encoding) is added or undone.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { startTestServer } from "../server/helpers.ts";
import { opaBuild } from "./opa-cli.ts";
import { OpaServer } from "./opa-server.ts";
import type { Disagreement, Part, PartResult } from "./part.ts";

const POLICY = `package authz

default allow := false

allow if input.user == "alice"

roles contains r if some r in data.users[input.user].roles

conflict := 1 if input.a

conflict := 2 if input.b

boom := x if x := 1 / input.zero

# Documents with computed keys: a path inside one has no entrypoint of its own.
grants[team].members contains m if {
	some team in ["a", "b"]
	some m in ["x", "y", team]
}

numbered[1] := "one"

pair := [10, 20]

echo[k] := {"v": input.v} if some k in ["m"]
`;

const HEALTH = `package system.health

live := true

default ready := false

ready if data.users.alice

down := false
`;

const DATA = {
	users: { alice: { roles: ["admin"] }, bob: { roles: [] } },
	"dotted.key": { v: 1 },
	// Big enough (over OPA's 1024-byte gzip threshold) for a compressed answer.
	big: Array.from({ length: 200 }, (_, i) => `item-${i}`),
};

interface Req {
	name: string;
	method: string;
	path: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** A known, documented difference (docs/api.md): reported with this note. */
	note?: string;
	/**
	 * OPA answers this one in plain text (or nothing) where Gavel's rule is a JSON body naming
	 * the problem (docs/api.md): status and Allow are compared, the body is not.
	 */
	jsonErrorByDesign?: boolean;
}

const UPLOAD = `package extra

import data.authz

p := 1

alice_allowed := authz.allow with input as {"user": "alice"}
`;

const JSON_CT = { "content-type": "application/json" };
const alice = JSON.stringify({ input: { user: "alice" } });

/** Decisions of each kind, asked again of servers that log none (see the part below). */
const UNLOGGED = [
	"GET rule",
	"GET undefined path",
	"POST with input",
	"POST inside a computed document",
	"POST builtin error (not strict)",
	"POST / (default decision)",
	"GET /v1/query one value",
];
const UNLOGGED_REQUESTS = (): Req[] =>
	UNLOGGED.map((name) => {
		const r = REQUESTS.find((x) => x.name === name);
		if (!r) throw new Error(`no request named ${name}`);
		return { ...r, name: `${name} (no decision log)` };
	});

export const REQUESTS: Req[] = [
	{ name: "GET /v1/data", method: "GET", path: "/v1/data" },
	{ name: "GET package", method: "GET", path: "/v1/data/authz" },
	{ name: "GET rule", method: "GET", path: "/v1/data/authz/allow" },
	{ name: "GET base data", method: "GET", path: "/v1/data/users/alice/roles" },
	{ name: "GET array index", method: "GET", path: "/v1/data/users/alice/roles/0" },
	{ name: "GET undefined path", method: "GET", path: "/v1/data/nope/deeper" },
	{
		name: "GET inside a computed document",
		method: "GET",
		path: "/v1/data/authz/grants/b/members",
	},
	{ name: "GET a set member inside one", method: "GET", path: "/v1/data/authz/grants/a/members/a" },
	{
		name: "GET a missing member inside one",
		method: "GET",
		path: "/v1/data/authz/grants/a/members/b",
	},
	{ name: "GET a missing key inside one", method: "GET", path: "/v1/data/authz/grants/c" },
	{ name: "GET a number key inside one", method: "GET", path: "/v1/data/authz/numbered/1" },
	{ name: "GET an index into a rule's array", method: "GET", path: "/v1/data/authz/pair/1" },
	{
		name: "POST inside a computed document",
		method: "POST",
		path: "/v1/data/authz/echo/m/v",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ input: { v: 7 } }),
	},
	{ name: "GET dotted key", method: "GET", path: "/v1/data/dotted.key" },
	{ name: "GET dotted not a rule path", method: "GET", path: "/v1/data/authz.allow" },
	{
		name: "GET trailing slash",
		note: "a trailing slash is answered, not redirected (docs/api.md)",
		method: "GET",
		path: "/v1/data/authz/",
	},
	{
		name: "GET /v1/data/",
		note: "a trailing slash is answered, not redirected (docs/api.md)",
		method: "GET",
		path: "/v1/data/",
	},
	{
		name: "GET double slash",
		note: "a doubled slash is answered, not redirected (docs/api.md)",
		method: "GET",
		path: "/v1/data//authz",
	},
	{
		name: "GET input query",
		method: "GET",
		path: `/v1/data/authz/allow?input=${encodeURIComponent('{"user":"alice"}')}`,
	},
	{ name: "GET bad input query", method: "GET", path: "/v1/data/authz/allow?input=%7B" },
	{
		name: "POST with input",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: alice,
	},
	{
		name: "POST package with input",
		method: "POST",
		path: "/v1/data/authz",
		headers: JSON_CT,
		body: alice,
	},
	{
		name: "POST set rule",
		method: "POST",
		path: "/v1/data/authz/roles",
		headers: JSON_CT,
		body: alice,
	},
	{
		name: "POST without input",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: "{}",
	},
	{
		name: "POST empty body",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: "",
	},
	{ name: "POST no body no type", method: "POST", path: "/v1/data/authz/allow" },
	{
		name: "POST input null",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: '{"input":null}',
	},
	{
		name: "POST bad JSON",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: '{"input":',
	},
	{
		name: "POST array body",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: JSON_CT,
		body: "[1]",
	},
	{
		name: "POST text/plain",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: { "content-type": "text/plain" },
		body: alice,
	},
	{
		name: "POST form type",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: alice,
	},
	{
		name: "POST gzip body",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: { ...JSON_CT, "content-encoding": "gzip" },
		body: gzipSync(alice),
	},
	{
		name: "POST bad gzip body",
		note: "OPA drops the connection; Gavel answers 400 (docs/api.md)",
		method: "POST",
		path: "/v1/data/authz/allow",
		headers: { ...JSON_CT, "content-encoding": "gzip" },
		body: "not gzip",
	},
	{
		name: "GET accept gzip small",
		method: "GET",
		path: "/v1/data/authz/allow",
		headers: { "accept-encoding": "gzip" },
	},
	{
		name: "GET accept gzip large",
		method: "GET",
		path: "/v1/data/big",
		headers: { "accept-encoding": "gzip" },
	},
	{
		name: "POST eval conflict",
		note: "the engine's message wording and no column (docs/api.md)",
		method: "POST",
		path: "/v1/data/authz/conflict",
		headers: JSON_CT,
		body: JSON.stringify({ input: { a: true, b: true } }),
	},
	{
		name: "POST builtin error (not strict)",
		method: "POST",
		path: "/v1/data/authz/boom",
		headers: JSON_CT,
		body: JSON.stringify({ input: { zero: 0 } }),
	},
	{
		name: "POST builtin error strict",
		note: "strict-builtin-errors is per bundle, refused per request (docs/api.md)",
		method: "POST",
		path: "/v1/data/authz/boom?strict-builtin-errors",
		headers: JSON_CT,
		body: JSON.stringify({ input: { zero: 0 } }),
	},
	{
		name: "POST ?metrics",
		method: "POST",
		path: "/v1/data/authz/allow?metrics",
		headers: JSON_CT,
		body: alice,
	},
	{ name: "GET ?metrics=true", method: "GET", path: "/v1/data/authz?metrics=true" },
	{
		name: "POST ?provenance",
		method: "POST",
		path: "/v1/data/authz/allow?provenance",
		headers: JSON_CT,
		body: alice,
	},
	{
		name: "POST ?pretty",
		method: "POST",
		path: "/v1/data/authz?pretty",
		headers: JSON_CT,
		body: alice,
	},
	{ name: "GET ?pretty=true", method: "GET", path: "/v1/data/users?pretty=true" },
	{
		name: "POST ?explain=full",
		method: "POST",
		path: "/v1/data/authz/allow?explain=full",
		headers: JSON_CT,
		body: alice,
		note: "no evaluation traces (docs/api.md)",
	},
	{
		name: "POST ?instrument",
		method: "POST",
		path: "/v1/data/authz/allow?instrument",
		headers: JSON_CT,
		body: alice,
		note: "no instrumentation timers (docs/api.md)",
	},
	{
		name: "PUT /v1/data/x (write)",
		method: "PUT",
		path: "/v1/data/x",
		headers: JSON_CT,
		body: "1",
	},
	{
		name: "DELETE /v1/data/users",
		method: "DELETE",
		path: "/v1/data/users",
	},
	{ jsonErrorByDesign: true, name: "HEAD /v1/data", method: "HEAD", path: "/v1/data" },
	{ jsonErrorByDesign: true, name: "OPTIONS /v1/data", method: "OPTIONS", path: "/v1/data" },
	{ jsonErrorByDesign: true, name: "unknown path", method: "GET", path: "/v1/nope" },
	{ jsonErrorByDesign: true, name: "unknown root path", method: "GET", path: "/nope" },
	{ jsonErrorByDesign: true, name: "PUT /health", method: "PUT", path: "/health" },
	{ jsonErrorByDesign: true, name: "POST /health", method: "POST", path: "/health" },
	{ name: "GET /health", method: "GET", path: "/health" },
	{
		name: "GET /health?bundles",
		note: "Gavel adds the bundle's revision (docs/api.md)",
		method: "GET",
		path: "/health?bundles",
	},
	{ name: "GET /health/live", method: "GET", path: "/health/live" },
	{ name: "GET /health/ready", method: "GET", path: "/health/ready" },
	{ name: "GET /health/nope", method: "GET", path: "/health/nope" },
	{ name: "GET /health/down (false)", method: "GET", path: "/health/down" },
	{
		name: "POST /v1/batch/data",
		method: "POST",
		path: "/v1/batch/data/authz/allow",
		headers: JSON_CT,
		body: JSON.stringify({ inputs: { a: { user: "alice" }, b: { user: "bob" } } }),
		note: "batch is Enterprise OPA's API (what OPA clients' evaluateBatch calls); OPA 1.22.3 answers 404 (docs/api.md)",
	},
	{
		name: "GET /v1/query bindings",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%20data.users%5Bu%5D.roles%5B_%5D",
	},
	{ name: "GET /v1/query one value", method: "GET", path: "/v1/query?q=data.authz.allow" },
	{ name: "GET /v1/query false comparison", method: "GET", path: "/v1/query?q=1%20%3D%3D%202" },
	{ name: "GET /v1/query undefined", method: "GET", path: "/v1/query?q=data.authz.nope" },
	{
		name: "GET /v1/query fails",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%201%3B%20x%20%3E%205",
	},
	{
		name: "GET /v1/query index var",
		method: "GET",
		path: "/v1/query?q=data.big%5Bi%5D%20%3D%3D%20%22item-3%22",
	},
	{ name: "GET /v1/query input absent", method: "GET", path: "/v1/query?q=x%20%3A%3D%20input" },
	{
		name: "GET /v1/query ?pretty&metrics",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%20count%28data.big%29&pretty&metrics",
	},
	{
		name: "GET /v1/query last q wins",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%201&q=y%20%3A%3D%202",
	},
	{ name: "GET /v1/query undefined function", method: "GET", path: "/v1/query?q=f%281%29" },
	{
		name: "GET /v1/query unsafe var",
		method: "GET",
		path: "/v1/query?q=y",
		note: "OPA also reports the generated var _ as unsafe (docs/api.md)",
	},
	{
		name: "GET /v1/query parse error",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D",
		note: "Gavel's parser gives one error at another column, without details (docs/api.md)",
	},
	{
		name: "GET /v1/query division (undefined)",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%201%20%2F%200",
	},
	{
		name: "GET /v1/query conflict",
		method: "GET",
		path: "/v1/query?q=x%20%3A%3D%20data.authz.conflict&input=%7B%7D",
	},
	{ name: "GET /v1/query without q", method: "GET", path: "/v1/query" },
	{
		name: "GET /v1/query empty q",
		method: "GET",
		path: "/v1/query?q=",
		note: "an empty query is 400 invalid_parameter, OPA 500 internal_error (docs/api.md)",
	},
	{
		name: "POST /v1/query with input",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: "x := data.authz.allow", input: { user: "alice" } }),
	},
	{
		name: "POST /v1/query roles",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: "r := data.authz.roles", input: { user: "alice" } }),
	},
	{
		name: "POST /v1/query conflict",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: "x := data.authz.conflict", input: { a: true, b: true } }),
		note: "the engine's message wording and no column (docs/api.md)",
	},
	{
		name: "POST /v1/query input null",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: "x := 1", input: null }),
	},
	{
		name: "POST /v1/query empty body",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: "",
	},
	{
		name: "POST /v1/query type error",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: "x := [1] + 1" }),
		note: "OPA adds have/want details (docs/api.md)",
	},
	{
		name: "POST /v1/query no query",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: "{}",
		note: "an empty query is 400 invalid_parameter, OPA 500 internal_error (docs/api.md)",
	},
	{
		name: "POST /v1/query bad JSON",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: "xx",
	},
	{
		name: "POST /v1/query query not a string",
		method: "POST",
		path: "/v1/query",
		headers: JSON_CT,
		body: JSON.stringify({ query: 1 }),
	},
	{ name: "POST / (default decision)", method: "POST", path: "/", body: '{"user":"alice"}' },
	{
		name: "POST / text/plain",
		method: "POST",
		path: "/",
		headers: { "content-type": "text/plain" },
		body: '{"user":"bob"}',
	},
	{ name: "POST / empty body", method: "POST", path: "/", body: "" },
	{ name: "POST / array input", method: "POST", path: "/", headers: JSON_CT, body: "[1]" },
	{ name: "POST / bad JSON", method: "POST", path: "/", headers: JSON_CT, body: "{" },
	{ name: "POST / ?pretty", method: "POST", path: "/?pretty", headers: JSON_CT, body: "{}" },
	{
		name: "POST / gzip",
		method: "POST",
		path: "/",
		headers: { ...JSON_CT, "content-encoding": "gzip" },
		body: gzipSync('{"user":"alice"}'),
	},
	{ jsonErrorByDesign: true, name: "PATCH /v1/query", method: "PATCH", path: "/v1/query" },
];

/** /v1/policies: uploads outside the bundle's roots, refusals, reads, deletes. */
export function POLICY_REQUESTS(): Req[] {
	const NO_AST = "Gavel's policy answers carry id and raw, not OPA's JSON AST (docs/api.md)";
	const put = (name: string, id: string, body: string, extra: Partial<Req> = {}): Req => ({
		name,
		method: "PUT",
		path: `/v1/policies/${id}`,
		headers: { "content-type": "text/plain" },
		body,
		...extra,
	});
	return [
		{ name: "GET /v1/policies (bundle only)", method: "GET", path: "/v1/policies", note: NO_AST },
		put("PUT /v1/policies new module", "extra/policy.rego", UPLOAD),
		{ name: "GET uploaded rule", method: "GET", path: "/v1/data/extra/p" },
		{
			name: "GET uploaded rule using the bundle",
			method: "GET",
			path: "/v1/data/extra/alice_allowed",
		},
		{ name: "GET uploaded package", method: "GET", path: "/v1/data/extra" },
		{
			name: "GET /v1/policies/<id>",
			method: "GET",
			path: "/v1/policies/extra/policy.rego",
			note: NO_AST,
		},
		put("PUT replaces a module", "extra/policy.rego", "package extra\n\np := 2\n"),
		{ name: "GET replaced rule", method: "GET", path: "/v1/data/extra/p" },
		{
			name: "GET rule of the replaced text gone",
			method: "GET",
			path: "/v1/data/extra/alice_allowed",
		},
		put("PUT ?metrics", "extra/metrics.rego", "package extra.m\n\nq := true\n", {
			path: "/v1/policies/extra/metrics.rego?metrics=true",
		}),
		put("PUT ?pretty", "extra/pretty.rego", "package extra.pretty\n\nq := 1\n", {
			path: "/v1/policies/extra/pretty.rego?pretty=true",
		}),
		put("PUT under a bundle root", "mine.rego", "package authz\n\nmine := 1\n"),
		put("PUT under a bundle root, deeper", "mine2.rego", "package authz.sub\n\nmine := 1\n"),
		put("PUT unsafe variable", "unsafe.rego", "package extra.bad\n\np := y\n"),
		put("PUT type error", "types.rego", 'package extra.bad\n\np := 1 + "a"\n', {
			note: "type errors carry no details object (have/want) (docs/api.md)",
		}),
		put("PUT unknown function", "fn.rego", "package extra.bad\n\np := nope(1)\n"),
		put("PUT parse error", "parse.rego", "package extra.bad\n\np := \n", {
			note: "parse error at EOF: OPA reports two errors at col 0, Gavel one at col 1 (docs/api.md)",
		}),
		put("PUT empty module", "empty.rego", ""),
		{ name: "GET after refused uploads", method: "GET", path: "/v1/data/extra/bad" },
		{ name: "DELETE uploaded", method: "DELETE", path: "/v1/policies/extra/pretty.rego" },
		{ name: "DELETE uploaded again", method: "DELETE", path: "/v1/policies/extra/pretty.rego" },
		{ name: "GET deleted package", method: "GET", path: "/v1/data/extra/pretty" },
		{ name: "GET /v1/policies/<unknown>", method: "GET", path: "/v1/policies/nope.rego" },
		{
			name: "GET /v1/policies (bundle and uploads)",
			method: "GET",
			path: "/v1/policies",
			note: NO_AST,
		},
		{
			jsonErrorByDesign: true,
			name: "POST /v1/policies/<id>",
			method: "POST",
			path: "/v1/policies/x",
		},
		{ name: "DELETE extra/policy.rego", method: "DELETE", path: "/v1/policies/extra/policy.rego" },
		{
			name: "DELETE extra/metrics.rego",
			method: "DELETE",
			path: "/v1/policies/extra/metrics.rego",
		},
		{ name: "GET uploads gone", method: "GET", path: "/v1/data/extra" },
	];
}

interface Answer {
	status: number;
	headers: Record<string, string>;
	body: unknown;
}

function send(base: string, r: Req): Promise<Answer> {
	const url = new URL(base + r.path);
	return new Promise((done, fail) => {
		const body = r.body === undefined ? undefined : Buffer.from(r.body);
		const headers: Record<string, string | number> = { ...(r.headers ?? {}) };
		if (body !== undefined) headers["content-length"] = body.length;
		const req = httpRequest(
			{
				host: url.hostname,
				port: url.port,
				method: r.method,
				path: url.pathname + url.search,
				headers,
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on("data", (c: Buffer) => chunks.push(c));
				res.on("error", fail);
				res.on("end", () => {
					let raw = Buffer.concat(chunks);
					const h: Record<string, string> = {};
					for (const k of ["content-type", "content-encoding", "allow", "vary"]) {
						const v = res.headers[k];
						if (v !== undefined) h[k] = Array.isArray(v) ? v.join(", ") : v;
					}
					if (h["content-encoding"] === "gzip") raw = gunzipSync(raw);
					const text = raw.toString("utf8");
					let parsed: unknown = text;
					if ((h["content-type"] ?? "").startsWith("application/json") && text !== "") {
						try {
							parsed = normalise(JSON.parse(text));
							// OPA indents some answers (errors, ?pretty): the layout is compared too.
							if (/^\{\n {2}"/.test(text)) parsed = { "<indented>": parsed };
						} catch {
							parsed = text;
						}
					}
					done({ status: res.statusCode ?? 0, headers: h, body: parsed });
				});
			},
		);
		req.on("error", (e) =>
			done({ status: 0, headers: {}, body: `connection error: ${e.message}` }),
		);
		req.end(body);
	});
}

/** Timer values, ids, versions and absolute paths differ legitimately between the two. */
// Messages of the JSON and gzip decoders (Go's vs JavaScript's) after OPA's own prefix, and
// bundle names (OPA names a bundle by its path, Gavel calls its one bundle "gavel").
const DECODER_MESSAGE =
	/^((?:unexpected parse error for input: )?(?:body|parameter) contains malformed input document|could not decompress the body|error\(s\) occurred while decoding request): .*$/s;

function normalise(v: unknown, key = ""): unknown {
	if (Array.isArray(v)) return v.map((x) => normalise(x));
	if (typeof v === "string" && key === "message") {
		return v
			.replace(DECODER_MESSAGE, "$1: <decoder message>")
			.replace(/owned by bundle ".*"$/, 'owned by bundle "<bundle>"');
	}
	if (v === null || typeof v !== "object") return v;
	const out: Record<string, unknown> = {};
	// Key order carries no meaning in JSON: compared sorted.
	const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
		a < b ? -1 : a > b ? 1 : 0,
	);
	for (const [k, x] of entries) {
		if (key === "bundles" && x !== null && typeof x === "object") {
			out["<bundle>"] = normalise(x, k);
			continue;
		}
		// An id differs on every answer; whether there is one is compared.
		if (k === "decision_id") {
			out[k] = "<id>";
			continue;
		}
		if (k === "stack_trace") continue;
		if (key === "metrics") {
			// Which timers exist depends on OPA's query cache; the handler's timer always does.
			if (k.startsWith("timer_") || k.startsWith("counter_")) out[k] = "<n>";
			continue;
		}
		if (key === "provenance" && k !== "bundles") {
			out[k] = "<build>";
			continue;
		}
		if (k === "file" && typeof x === "string") {
			out[k] = x.replace(/^.*\//, "");
			continue;
		}
		out[k] = normalise(x, k);
	}
	if (key === "metrics") {
		// Timers that only a cold query cache has (parse/compile) are not compared.
		for (const k of Object.keys(out))
			if (/compile|parse|cache_hit|external_resolve/.test(k) && k !== "timer_rego_input_parse_ns")
				delete out[k];
	}
	return out;
}

export const part: Part = async (opts) => {
	const result: PartResult = {
		part: "data-api",
		agree: 0,
		disagree: 0,
		skipped: 0,
		disagreements: [],
	};
	const dir = mkdtempSync(join(tmpdir(), "gavel-data-api-"));
	let opa: OpaServer | undefined;
	let gavel: Awaited<ReturnType<typeof startTestServer>> | undefined;
	try {
		const src = join(dir, "src");
		mkdirSync(src);
		writeFileSync(join(src, "authz.rego"), POLICY);
		writeFileSync(join(src, "health.rego"), HEALTH);
		writeFileSync(join(src, "data.json"), JSON.stringify(DATA));

		const tar = join(dir, "bundle.tar.gz");
		const built = await opaBuild(opts.opa, ["."], { output: tar, cwd: src });
		if (!built.ok) throw new Error(`opa build: ${built.error}`);
		// POST / is each server's default decision: the same rule on both.
		// Decisions logged on both sides (Gavel logs by default; OPA to its console here), then
		// on neither: the answers carry a decision_id exactly when a log event has one.
		opa = await OpaServer.start(opts.opa, [
			"-b",
			tar,
			"--set",
			"default_decision=/authz/allow",
			"--set",
			"decision_logs.console=true",
		]);
		gavel = await startTestServer({
			bundle: { path: tar, watch: false },
			policy: { default: "authz/allow" },
		});
		await compareAll(REQUESTS, opa.base, gavel.url, result, opts.verbose);
		await gavel.close();
		await opa.stop();
		gavel = undefined;
		opa = undefined;
		opa = await OpaServer.start(opts.opa, ["-b", tar, "--set", "default_decision=/authz/allow"]);
		gavel = await startTestServer({
			bundle: { path: tar, watch: false },
			policy: { default: "authz/allow" },
			decisionLog: { enabled: false },
		});
		await compareAll(UNLOGGED_REQUESTS(), opa.base, gavel.url, result, opts.verbose);
		await gavel.close();
		await opa.stop();
		gavel = undefined;
		opa = undefined;
		// The Policy API on a bundle with roots (without roots a bundle owns every path and
		// every upload is refused), in order: each request sees what the ones before uploaded.
		const rooted = join(dir, "rooted");
		mkdirSync(rooted);
		writeFileSync(join(rooted, "authz.rego"), POLICY);
		writeFileSync(join(rooted, "data.json"), JSON.stringify(DATA));
		writeFileSync(
			join(rooted, ".manifest"),
			JSON.stringify({ roots: ["authz", "users", "dotted.key", "big"] }),
		);
		const rootedTar = join(dir, "rooted.tar.gz");
		const builtRooted = await opaBuild(opts.opa, ["."], {
			output: rootedTar,
			cwd: rooted,
			bundleMode: true,
		});
		if (!builtRooted.ok) throw new Error(`opa build -b: ${builtRooted.error}`);
		opa = await OpaServer.start(opts.opa, ["-b", rootedTar, "--set", "decision_logs.console=true"]);
		gavel = await startTestServer({ bundle: { path: rootedTar, watch: false } });
		await compareAll(POLICY_REQUESTS(), opa.base, gavel.url, result, opts.verbose);
	} finally {
		await gavel?.close();
		await opa?.stop();
		rmSync(dir, { recursive: true, force: true });
	}
	return result;
};

async function compareAll(
	requests: Req[],
	opaBase: string,
	gavelBase: string,
	result: PartResult,
	verbose: boolean | undefined,
): Promise<void> {
	for (const r of requests) {
		// One at a time, OPA first: neither side's answer depends on the other's.
		const o = await send(opaBase, r);
		const g = await send(gavelBase, r);
		const same = r.jsonErrorByDesign
			? o.status === g.status &&
				(o.headers.allow === undefined || o.headers.allow === g.headers.allow) &&
				g.headers["content-type"] === "application/json" &&
				(r.method === "HEAD" || typeof g.body === "object")
			: JSON.stringify(o) === JSON.stringify(g);
		if (same) {
			result.agree++;
			continue;
		}
		result.disagree++;
		const d: Disagreement = {
			name: r.name,
			repro: {
				method: r.method,
				path: r.path,
				headers: r.headers,
				body: Buffer.isBuffer(r.body) ? `<${r.body.length} bytes>` : r.body,
			},
			gavel: g,
			opa: o,
		};
		if (r.note) d.note = r.note;
		result.disagreements.push(d);
		if (verbose)
			console.log(
				`  ${r.name}${r.note ? ` (${r.note})` : ""}\n    opa:   ${JSON.stringify(o)}\n    gavel: ${JSON.stringify(g)}`,
			);
	}
}
