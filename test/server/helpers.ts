// Test fixtures: a real JWKS served over HTTP on loopback, real signed tokens, and the real
// server started on an ephemeral 127.0.0.1 port.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type CryptoKey,
	exportJWK,
	generateKeyPair,
	type JWK,
	type JWTPayload,
	SignJWT,
} from "jose";
import { type RunningGavel, startGavel } from "../../src/node.ts";
import { validateConfig } from "../../src/server/config.ts";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";

export const ISSUER = "https://issuer.test";
export const AUDIENCE = "gavel-tests";

export interface Signer {
	kid: string;
	alg: "RS256" | "ES256";
	privateKey: CryptoKey;
	publicJwk: JWK;
}

export async function makeSigner(alg: "RS256" | "ES256", kid: string): Promise<Signer> {
	const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
	const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
	return { kid, alg, privateKey: privateKey as CryptoKey, publicJwk };
}

export async function sign(
	signer: Signer,
	claims: JWTPayload = {},
	opts: { expSeconds?: number; header?: Record<string, unknown> } = {},
): Promise<string> {
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({
		sub: "alice",
		iss: ISSUER,
		aud: AUDIENCE,
		iat: now,
		exp: now + (opts.expSeconds ?? 600),
		...claims,
	})
		.setProtectedHeader({ alg: signer.alg, kid: signer.kid, ...opts.header })
		.sign(signer.privateKey);
}

export interface TestServer {
	running: RunningGavel;
	jwks: JwksServer;
	rsa: Signer;
	ec: Signer;
	logs: Record<string, unknown>[];
	url: string;
	close(): Promise<void>;
	post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startTestServer(config: Record<string, unknown> = {}): Promise<TestServer> {
	const rsa = await makeSigner("RS256", "rsa-1");
	const ec = await makeSigner("ES256", "ec-1");
	const jwks = await serveJwks([rsa.publicJwk, ec.publicJwk]);
	const logs: Record<string, unknown>[] = [];
	const base = {
		// Each server its own state (the last good bundle an HTTP or OCI source keeps): a
		// shared ./.gavel would hand one test's bundle to the next server that starts.
		stateDir: mkdtempSync(join(tmpdir(), "gavel-state-")),
		server: { host: "127.0.0.1", port: 0, shutdownGraceSeconds: 1 },
		auth: { jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 5 },
	};
	const merged = mergeDeep(base, config);
	const running = await startGavel(validateConfig(merged), {
		writeLog: (line) => logs.push(JSON.parse(line)),
		info: () => {},
		processMetrics: false,
	});
	return {
		running,
		jwks,
		rsa,
		ec,
		logs,
		url: running.url,
		async close() {
			await running.close();
			await jwks.close();
		},
		post(path, body, headers = {}) {
			return fetch(`${running.url}${path}`, {
				method: "POST",
				headers: { "content-type": "application/json", ...headers },
				body: typeof body === "string" ? body : JSON.stringify(body),
			});
		},
	};
}

function mergeDeep(
	a: Record<string, unknown>,
	b: Record<string, unknown>,
): Record<string, unknown> {
	const out: Record<string, unknown> = { ...a };
	for (const [k, v] of Object.entries(b)) {
		const prev = out[k];
		out[k] =
			prev &&
			typeof prev === "object" &&
			!Array.isArray(prev) &&
			v &&
			typeof v === "object" &&
			!Array.isArray(v)
				? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
				: v;
	}
	return out;
}

/** Parse Prometheus text into "name{labels}" → value. */
export function parseMetrics(text: string): Map<string, number> {
	const out = new Map<string, number>();
	for (const line of text.split("\n")) {
		if (line === "" || line.startsWith("#")) continue;
		const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)$/.exec(line);
		if (m) out.set(m[1], Number(m[2]));
	}
	return out;
}
