// OPA's `--authorization=basic`: before a request is served, data.system.authz.allow (or
// OPA's default_authorization_decision) is
// evaluated with OPA's input for it ({identity?, method, path, params, headers}); anything but
// true (false, undefined, no such rule, no policy, an evaluation error) is OPA's 401
// "request rejected by administrative policy". Gavel's own subject-token routes (/v1/decide,
// /v1/authz) verify their callers themselves and are not asked.

import type { Context, MiddlewareHandler } from "hono";
import type { Engine } from "../engine/index.ts";
import type { Metrics } from "./metrics.ts";

export const SYSTEM_AUTHZ_ENTRYPOINT = "system/authz/allow";

const REJECTED = `${JSON.stringify(
	{ code: "unauthorized", message: "request rejected by administrative policy" },
	null,
	2,
)}\n`;

/** Go's canonical header name ("x-foo-bar" → "X-Foo-Bar"), as OPA's input carries them. */
function canonicalHeader(name: string): string {
	return name
		.toLowerCase()
		.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => dash + ch.toUpperCase());
}

/** OPA's input for the authorization policy. */
export function systemAuthzInput(c: Context, identity: "none" | "token"): Record<string, unknown> {
	const url = new URL(c.req.url);
	const input: Record<string, unknown> = {};
	if (identity === "token") {
		const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
		if (m) input.identity = m[1];
	}
	input.method = c.req.method;
	// Segments as sent: a doubled slash leaves an empty segment, which a policy does not expect.
	input.path = url.pathname
		.replace(/^\//, "")
		.split("/")
		.filter((s, i, all) => !(s === "" && i === all.length - 1))
		.map((s) => {
			try {
				return decodeURIComponent(s);
			} catch {
				return s;
			}
		});
	const params: Record<string, string[]> = {};
	for (const [k, v] of url.searchParams) params[k] = [...(params[k] ?? []), v];
	input.params = params;
	const headers: Record<string, string[]> = {};
	c.req.raw.headers.forEach((v, k) => {
		const name = canonicalHeader(k);
		headers[name] = [...(headers[name] ?? []), v];
	});
	input.headers = headers;
	return input;
}

/** Routes whose callers are Gavel's subjects, verified by their own bearer tokens. */
const SUBJECT_ROUTES = /^\/v1\/(decide|authz)(\/|$)/;

export function systemAuthz(
	engine: Engine,
	identity: "none" | "token",
	metrics?: Metrics,
	onError?: (message: string) => void,
	decision: string = SYSTEM_AUTHZ_ENTRYPOINT,
): MiddlewareHandler {
	return async (c, next) => {
		if (SUBJECT_ROUTES.test(c.req.path)) return next();
		const started = performance.now();
		let allowed = false;
		const active = engine.current();
		try {
			allowed =
				active?.hasEntrypoint(decision) === true &&
				active.evaluate(decision, systemAuthzInput(c, identity)) === true;
			metrics?.decision(decision, allowed ? "allow" : "deny", (performance.now() - started) / 1000);
		} catch (e) {
			// Fail closed: an authorization policy that errors lets nobody in.
			metrics?.decision(decision, "error", (performance.now() - started) / 1000);
			onError?.(`gavel: data.system.authz.allow failed, request rejected: ${(e as Error).message}`);
		}
		if (allowed) return next();
		return new Response(REJECTED, {
			status: 401,
			headers: { "Content-Type": "application/json" },
		});
	};
}
