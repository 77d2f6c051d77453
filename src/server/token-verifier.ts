// Verifies the subject's bearer JWT with jose before any policy runs. Algorithms come from
// config, never from the token (which is what defeats `alg: none` and the HS256-with-the-
// RSA-public-key trick). Verified claims are cached by token until it expires,
// so a busy caller pays for one signature check per token, not per request.

import {
	createLocalJWKSet,
	createRemoteJWKSet,
	decodeProtectedHeader,
	type JWTPayload,
	type JWTVerifyGetKey,
	jwtVerify,
	type KeyObject,
} from "jose";
import { LRUCache } from "lru-cache";
import type { AuthConfig } from "./config.ts";

export type TokenFailure =
	| "missing"
	| "malformed"
	| "too_large"
	| "algorithm_not_allowed"
	| "unknown_key"
	| "bad_signature"
	| "expired"
	| "not_yet_valid"
	| "too_old"
	| "wrong_issuer"
	| "wrong_audience"
	| "missing_claim"
	| "invalid_claim"
	| "keys_unavailable";

export type TokenResult =
	| { ok: true; claims: JWTPayload; cached: boolean }
	| { ok: false; reason: TokenFailure; message: string };

export interface TokenVerifier {
	verify(token: string | undefined): Promise<TokenResult>;
	/**
	 * The result for a token already verified and still valid, synchronously (no promise on
	 * the hot path); undefined when it has to go through verify.
	 */
	cached?(token: string | undefined): TokenResult | undefined;
	/** Entries and bytes held by the claims cache (for tests and metrics). */
	cacheUsage?(): { entries: number; bytes: number };
}

/** Where the verification keys come from; built from AuthConfig by the runtime's wiring. */
export type KeySource = JWTVerifyGetKey | KeyObject | Uint8Array;

export function remoteKeySource(url: string, auth: AuthConfig): JWTVerifyGetKey {
	return createRemoteJWKSet(new URL(url), {
		cooldownDuration: auth.jwksCooldownSeconds * 1000,
		cacheMaxAge: auth.jwksCacheMaxAgeSeconds * 1000,
	});
}

export function localKeySource(jwks: { keys: unknown[] }): JWTVerifyGetKey {
	return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
}

interface Cached {
	/** The whole token: the entry is keyed by its end only (see cacheKey). */
	token: string;
	claims: JWTPayload;
	/** Bytes this entry is charged in the cache: the token (the key) and its claims as JSON. */
	size: number;
}

/** Default bound on the claims cache; 10,000 tokens of up to 8 KB would otherwise be ~80 MB. */
export const DEFAULT_TOKEN_CACHE_MAX_BYTES = 8 * 1024 * 1024;
const TOKEN_CACHE_MAX_ENTRIES = 10_000;

/**
 * The claims cache's key for a token: its last characters (the end of the signature). A map
 * hashes its whole key on every lookup of a string it has not seen, and each request's token
 * is a new string: for a token of several hundred characters that cost ~0.8 µs a request
 * (bench:path). A hit still compares the whole token with the entry's, so another token with
 * the same ending is only a miss.
 */
const KEY_CHARS = 32;
function cacheKey(token: string): string {
	return token.length <= KEY_CHARS ? token : token.slice(-KEY_CHARS);
}

export interface VerifierHooks {
	/** Counted by outcome ("valid" or a TokenFailure) in metrics. */
	onResult?(outcome: string): void;
	now?(): number; // ms
}

export function createTokenVerifier(
	auth: AuthConfig,
	keys: KeySource | KeySource[],
	hooks: VerifierHooks = {},
): TokenVerifier {
	const sources = Array.isArray(keys) ? keys : [keys];
	const now = hooks.now ?? Date.now;
	// Bounded by entries and by bytes: a flood of large distinct tokens evicts older entries
	// instead of growing the heap. Sizes are counted as the decision cache counts them.
	const cache = new LRUCache<string, Cached>({
		max: TOKEN_CACHE_MAX_ENTRIES,
		maxSize: auth.tokenCacheMaxBytes ?? DEFAULT_TOKEN_CACHE_MAX_BYTES,
		sizeCalculation: (entry) => entry.size,
		ttlAutopurge: false,
	});

	const verifyOnce = async (token: string, key: KeySource): Promise<JWTPayload> => {
		const options = {
			algorithms: auth.algorithms,
			issuer: auth.issuer,
			audience: auth.audience,
			clockTolerance: auth.clockToleranceSeconds,
			requiredClaims: auth.requiredClaims,
			maxTokenAge: auth.maxTokenAgeSeconds,
			currentDate: new Date(now()),
		};
		const result =
			typeof key === "function"
				? await jwtVerify(token, key, options)
				: await jwtVerify(token, key as KeyObject, options);
		// jose checks iat only under maxTokenAge. A token issued in the future (beyond the
		// clock tolerance) is refused regardless: it would otherwise never age.
		const iat = result.payload.iat;
		if (iat !== undefined && iat > now() / 1000 + auth.clockToleranceSeconds) {
			throw Object.assign(new Error('"iat" claim is in the future'), {
				code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
				claim: "iat",
				reason: "check_failed",
			});
		}
		return result.payload;
	};

	const finish = (r: TokenResult): TokenResult => {
		hooks.onResult?.(r.ok ? "valid" : r.reason);
		return r;
	};

	const cachedValid = (token: string | undefined): TokenResult | undefined => {
		if (!token) return undefined;
		const hit = cache.get(cacheKey(token));
		// A cached token is still re-checked against the clock: the cache TTL is a bound, not
		// the authority on expiry.
		const exp = hit?.claims.exp;
		if (
			hit &&
			hit.token === token &&
			(exp === undefined || exp + auth.clockToleranceSeconds > now() / 1000)
		) {
			return finish({ ok: true, claims: hit.claims, cached: true });
		}
		return undefined;
	};

	return {
		cached: cachedValid,
		cacheUsage: () => ({ entries: cache.size, bytes: cache.calculatedSize }),
		async verify(token) {
			if (!token) return finish({ ok: false, reason: "missing", message: "no bearer token" });
			if (token.length > auth.maxTokenBytes) {
				return finish({
					ok: false,
					reason: "too_large",
					message: `token exceeds ${auth.maxTokenBytes} bytes`,
				});
			}
			// Keyed by the token itself (its end, then compared whole): hashing it with a digest
			// would cost more than the lookup saves.
			const entryKey = cacheKey(token);
			const found = cache.get(entryKey);
			const hit = found?.token === token ? found : undefined;
			if (hit) {
				// A cached token is still re-checked against the clock: the cache TTL is a bound,
				// not the authority on expiry.
				const exp = hit.claims.exp;
				if (exp === undefined || exp + auth.clockToleranceSeconds > now() / 1000) {
					return finish({ ok: true, claims: hit.claims, cached: true });
				}
				cache.delete(entryKey);
			}
			let lastError: unknown = Object.assign(
				new Error("no configured key fits the token's algorithm"),
				{
					code: "ERR_JWKS_NO_MATCHING_KEY",
				},
			);
			let alg: string | undefined;
			try {
				alg = decodeProtectedHeader(token).alg;
			} catch {
				// jwtVerify reports the malformed token below.
			}
			for (const key of sources) {
				// A PEM key of another type than the token's algorithm cannot have signed it.
				if (alg !== undefined && !fits(key, alg)) continue;
				try {
					const claims = await verifyOnce(token, key);
					const ttl =
						claims.exp !== undefined
							? Math.max(0, (claims.exp + auth.clockToleranceSeconds) * 1000 - now())
							: 60_000;
					// An entry bigger than the whole bound is simply not cached (lru-cache skips it).
					// Token and claims JSON as UTF-16, plus a little for the entry itself.
					const size = 2 * (token.length + JSON.stringify(claims).length) + 64;
					if (ttl > 0) cache.set(entryKey, { token, claims, size }, { ttl });
					return finish({ ok: true, claims, cached: false });
				} catch (e) {
					lastError = e;
					// Only a key that does not fit is worth trying the next source for.
					const code = (e as { code?: string }).code;
					if (
						code !== "ERR_JWKS_NO_MATCHING_KEY" &&
						code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
					) {
						break;
					}
				}
			}
			return finish(classify(lastError));
		},
	};
}

function fits(key: KeySource, alg: string): boolean {
	if (typeof key === "function" || key instanceof Uint8Array) return true;
	const type = (key as { asymmetricKeyType?: string }).asymmetricKeyType;
	if (alg.startsWith("RS") || alg.startsWith("PS")) return type === "rsa" || type === "rsa-pss";
	if (alg.startsWith("ES")) return type === "ec";
	if (alg === "EdDSA" || alg === "Ed25519") return type === "ed25519" || type === "ed448";
	return true;
}

function classify(e: unknown): TokenResult & { ok: false } {
	const err = e as { code?: string; claim?: string; reason?: string; message?: string };
	const message = err?.message ?? String(e);
	switch (err?.code) {
		case "ERR_JWT_EXPIRED":
			return err.claim === "iat"
				? { ok: false, reason: "too_old", message }
				: { ok: false, reason: "expired", message };
		case "ERR_JWT_CLAIM_VALIDATION_FAILED":
			if (err.reason === "missing") return { ok: false, reason: "missing_claim", message };
			if (err.claim === "nbf") return { ok: false, reason: "not_yet_valid", message };
			if (err.claim === "iss") return { ok: false, reason: "wrong_issuer", message };
			if (err.claim === "aud") return { ok: false, reason: "wrong_audience", message };
			// jose reports a too-old iat as ERR_JWT_EXPIRED; a failed check here is an iat in
			// the future.
			if (err.claim === "iat" && err.reason === "check_failed") {
				return { ok: false, reason: "not_yet_valid", message };
			}
			return { ok: false, reason: "invalid_claim", message };
		case "ERR_JOSE_ALG_NOT_ALLOWED":
			return { ok: false, reason: "algorithm_not_allowed", message };
		case "ERR_JWKS_NO_MATCHING_KEY":
		case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
			return { ok: false, reason: "unknown_key", message };
		case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
			return { ok: false, reason: "bad_signature", message };
		case "ERR_JWKS_TIMEOUT":
		case "ERR_JWKS_INVALID":
			return { ok: false, reason: "keys_unavailable", message };
		case "ERR_JWS_INVALID":
		case "ERR_JWT_INVALID":
		case "ERR_JOSE_NOT_SUPPORTED":
			return { ok: false, reason: "malformed", message };
		default:
			// Fetch failures of the remote JWKS surface as plain errors.
			return { ok: false, reason: "keys_unavailable", message };
	}
}
