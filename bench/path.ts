// The cost of one decision request, stage by stage (issue 16): each stage of a /v1/decide
// request without the decision cache timed alone in CPU µs (bench/path-stages.ts), the
// whole request of each decision route in this process through @hono/node-server and
// Node's HTTP objects without a socket, and through the direct listener a Node server puts in
// front (bench/path-request.ts), and then the server's CPU
// µs per request under load from another process (the figure bench:http prints).
// Run: npm run bench:path [-- --no-load]   (PATH_ROUNDS, BENCH_SECONDS, BENCH_ROUNDS)

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import * as opaWasm from "@open-policy-agent/opa-wasm";
import { type Context, Hono } from "hono";
import { createHostBuiltins } from "../src/engine/index.ts";
import { startGavel } from "../src/node.ts";
import * as appModule from "../src/server/app.ts";
import type { GavelConfig } from "../src/server/config.ts";
import { validateConfig } from "../src/server/config.ts";
import { newId } from "../src/server/decision-id.ts";
import { interpret } from "../src/server/decision-service.ts";
import { parseJsonObject, readJsonText } from "../src/server/http-errors.ts";
import { buildInput } from "../src/server/input.ts";
import { createPromMetrics } from "../src/server/prom-metrics.ts";
import { createTokenVerifier, localKeySource } from "../src/server/token-verifier.ts";
import { bareHono, bareNode } from "./bare-endpoints.ts";
import { gavelFixture, startServer } from "./http-fixture.ts";
import { loadScenarios, type Scenario } from "./http-load.ts";
import { inProcess, inProcessListener, type RequestSpec } from "./path-request.ts";
import { type Stage, timeStages } from "./path-stages.ts";

// Read by name so that this file also runs on trees from before issue 16 (for a before/after
// table on one machine): decideRequestKey was exported then.
const { bearerToken, requestInfo, routeLabel } = appModule;
const decideRequestKey = (appModule as Record<string, unknown>).decideRequestKey as
	| ((
			claims: object,
			request: ReturnType<typeof requestInfo>,
			peer: undefined,
			text: string,
			config: GavelConfig,
	  ) => string)
	| undefined;

const ROUNDS = Number(process.env.PATH_ROUNDS ?? 15);
const POLICY = "example/allow";
const BODY = JSON.stringify({ action: "read", resource: { id: "doc-1", owner: "alice" } });

const dir = mkdtempSync(join(tmpdir(), "gavel-path-"));
const { sign, config: raw } = await gavelFixture(dir, { authzen: true });
const token = await sign({ sub: "alice", roles: ["user"] }, "1h");
// Forward auth asks about GET /docs/…, which the example policy allows an admin.
const adminToken = await sign({ sub: "alice", roles: ["admin"] }, "1h");
const config = validateConfig(JSON.parse(JSON.stringify(raw)));
const running = await startGavel(config, { writeLog: () => {}, info: () => {} });
const active = running.engine.current();
if (!active) throw new Error("no bundle active");

// The pieces a /v1/decide request goes through, built as the server builds them.
const verifier = createTokenVerifier(config.auth, [
	localKeySource(JSON.parse(readFileSync(join(dir, "jwks.json"), "utf8"))),
]);
const verified = await verifier.verify(token);
if (!verified.ok) throw new Error(`token: ${verified.message}`);
const metrics = createPromMetrics({ processMetrics: false });
const bytes = Buffer.from(BODY);
const decoder = new TextDecoder();
const url = "http://127.0.0.1:8181/v1/decide";
const nodeHeaders = {
	host: "127.0.0.1:8181",
	"content-type": "application/json",
	"content-length": String(bytes.length),
	authorization: `Bearer ${token}`,
	"x-gavel-no-cache": "1",
};
// What headerOf and requestInfo read of a Hono context on Node: the IncomingMessage's
// parsed headers, the method and the path; the body as node-server reads it (one buffer).
const ctx = {
	env: { incoming: { headers: nodeHeaders, socket: { remoteAddress: "127.0.0.1" } } },
	req: {
		method: "POST",
		path: "/v1/decide",
		url,
		text: () => Promise.resolve(decoder.decode(bytes)),
	},
} as unknown as Context;
const text = await readJsonText(ctx, config.server);
const body = parseJsonObject(text, config.server);
const request = requestInfo(ctx, config);
const input = buildInput({
	subject: verified.claims,
	action: body.action,
	resource: body.resource,
	context: body.context,
	request,
});
const decision = running.gavel.decisions.decide(POLICY, input, { bypassCache: true });
if (!decision.allow) throw new Error(`expected an allow: ${JSON.stringify(decision)}`);

// The raw SDK on the same module, to split the evaluation into its JSON round trip.
const bundleBytes = readFileSync(join(dir, "example.tar.gz"));
const { policyBundleFromArchive } = await import("../src/engine/index.ts");
const bundle = await policyBundleFromArchive(bundleBytes);
const sdk = await opaWasm.loadPolicy(
	bundle.module ?? bundle.wasm,
	undefined,
	createHostBuiltins().builtins as never,
);
sdk.setData(bundle.data ?? {});
const entry = (sdk as unknown as { entrypoints: Record<string, number> }).entrypoints[POLICY];
const inputText = JSON.stringify(input);
const inputBytes = new TextEncoder().encode(inputText);
const inputBuffer = inputBytes.buffer.slice(0) as ArrayBuffer;

// A live Hono context for the response stage (node-server's Response is installed first, as
// in the server, by creating a request listener).
getRequestListener(() => new Response(""));
let live: Context | undefined;
const capture = new Hono();
capture.get("/", (c) => {
	live = c;
	return c.text("");
});
await capture.request("/");
const liveCtx = live as Context;
const router = running.gavel.app.router;
const rawRequest = new Request(url, { method: "POST" });

// The input's JSON as the decide route hands it over: from input.ts's inputJson with the
// claims' JSON kept per token where this tree has it, else (older trees) JSON.stringify.
const inputModule = (await import("../src/server/input.ts")) as Record<string, unknown>;
const claimsJson = JSON.stringify(verified.claims);
// Since the input projection, inputJson takes the claims and the entrypoint's input shape.
const shapeOf = (active as { inputShape?: (e: string) => unknown }).inputShape;
const routeInputJson =
	typeof inputModule.inputJson !== "function"
		? undefined
		: shapeOf
			? (i: unknown) =>
					(inputModule.inputJson as (i: unknown, c: object, s: unknown) => string)(
						i,
						verified.claims,
						shapeOf.call(active, POLICY),
					)
			: (i: unknown) => (inputModule.inputJson as (i: unknown, s: string) => string)(i, claimsJson);
// Gavel's own evaluation on the SDK's instance (src/engine/sdk-eval.ts), where this tree has it.
const sdkEval = (await import("../src/engine/sdk-eval.ts").catch(() => undefined)) as
	| { evaluateJson(sdk: unknown, entrypoint: number, json: string | undefined): unknown }
	| undefined;
// opa_eval alone, as the SDK's evaluate calls it for ABI 1.2 modules (for this measurement
// only: Gavel never calls it itself): the input is already in memory, no result is read.
type SdkInternals = {
	mem: { buffer: ArrayBuffer };
	dataAddr: number;
	dataHeapPtr: number;
	wasmInstance: { exports: Record<string, (...a: number[]) => number> };
};
const internals = sdk as unknown as SdkInternals;
// The input as the route hands it over (only what the entrypoint can observe, in trees with
// the input projection), and whole. Copied in before each call: the raw SDK rows evaluate on
// the same instance and overwrite what is above its data.
const routeBytes = new TextEncoder().encode(routeInputJson?.(input) ?? inputText);
const opaEvalOnly = (bytes: Uint8Array) => () => {
	const at = internals.dataHeapPtr;
	new Uint8Array(internals.mem.buffer, at, bytes.byteLength).set(bytes);
	return internals.wasmInstance.exports.opa_eval(
		0,
		entry,
		internals.dataAddr,
		at,
		bytes.byteLength,
		at + bytes.byteLength,
		0,
	);
};

const stages: Stage[] = [
	{
		name: "routing: path, router match, route label",
		run: () => {
			const p = running.gavel.app.getPath(rawRequest, { env: {} });
			return [router.match("POST", p), routeLabel(url)];
		},
	},
	{
		// Each request's token is a new string: the lookup hashes whatever it is keyed by.
		name: "bearer token + verified-claims lookup",
		run: () => verifier.cached?.(bearerToken(ctx)),
	},
	{
		name: "body read (decode, size and type checks)",
		async: true,
		run: () => readJsonText(ctx, config.server),
	},
	{ name: "body parse (JSON.parse, depth check)", run: () => parseJsonObject(text, config.server) },
	{
		name: "input building (request fields, input object)",
		run: () =>
			buildInput({
				subject: verified.claims,
				action: body.action,
				resource: body.resource,
				context: body.context,
				request: requestInfo(ctx, config),
			}),
	},
	...(decideRequestKey
		? [
				{
					name: "cache key (request key)",
					run: () => decideRequestKey(verified.claims, request, undefined, text, config),
				},
			]
		: []),
	{
		name: "SDK evaluate, as the decide route calls it",
		run: () => active.evaluate(POLICY, input, routeInputJson?.(input) as never),
	},
	{ name: "  raw SDK evaluate(object input)", run: () => sdk.evaluate(input, entry) },
	{ name: "  raw SDK evaluate(ArrayBuffer input)", run: () => sdk.evaluate(inputBuffer, entry) },
	{
		name: `  opa_eval, the route's input (${routeBytes.byteLength} B)`,
		run: opaEvalOnly(routeBytes),
	},
	{
		name: `  opa_eval, the whole input (${inputBytes.byteLength} B)`,
		run: opaEvalOnly(inputBytes),
	},
	{ name: "  JSON.stringify(input)", run: () => JSON.stringify(input) },
	{
		name: "  JSON.stringify + new TextEncoder().encode",
		run: () => new TextEncoder().encode(JSON.stringify(input)),
	},
	...(routeInputJson
		? [{ name: "  inputJson (the route's)", run: () => routeInputJson(input) }]
		: []),
	...(sdkEval
		? [
				{
					name: "  Gavel's evaluate on the SDK instance (sdk-eval.ts)",
					run: () => sdkEval.evaluateJson(sdk, entry, inputText),
				},
			]
		: []),
	{ name: "result interpretation", run: () => interpret(true) },
	{
		name: "metrics (decision, HTTP request)",
		run: () => {
			metrics.decision(POLICY, "allow", 1e-5);
			metrics.httpRequest("/v1/decide", "POST", 200);
		},
	},
	{ name: "decision id (batched random v4 UUIDs)", run: () => newId() },
	{ name: "  · crypto.randomUUID, for comparison", run: () => crypto.randomUUID() },
	{ name: "latency timer (2 × performance.now)", run: () => performance.now() - performance.now() },
	{ name: "response building (c.json)", run: () => liveCtx.json(decision, 200) },
	{
		name: "DecisionService.decide (id … log off)",
		run: () => running.gavel.decisions.decide(POLICY, input, { bypassCache: true }),
	},
];

const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const routes: Record<string, RequestSpec> = {
	"bare Hono /v1/decide": { method: "POST", path: "/v1/decide", headers: auth, body: BODY },
	"/v1/decide no cache": {
		method: "POST",
		path: "/v1/decide",
		headers: { ...auth, "x-gavel-no-cache": "1" },
		body: BODY,
	},
	"/v1/decide cache hit": { method: "POST", path: "/v1/decide", headers: auth, body: BODY },
	"/v1/data/example/allow": {
		method: "POST",
		path: "/v1/data/example/allow",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ input: JSON.parse(BODY) }),
	},
	"AuthZEN evaluation": {
		method: "POST",
		path: "/access/v1/evaluation",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({
			subject: { type: "user", id: "alice" },
			action: { name: "read" },
			resource: { type: "record", id: "101" },
		}),
	},
	"/v1/authz (forward auth)": {
		method: "GET",
		path: "/v1/authz/docs/handbook",
		headers: { authorization: `Bearer ${adminToken}` },
	},
};
const hono = bareHono();
// What a Node server runs: the direct listener in front of the app (src/node.ts), where this
// tree has one; its rows are named "… direct". The app rows are what Workers, a traced server
// and the uncommon requests take.
const direct = (running.gavel as { direct?: unknown }).direct;
const directModule = (await import("../src/server/node-direct.ts").catch(() => undefined)) as
	| { directListener(direct: unknown, app: unknown): Parameters<typeof inProcessListener>[0] }
	| undefined;
const directApp =
	direct && directModule
		? directModule.directListener(direct, getRequestListener(running.gavel.fetch))
		: undefined;
const requestStages: Stage[] = [];
for (const [name, spec] of Object.entries(routes)) {
	const bare = name.startsWith("bare");
	const ways: Array<[string, ReturnType<typeof inProcess>]> = [
		[name, inProcess(bare ? hono.fetch : running.gavel.fetch, spec)],
	];
	if (!bare && directApp) ways.push([`${name} direct`, inProcessListener(directApp, spec)]);
	for (const [label, r] of ways) {
		// Twice: the first request verifies the token, which the direct listener then finds.
		await r.check();
		const answer = await r.check();
		if (answer.status !== 200) {
			throw new Error(`${label}: ${answer.status} ${answer.body}`);
		}
		requestStages.push({ name: label, async: true, run: r.run });
	}
}
// The direct rows' floor: the same bare endpoint on node:http alone.
const bareNodeRequest = inProcessListener(bareNode, routes["bare Hono /v1/decide"]);
requestStages.push({ name: "bare node:http /v1/decide", async: true, run: bareNodeRequest.run });

const uptime = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`load average before: ${uptime()} (${ROUNDS} rounds per stage, CPU time)`);
const { times, ratios } = await timeStages(
	[...stages, ...requestStages],
	ROUNDS,
	40,
	"bare Hono /v1/decide",
);
await running.close();

const fmt = (us: number) => us.toFixed(2).padStart(8);
console.log("\n/v1/decide without the decision cache, stage by stage (CPU µs per call, median)");
let sum = 0;
for (const s of stages) {
	const t = times.get(s.name) ?? Number.NaN;
	const part = s.name.startsWith("  ") || s.name.startsWith("DecisionService");
	if (!part) sum += t;
	console.log(`${s.name.padEnd(48)} ${fmt(t)}${part ? "  (part / composite)" : ""}`);
}
console.log(`${"sum of the stages".padEnd(48)} ${fmt(sum)}`);
console.log(
	'\nwhole request in this process (Node HTTP objects, no socket, no parser; through node-server and Hono, or "direct": Gavel\'s Node listener)',
);
for (const s of requestStages) {
	const t = times.get(s.name) ?? Number.NaN;
	const r = ratios.get(s.name) ?? Number.NaN;
	console.log(`${s.name.padEnd(48)} ${fmt(t)}  ${r.toFixed(2)}× bare Hono's CPU (paired rounds)`);
}
const whole = times.get("/v1/decide no cache") ?? Number.NaN;
console.log(
	`/v1/decide no cache minus the stages: ${(whole - sum).toFixed(2)} µs of framework (node-server, Hono, Node HTTP objects)`,
);
const wholeDirect = times.get("/v1/decide no cache direct");
if (wholeDirect !== undefined) {
	console.log(
		`/v1/decide no cache direct minus the stages: ${(wholeDirect - sum).toFixed(2)} µs (Node HTTP objects, the listener)`,
	);
}
console.log(`load average after: ${uptime()}`);

if (!process.argv.includes("--no-load")) {
	const gavel = await startServer(["gavel", JSON.stringify(raw)]);
	const bare = await startServer(["hono"]);
	try {
		const load: Scenario[] = Object.entries(routes).map(([name, spec]) => ({
			name,
			server: name.startsWith("bare") ? bare : gavel,
			...spec,
		}));
		await loadScenarios(load, { floor: "bare Hono /v1/decide" });
	} finally {
		gavel.child.kill("SIGTERM");
		bare.child.kill("SIGTERM");
	}
}
rmSync(dir, { recursive: true, force: true });
