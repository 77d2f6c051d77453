// Forward-auth for gateways (/v1/authz): nginx auth_request, Traefik ForwardAuth and Envoy
// ext_authz (HTTP) ask before routing a request. We recover the original request from each
// gateway's headers (believed only from configured proxies), verify the client's bearer
// token, evaluate the policy, and answer by the gateways' shared contract: 200 allow (with
// identity headers for the upstream), 401 + WWW-Authenticate for a missing or bad token,
// 403 for any deny, including every failure (fail closed, never a 5xx).

import type { Context, Hono } from "hono";
import type { JWTPayload } from "jose";
import type { GavelConfig } from "./config.ts";
import type { DecideCall } from "./decide-route.ts";
import type { DecisionService } from "./decision-service.ts";
import { encodeHeaderValue } from "./header-value.ts";
import { honoCall } from "./hono-call.ts";
import {
	buildInput,
	inputJson,
	type PeerIdentity,
	pickHeaders,
	type RequestInfo,
} from "./input.ts";
import { isTrusted } from "./ip-match.ts";
import { pathFields } from "./request-path.ts";
import { subjectId } from "./subject-keys.ts";
import type { TokenFailure, TokenVerifier } from "./token-verifier.ts";

interface ForwardAuthDeps {
	config: GavelConfig;
	decisions: DecisionService;
	verifier: TokenVerifier;
	bearerToken: (c: Context) => string | undefined;
	unauthorized: (c: Context, reason: TokenFailure, detail: string) => Response;
	peerOf?: (c: Context) => PeerIdentity | undefined;
	remoteAddrOf?: (c: Context) => string | undefined;
}

const PREFIX = "/v1/authz";

// A URL whose pathname and search are its own text to WHATWG's URL parser: only characters
// it leaves as they are in a path (and, after "?", in a query: "'" it would escape), no
// backslash, no fragment, and (checked apart) no dot segment, "%2e" spellings included.
const PLAIN_URL = /^https?:\/\/[^/?#\\]*(\/[!$-;=@-Z_a-z~[\]]*)(\?[!$-&(-;=?-Z_a-z~[\]]*)?$/;
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;

/** pathname and search of `url` (with search "" for an empty query, as URL has it). */
export function urlParts(url: string): { pathname: string; search: string } {
	const m = PLAIN_URL.exec(url);
	// Parsing a URL costs about a microsecond a request; request URLs are almost always plain.
	if (m === null || DOT_SEGMENT.test(m[1])) {
		const u = new URL(url);
		return { pathname: u.pathname, search: u.search };
	}
	const search = m[2] ?? "";
	return { pathname: m[1], search: search.length > 1 ? search : "" };
}

/** A header the gateway set, believed only from a trusted proxy. */
function fromProxy(c: DecideCall, trusted: boolean, name: string): string | undefined {
	return trusted ? c.header(name) : undefined;
}

/** The request the gateway is asking about. */
export function originalRequest(
	c: DecideCall,
	trusted: boolean,
	input: GavelConfig["input"],
): RequestInfo & { query: string } {
	// Envoy sends the original path after the configured prefix; so do direct callers.
	let uri = fromProxy(c, trusted, "x-original-uri") ?? fromProxy(c, trusted, "x-forwarded-uri");
	if (uri === undefined) {
		const url = urlParts(c.url());
		uri = `${url.pathname.slice(PREFIX.length) || "/"}${url.search}`;
	}
	const q = uri.indexOf("?");
	const method =
		fromProxy(c, trusted, "x-original-method") ??
		fromProxy(c, trusted, "x-forwarded-method") ??
		c.method;
	// The upstream serves the resolved path: the policy must judge that one (raw_path keeps
	// what was sent); an encoded slash is a 400 by default.
	const fields = pathFields(q < 0 ? uri : uri.slice(0, q), input);
	return {
		method: method.toUpperCase(),
		path: fields.path,
		raw_path: fields.raw_path,
		query: q < 0 ? "" : uri.slice(q + 1),
		host: fromProxy(c, trusted, "x-forwarded-host") ?? c.header("host") ?? c.urlHost(),
		headers: pickHeaders((n) => c.header(n), input.headers),
	};
}

/** A forward-auth answer: status, JSON body and the headers for the gateway. */
export interface ForwardAnswer {
	status: number;
	json: string;
	/** Besides Content-Type (always application/json): the identity headers for the upstream. */
	headers: Record<string, string>;
}

/** /v1/authz once the client's token is verified (see node-direct.ts): the decision's answer. */
export type ForwardRoute = (call: DecideCall, claims: JWTPayload) => ForwardAnswer;

export function registerForwardAuth(app: Hono, deps: ForwardAuthDeps): ForwardRoute {
	const { config, decisions, verifier } = deps;
	const fa = config.forwardAuth;
	const policy = fa.policy ?? config.policy.default;

	const answer: ForwardRoute = (call, claims) => {
		// No proxy configured: no socket address to read and match on every request.
		const trusted = fa.trustedProxies.length > 0 && isTrusted(call.remoteAddr(), fa.trustedProxies);
		const request = originalRequest(call, trusted, config.input);
		const input = buildInput({
			subject: claims,
			action: request.method,
			resource: { path: request.path, host: request.host },
			request,
			peer: call.peer,
		});
		const d = decisions.decide(policy, input, {
			// The claims object stands for the token (see subject-keys.ts).
			subjectKey: subjectId(claims),
			expiresAt: claims.exp,
			requestedBy: decisions.logs ? call.remoteAddr() : undefined,
			inputJson: inputJson(input, claims, decisions.inputShape(policy)),
		});
		const body: Record<string, unknown> = { decision_id: d.decision_id, allow: d.allow };
		if (d.reasons !== undefined) body.reasons = d.reasons;
		if (d.error) body.error = d.error;
		// Header names in lower case, as a Headers object would hold (and write) them: a plain
		// object spares building one per answer. A later name replaces an earlier one.
		const headers: Record<string, string> = {};
		if (!d.allow) return { status: 403, json: JSON.stringify(body), headers };
		const c = claims as Record<string, unknown>;
		if (typeof c.sub === "string")
			headers[fa.subjectHeader.toLowerCase()] = encodeHeaderValue(c.sub);
		const roles = c[fa.rolesClaim];
		if (Array.isArray(roles)) {
			// A comma inside one role would read as two roles upstream.
			const list = roles.map((r) => encodeHeaderValue(String(r), ","));
			headers[fa.rolesHeader.toLowerCase()] = list.join(",");
		} else if (typeof roles === "string")
			headers[fa.rolesHeader.toLowerCase()] = encodeHeaderValue(roles);
		// Headers the policy asks the upstream to receive: obligations.headers {name: value}.
		const ob = d.obligations as { headers?: unknown } | undefined;
		if (ob && typeof ob.headers === "object" && ob.headers !== null) {
			for (const [k, v] of Object.entries(ob.headers)) {
				const name = k.toLowerCase();
				// The answer's own framing is not the policy's to set.
				if (name === "content-type" || name === "content-length") continue;
				if (typeof v === "string" && /^[A-Za-z0-9-]+$/.test(k))
					headers[name] = encodeHeaderValue(v);
			}
		}
		return { status: 200, json: JSON.stringify(body), headers };
	};

	const handler = async (c: Context) => {
		const token = deps.bearerToken(c);
		const verified = verifier.cached?.(token) ?? (await verifier.verify(token));
		if (!verified.ok) return deps.unauthorized(c, verified.reason, verified.message);
		const a = answer(honoCall(c, deps.peerOf, deps.remoteAddrOf), verified.claims);
		// The policy's headers first: an obligation cannot replace the answer's content type.
		return new Response(a.json, {
			status: a.status,
			headers: { ...a.headers, "content-type": "application/json" },
		});
	};

	app.all(PREFIX, handler);
	app.all(`${PREFIX}/*`, handler);
	return answer;
}
