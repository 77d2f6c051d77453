// POST /v1/decide once the caller's token is verified and the body read, apart from any
// framework: the Hono route (app.ts) and Node's direct listener for the common request
// (node-direct.ts) both answer through it, so the two cannot drift apart.

import type { JWTPayload } from "jose";
import type { Engine } from "../engine/index.ts";
import type { GavelConfig } from "./config.ts";
import { type DecideOptions, type DecisionService, decisionJson } from "./decision-service.ts";
import { HttpError, type JsonAnswer, parseJsonObject } from "./http-errors.ts";
import {
	buildInput,
	inputJson,
	type PeerIdentity,
	pickHeaders,
	type RequestInfo,
} from "./input.ts";
import { pathFields } from "./request-path.ts";
import { subjectId } from "./subject-keys.ts";

/** What the route reads of a request, whichever runtime received it. */
export interface DecideCall {
	method: string;
	/** The path without the query. */
	path: string;
	/** A request header by lower-case name. */
	header(name: string): string | undefined;
	/** The request URL's host: read only when there is no Host header. */
	urlHost(): string;
	/** The whole request URL (scheme, host, path, query), as the runtime has it. */
	url(): string;
	peer: PeerIdentity | undefined;
	/** The TCP peer's address (only a logged decision asks: a system call on Node). */
	remoteAddr(): string | undefined;
}

export function requestInfoOf(call: DecideCall, config: GavelConfig): RequestInfo {
	const fields = pathFields(call.path, config.input);
	// Field by field, in the same order as before: a spread costs a generic copy per request.
	return {
		method: call.method,
		path: fields.path,
		raw_path: fields.raw_path,
		host: call.header("host") ?? call.urlHost(),
		headers: pickHeaders((n) => call.header(n), config.input.headers),
	};
}

function decideInput(
	subject: unknown,
	body: Record<string, unknown>,
	request: RequestInfo,
	peer: PeerIdentity | undefined,
) {
	return buildInput({
		subject,
		action: body.action,
		resource: body.resource,
		context: body.context,
		request,
		peer,
	});
}

/** The /v1/decide request key (see DecideOptions.requestKey). */
export function decideRequestKey(
	claims: object,
	request: RequestInfo,
	peer: PeerIdentity | undefined,
	text: string,
	config: GavelConfig,
): string {
	return `${subjectId(claims)}\u0000${request.host}\u0000${config.input.headers.length === 0 ? "" : JSON.stringify(request.headers)}\u0000${peer === undefined ? "" : JSON.stringify(peer)}\u0000${text}`;
}

export interface DecideRouteDeps {
	config: GavelConfig;
	engine: Engine;
	decisions: DecisionService;
	/** Whether a decision cache is configured at all. */
	cached: boolean;
}

/**
 * The route's answer for a verified caller and the body's text; throws HttpError for a
 * request it refuses (4xx), as the Hono route's error handler and the Node listener answer.
 */
export function createDecideRoute(
	deps: DecideRouteDeps,
): (call: DecideCall, claims: JWTPayload, text: string) => JsonAnswer {
	const { config, engine, decisions } = deps;
	const limits = config.server;
	const decideEntrypoints = new Set(config.policy.decideEntrypoints ?? [config.policy.default]);
	const bypassHeader = config.cache.bypassHeader;
	return (call, claims, text) => {
		const request = requestInfoOf(call, config);
		const peer = call.peer;
		const bypassCache =
			!deps.cached ||
			call.header(bypassHeader) !== undefined ||
			/no-cache/i.test(call.header("cache-control") ?? "");
		const options: DecideOptions = {
			bypassCache,
			// The claims object stands for the token (see subject-keys.ts): a key holding
			// the whole token would be hashed, hundreds of characters, on every lookup.
			subjectKey: subjectId(claims),
			expiresAt: claims.exp,
			// Only the decision log reads it (a system call for the socket's peer on Node).
			requestedBy: decisions.logs ? call.remoteAddr() : undefined,
			// The verified claims, the request fields the input carries and the exact body
			// determine the whole input and the policy: a repeated request is answered from
			// the cache before its body is parsed. Not made when the cache is not asked.
			requestKey: bypassCache ? undefined : decideRequestKey(claims, request, peer, text, config),
		};
		if (options.requestKey !== undefined) {
			// (No named closures here: tsx's keepNames would decorate each one per request.)
			const hit = decisions.cachedDecision(
				options.requestKey,
				decisions.logs
					? () => decideInput(claims, parseJsonObject(text, limits), request, peer)
					: undefined,
				options,
			);
			if (hit) return { status: 200, json: hit.json };
		}
		const body = parseJsonObject(text, limits);
		const policy = body.policy === undefined ? config.policy.default : body.policy;
		if (typeof policy !== "string" || policy === "") {
			throw new HttpError(400, "invalid_parameter", "policy must be a non-empty string");
		}
		if (!decideEntrypoints.has(policy)) {
			throw new HttpError(
				403,
				"policy_not_allowed",
				`policy ${policy} may not be named on /v1/decide: list it in policy.decideEntrypoints`,
				{ setting: "policy.decideEntrypoints" },
			);
		}
		const active = engine.current();
		if (!active) {
			// Still a decision (a deny) so it is counted and logged; 503 tells the caller why.
			return { status: 503, json: decisionJson(decisions.decide(policy, {}, {})) };
		}
		if (!active.hasEntrypoint(policy)) {
			throw new HttpError(
				404,
				"unknown_policy",
				`no policy ${policy} in bundle ${active.revision}`,
			);
		}
		const input = decideInput(claims, body, request, peer);
		// Serialised once, with the claims' JSON kept per verified token, and only what the
		// policy can observe of it.
		options.inputJson = inputJson(input, claims, active.inputShape(policy));
		return { status: 200, json: decisionJson(decisions.decide(policy, input, options)) };
	};
}
