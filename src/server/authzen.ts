// AuthZEN Authorization API 1.0: single and batch access evaluation, and PDP discovery.
// Subjects, actions and resources come in the body (the caller is the enforcement point,
// authenticated by callerAuth); the policy sees them in Gavel's usual input shape.

import type { Context, Hono } from "hono";
import type { Engine } from "../engine/index.ts";
import type { GavelConfig } from "./config.ts";
import type { DecideCall } from "./decide-route.ts";
import type { Decision, DecisionService } from "./decision-service.ts";
import { honoCall } from "./hono-call.ts";
import {
	errorAnswer,
	HttpError,
	type JsonAnswer,
	parseJsonObject,
	readJsonText,
} from "./http-errors.ts";
import { buildInput, type PeerIdentity, pickHeaders, type RequestInfo } from "./input.ts";
import { pathFields } from "./request-path.ts";

type Json = Record<string, unknown>;

interface AuthzenDeps {
	config: GavelConfig;
	decisions: DecisionService;
	engine: Engine;
	/** A 401 to answer or undefined; a promise only when it has to wait (see app.ts). */
	callerCheck: (c: Context) => Response | undefined | Promise<Response | undefined>;
	peerOf?: (c: Context) => PeerIdentity | undefined;
	remoteAddrOf?: (c: Context) => string | undefined;
	/** The PDP's public base URL, from configuration (never from the request's Host). */
	baseUrl: () => string;
}

const isObject = (v: unknown): v is Json =>
	typeof v === "object" && v !== null && !Array.isArray(v);

class InvalidRequest extends Error {}

/** Check one entity: an object with the named string fields. Returns it, or throws. */
function entity(value: unknown, field: string, required: string[]): Json {
	if (value === undefined) throw new InvalidRequest(`${field} is required`);
	if (!isObject(value)) throw new InvalidRequest(`${field} must be an object`);
	for (const k of required) {
		if (value[k] === undefined) throw new InvalidRequest(`${field}.${k} is required`);
		if (typeof value[k] !== "string") throw new InvalidRequest(`${field}.${k} must be a string`);
	}
	if (value.properties !== undefined && !isObject(value.properties)) {
		throw new InvalidRequest(`${field}.properties must be an object`);
	}
	return value;
}

function validTuple(body: Json): { subject: Json; action: Json; resource: Json; context?: Json } {
	const subject = entity(body.subject, "subject", ["type", "id"]);
	const action = entity(body.action, "action", ["name"]);
	const resource = entity(body.resource, "resource", ["type", "id"]);
	if (body.context !== undefined && !isObject(body.context)) {
		throw new InvalidRequest("context must be an object");
	}
	return { subject, action, resource, context: body.context as Json | undefined };
}

/**
 * A batch item's entity replaces the top-level default whole, never field by field (the
 * certification: "a per-evaluation entity either is complete or is absent"); an incomplete
 * one is then refused by validTuple instead of borrowing the default's identifiers.
 */
function pick(def: unknown, item: unknown): unknown {
	return item === undefined ? def : item;
}
/**
 * POST /access/v1/evaluation's answer once the caller is let in and the body read, for a
 * runtime's direct listener (node-direct.ts); a refused request throws, and
 * evaluationRefused gives the answer the route gives for it.
 */
export type EvaluationRoute = (call: DecideCall, text: string) => JsonAnswer;

const JSON_CONTENT = { "Content-Type": "application/json" };

/** A refusal of the single evaluation as AuthZEN's JSON answer (see guard and onError). */
export function evaluationRefused(e: unknown): JsonAnswer | undefined {
	// AuthZEN asks for 400 on any unusable body, the wrong content type too.
	if (e instanceof HttpError && e.status === 415) e = new InvalidRequest(e.message);
	if (e instanceof InvalidRequest) {
		return { status: 400, json: JSON.stringify({ code: "bad_request", message: e.message }) };
	}
	return e instanceof HttpError ? errorAnswer(e) : undefined;
}

export function registerAuthzen(app: Hono, deps: AuthzenDeps): EvaluationRoute {
	const { config, decisions, engine } = deps;

	/** The body's text; AuthZEN asks for 400 on any unusable body, the wrong type too. */
	const readText = async (c: Context): Promise<string> => {
		try {
			return await readJsonText(c, config.server);
		} catch (e) {
			if (e instanceof HttpError && e.status === 415) throw new InvalidRequest(e.message);
			throw e;
		}
	};
	const parseBody = (text: string): Json => {
		const body = parseJsonObject(text, config.server);
		if (Object.keys(body).length === 0) throw new InvalidRequest("request body is empty");
		return body;
	};
	const read = async (c: Context): Promise<Json> => parseBody(await readText(c));

	/** input.request: the same for every evaluation of one HTTP request. */
	const requestOf = (call: DecideCall): RequestInfo => ({
		method: call.method,
		...pathFields(call.path, config.input),
		host: call.header("host") ?? "",
		headers: pickHeaders((n) => call.header(n), config.input.headers),
	});

	const inputOf = (
		t: ReturnType<typeof validTuple>,
		request: RequestInfo,
		peer: PeerIdentity | undefined,
	) =>
		buildInput({
			subject: t.subject,
			action: t.action,
			resource: t.resource,
			context: t.context,
			request,
			peer,
		});

	const evaluate = (
		call: DecideCall,
		t: ReturnType<typeof validTuple>,
		request = requestOf(call),
		requestKey?: string,
	): Decision =>
		decisions.decide(config.authzen.policy, inputOf(t, request, call.peer), {
			requestedBy: decisions.logs ? call.remoteAddr() : undefined,
			requestKey,
		});

	const response = (d: Decision): Json => {
		const out: Json = { decision: d.allow };
		const context: Json = {};
		if (d.reasons !== undefined) context.reasons = d.reasons;
		if (d.obligations !== undefined) context.obligations = d.obligations;
		if (d.error) context.error = d.error;
		if (Object.keys(context).length > 0) out.context = context;
		return out;
	};

	const guard = (handler: (c: Context) => Promise<Response>) => async (c: Context) => {
		const check = deps.callerCheck(c);
		const denied = check instanceof Promise ? await check : check;
		if (denied) return denied;
		try {
			return await handler(c);
		} catch (e) {
			if (e instanceof InvalidRequest)
				return c.json({ code: "bad_request", message: e.message }, 400);
			throw e;
		}
	};

	const evaluation = (call: DecideCall, text: string): JsonAnswer => {
		const request = requestOf(call);
		const peer = call.peer;
		// As on /v1/decide: the exact body and the request fields the input carries determine
		// the input (the policy is fixed), so a repeated request is answered from the cache
		// before its body is parsed. "\u0001" keeps these keys apart from /v1/decide's.
		const requestKey = decisions.caching
			? `\u0001authzen\u0000${request.host}\u0000${config.input.headers.length === 0 ? "" : JSON.stringify(request.headers)}\u0000${peer === undefined ? "" : JSON.stringify(peer)}\u0000${text}`
			: undefined;
		if (requestKey !== undefined) {
			const requestedBy = decisions.logs ? call.remoteAddr() : undefined;
			const hit = decisions.cachedDecision(
				requestKey,
				decisions.logs ? () => inputOf(validTuple(parseBody(text)), request, peer) : undefined,
				{ requestedBy },
			);
			if (hit) return { status: 200, json: JSON.stringify(response(hit.decision)) };
		}
		const t = validTuple(parseBody(text));
		if (!engine.current()) throw new HttpError(503, "no_bundle", "no policy bundle is active");
		return { status: 200, json: JSON.stringify(response(evaluate(call, t, request, requestKey))) };
	};

	const single = async (c: Context) => {
		const answer = evaluation(honoCall(c, deps.peerOf, deps.remoteAddrOf), await readText(c));
		return c.body(answer.json, 200, JSON_CONTENT);
	};

	app.post("/access/v1/evaluation", guard(single));

	app.post(
		"/access/v1/evaluations",
		guard(async (c) => {
			const body = await read(c);
			const call = honoCall(c, deps.peerOf, deps.remoteAddrOf);
			const items = body.evaluations;
			if (items === undefined || (Array.isArray(items) && items.length === 0)) {
				// Without evaluations the batch endpoint answers like the single one.
				const t = validTuple(body);
				if (!engine.current()) throw new HttpError(503, "no_bundle", "no policy bundle is active");
				return c.json(response(evaluate(call, t)), 200);
			}
			if (!Array.isArray(items)) throw new InvalidRequest("evaluations must be an array");
			// A body within the size limit can still hold hundreds of thousands of "{}" entries,
			// seconds of evaluation on the one thread every caller shares.
			if (items.length > config.authzen.maxEvaluations) {
				throw new InvalidRequest(
					`evaluations holds ${items.length} entries, more than the ${config.authzen.maxEvaluations} allowed`,
				);
			}
			const options = body.options;
			if (options !== undefined && !isObject(options))
				throw new InvalidRequest("options must be an object");
			const semantic = (options as Json | undefined)?.evaluations_semantic ?? "execute_all";
			if (
				!["execute_all", "deny_on_first_deny", "permit_on_first_permit"].includes(
					semantic as string,
				)
			) {
				throw new InvalidRequest(`unknown evaluations_semantic ${String(semantic)}`);
			}
			if (!engine.current()) throw new HttpError(503, "no_bundle", "no policy bundle is active");
			const request = requestOf(call);
			const results: Json[] = [];
			for (const [i, raw] of items.entries()) {
				let out: Json;
				try {
					// "x", null or [] is not an empty item inheriting every default: it is invalid.
					if (!isObject(raw)) throw new InvalidRequest(`evaluations[${i}] must be an object`);
					const t = validTuple({
						subject: pick(body.subject, raw.subject),
						action: pick(body.action, raw.action),
						resource: pick(body.resource, raw.resource),
						context: pick(body.context, raw.context),
					});
					out = response(evaluate(call, t, request));
				} catch (e) {
					if (!(e instanceof InvalidRequest)) throw e;
					// An item that cannot be evaluated is a deny, reported in its context.
					out = {
						decision: false,
						context: { error: { code: "bad_request", message: e.message } },
					};
				}
				results.push(out);
				if (semantic === "deny_on_first_deny" && out.decision === false) break;
				if (semantic === "permit_on_first_permit" && out.decision === true) break;
			}
			return c.json({ evaluations: results }, 200);
		}),
	);

	app.get("/.well-known/authzen-configuration", (c) => {
		const base = deps.baseUrl();
		return c.json(
			{
				policy_decision_point: base,
				access_evaluation_endpoint: `${base}/access/v1/evaluation`,
				access_evaluations_endpoint: `${base}/access/v1/evaluations`,
			},
			200,
		);
	});
	return evaluation;
}
