// Reading a request header. On Node the parsed headers are already a plain object on the
// IncomingMessage; going through the Fetch API's Headers makes @hono/node-server build a
// Headers object for every request, a visible share of a cached decision's cost. Elsewhere
// (Workers) the standard accessor is used. Names must be lower-case.

import type { Context } from "hono";

type NodeHeaders = Record<string, string | string[] | undefined>;

export function headerOf(c: Context, name: string): string | undefined {
	const incoming = (c.env as { incoming?: { headers?: NodeHeaders } } | undefined)?.incoming;
	if (incoming?.headers) {
		const v = incoming.headers[name];
		return Array.isArray(v) ? v.join(", ") : v;
	}
	return c.req.header(name);
}

/** The same for a request outside a handler (the app's fetch wrapper), given its env. */
export function requestHeaderOf(request: Request, env: unknown, name: string): string | null {
	const incoming = (env as { incoming?: { headers?: NodeHeaders } } | undefined)?.incoming;
	if (incoming?.headers) {
		const v = incoming.headers[name];
		return Array.isArray(v) ? v.join(", ") : (v ?? null);
	}
	return request.headers.get(name);
}

/**
 * The token of an Authorization header written exactly `Bearer <token>`, without scanning the
 * token; undefined for any other form. For looking up verified tokens only: none holds
 * whitespace (bearerOf cut them), so a hit means bearerOf reads the same token, and a miss
 * sends the request down the path that parses the header in full.
 */
export function plainBearer(header: string | undefined): string | undefined {
	return header?.startsWith("Bearer ") ? header.slice(7) : undefined;
}

/** The token of an Authorization header: undefined without one, "" for another scheme. */
export function bearerOf(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return m ? m[1] : "";
}
