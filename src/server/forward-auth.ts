// Forward-auth for gateways (/v1/authz): nginx auth_request, Traefik ForwardAuth and Envoy
// ext_authz (HTTP) ask before routing a request. We recover the original request from each
// gateway's headers (believed only from configured proxies), verify the client's bearer
// token, evaluate the policy, and answer by the gateways' shared contract: 200 allow (with
// identity headers for the upstream), 401 + WWW-Authenticate for a missing or bad token,
// 403 for any deny, including every failure (fail closed, never a 5xx).

import type { Context, Hono } from "hono";
import type { GavelConfig } from "./config.ts";
import type { DecisionService } from "./decision-service.ts";
import { encodeHeaderValue } from "./header-value.ts";
import { headerOf } from "./headers.ts";
import { buildInput, type PeerIdentity, pickHeaders, type RequestInfo } from "./input.ts";
import { isTrusted } from "./ip-match.ts";
import { pathFields } from "./request-path.ts";
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

/** The request the gateway is asking about. */
export function originalRequest(
	c: Context,
	trusted: boolean,
	input: GavelConfig["input"],
): RequestInfo & { query: string } {
	const url = new URL(c.req.url);
	const h = (n: string) => (trusted ? headerOf(c, n) : undefined);
	// Envoy sends the original path after the configured prefix; so do direct callers.
	const own = url.pathname.slice(PREFIX.length) || "/";
	const uri = h("x-original-uri") ?? h("x-forwarded-uri") ?? `${own}${url.search}`;
	const q = uri.indexOf("?");
	return {
		method: (h("x-original-method") ?? h("x-forwarded-method") ?? c.req.method).toUpperCase(),
		// The upstream serves the resolved path: the policy must judge that one (raw_path
		// keeps what was sent); an encoded slash is a 400 by default.
		...pathFields(q < 0 ? uri : uri.slice(0, q), input),
		query: q < 0 ? "" : uri.slice(q + 1),
		host: h("x-forwarded-host") ?? headerOf(c, "host") ?? url.host,
		headers: pickHeaders((n) => headerOf(c, n), input.headers),
	};
}

export function registerForwardAuth(app: Hono, deps: ForwardAuthDeps): void {
	const { config, decisions, verifier } = deps;
	const fa = config.forwardAuth;
	const policy = fa.policy ?? config.policy.default;

	const handler = async (c: Context) => {
		const token = deps.bearerToken(c);
		const verified = await verifier.verify(token);
		if (!verified.ok) return deps.unauthorized(c, verified.reason, verified.message);
		const trusted = isTrusted(deps.remoteAddrOf?.(c), fa.trustedProxies);
		const request = originalRequest(c, trusted, config.input);
		const input = buildInput({
			subject: verified.claims,
			action: request.method,
			resource: { path: request.path, host: request.host },
			request,
			peer: deps.peerOf?.(c),
		});
		const d = decisions.decide(policy, input, {
			subjectKey: token,
			expiresAt: verified.claims.exp,
			requestedBy: deps.remoteAddrOf?.(c),
		});
		const body: Record<string, unknown> = { decision_id: d.decision_id, allow: d.allow };
		if (d.reasons !== undefined) body.reasons = d.reasons;
		if (d.error) body.error = d.error;
		if (!d.allow) return c.json(body, 403);
		const claims = verified.claims as Record<string, unknown>;
		if (typeof claims.sub === "string") c.header(fa.subjectHeader, encodeHeaderValue(claims.sub));
		const roles = claims[fa.rolesClaim];
		if (Array.isArray(roles)) {
			// A comma inside one role would read as two roles upstream.
			const list = roles.map((r) => encodeHeaderValue(String(r), ","));
			c.header(fa.rolesHeader, list.join(","));
		} else if (typeof roles === "string") c.header(fa.rolesHeader, encodeHeaderValue(roles));
		// Headers the policy asks the upstream to receive: obligations.headers {name: value}.
		const ob = d.obligations as { headers?: unknown } | undefined;
		if (ob && typeof ob.headers === "object" && ob.headers !== null) {
			for (const [k, v] of Object.entries(ob.headers)) {
				if (typeof v === "string" && /^[A-Za-z0-9-]+$/.test(k)) c.header(k, encodeHeaderValue(v));
			}
		}
		return c.json(body, 200);
	};

	app.all(PREFIX, handler);
	app.all(`${PREFIX}/*`, handler);
}
