// A request as the framework-neutral routes read it (decide-route.ts, AuthZEN's single
// evaluation, forward auth), from a Hono context.

import type { Context } from "hono";
import type { DecideCall } from "./decide-route.ts";
import { headerOf } from "./headers.ts";
import type { PeerIdentity } from "./input.ts";

export function honoCall(
	c: Context,
	peerOf: ((c: Context) => PeerIdentity | undefined) | undefined,
	remoteAddrOf: ((c: Context) => string | undefined) | undefined,
): DecideCall {
	return {
		method: c.req.method,
		path: c.req.path,
		header: (name) => headerOf(c, name),
		urlHost: () => new URL(c.req.url).host,
		url: () => c.req.url,
		peer: peerOf?.(c),
		remoteAddr: () => remoteAddrOf?.(c),
	};
}
