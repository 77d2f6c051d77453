// The Hono app, built from injected parts so the same routes serve Node (src/node.ts) and
// Workers: nothing here touches the file system or Node-only APIs.

import { type Context, Hono } from "hono";
import type { JWTPayload } from "jose";
import type { Engine } from "../engine/index.ts";
import { type EvaluationRoute, registerAuthzen } from "./authzen.ts";
import type { GavelConfig } from "./config.ts";
import {
	bodyInput,
	dataAnswer,
	opaErrorJson,
	opaMethodNotAllowed,
	registerDataApi,
} from "./data-api.ts";
import {
	createDecideRoute,
	type DecideCall,
	decideRequestKey,
	requestInfoOf,
} from "./decide-route.ts";
import type { DecisionCache } from "./decision-cache.ts";
import type { DecisionLogger } from "./decision-log.ts";
import { DecisionService } from "./decision-service.ts";
import { type ForwardRoute, registerForwardAuth } from "./forward-auth.ts";
import { bearerOf, headerOf, requestHeaderOf } from "./headers.ts";
import { honoCall } from "./hono-call.ts";
import {
	ClientAbortedError,
	errorResponse,
	HttpError,
	type JsonAnswer,
	readJsonText,
} from "./http-errors.ts";
import type { PeerIdentity, RequestInfo } from "./input.ts";
import type { Metrics } from "./metrics.ts";
import { OPENAPI_DOCUMENT } from "./openapi.ts";
import { registerPoliciesApi } from "./policies-api.ts";
import { adHocQueries, registerQueryApi } from "./query-api.ts";
import { systemAuthz } from "./system-authz.ts";
import type { TokenFailure, TokenVerifier } from "./token-verifier.ts";
import type { Tracing } from "./tracing.ts";

export interface AppDeps {
	config: GavelConfig;
	engine: Engine;
	verifier: TokenVerifier;
	metrics: Metrics;
	logger: DecisionLogger;
	cache?: DecisionCache;
	/** The verified mTLS client of this request, when the runtime has one. */
	peerOf?: (c: Context) => PeerIdentity | undefined;
	/** The TCP peer's address, to decide whether forwarded headers are believed. */
	remoteAddrOf?: (c: Context) => string | undefined;
	/** The URL the server listens on, once it does (Node knows the port only then). */
	listenUrl?: () => string | undefined;
	/** OpenTelemetry, when tracing.enabled (Node only); unset, nothing is traced. */
	tracing?: Tracing;
}

/** Where the configuration says the service is, never where a request's Host says. */
export function configuredBaseUrl(config: GavelConfig, listenUrl?: string): string {
	if (config.authzen.baseUrl !== undefined) return config.authzen.baseUrl.replace(/\/+$/, "");
	if (listenUrl !== undefined) return listenUrl;
	const { host, port, tls } = config.server;
	return `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export interface GavelApp {
	app: Hono;
	/** app.fetch, counting every response in gavel_http_requests_total. */
	fetch: (request: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
	decisions: DecisionService;
	/**
	 * The hot routes for a runtime's own listener to answer their common requests without
	 * the framework (node-direct.ts); unset when tracing or OPA's system authorization is
	 * on, since those wrap every request in the app.
	 */
	direct?: DirectRoutes;
}

/** The routes a runtime's direct listener answers (their gavel_http_requests_total label). */
export type DirectRoute = "/v1/decide" | "/v1/data/*" | "/access/v1/evaluation" | "/v1/authz/*";

/**
 * What a runtime's direct listener needs to answer the hot routes as the app does: POST
 * /v1/decide, POST /v1/data/<entrypoint>, AuthZEN's single evaluation and forward auth
 * (node-direct.ts).
 */
export interface DirectRoutes {
	limits: GavelConfig["server"];
	/** Numbers the request as the app numbers each one: its number when decisions are logged. */
	arrived(): number | undefined;
	/** Counts the answer in gavel_http_requests_total, as the app counts each. */
	answered(route: DirectRoute, status: number | "aborted", method?: string): void;
	/** The claims of a bearer token already verified, valid and cached; else undefined. */
	verifiedClaims(token: string | undefined): JWTPayload | undefined;
	/** /v1/decide's answer for a verified caller and the body's text; throws HttpError. */
	decide(call: DecideCall, claims: JWTPayload, text: string): JsonAnswer;
	/**
	 * Whether the enforcement point's own credentials (callerAuth: the Data API, AuthZEN)
	 * pass without waiting; when not, the app decides.
	 */
	callerPasses(token: string | undefined): boolean;
	/** AuthZEN's single evaluation of the body's text; a refusal throws (evaluationRefused). */
	evaluation: EvaluationRoute;
	/** Forward auth (/v1/authz) for a verified client; throws HttpError (a bad path). */
	forward: ForwardRoute;
	/** Whether data.<path> is an entrypoint of the active policy. */
	isEntrypoint(path: string): boolean;
	/** The Data API's answer to a POST of `text` to /v1/data/<path>: OPA's text, 4xx too. */
	data(path: string, text: string, requestedBy: string | undefined, requestId?: number): JsonAnswer;
}

// Each route label as one constant string (maps later keyed by it need not hash a new one).
const FIXED_ROUTES = new Map(
	[
		"/",
		"/v1/decide",
		"/access/v1/evaluation",
		"/access/v1/evaluations",
		"/.well-known/authzen-configuration",
		"/health",
		"/v1/query",
		"/ready",
		"/metrics",
		"/openapi.json",
	].map((r) => [r, r]),
);

/** The routes that make decisions: each request to them is traced (a batch holds many). */
const TRACED_ROUTES = new Set([
	"/",
	"/v1/decide",
	"/v1/authz/*",
	"/v1/data/*",
	"/v1/batch/data/*",
	"/access/v1/evaluation",
	"/access/v1/evaluations",
]);
/** Routes whose request holds many decisions: the request's span is named for the batch. */
const BATCH_SPANS: Record<string, string> = {
	"/access/v1/evaluations": "gavel.evaluations",
	"/v1/batch/data/*": "gavel.batch",
};

/** The route label for metrics, from a request URL, without parsing the URL. */
export function routeLabel(url: string): string {
	const start = url.indexOf("/", url.indexOf("//") + 2);
	if (start < 0) return "/";
	const q = url.indexOf("?", start);
	const path = q < 0 ? url.slice(start) : url.slice(start, q);
	const fixed = FIXED_ROUTES.get(path);
	if (fixed !== undefined) return fixed;
	if (path === "/v1/data" || path.startsWith("/v1/data/")) return "/v1/data/*";
	if (path === "/v1/authz" || path.startsWith("/v1/authz/")) return "/v1/authz/*";
	if (path === "/v1/batch/data" || path.startsWith("/v1/batch/data/")) return "/v1/batch/data/*";
	// OPA's custom health checks: one label whatever the rule's name.
	if (path.startsWith("/health/")) return "/health/*";
	return "unmatched";
}

const TOKEN_STATUS_TEXT: Record<TokenFailure, string> = {
	missing: "no bearer token",
	malformed: "the token is malformed",
	too_large: "the token is too large",
	algorithm_not_allowed: "the token's algorithm is not allowed",
	unknown_key: "the token's signing key is unknown",
	bad_signature: "the token's signature is invalid",
	expired: "the token has expired",
	not_yet_valid: "the token is not valid yet",
	too_old: "the token is older than allowed",
	wrong_issuer: "the token's issuer is not accepted",
	wrong_audience: "the token's audience is not accepted",
	missing_claim: "the token lacks a required claim",
	invalid_claim: "a token claim is invalid",
	keys_unavailable: "the verification keys could not be fetched",
};

export function bearerToken(c: Context): string | undefined {
	return bearerOf(headerOf(c, "authorization"));
}

export function unauthorized(c: Context, reason: TokenFailure, detail: string): Response {
	// RFC 6750: no error attribute when no token was sent at all.
	const challenge =
		reason === "missing"
			? 'Bearer realm="gavel"'
			: `Bearer realm="gavel", error="invalid_token", error_description="${TOKEN_STATUS_TEXT[reason]}"`;
	c.header("WWW-Authenticate", challenge);
	return c.json({ code: "unauthorized", reason, message: TOKEN_STATUS_TEXT[reason], detail }, 401);
}

export function requestInfo(c: Context, config: GavelConfig): RequestInfo {
	return requestInfoOf(honoCall(c, undefined, undefined), config);
}

let openapiText: string | undefined;

// Answers to requests whose client left mid-body (see onError), told apart for the metrics.
const abortedResponses = new WeakSet<Response>();

const JSON_CONTENT = { "Content-Type": "application/json" };

/** A Data API request without ?pretty, ?provenance or ?metrics. */
const NO_FLAGS = { pretty: false, provenance: false };

export { decideRequestKey };

export function createApp(deps: AppDeps): GavelApp {
	const { config, engine, metrics, tracing } = deps;
	const verifier = tracing ? tracing.wrapVerifier(deps.verifier) : deps.verifier;
	const decisions = new DecisionService(
		engine,
		metrics,
		deps.logger,
		deps.cache,
		undefined,
		tracing,
	);
	engine.onActivation((e) => {
		metrics.bundleActivation(e.outcome, e.revision);
		if (e.outcome === "success") deps.cache?.clear();
	});
	const app = new Hono();
	/** Requests numbered as they arrive (decision logs' req_id, as OPA's server numbers them). */
	const requestIds = new WeakMap<Request, number>();
	let requestCount = 0;
	// Before every route: OPA's --authorization=basic (data.system.authz.allow) when asked for.
	if (config.callerAuth.systemAuthz) {
		app.use(
			"*",
			systemAuthz(
				engine,
				config.callerAuth.systemAuthzIdentity,
				metrics,
				(m) => console.error(m),
				config.callerAuth.systemAuthzDecision,
			),
		);
	}
	const limits = config.server;

	app.onError((err, c) => {
		if (err instanceof HttpError) return errorResponse(c, err);
		if (err instanceof ClientAbortedError) {
			// Written to a closed socket, if at all; counted as "aborted", not as a 5xx.
			const res = c.json({ code: "request_aborted", message: err.message }, 400);
			abortedResponses.add(res);
			return res;
		}
		return c.json({ code: "internal_error", message: "internal error" }, 500);
	});

	const decideRoute = createDecideRoute({
		config,
		engine,
		decisions,
		cached: deps.cache !== undefined,
	});
	app.post("/v1/decide", async (c) => {
		const token = bearerToken(c);
		const verified = verifier.cached?.(token) ?? (await verifier.verify(token));
		if (!verified.ok) return unauthorized(c, verified.reason, verified.message);
		const text = await readJsonText(c, limits);
		const answer = decideRoute(honoCall(c, deps.peerOf, deps.remoteAddrOf), verified.claims, text);
		return c.body(answer.json, answer.status as 200, JSON_CONTENT);
	});

	/**
	 * The enforcement point's own credentials: a 401 to answer, or undefined to go on. A
	 * promise only when a token has to be verified: the routes await nothing otherwise.
	 */
	const checkCaller = (c: Context): Response | undefined | Promise<Response | undefined> => {
		const mode = config.callerAuth.mode;
		if (mode === "jwt") {
			// The enforcement point presents its own token, verified like a subject's.
			const token = bearerToken(c);
			const known = verifier.cached?.(token);
			if (known) return known.ok ? undefined : unauthorized(c, known.reason, known.message);
			return verifier
				.verify(token)
				.then((v) => (v.ok ? undefined : unauthorized(c, v.reason, v.message)));
		}
		if (mode === "api-key") {
			const key = bearerToken(c);
			if (!key || !config.callerAuth.apiKeys.includes(key)) {
				c.header("WWW-Authenticate", 'Bearer realm="gavel"');
				return c.json({ code: "unauthorized", message: "caller credentials required" }, 401);
			}
		}
		if (mode === "mtls" && !deps.peerOf?.(c)) {
			return c.json({ code: "unauthorized", message: "client certificate required" }, 401);
		}
		return undefined;
	};
	const callerCheck = async (c: Context): Promise<Response | undefined> => checkCaller(c);

	const queries = adHocQueries(engine);
	registerDataApi(app, {
		config,
		engine,
		decisions,
		documentAt: async (path) => (await queries()).documentAt(path),
		callerCheck: checkCaller,
		remoteAddrOf: deps.remoteAddrOf,
		requestIdOf: (c) => requestIds.get(c.req.raw),
	});

	registerPoliciesApi(app, { config, engine, callerCheck });
	registerQueryApi(app, { config, engine, callerCheck: checkCaller, queries });

	const evaluation = registerAuthzen(app, {
		config,
		decisions,
		engine,
		callerCheck: checkCaller,
		peerOf: deps.peerOf,
		remoteAddrOf: deps.remoteAddrOf,
		baseUrl: () => configuredBaseUrl(config, deps.listenUrl?.()),
	});
	const forward = registerForwardAuth(app, {
		config,
		decisions,
		verifier,
		bearerToken,
		unauthorized,
		peerOf: deps.peerOf,
		remoteAddrOf: deps.remoteAddrOf,
	});

	app.get("/health", (c) => {
		const active = engine.current();
		if (!active) return c.json({ code: "unhealthy", message: "no policy bundle is active" }, 503);
		return c.json(
			c.req.query("bundles") !== undefined
				? { bundles: { gavel: { revision: active.revision } } }
				: {},
			200,
		);
	});
	// Ready only with an instance to evaluate on: a bundle whose instance could not be rebuilt
	// after a fatal evaluation error would deny everything.
	app.get("/ready", (c) =>
		engine.current()?.ready() ? c.json({ ready: true }, 200) : c.json({ ready: false }, 503),
	);
	app.get("/metrics", async (c) => {
		const { contentType, body } = await metrics.render();
		c.header("content-type", contentType);
		return c.body(body, 200);
	});
	app.get("/openapi.json", (c) => {
		openapiText ??= JSON.stringify(OPENAPI_DOCUMENT);
		c.header("content-type", "application/json");
		return c.body(openapiText, 200);
	});
	app.notFound(
		(c) =>
			opaMethodNotAllowed(c) ??
			c.json({ code: "not_found", message: `no route ${c.req.method} ${c.req.path}` }, 404),
	);

	// Counting outside the router keeps every route a single handler, which Hono dispatches
	// without composing middleware.
	const answered = (request: Request, env: unknown, route: string, response: Response) => {
		let res = response;
		metrics.httpRequest(route, request.method, abortedResponses.has(res) ? "aborted" : res.status);
		// Every response carries the caller's request id back, whatever route answered.
		const requestId = requestHeaderOf(request, env, "x-request-id");
		if (requestId !== null && !res.headers.has("x-request-id")) {
			try {
				res.headers.set("X-Request-ID", requestId);
			} catch {
				// An immutable Response (e.g. one from fetch): copy it to add the header.
				res = new Response(res.body, res);
				res.headers.set("X-Request-ID", requestId);
			}
		}
		return res;
	};
	// Not an async function: a route that answers synchronously is answered so (node-server
	// then writes it without a promise), and a promise is followed by one step only.
	const fetch = (request: Request, env?: unknown, ctx?: unknown): Response | Promise<Response> => {
		// OPA numbers every request its server answers; only a logged decision needs it.
		if (decisions.logs) requestIds.set(request, ++requestCount);
		const route = routeLabel(request.url);
		const res =
			tracing !== undefined && TRACED_ROUTES.has(route)
				? tracing.request(request, route, BATCH_SPANS[route], () =>
						app.fetch(request, env, ctx as never),
					)
				: app.fetch(request, env, ctx as never);
		return res instanceof Promise
			? res.then((r) => answered(request, env, route, r))
			: answered(request, env, route, res);
	};
	const direct: DirectRoutes | undefined =
		tracing !== undefined || config.callerAuth.systemAuthz
			? undefined
			: {
					limits,
					arrived: () => (decisions.logs ? ++requestCount : undefined),
					answered: (route, status, method = "POST") => metrics.httpRequest(route, method, status),
					verifiedClaims: (token) => {
						const known = verifier.cached?.(token);
						return known?.ok ? known.claims : undefined;
					},
					decide: decideRoute,
					callerPasses: (token) => {
						const mode = config.callerAuth.mode;
						if (mode === "none") return true;
						if (mode === "api-key")
							return token !== undefined && config.callerAuth.apiKeys.includes(token);
						if (mode === "jwt") return verifier.cached?.(token)?.ok === true;
						return false;
					},
					evaluation,
					forward,
					isEntrypoint: (path) => engine.current()?.hasEntrypoint(path) === true,
					data: (path, text, requestedBy, requestId) => {
						let body: ReturnType<typeof bodyInput>;
						try {
							body = bodyInput(text, limits.maxJsonDepth);
						} catch (e) {
							if (e instanceof HttpError) return { status: e.status, json: opaErrorJson(e) };
							throw e;
						}
						return dataAnswer(
							decisions,
							path,
							body.input,
							body.warning,
							{ requestedBy, requestId },
							NO_FLAGS,
						);
					},
				};
	return { app, fetch, decisions, direct };
}
