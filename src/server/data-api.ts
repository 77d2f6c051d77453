// OPA's Data API (`opa run --server`) as Gavel serves it: GET/POST /v1/data[/path], the
// health checks under /health, and the answers shaped as OPA shapes them (field order,
// trailing newline, indented errors, HTML-safe escaping, `api_usage_warning`, `?metrics`,
// `?provenance`, gzip both ways, 405 for a wrong method). test/differential/data-api.ts
// compares it with a real OPA server; docs/api.md lists what is deliberately different.

import type { Context, Hono } from "hono";
import pkg from "../../package.json" with { type: "json" };
import type { AdHocQueryError } from "../engine/ad-hoc-query.ts";
import type { Engine } from "../engine/index.ts";
import type { RegoError } from "../rego/index.ts";
import { jsonDepth } from "./canonical-json.ts";
import type { GavelConfig } from "./config.ts";
import { newId } from "./decision-id.ts";
import { type DecisionService, insideRuleDocument, type RawResult } from "./decision-service.ts";
import { headerOf } from "./headers.ts";
import { ClientAbortedError, HttpError, mayNestDeeper, readLimited } from "./http-errors.ts";

export interface DataApiDeps {
	config: GavelConfig;
	engine: Engine;
	decisions: DecisionService;
	/** A 401 to answer or undefined; a promise only when it has to wait (see app.ts). */
	callerCheck: (c: Context) => Response | undefined | Promise<Response | undefined>;
	remoteAddrOf?: (c: Context) => string | undefined;
	/** The server's number for this request (decision logs' req_id), when logs are on. */
	requestIdOf?: (c: Context) => number | undefined;
	/** A compiled evaluator of data.<path> (see AdHocQueries.documentAt), when sources allow. */
	documentAt?: (path: readonly string[]) => Promise<((input: unknown) => unknown) | undefined>;
}

/** A Rego error as OPA's API lists it: {code, message, location: {file, row, col}}. */
export function apiError(e: RegoError): Record<string, unknown> {
	const out: Record<string, unknown> = { code: e.code, message: e.message.split("\n")[0] };
	if (e.loc) out.location = { file: e.loc.file, row: e.loc.row, col: e.loc.col };
	return out;
}

/** OPA compresses answers of at least this many bytes (server.encoding.gzip.min_length). */
export const GZIP_MIN_LENGTH = 1024;

const MISSING_INPUT = {
	code: "api_usage_warning",
	message: "'input' key missing from the request",
};

// Go's encoder escapes these for HTML safety; clients comparing bytes see the same text.
const HTML_UNSAFE = /[<>&\u2028\u2029]/;
function goEscape(json: string): string {
	if (!HTML_UNSAFE.test(json)) return json;
	return json.replace(
		/[<>&\u2028\u2029]/g,
		(ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
	);
}

/** OPA's JSON text: compact (or indented), HTML-escaped, one trailing newline. */
export function opaJson(value: unknown, indent: boolean): string {
	return `${goEscape(indent ? JSON.stringify(value, null, 2) : JSON.stringify(value))}\n`;
}

const acceptsGzip = (c: Context) => /\bgzip\b/i.test(headerOf(c, "accept-encoding") ?? "");

/** A JSON answer of the Data API: gzip when asked for and big enough, as OPA does. */
async function send(c: Context, status: number, text: string, vary = true): Promise<Response> {
	const headers: Record<string, string> = { "Content-Type": "application/json" };
	// Only the reads may be compressed (as in OPA): only they vary by Accept-Encoding.
	if (!vary) return new Response(text, { status, headers });
	headers.Vary = "Accept-Encoding";
	if (acceptsGzip(c) && text.length >= GZIP_MIN_LENGTH) {
		const bytes = await new Response(
			new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
		).arrayBuffer();
		headers["Content-Encoding"] = "gzip";
		return new Response(bytes, { status, headers });
	}
	return new Response(text, { status, headers });
}

/** OPA's error answer: indented {code, message[, errors]}. */
export function opaError(
	c: Context,
	status: number,
	code: string,
	message: string,
	extra: Record<string, unknown> = {},
	vary = true,
): Promise<Response> {
	return send(c, status, opaJson({ code, message, ...extra }, true), vary);
}

/** The wrong method on an OPA route: 405, as OPA's router answers, with a JSON reason. */
export function methodNotAllowed(c: Context, allow: string): Response {
	return new Response(
		`${JSON.stringify({ code: "method_not_allowed", message: `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}` })}\n`,
		{ status: 405, headers: { "Content-Type": "application/json", Allow: allow } },
	);
}

function tooLargeError(limit: number): HttpError {
	return new HttpError(413, "request_too_large", `body exceeds ${limit} bytes`);
}

/** Whether a query flag is set: present, and its last value not "false" (as OPA reads it). */
function flagOf(query: Record<string, string[]>, name: string): boolean {
	const v = query[name];
	return v !== undefined && v[v.length - 1] !== "false";
}

/**
 * The body's bytes, within the size limit both as sent and (gzip) as decompressed. The
 * content type is not checked: OPA reads any body on these routes as JSON.
 */
export async function readBody(c: Context, limit: number): Promise<string> {
	const length = headerOf(c, "content-length");
	if (length !== undefined && Number(length) > limit) throw tooLargeError(limit);
	const encoding = (headerOf(c, "content-encoding") ?? "").trim().toLowerCase();
	// (NaN, a length that is not a number, takes the counted path.)
	if (length !== undefined && Number(length) <= limit && encoding !== "gzip") {
		// A plain body of a known length within the limit: read whole by the runtime (on Node
		// straight from the IncomingMessage; the stream below makes @hono/node-server build a
		// full Fetch Request and web stream for it, ~80 µs a request). Decoded the same way.
		try {
			return await c.req.text();
		} catch (e) {
			throw new ClientAbortedError((e as Error).message);
		}
	}
	const tooLarge = () => tooLargeError(limit);
	let bytes: Uint8Array;
	try {
		bytes = await readLimited(c.req.raw.body, limit, tooLarge);
	} catch (e) {
		if (e instanceof HttpError) throw e;
		throw new ClientAbortedError((e as Error).message);
	}
	if (encoding === "gzip") {
		try {
			const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
			bytes = await readLimited(stream, limit, tooLarge);
		} catch (e) {
			if (e instanceof HttpError) throw e;
			throw new HttpError(
				400,
				"invalid_parameter",
				`could not decompress the body: ${(e as Error).message}`,
			);
		}
	}
	return new TextDecoder().decode(bytes);
}

const MALFORMED_BODY = "body contains malformed input document";
const MALFORMED_PARAM = "parameter contains malformed input document";

/** A JSON text as the input document, or OPA's 400 naming where it came from. */
function parseInput(text: string, prefix: string, maxDepth: number): unknown {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		throw new HttpError(400, "invalid_parameter", `${prefix}: ${(e as Error).message}`);
	}
	if (mayNestDeeper(text, maxDepth) && jsonDepth(value, maxDepth) > maxDepth) {
		throw new HttpError(400, "invalid_parameter", `${prefix}: nested deeper than ${maxDepth}`);
	}
	return value;
}

/** "file:row: code: message" (how the engine reports a located error) as OPA's error. */
export function evalErrorDetail(code: string, message: string): Record<string, unknown> {
	// OPA's clients (e.g. @open-policy-agent/opa) require file, row and col in a location:
	// without a column the position stays in the message instead.
	const m = /^(.+?):(\d+):(\d+): ([a-z_]+): ([\s\S]*)$/.exec(message);
	if (!m) return { code, message };
	return { code, message: m[5], location: { file: m[1], row: Number(m[2]), col: Number(m[3]) } };
}

const NO_QUERY: Record<string, string[]> = Object.freeze({}) as Record<string, string[]>;

// ?explain values that ask for a trace; "off" and anything else are ignored, as OPA does.
const TRACE_MODES = new Set(["notes", "fails", "full", "debug"]);

/** A POST body's input document (OPA's 400 as an HttpError); no input is a warning. */
export function bodyInput(
	text: string,
	maxDepth: number,
): { input: unknown; warning?: typeof MISSING_INPUT } {
	if (text.trim() === "") return { input: undefined, warning: MISSING_INPUT };
	const body = parseInput(text, MALFORMED_BODY, maxDepth);
	if (body === null || typeof body !== "object" || Array.isArray(body)) {
		throw new HttpError(
			400,
			"invalid_parameter",
			`${MALFORMED_BODY}: the body must be a JSON object`,
		);
	}
	const input = (body as Record<string, unknown>).input;
	// OPA treats "input": null like no input at all.
	if (input === undefined || input === null) return { input: undefined, warning: MISSING_INPUT };
	return { input };
}

/** OPA's error answer as JSON text (see opaError). */
export function opaErrorJson(e: HttpError): string {
	return opaJson({ code: e.code, message: e.message, ...e.extra }, true);
}

/** Who asked, for the decision log, and a document inside a rule to evaluate instead. */
export interface DataRequest {
	requestedBy?: string;
	requestId?: number;
	inside?: (input: unknown) => unknown;
}

/** How the answer is written: ?pretty, ?provenance, and ?metrics' timings when asked. */
export interface DataShape {
	pretty: boolean;
	provenance: boolean;
	timings?: { started: number; parseNs: number };
}

/** data.<path> for `input`, evaluated, logged and answered as OPA's server answers it. */
export function dataAnswer(
	decisions: DecisionService,
	path: string,
	input: unknown,
	warning: typeof MISSING_INPUT | undefined,
	request: DataRequest,
	shape: DataShape,
): { status: number; json: string } {
	let out: ReturnType<DecisionService["query"]>;
	const evalStarted = performance.now();
	try {
		out = decisions.query(path, input, request.requestedBy, request.requestId, request.inside);
	} catch (e) {
		const err = e as { code?: string; message?: string; decision_id?: string };
		const code = err.code ?? "eval_internal_error";
		// A decision that failed: OPA's shape, the engine's error inside errors[].
		const body: Record<string, unknown> = {};
		if (err.decision_id !== undefined) body.decision_id = err.decision_id;
		body.code = "internal_error";
		body.message = "error(s) occurred while evaluating query";
		body.errors = [evalErrorDetail(code, err.message ?? "")];
		return { status: 500, json: opaJson(body, true) };
	}
	if ("error" in out) {
		return {
			status: 503,
			json: opaJson({ code: "no_bundle", message: "no policy bundle is active" }, true),
		};
	}
	const evalNs = Math.round((performance.now() - evalStarted) * 1e6);
	// OPA's field order: decision_id, metrics, provenance, result, warning. The id is undefined
	// when decisions are not logged, and JSON.stringify then leaves it out, as OPA does.
	const response: Record<string, unknown> = { decision_id: out.decision_id };
	if (shape.timings) {
		response.metrics = {
			timer_rego_input_parse_ns: shape.timings.parseNs,
			timer_rego_query_eval_ns: evalNs,
			timer_server_handler_ns: Math.round((performance.now() - shape.timings.started) * 1e6),
		};
	}
	if (shape.provenance) response.provenance = provenance(out);
	if (out.result !== undefined)
		response.result = path === "" ? withoutSystem(out.result) : out.result;
	if (warning) response.warning = warning;
	return { status: 200, json: opaJson(response, shape.pretty) };
}

export function registerDataApi(app: Hono, deps: DataApiDeps): void {
	const { config, engine, decisions } = deps;
	const limits = config.server;

	/**
	 * For a path strictly inside a rule document (computed keys: no entrypoint of its own), the
	 * document compiled as the query data.<path>, as OPA evaluates it; otherwise undefined.
	 */
	// Not async: the usual path (an entrypoint) is answered without a promise.
	const documentInside = (path: string) => {
		const active = engine.current();
		if (!active || !deps.documentAt || active.hasEntrypoint(path)) return undefined;
		const norm = path.replace(/^\/+|\/+$/g, "");
		if (!insideRuleDocument(active.entrypoints, norm)) return undefined;
		return deps.documentAt(norm.split("/"));
	};

	/** OPA answers a path its type checker refuses (data.a.arr.x) with a 500 naming the errors. */
	const refusedPath = (c: Context, e: unknown): ReturnType<typeof opaError> => {
		if ((e as Error)?.name !== "AdHocQueryError") throw e;
		const { errors } = e as AdHocQueryError;
		const located = errors.map(
			(r) => `${r.loc ? `${r.loc.row}:${r.loc.col}: ` : ""}${r.code}: ${r.message}`,
		);
		const count = `${errors.length} error${errors.length === 1 ? "" : "s"} occurred`;
		return opaError(
			c,
			500,
			"internal_error",
			errors.length > 0 ? `${count}: ${located.join("\n")}` : (e as Error).message,
		);
	};

	/**
	 * Enterprise OPA's batch API (what OPA clients' evaluateBatch calls): one evaluation per
	 * entry of `inputs`, each deep-merged over `common_input`; 200 when all succeed, 207 with
	 * a status per response when some fail.
	 */
	const batchHandler = async (c: Context): Promise<Response> => {
		const check = deps.callerCheck(c);
		const denied = check instanceof Promise ? await check : check;
		if (denied) return denied;
		const started = performance.now();
		const path = c.req.path.replace(/^\/v1\/batch\/data\/?/, "");
		const query = c.req.queries();
		let inputs: Record<string, unknown> = {};
		let common: unknown;
		try {
			const text = await readBody(c, limits.bodyLimitBytes);
			const body = text.trim() === "" ? {} : parseInput(text, MALFORMED_BODY, limits.maxJsonDepth);
			if (body === null || typeof body !== "object" || Array.isArray(body)) {
				throw new HttpError(
					400,
					"invalid_parameter",
					`${MALFORMED_BODY}: the body must be a JSON object`,
				);
			}
			const b = body as Record<string, unknown>;
			if (b.inputs !== undefined) {
				if (b.inputs === null || typeof b.inputs !== "object" || Array.isArray(b.inputs)) {
					throw new HttpError(400, "invalid_parameter", "inputs must be an object of id → input");
				}
				inputs = b.inputs as Record<string, unknown>;
			}
			common = b.common_input;
		} catch (e) {
			if (e instanceof HttpError) return opaError(c, e.status, e.code, e.message, e.extra);
			throw e;
		}
		if (!engine.current()) return opaError(c, 503, "no_bundle", "no policy bundle is active");
		let inside: ((input: unknown) => unknown) | undefined;
		const compiling = documentInside(path);
		if (compiling) {
			try {
				inside = await compiling;
			} catch (e) {
				return refusedPath(c, e);
			}
		}
		const responses: Record<string, Record<string, unknown>> = {};
		let failed = 0;
		for (const [id, own] of Object.entries(inputs)) {
			const input = common === undefined ? own : mergeInputs(common, own);
			try {
				const out = decisions.query(
					path,
					input,
					deps.remoteAddrOf?.(c),
					deps.requestIdOf?.(c),
					inside,
				);
				if ("error" in out) return opaError(c, 503, "no_bundle", "no policy bundle is active");
				const r: Record<string, unknown> = { decision_id: out.decision_id };
				if (flagOf(query, "provenance")) r.provenance = provenance(out);
				if (out.result !== undefined)
					r.result = path === "" ? withoutSystem(out.result) : out.result;
				responses[id] = r;
			} catch (e) {
				failed++;
				const err = e as { code?: string; message?: string; decision_id?: string };
				const r: Record<string, unknown> = {};
				if (err.decision_id !== undefined) r.decision_id = err.decision_id;
				r.code = "internal_error";
				r.message = "error(s) occurred while evaluating query";
				r.errors = [evalErrorDetail(err.code ?? "eval_internal_error", err.message ?? "")];
				responses[id] = r;
			}
		}
		if (failed > 0) {
			for (const r of Object.values(responses))
				r.http_status_code = r.code === "internal_error" ? "500" : "200";
		}
		const response: Record<string, unknown> = { batch_decision_id: newId() };
		if (flagOf(query, "metrics") || flagOf(query, "instrument")) {
			response.metrics = {
				timer_server_handler_ns: Math.round((performance.now() - started) * 1e6),
			};
		}
		response.responses = responses;
		return send(c, failed > 0 ? 207 : 200, opaJson(response, flagOf(query, "pretty")));
	};

	const handler = async (c: Context): Promise<Response> => {
		// Hono answers HEAD with the GET route; OPA's router has no HEAD here.
		if (c.req.raw.method === "HEAD") return methodNotAllowed(c, "GET, POST");
		const check = deps.callerCheck(c);
		const denied = check instanceof Promise ? await check : check;
		if (denied) return denied;
		const started = performance.now();
		const path = c.req.path.replace(/^\/v1\/data\/?/, "");
		// Most requests carry no query string: nothing to parse.
		const query = c.req.url.includes("?") ? c.req.queries() : NO_QUERY;
		const explain = query.explain?.[query.explain.length - 1];
		if (explain !== undefined && TRACE_MODES.has(explain)) {
			return opaError(
				c,
				400,
				"invalid_parameter",
				`explain=${explain} is not supported: Gavel does not trace evaluation`,
			);
		}
		if (flagOf(query, "strict-builtin-errors")) {
			return opaError(
				c,
				400,
				"invalid_parameter",
				"strict-builtin-errors is not supported per request: it is a property of the bundle's build in Gavel",
			);
		}
		let input: unknown;
		let warning: typeof MISSING_INPUT | undefined;
		const parseStarted = performance.now();
		try {
			if (c.req.method === "POST") {
				({ input, warning } = bodyInput(
					await readBody(c, limits.bodyLimitBytes),
					limits.maxJsonDepth,
				));
			} else {
				const q = query.input?.[query.input.length - 1];
				if (q !== undefined) input = parseInput(q, MALFORMED_PARAM, limits.maxJsonDepth);
			}
		} catch (e) {
			if (e instanceof HttpError) return opaError(c, e.status, e.code, e.message, e.extra);
			throw e;
		}
		const parseNs = Math.round((performance.now() - parseStarted) * 1e6);
		let inside: ((input: unknown) => unknown) | undefined;
		const compiling = documentInside(path);
		if (compiling) {
			try {
				inside = await compiling;
			} catch (e) {
				return refusedPath(c, e);
			}
		}
		const answer = dataAnswer(
			decisions,
			path,
			input,
			warning,
			{ requestedBy: deps.remoteAddrOf?.(c), requestId: deps.requestIdOf?.(c), inside },
			{
				pretty: flagOf(query, "pretty"),
				provenance: flagOf(query, "provenance"),
				timings:
					flagOf(query, "metrics") || flagOf(query, "instrument")
						? { started, parseNs }
						: undefined,
			},
		);
		return send(c, answer.status, answer.json);
	};

	// OPA's default decision: POST / with the raw input (any JSON) as the body, the bare
	// result back (what OPA clients' evaluateDefault call). Undefined is a 404, as in OPA.
	app.post("/", async (c) => {
		const check = deps.callerCheck(c);
		const denied = check instanceof Promise ? await check : check;
		if (denied) return denied;
		let input: unknown;
		try {
			const text = await readBody(c, limits.bodyLimitBytes);
			if (text.trim() !== "")
				input = parseInput(
					text,
					`unexpected parse error for input: ${MALFORMED_BODY}`,
					limits.maxJsonDepth,
				);
		} catch (e) {
			if (e instanceof HttpError) return opaError(c, e.status, e.code, e.message, e.extra, false);
			throw e;
		}
		const policy = config.policy.default;
		let out: ReturnType<DecisionService["query"]>;
		try {
			out = decisions.query(policy, input, deps.remoteAddrOf?.(c), deps.requestIdOf?.(c));
		} catch (e) {
			const err = e as { code?: string; message?: string };
			return opaError(
				c,
				500,
				"internal_error",
				"error(s) occurred while evaluating query",
				{ errors: [evalErrorDetail(err.code ?? "eval_internal_error", err.message ?? "")] },
				false,
			);
		}
		if ("error" in out)
			return opaError(c, 503, "no_bundle", "no policy bundle is active", {}, false);
		if (out.result === undefined) {
			return opaError(
				c,
				404,
				"undefined_document",
				`document missing: data.${policy.replaceAll("/", ".")}`,
				{},
				false,
			);
		}
		return send(c, 200, opaJson(out.result, false), false);
	});

	// HEAD is answered by GET routes in Hono; OPA's router has no HEAD for these.
	for (const route of ["/v1/data", "/v1/data/*"]) {
		app.on(["GET", "POST"], route, handler);
		// Gavel's data is the bundle's, all of it: OPA answers writes to bundle-owned paths so.
		app.on(["PUT", "PATCH", "DELETE"], route, (c) =>
			opaError(c, 400, "invalid_parameter", 'all paths owned by bundle "gavel"', {}, false),
		);
	}
	for (const route of ["/v1/batch/data", "/v1/batch/data/*"]) app.post(route, batchHandler);
	// /v1/query is query-api.ts's.

	// OPA's custom health checks: GET /health/<name> is 200 when data.system.health.<name>
	// is true, and a 500 naming the rule otherwise.
	app.get("/health/*", async (c, next) => {
		// Hono's wildcard also matches /health itself: that one is app.ts's route.
		if (c.req.path === "/health") return next();
		const name = c.req.path.slice("/health/".length);
		const rule = `data.system.health.${name.replaceAll("/", ".")}`;
		const active = engine.current();
		if (!active) return c.json({ error: "no policy bundle is active" }, 503);
		const ep = `system/health/${name}`;
		let value: unknown;
		try {
			value = active.entrypoints.includes(ep) ? active.evaluate(ep, {}) : undefined;
		} catch (e) {
			return c.json({ error: `health check (${rule}) failed: ${(e as Error).message}` }, 500);
		}
		if (value === undefined) return c.json({ error: `health check (${rule}) was undefined` }, 500);
		if (value !== true)
			return c.json({ error: `health check (${rule}) returned unexpected value` }, 500);
		return c.json({}, 200);
	});
}

// The methods OPA's router serves on each of these paths: any other method is a 405 there.
// Answered from the app's not-found handler, so no route is registered just to refuse.
const OPA_ROUTES: [RegExp, string][] = [
	[/^\/v1\/data(\/.*)?$/, "GET, POST, PUT, PATCH, DELETE"],
	[/^\/v1\/batch\/data(\/.*)?$/, "POST"],
	[/^\/v1\/query$/, "GET, POST"],
	[/^\/v1\/policies$/, "GET"],
	[/^\/v1\/policies\/.+$/, "GET, PUT, DELETE"],
	[/^\/health(\/.*)?$/, "GET, HEAD"],
];

/** OPA's 405 (with Allow) for a wrong method on one of its routes; undefined elsewhere. */
export function opaMethodNotAllowed(c: Context): Response | undefined {
	for (const [re, allow] of OPA_ROUTES) if (re.test(c.req.path)) return methodNotAllowed(c, allow);
	return undefined;
}

/** The whole document as OPA answers it: data.system (OPA's own namespace) left out. */
function withoutSystem(doc: unknown): unknown {
	if (
		doc === null ||
		typeof doc !== "object" ||
		Array.isArray(doc) ||
		!Object.hasOwn(doc, "system")
	)
		return doc;
	const { system: _, ...rest } = doc as Record<string, unknown>;
	return rest;
}

/** `own` deep-merged over `common`: objects key by key, anything else `own` as it is. */
export function mergeInputs(common: unknown, own: unknown): unknown {
	const isObj = (v: unknown): v is Record<string, unknown> =>
		v !== null && typeof v === "object" && !Array.isArray(v);
	if (!isObj(common) || !isObj(own)) return own === undefined ? common : own;
	const out: Record<string, unknown> = { ...common };
	for (const [k, v] of Object.entries(own)) {
		const value = Object.hasOwn(common, k) ? mergeInputs(common[k], v) : v;
		// A data property even for "__proto__" (a JSON key like any other).
		Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
	}
	return out;
}

/** Gavel's version where OPA reports its own; no build metadata is recorded. */
function provenance(out: RawResult): Record<string, unknown> {
	return {
		version: pkg.version,
		build_commit: "",
		build_timestamp: "",
		build_hostname: "",
		bundles: { gavel: { revision: out.revision } },
	};
}
