// The development identity behind `gavel serve --dev` and `gavel token`: an ES256 key pair
// kept in the state folder (which ignores itself in git), its JWKS served over real HTTP on
// loopback, and tokens signed with it. The server verifies dev tokens exactly as production
// ones, through a remote JWKS URL, so the quick start exercises the real path.

import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from "jose";

export const DEV_ISSUER = "gavel-dev";
export const DEV_AUDIENCE = "gavel";
const ALG = "ES256";

export interface DevKey {
	privateJwk: JWK;
	publicJwk: JWK;
	kid: string;
}

/** Load the dev key from `<stateDir>/dev-key.json`, creating it on first use. */
export async function loadOrCreateDevKey(stateDir: string): Promise<DevKey> {
	const file = join(stateDir, "dev-key.json");
	try {
		const privateJwk = JSON.parse(readFileSync(file, "utf8")) as JWK;
		return { privateJwk, publicJwk: publicPart(privateJwk), kid: privateJwk.kid as string };
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
	}
	const { privateKey } = await generateKeyPair(ALG, { extractable: true });
	const kid = randomUUID();
	const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: "sig" };
	mkdirSync(stateDir, { recursive: true });
	// The folder keeps itself out of git, whatever the repository's .gitignore says.
	writeFileSync(join(stateDir, ".gitignore"), "*\n");
	writeFileSync(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
	return { privateJwk, publicJwk: publicPart(privateJwk), kid };
}

function publicPart(jwk: JWK): JWK {
	const { d: _d, ...pub } = jwk;
	return pub;
}

export interface JwksServer {
	url: string;
	/** How many times the key set was fetched (tests check refetch bounds with it). */
	readonly fetches: number;
	close(): Promise<void>;
}

/**
 * Serve `{"keys": [...]}` at /dev/jwks.json on 127.0.0.1 (ephemeral port by default). `keys`
 * may be a function, read on every request, so a test can rotate keys.
 */
export function serveJwks(keys: JWK[] | (() => JWK[]), port = 0): Promise<JwksServer> {
	let fetches = 0;
	const server: Server = createServer((req, res) => {
		if (req.method === "GET" && req.url === "/dev/jwks.json") {
			fetches++;
			const body = JSON.stringify({ keys: typeof keys === "function" ? keys() : keys });
			res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
			res.end(body);
		} else {
			res.writeHead(404).end();
		}
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", () => {
			const { port: p } = server.address() as AddressInfo;
			resolve({
				url: `http://127.0.0.1:${p}/dev/jwks.json`,
				get fetches() {
					return fetches;
				},
				close: () =>
					new Promise<void>((r) => {
						server.closeAllConnections();
						server.close(() => r());
					}),
			});
		});
	});
}

export interface MintOptions {
	subject: string;
	claims?: Record<string, unknown>;
	/** Lifetime in seconds (default one hour). */
	ttlSeconds?: number;
	issuer?: string;
	audience?: string;
}

export async function mintDevToken(key: DevKey, options: MintOptions): Promise<string> {
	const privateKey = await importJWK(key.privateJwk, ALG);
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({ ...(options.claims as JWTPayload) })
		.setProtectedHeader({ alg: ALG, kid: key.kid, typ: "JWT" })
		.setSubject(options.subject)
		.setIssuer(options.issuer ?? DEV_ISSUER)
		.setAudience(options.audience ?? DEV_AUDIENCE)
		.setIssuedAt(now)
		.setExpirationTime(now + (options.ttlSeconds ?? 3600))
		.sign(privateKey);
}
