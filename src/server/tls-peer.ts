// The verified mTLS client of a request on Node, for input.peer. Only a certificate that
// the TLS layer authorised (chained to the configured CA) counts as an identity.

import type { TLSSocket } from "node:tls";
import type { Context } from "hono";
import type { PeerIdentity } from "./input.ts";

export function nodePeerOf(c: Context): PeerIdentity | undefined {
	const incoming = (c.env as { incoming?: { socket?: unknown } } | undefined)?.incoming;
	return socketPeer(incoming?.socket);
}

/** The same, read off the request's socket. */
export function socketPeer(s: unknown): PeerIdentity | undefined {
	const socket = s as TLSSocket | undefined;
	if (!socket || typeof socket.getPeerCertificate !== "function" || !socket.authorized) {
		return undefined;
	}
	const cert = socket.getPeerCertificate();
	if (!cert || Object.keys(cert).length === 0) return undefined;
	const san = cert.subjectaltname ?? "";
	const entries = san.split(/,\s*/).filter(Boolean);
	const subject = Object.entries(cert.subject ?? {})
		.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
		.join(",");
	const issuer = Object.entries(cert.issuer ?? {})
		.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
		.join(",");
	return {
		subject,
		uris: entries.filter((e) => e.startsWith("URI:")).map((e) => e.slice(4)),
		dns: entries.filter((e) => e.startsWith("DNS:")).map((e) => e.slice(4)),
		fingerprint256: cert.fingerprint256,
		issuer,
	};
}

/** The TCP peer's address on Node. */
export function nodeRemoteAddr(c: Context): string | undefined {
	const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
		?.incoming;
	return incoming?.socket?.remoteAddress;
}
