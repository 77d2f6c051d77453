// io.jwt.encode_sign and io.jwt.encode_sign_raw: JWS compact serialisation signed with a JWK,
// synchronously on node:crypto (builtins cannot await). As in OPA, encode_sign_raw signs the
// header and payload text exactly as given; encode_sign serialises its objects as Go's
// json.Marshal does (sorted keys, HTML characters escaped). Errors carry OPA's wording, which
// quotes Go's JSON syntax errors.

import {
	createHmac,
	createPrivateKey,
	constants as cryptoConstants,
	type JsonWebKey,
	type KeyObject,
	sign,
} from "node:crypto";
import { BuiltinError, expectString, typeName } from "./builtin-error.ts";
import { goJsonSyntaxError } from "./go-json.ts";

type Json = Record<string, unknown>;

const HASHES: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

type SigningKey = { kind: "secret"; secret: Buffer } | { kind: "private"; key: KeyObject };

function b64url(b: Buffer | string): string {
	return Buffer.from(b).toString("base64url");
}

/** A JWK, or the first key of a JWK set, as key material for signing. */
function signingKey(name: string, src: string): SigningKey {
	const syntax = goJsonSyntaxError(src);
	if (syntax) throw new BuiltinError(name, `failed to parse JWK: ${syntax}`);
	const parsed = JSON.parse(src) as unknown;
	if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
		throw new BuiltinError(name, "failed to parse JWK: not an object");
	}
	const set = parsed as { keys?: unknown } & Json;
	const jwk = (Array.isArray(set.keys) ? set.keys[0] : set) as Json | undefined;
	if (!jwk || typeof jwk !== "object") throw new BuiltinError(name, "failed to parse JWK: no keys");
	if (jwk.kty === "oct") {
		if (typeof jwk.k !== "string") throw new BuiltinError(name, "failed to parse JWK: missing k");
		return { kind: "secret", secret: Buffer.from(jwk.k, "base64url") };
	}
	if (typeof jwk.d !== "string") {
		throw new BuiltinError(name, "failed to parse JWK: signing needs a private key");
	}
	try {
		return {
			kind: "private",
			key: createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" }),
		};
	} catch (e) {
		throw new BuiltinError(name, `failed to parse JWK: ${(e as Error).message}`);
	}
}

function signature(name: string, alg: string, input: string, key: SigningKey): Buffer {
	const hash = HASHES[alg.slice(2)];
	const family = alg.slice(0, 2);
	if (family === "HS") {
		if (key.kind !== "secret") throw new BuiltinError(name, `invalid key for ${alg}`);
		return createHmac(hash, key.secret).update(input).digest();
	}
	if (key.kind !== "private") throw new BuiltinError(name, `invalid key for ${alg}`);
	const type = key.key.asymmetricKeyType;
	if ((family === "RS" || family === "PS") && type !== "rsa") {
		throw new BuiltinError(name, `invalid key for ${alg}`);
	}
	if (family === "ES" && type !== "ec") throw new BuiltinError(name, `invalid key for ${alg}`);
	const data = Buffer.from(input);
	if (family === "RS") return sign(hash, data, key.key);
	if (family === "PS") {
		return sign(hash, data, {
			key: key.key,
			padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
			saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
		});
	}
	// JWS wants ECDSA signatures as the raw r||s pair, not DER.
	return sign(hash, data, { key: key.key, dsaEncoding: "ieee-p1363" });
}

/** OPA's common path: validate the header and payload text, then sign them literally. */
function encode(name: string, headers: string, payload: string, jwk: string): string {
	const syntax = goJsonSyntaxError(headers);
	if (syntax) throw new BuiltinError(name, syntax);
	const h = JSON.parse(headers) as unknown;
	if (h === null || typeof h !== "object" || Array.isArray(h)) {
		throw new BuiltinError(
			name,
			`json: cannot unmarshal ${goTypeName(h)} into Go value of type jws.StandardHeaders`,
		);
	}
	const { alg, typ } = h as Json;
	if (typeof alg !== "string" || !/^(HS|RS|PS|ES)(256|384|512)$/.test(alg)) {
		throw new BuiltinError(name, "unknown signature algorithm");
	}
	if ((typ === undefined || typ === "" || typ === "JWT") && goJsonSyntaxError(payload)) {
		throw new BuiltinError(name, "type is JWT but payload is not JSON");
	}
	const key = signingKey(name, jwk);
	const input = `${b64url(headers)}.${b64url(payload)}`;
	return `${input}.${b64url(signature(name, alg, input, key))}`;
}

function goTypeName(v: unknown): string {
	const t = typeName(v);
	return t === "boolean" ? "bool" : t;
}

/** Go's json.Marshal: object keys sorted, <, > and & escaped. */
export function goMarshal(v: unknown): string {
	if (v === null || typeof v !== "object") {
		return (JSON.stringify(v) ?? "null").replace(
			/[<>&\u2028\u2029]/g,
			(c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
		);
	}
	if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
	const keys = Object.keys(v).sort();
	return `{${keys.map((k) => `${goMarshal(k)}:${goMarshal((v as Json)[k])}`).join(",")}}`;
}

export function jwtEncodeBuiltins(): Record<string, (...args: unknown[]) => unknown> {
	return {
		"io.jwt.encode_sign_raw"(headers: unknown, payload: unknown, key: unknown): string {
			const name = "io.jwt.encode_sign_raw";
			return encode(
				name,
				expectString(name, headers, 1),
				expectString(name, payload, 2),
				expectString(name, key, 3),
			);
		},
		"io.jwt.encode_sign"(headers: unknown, payload: unknown, key: unknown): string {
			const name = "io.jwt.encode_sign";
			for (const [i, v] of [headers, payload, key].entries()) {
				if (v === null || typeof v !== "object" || Array.isArray(v)) {
					throw new BuiltinError(name, `operand ${i + 1} must be object but got ${typeName(v)}`);
				}
			}
			return encode(name, goMarshal(headers), goMarshal(payload), goMarshal(key));
		},
	};
}
