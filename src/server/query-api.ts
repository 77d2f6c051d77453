// OPA's Query API (`/v1/query`): `GET ?q=<query>` or `POST {"query": …, "input": …}`, answered
// `{"result": [{bindings…}, …]}` (`{}` when undefined) as `opa run --server` answers it. The
// query is compiled against the running policy's sources (src/engine/ad-hoc-query.ts); a
// query the caller got wrong is a 400 with OPA's located errors, a failed evaluation a 500
// with the engine's error inside errors[], never a result.

import type { Context, Hono } from "hono";
import type { AdHocQueries, AdHocQueryError } from "../engine/ad-hoc-query.ts";
import type { Engine } from "../engine/index.ts";
import { jsonDepth } from "./canonical-json.ts";
import type { GavelConfig } from "./config.ts";
import {
	apiError,
	evalErrorDetail,
	methodNotAllowed,
	opaError,
	opaJson,
	readBody,
} from "./data-api.ts";
import { HttpError } from "./http-errors.ts";

export interface QueryApiDeps {
	config: GavelConfig;
	engine: Engine;
	callerCheck: (c: Context) => Response | undefined | Promise<Response | undefined>;
	queries: () => Promise<AdHocQueries>;
}

const flag = (c: Context, name: string) => {
	const v = c.req.queries(name);
	return v !== undefined && v[v.length - 1] !== "false";
};

// ?explain values that ask for a trace (as on the Data API).
const TRACE_MODES = new Set(["notes", "fails", "full", "debug"]);

const DECODE = "error(s) occurred while decoding request";

/**
 * The running policy's ad-hoc queries, made on first use: the compiler is heavy to start and
 * most servers never need it. /v1/query and the Data API (paths inside rule documents) share it.
 */
export function adHocQueries(engine: Engine): () => Promise<AdHocQueries> {
	let queries: AdHocQueries | undefined;
	return async () => {
		if (!queries) {
			const { AdHocQueries } = await import("../engine/ad-hoc-query.ts");
			queries ??= new AdHocQueries(engine);
		}
		return queries;
	};
}

export function registerQueryApi(app: Hono, deps: QueryApiDeps): void {
	const { config } = deps;
	const load = deps.queries;

	const handler = async (c: Context): Promise<Response> => {
		// Hono answers HEAD with the GET route; OPA's router has none here.
		if (c.req.raw.method === "HEAD") return methodNotAllowed(c, "GET, POST");
		const check = deps.callerCheck(c);
		const denied = check instanceof Promise ? await check : check;
		if (denied) return denied;
		const explain = c.req.queries("explain");
		const mode = explain?.[explain.length - 1];
		if (mode !== undefined && TRACE_MODES.has(mode)) {
			return opaError(
				c,
				400,
				"invalid_parameter",
				`explain=${mode} is not supported: Gavel does not trace evaluation`,
				{},
				false,
			);
		}
		let text: string;
		let input: unknown;
		try {
			if (c.req.method === "POST") {
				({ text, input } = await postedQuery(c, config));
			} else {
				const q = c.req.queries("q");
				if (q === undefined)
					return opaError(c, 400, "invalid_parameter", "missing parameter 'q'", {}, false);
				text = q[q.length - 1];
			}
		} catch (e) {
			if (e instanceof HttpError)
				return opaError(c, e.status, e.code, e.message, e.extra ?? {}, false);
			throw e;
		}
		let out: Awaited<ReturnType<AdHocQueries["run"]>>;
		try {
			out = await (await load()).run(text, input);
		} catch (e) {
			if ((e as Error)?.name === "AdHocQueryError") {
				const { errors } = e as AdHocQueryError;
				const extra = errors.length > 0 ? { errors: errors.map(apiError) } : {};
				return opaError(c, 400, "invalid_parameter", (e as Error).message, extra, false);
			}
			// Evaluation failed (conflict, limit, strict builtin): an error, never a result.
			const err = e as { code?: string; message?: string };
			return opaError(
				c,
				500,
				"internal_error",
				"error(s) occurred while evaluating query",
				{ errors: [evalErrorDetail(err.code ?? "eval_internal_error", err.message ?? String(e))] },
				false,
			);
		}
		if (!out) return opaError(c, 503, "no_bundle", "no policy bundle is active", {}, false);
		// OPA's field order: metrics, result; no result at all when undefined.
		const body: Record<string, unknown> = {};
		if (flag(c, "metrics") || flag(c, "instrument")) {
			body.metrics = {
				timer_rego_query_compile_ns: out.compileNs,
				timer_rego_query_eval_ns: out.evalNs,
			};
		}
		if (out.results.length > 0) body.result = out.results;
		return c.body(opaJson(body, flag(c, "pretty")), 200, { "Content-Type": "application/json" });
	};

	app.on(["GET", "POST"], "/v1/query", handler);
}

/** The POST body `{"query": string, "input"?: any}`, or OPA's 400 for anything else. */
async function postedQuery(
	c: Context,
	config: GavelConfig,
): Promise<{ text: string; input: unknown }> {
	const raw = await readBody(c, config.server.bodyLimitBytes);
	let body: unknown;
	try {
		// An empty body is Go's EOF in OPA's wording.
		if (raw.trim() === "") throw new Error("EOF");
		body = JSON.parse(raw);
	} catch (e) {
		throw new HttpError(400, "invalid_parameter", `${DECODE}: ${(e as Error).message}`);
	}
	if (jsonDepth(body, config.server.maxJsonDepth) > config.server.maxJsonDepth) {
		throw new HttpError(
			400,
			"invalid_parameter",
			`${DECODE}: nested deeper than ${config.server.maxJsonDepth}`,
		);
	}
	if (body === null || typeof body !== "object" || Array.isArray(body))
		throw new HttpError(400, "invalid_parameter", `${DECODE}: the body must be a JSON object`);
	const { query, input } = body as { query?: unknown; input?: unknown };
	if (query !== undefined && typeof query !== "string")
		throw new HttpError(400, "invalid_parameter", `${DECODE}: "query" must be a string`);
	// OPA treats "input": null like no input at all.
	return { text: query ?? "", input: input === null ? undefined : input };
}
