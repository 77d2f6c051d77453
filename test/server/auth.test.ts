// The subject token on /v1/decide: real tokens signed with keys whose JWKS is served over
// HTTP, and the classic attacks. With no bundle loaded, a valid token gets past
// authentication to the fail-closed 503, so every 401 here is the verifier's doing.

import { createHmac } from "node:crypto";
import { type CryptoKey, exportSPKI, generateKeyPair, importJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	AUDIENCE,
	ISSUER,
	makeSigner,
	parseMetrics,
	sign,
	startTestServer,
	type TestServer,
} from "./helpers.ts";

let t: TestServer;
beforeAll(async () => {
	t = await startTestServer({ auth: { maxTokenBytes: 4096 } });
});
afterAll(async () => {
	await t.close();
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

async function decide(token: string | undefined) {
	const res = await t.post(
		"/v1/decide",
		{ action: "read" },
		token === undefined ? {} : { authorization: `Bearer ${token}` },
	);
	return {
		status: res.status,
		challenge: res.headers.get("www-authenticate"),
		body: (await res.json()) as Record<string, unknown>,
	};
}

function claims(extra: Record<string, unknown> = {}) {
	const now = Math.floor(Date.now() / 1000);
	return { sub: "alice", iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...extra };
}

describe("POST /v1/decide token verification", () => {
	it("accepts RS256 and ES256 tokens from the JWKS (then fails closed: no bundle)", async () => {
		for (const signer of [t.rsa, t.ec]) {
			const r = await decide(await sign(signer));
			expect(r.status).toBe(503);
			expect(r.body).toMatchObject({ allow: false, error: { code: "no_bundle" } });
		}
	});

	it("no token: 401 with a bare challenge", async () => {
		const r = await decide(undefined);
		expect(r.status).toBe(401);
		expect(r.challenge).toBe('Bearer realm="gavel"');
		expect(r.body.reason).toBe("missing");
	});

	const attacks: [string, () => Promise<string>, string][] = [
		[
			"alg none",
			async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`,
			"algorithm_not_allowed",
		],
		[
			"HS256 signed with the RSA public key",
			async () => {
				const pem = await exportSPKI((await importJWK(t.rsa.publicJwk, "RS256")) as CryptoKey);
				const head = `${b64({ alg: "HS256", kid: t.rsa.kid })}.${b64(claims())}`;
				return `${head}.${createHmac("sha256", pem).update(head).digest("base64url")}`;
			},
			"algorithm_not_allowed",
		],
		[
			"a kid that is not in the JWKS",
			async () => sign(await makeSigner("RS256", "unknown-kid")),
			"unknown_key",
		],
		[
			"a known kid but another key",
			async () => sign({ ...(await makeSigner("RS256", "x")), kid: t.rsa.kid }),
			"bad_signature",
		],
		[
			"tampered payload",
			async () => {
				const [h, , s] = (await sign(t.rsa)).split(".");
				return `${h}.${b64(claims({ sub: "admin", roles: ["admin"] }))}.${s}`;
			},
			"bad_signature",
		],
		["expired", async () => sign(t.rsa, { exp: Math.floor(Date.now() / 1000) - 60 }), "expired"],
		[
			"not yet valid",
			async () => sign(t.rsa, { nbf: Math.floor(Date.now() / 1000) + 600 }),
			"not_yet_valid",
		],
		[
			"issued in the future (beyond the clock tolerance)",
			async () => sign(t.rsa, { iat: Math.floor(Date.now() / 1000) + 3600 }),
			"not_yet_valid",
		],
		["exp as a string", async () => sign(t.rsa, { exp: "9999999999" as never }), "invalid_claim"],
		["wrong issuer", async () => sign(t.rsa, { iss: "https://evil.test" }), "wrong_issuer"],
		["wrong audience", async () => sign(t.rsa, { aud: "someone-else" }), "wrong_audience"],
		["missing exp", async () => sign(t.rsa, { exp: undefined }), "missing_claim"],
		["oversized", async () => sign(t.rsa, { pad: "x".repeat(5000) }), "too_large"],
		["garbage", async () => "not-a-jwt", "malformed"],
	];

	for (const [name, make, reason] of attacks) {
		it(`rejects ${name} with 401 (${reason}) and evaluates nothing`, async () => {
			const before = t.logs.length;
			const r = await decide(await make());
			expect(r.status).toBe(401);
			expect(r.body.reason).toBe(reason);
			expect(r.challenge).toMatch(
				/^Bearer realm="gavel", error="invalid_token", error_description="/,
			);
			expect(t.logs.length).toBe(before); // no decision was made or logged
		});
	}

	it("a token signed with a key that is not RS256/ES256-pinned is refused even if in the JWKS", async () => {
		const { privateKey } = await generateKeyPair("PS256");
		const { SignJWT } = await import("jose");
		const token = await new SignJWT(claims())
			.setProtectedHeader({ alg: "PS256", kid: t.rsa.kid })
			.sign(privateKey);
		expect((await decide(token)).body.reason).toBe("algorithm_not_allowed");
	});

	it("counts verifications by outcome and caches verified tokens", async () => {
		const token = await sign(t.rsa, { jti: "cache-me" });
		await decide(token);
		await decide(token);
		const metrics = parseMetrics(await (await fetch(`${t.url}/metrics`)).text());
		expect(metrics.get('gavel_token_verifications_total{outcome="valid"}')).toBeGreaterThanOrEqual(
			4,
		);
		expect(metrics.get('gavel_token_verifications_total{outcome="expired"}')).toBe(1);
		expect(metrics.get('gavel_token_verifications_total{outcome="algorithm_not_allowed"}')).toBe(3);
	});
});

describe("PEM keys and maximum token age", () => {
	it("verifies against auth.publicKeyFiles and refuses tokens older than maxTokenAgeSeconds", async () => {
		const { mkdtempSync, writeFileSync } = await import("node:fs");
		const { join } = await import("node:path");
		const { tmpdir } = await import("node:os");
		const { createPublicKey } = await import("node:crypto");
		const pemSigner = await makeSigner("ES256", "pem");
		const pem = createPublicKey({ key: pemSigner.publicJwk as never, format: "jwk" }).export({
			type: "spki",
			format: "pem",
		});
		const file = join(mkdtempSync(join(tmpdir(), "gavel-pem-")), "key.pem");
		writeFileSync(file, pem);
		const s = await startTestServer({
			auth: { jwksUrl: undefined, publicKeyFiles: [file], maxTokenAgeSeconds: 60 },
		});
		try {
			const call = async (token: string) =>
				(await s.post("/v1/decide", {}, { authorization: `Bearer ${token}` })).json() as Promise<
					Record<string, unknown>
				>;
			expect(await call(await sign(pemSigner))).toMatchObject({ error: { code: "no_bundle" } });
			const old = Math.floor(Date.now() / 1000) - 120;
			expect((await call(await sign(pemSigner, { iat: old }))).reason).toBe("too_old");
			const future = Math.floor(Date.now() / 1000) + 120;
			expect((await call(await sign(pemSigner, { iat: future }))).reason).toBe("not_yet_valid");
			// An RSA token: no configured key of that type, so no key could have signed it.
			const other = await call(await sign(s.rsa));
			expect(other.reason).toBe("unknown_key");
		} finally {
			await s.close();
		}
	});
});
