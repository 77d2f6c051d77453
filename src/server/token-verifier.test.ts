// The verified-token claims cache is bounded by bytes as well as entries: many large
// distinct tokens evict older ones instead of growing the heap.

import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "./config.ts";
import { createTokenVerifier } from "./token-verifier.ts";

describe("token claims cache bound", () => {
	it("stays within auth.tokenCacheMaxBytes when filled well past it", async () => {
		const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const maxBytes = 64 * 1024;
		const auth = { ...DEFAULT_CONFIG.auth, tokenCacheMaxBytes: maxBytes, maxTokenBytes: 8192 };
		const verifier = createTokenVerifier(auth, publicKey);
		const exp = Math.floor(Date.now() / 1000) + 3600;
		const tokens: string[] = [];
		// ~3 KB of claims per token (~7 KB as counted): 60 of them are several times the bound.
		for (let i = 0; i < 60; i++) {
			tokens.push(
				await new SignJWT({ pad: `${i}-${"x".repeat(3000)}` })
					.setProtectedHeader({ alg: "ES256" })
					.setSubject(`user-${i}`)
					.setExpirationTime(exp)
					.sign(privateKey),
			);
		}
		let filled = 0;
		for (const token of tokens) {
			const r = await verifier.verify(token);
			expect(r.ok).toBe(true);
			filled += token.length;
			const usage = verifier.cacheUsage?.();
			expect(usage).toBeDefined();
			expect(usage?.bytes).toBeLessThanOrEqual(maxBytes);
		}
		expect(filled).toBeGreaterThan(2 * maxBytes);
		const usage = verifier.cacheUsage?.() ?? { entries: 0, bytes: 0 };
		// Still caching (recent tokens are hits), but not all of them.
		expect(usage.entries).toBeGreaterThan(0);
		expect(usage.entries).toBeLessThan(tokens.length);
		const last = await verifier.verify(tokens[tokens.length - 1]);
		expect(last.ok && last.cached).toBe(true);
		// The oldest was evicted: verified afresh, still valid.
		const first = await verifier.verify(tokens[0]);
		expect(first.ok && !first.cached).toBe(true);
	});

	it("defaults to an 8 MiB bound and does not cache an entry bigger than the bound", async () => {
		expect(DEFAULT_CONFIG.auth.tokenCacheMaxBytes).toBe(8 * 1024 * 1024);
		const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const auth = { ...DEFAULT_CONFIG.auth, tokenCacheMaxBytes: 1024 };
		const verifier = createTokenVerifier(auth, publicKey);
		const token = await new SignJWT({ pad: "y".repeat(2000) })
			.setProtectedHeader({ alg: "ES256" })
			.setSubject("big")
			.setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
			.sign(privateKey);
		expect((await verifier.verify(token)).ok).toBe(true);
		expect(verifier.cacheUsage?.()).toEqual({ entries: 0, bytes: 0 });
		const again = await verifier.verify(token);
		expect(again.ok && !again.cached).toBe(true);
	});

	it("answers a cached token only for that exact token, not for another with the same end", async () => {
		const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const verifier = createTokenVerifier(DEFAULT_CONFIG.auth, publicKey);
		const exp = Math.floor(Date.now() / 1000) + 3600;
		const token = await new SignJWT({ role: "user" })
			.setProtectedHeader({ alg: "ES256" })
			.setSubject("alice")
			.setExpirationTime(exp)
			.sign(privateKey);
		expect((await verifier.verify(token)).ok).toBe(true);
		// The cache is keyed by a token's last characters: a forged payload under alice's
		// signature shares them, and must neither hit nor replace her entry.
		const [header, , signature] = token.split(".");
		const payload = Buffer.from(JSON.stringify({ sub: "mallory", role: "admin", exp })).toString(
			"base64url",
		);
		const forged = `${header}.${payload}.${signature}`;
		expect(forged.slice(-32)).toBe(token.slice(-32));
		expect(verifier.cached?.(forged)).toBeUndefined();
		const r = await verifier.verify(forged);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.reason).toBe("bad_signature");
		const again = verifier.cached?.(token);
		expect(again?.ok && again.cached && again.claims.sub).toBe("alice");
	});
});
