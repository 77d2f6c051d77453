// io.jwt.* decoding and verification, synchronously on node:crypto (builtins cannot await,
// so jose's async API is not usable here). Workers lack synchronous public-key verification,
// so at the edge these builtins are unavailable; see docs/api.md.

import {
	createHmac,
	createPublicKey,
	constants as cryptoConstants,
	type KeyObject,
	timingSafeEqual,
	verify,
	X509Certificate,
} from "node:crypto";
import { BuiltinError, expectString, typeName } from "./builtin-error.ts";
import { goJsonSyntaxError } from "./go-json.ts";

type Json = Record<string, unknown>;

interface Decoded {
	header: Json;
	payload: Json;
	signature: Buffer;
	signingInput: string;
}

/** Go's RawURLEncoding decoder, reporting the first bad byte as Go does. */
function b64url(what: string, s: string): Buffer {
	const t = s.replace(/=+$/, "");
	const bad = /[^A-Za-z0-9_-]/.exec(t);
	if (bad)
		throw new Error(`${what} had invalid encoding: illegal base64 data at input byte ${bad.index}`);
	if (t.length % 4 === 1) {
		throw new Error(
			`${what} had invalid encoding: illegal base64 data at input byte ${t.length - 1}`,
		);
	}
	return Buffer.from(t, "base64url");
}

function parseJson(what: string, buf: Buffer): Json {
	let v: unknown;
	try {
		v = JSON.parse(buf.toString("utf8"));
	} catch {
		throw new Error(`${what} had invalid JSON`);
	}
	if (v === null || typeof v !== "object" || Array.isArray(v)) {
		throw new Error(`${what} is not a JSON object`);
	}
	return v as Json;
}

export function decodeJwt(token: string): Decoded {
	const parts = token.split(".");
	if (parts.length !== 3) throw new Error("encoded JWT had no period separators");
	const header = parseJson("JWT header", b64url("JWT header", parts[0]));
	const payload = parseJson("JWT payload", b64url("JWT payload", parts[1]));
	const signature = b64url("JWT signature", parts[2]);
	return { header, payload, signature, signingInput: `${parts[0]}.${parts[1]}` };
}

// Header parameters OPA's decoder handles itself; any other one a token marks critical
// (and carries) is one OPA does not understand, so the token does not verify.
const UNDERSTOOD = new Set(["alg", "kid", "typ", "cty", "crit"]);

/** RFC 7515's `crit`, as OPA applies it: false when a critical parameter is not understood. */
function critUnderstood(builtin: string, header: Json): boolean {
	if (!("crit" in header)) return true;
	const crit = header.crit;
	if (!Array.isArray(crit)) throw new BuiltinError(builtin, "crit: must be a list");
	const names = crit.filter((c): c is string => typeof c === "string");
	if (names.length === 0) throw new BuiltinError(builtin, "crit: must be a nonempty list");
	return names.every((n) => UNDERSTOOD.has(n) || !(n in header));
}

const HASHES: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** Keys from a PEM public key, a PEM certificate, or a JWKS / single JWK as JSON text. */
function publicKeys(material: string): { kid?: string; alg?: string; key: KeyObject }[] {
	const text = material.trim();
	if (text.startsWith("{")) {
		const parsed = JSON.parse(text) as { keys?: Json[] } & Json;
		const jwks = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
		return jwks
			.filter((k) => k.kty !== "oct")
			.map((k) => ({
				kid: typeof k.kid === "string" ? k.kid : undefined,
				alg: typeof k.alg === "string" ? k.alg : undefined,
				// biome-ignore lint/suspicious/noExplicitAny: node's JWK type is structural
				key: createPublicKey({ key: k as any, format: "jwk" }),
			}));
	}
	if (text.includes("BEGIN CERTIFICATE")) return [{ key: new X509Certificate(text).publicKey }];
	return [{ key: createPublicKey(text) }];
}

function verifyWithKey(alg: string, d: Decoded, key: KeyObject): boolean {
	const data = Buffer.from(d.signingInput);
	if (alg === "EdDSA") {
		try {
			return key.asymmetricKeyType === "ed25519" && verify(null, data, key, d.signature);
		} catch {
			return false;
		}
	}
	const hash = HASHES[alg.slice(2)];
	if (!hash) return false;
	try {
		switch (alg.slice(0, 2)) {
			case "RS":
				return key.asymmetricKeyType === "rsa" && verify(hash, data, key, d.signature);
			case "PS":
				return verify(
					hash,
					data,
					{
						key,
						padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
						saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
					},
					d.signature,
				);
			case "ES":
				return (
					key.asymmetricKeyType === "ec" &&
					verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, d.signature)
				);
			default:
				return false;
		}
	} catch {
		return false;
	}
}

function verifyHmac(alg: string, d: Decoded, secret: string): boolean {
	const hash = HASHES[alg.slice(2)];
	if (!hash || !alg.startsWith("HS")) return false;
	const mac = createHmac(hash, secret).update(d.signingInput).digest();
	return mac.length === d.signature.length && timingSafeEqual(mac, d.signature);
}

/** A base64url segment as OPA's JWS reader checks it: OPA's message, or undefined when fine. */
function segmentError(seg: string): string | undefined {
	if (seg.length % 4 === 1) return `illegal base64url string: ${seg}`;
	const bad = /[^A-Za-z0-9_-]/.exec(seg);
	return bad ? `illegal base64 data at input byte ${bad.index}` : undefined;
}

/**
 * The token errors OPA's io.jwt.verify_* raise before any signature check: the shape, the
 * signature's encoding and (for the public-key algorithms) the header's encoding and JSON.
 * A token that passes these and fails later (its payload, its signature) is just false.
 */
function checkTokenShape(name: string, token: string, header: boolean): void {
	if (!token.includes(".")) throw new BuiltinError(name, "encoded JWT had no period separators");
	const parts = token.split(".");
	if (parts.length !== 3)
		throw new BuiltinError(name, `encoded JWT must have 3 sections, found ${parts.length}`);
	const sig = segmentError(parts[2]);
	if (sig) throw new BuiltinError(name, sig);
	if (!header) return;
	const enc = segmentError(parts[0]);
	if (enc) throw new BuiltinError(name, `JWT header had invalid encoding: ${enc}`);
	const text = Buffer.from(parts[0], "base64url").toString("utf8");
	if (text.trim() === "") throw new BuiltinError(name, "bad JWT header: invalid JSON: EOF");
	const syntax = goJsonSyntaxError(text);
	if (syntax) throw new BuiltinError(name, `bad JWT header: invalid JSON: ${syntax}`);
	const v = JSON.parse(text) as unknown;
	if (v === null || typeof v !== "object" || Array.isArray(v))
		throw new BuiltinError(name, "bad JWT header: decoded JSON type was not an Object");
}

function verifyAsymmetric(name: string, alg: string, token: string, material: string): boolean {
	// Like OPA, the algorithm is the builtin's, not the header's: the header is untrusted.
	// The key is read first, then the token's shape (OPA reports errors in that order).
	let keys: ReturnType<typeof publicKeys>;
	try {
		keys = publicKeys(material);
	} catch (e) {
		throw new BuiltinError(name, `failed to parse key: ${(e as Error).message}`);
	}
	checkTokenShape(name, token, true);
	let d: Decoded;
	try {
		d = decodeJwt(token);
	} catch {
		return false;
	}
	return keys.some((k) => verifyWithKey(alg, d, k.key));
}

function nowSeconds(ns: bigint): number {
	return Number(ns) / 1e9;
}

export function jwtBuiltins(nowNs: () => bigint) {
	const out: Record<string, (...args: unknown[]) => unknown> = {
		"io.jwt.decode"(jwt: unknown): unknown[] {
			const token = expectString("io.jwt.decode", jwt, 1);
			try {
				const d = decodeJwt(token);
				return [d.header, d.payload, d.signature.toString("hex")];
			} catch (e) {
				throw new BuiltinError("io.jwt.decode", (e as Error).message);
			}
		},
		"io.jwt.decode_verify"(jwt: unknown, constraints: unknown): unknown[] {
			const name = "io.jwt.decode_verify";
			const token = expectString(name, jwt, 1);
			if (constraints === null || typeof constraints !== "object" || Array.isArray(constraints)) {
				throw new BuiltinError(name, `operand 2 must be object but got ${typeName(constraints)}`);
			}
			const c = constraints as Json;
			for (const k of Object.keys(c)) {
				if (!["cert", "secret", "alg", "iss", "aud", "time"].includes(k)) {
					throw new BuiltinError(name, `unknown token validation constraint: ${k}`);
				}
			}
			if (c.cert === undefined && c.secret === undefined) {
				throw new BuiltinError(name, "no key material given: need cert or secret");
			}
			const invalid = [false, {}, {}];
			let d: Decoded;
			try {
				d = decodeJwt(token);
			} catch {
				return invalid;
			}
			// An encrypted token is refused outright rather than called invalid, as in OPA.
			if ("enc" in d.header) {
				throw new BuiltinError(name, "JWT is a JWE object, which is not supported");
			}
			if (!critUnderstood(name, d.header)) return invalid;
			const alg = d.header.alg;
			if (typeof alg !== "string") return invalid;
			if (c.alg !== undefined && c.alg !== alg) return invalid;
			let ok = false;
			if (alg.startsWith("HS")) {
				ok = typeof c.secret === "string" && verifyHmac(alg, d, c.secret);
			} else if (typeof c.cert === "string") {
				let keys: ReturnType<typeof publicKeys>;
				try {
					keys = publicKeys(c.cert);
				} catch (e) {
					throw new BuiltinError(name, `failed to parse key: ${(e as Error).message}`);
				}
				const kid = d.header.kid;
				// With a kid, only the key it names may verify; without, any key in the set.
				const candidates =
					typeof kid === "string" && keys.some((k) => k.kid === kid)
						? keys.filter((k) => k.kid === kid)
						: keys;
				ok = candidates.some((k) => verifyWithKey(alg, d, k.key));
			}
			if (!ok) return invalid;
			const p = d.payload;
			const now = typeof c.time === "number" ? c.time / 1e9 : nowSeconds(nowNs());
			if (typeof p.exp === "number" && now >= p.exp) return invalid;
			if (typeof p.nbf === "number" && now < p.nbf) return invalid;
			if (c.iss !== undefined && p.iss !== c.iss) return invalid;
			if (p.aud !== undefined) {
				const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
				if (c.aud === undefined || !auds.includes(c.aud)) return invalid;
			} else if (c.aud !== undefined) return invalid;
			return [true, d.header, d.payload];
		},
	};
	for (const family of ["rs", "ps", "es"]) {
		for (const bits of ["256", "384", "512"]) {
			const name = `io.jwt.verify_${family}${bits}`;
			const alg = `${family.toUpperCase()}${bits}`;
			out[name] = (jwt: unknown, cert: unknown) =>
				verifyAsymmetric(name, alg, expectString(name, jwt, 1), expectString(name, cert, 2));
		}
	}
	out["io.jwt.verify_eddsa"] = (jwt: unknown, cert: unknown) => {
		const name = "io.jwt.verify_eddsa";
		return verifyAsymmetric(name, "EdDSA", expectString(name, jwt, 1), expectString(name, cert, 2));
	};
	for (const bits of ["256", "384", "512"]) {
		const name = `io.jwt.verify_hs${bits}`;
		out[name] = (jwt: unknown, secret: unknown) => {
			const token = expectString(name, jwt, 1);
			const s = expectString(name, secret, 2);
			checkTokenShape(name, token, false);
			try {
				const d = decodeJwt(token);
				return verifyHmac(`HS${bits}`, d, s);
			} catch {
				return false;
			}
		};
	}
	return out;
}
