// Public and private keys in the shapes Go's encoding/json gives crypto/rsa, crypto/ecdsa and
// crypto/ed25519 keys (big integers as exact numbers, the elliptic curve as {}, Ed25519 keys
// as base64 bytes), which is how OPA returns them.

import { createPrivateKey, createPublicKey } from "node:crypto";
import {
	base64,
	bitString,
	type Der,
	DerError,
	expectSeq,
	integer,
	isContext,
	oidText,
	parseDer,
	unsigned,
} from "./der.ts";

type Json = Record<string, unknown>;

export const RSA = "1.2.840.113549.1.1.1";
export const EC = "1.2.840.10045.2.1";
export const ED25519 = "1.3.101.112";
export const DSA = "1.2.840.10040.4.1";

/** Go's x509.PublicKeyAlgorithm numbering. */
export const PUBLIC_KEY_ALGORITHMS: Record<string, number> = {
	[RSA]: 1,
	[DSA]: 2,
	[EC]: 3,
	[ED25519]: 4,
};

export interface PublicKeyInfo {
	algorithm: number;
	/** What Go marshals for the key; null when Go does not know the algorithm. */
	json: unknown;
	/** "rsa" | "ec" | "ed25519" | "dsa" | undefined, to check a private key against it. */
	kind?: string;
}

function ecPoint(point: Uint8Array): Json {
	if (point[0] !== 4 || point.length % 2 !== 1)
		throw new DerError("x509: unsupported elliptic curve point");
	const half = (point.length - 1) / 2;
	return {
		Curve: {},
		X: unsigned(point.subarray(1, 1 + half)),
		Y: unsigned(point.subarray(1 + half)),
	};
}

/** A SubjectPublicKeyInfo. */
export function publicKeyInfo(spki: Der): PublicKeyInfo {
	const [alg, key] = expectSeq(spki, "spki").children;
	const oid = oidText(expectSeq(alg, "spki").children[0]);
	const bits = bitString(key).bytes;
	switch (oid) {
		case RSA: {
			const [n, e] = expectSeq(parseDer(bits).node, "rsa key").children;
			return { algorithm: 1, kind: "rsa", json: { N: integer(n), E: Number(integer(e)) } };
		}
		case EC:
			return { algorithm: 3, kind: "ec", json: ecPoint(bits) };
		case ED25519:
			return { algorithm: 4, kind: "ed25519", json: base64(bits) };
		case DSA: {
			const [p, q, g] = expectSeq(alg.children[1], "dsa params").children;
			const y = integer(parseDer(bits).node);
			return {
				algorithm: 2,
				kind: "dsa",
				json: { P: integer(p), Q: integer(q), G: integer(g), Y: y },
			};
		}
		default:
			return { algorithm: 0, json: null };
	}
}

/** rsa.PrivateKey from PKCS #1 RSAPrivateKey. */
function rsaPrivate(seq: Der): { json: Json; kind: string; jwk: Json } {
	const [, n, e, d, p, q, dp, dq, qi] = expectSeq(seq, "rsa private key").children.map(integer);
	const b64url = (v: bigint) => {
		let hex = v.toString(16);
		if (hex.length % 2) hex = `0${hex}`;
		return Buffer.from(hex, "hex").toString("base64url");
	};
	return {
		kind: "rsa",
		json: {
			N: n,
			E: Number(e),
			D: d,
			Primes: [p, q],
			Precomputed: { Dp: dp, Dq: dq, Qinv: qi, CRTValues: [] },
		},
		jwk: {
			kty: "RSA",
			n: b64url(n),
			e: b64url(e),
			d: b64url(d),
			p: b64url(p),
			q: b64url(q),
			dp: b64url(dp),
			dq: b64url(dq),
			qi: b64url(qi),
		},
	};
}

/** ecdsa.PrivateKey from SEC 1 ECPrivateKey (the public point derived when it is absent). */
function ecPrivate(seq: Der, der: Uint8Array, pkcs8: boolean): { json: Json; kind: string } {
	const parts = expectSeq(seq, "ec private key").children;
	const d = unsigned(parts[1].content);
	const pub = parts.find((c) => isContext(c, 1));
	if (pub) return { kind: "ec", json: { ...ecPoint(bitString(pub.children[0]).bytes), D: d } };
	const jwk = createPrivateKey({
		key: Buffer.from(der),
		format: "der",
		type: pkcs8 ? "pkcs8" : "sec1",
	}).export({
		format: "jwk",
	});
	const x = unsigned(Buffer.from(jwk.x ?? "", "base64url"));
	const y = unsigned(Buffer.from(jwk.y ?? "", "base64url"));
	return { kind: "ec", json: { Curve: {}, X: x, Y: y, D: d } };
}

export interface PrivateKey {
	kind: string;
	json: unknown;
	jwk?: Json;
}

/** A private key from a PEM block's type and DER bytes; DerError when it does not parse. */
export function privateKey(type: string, der: Uint8Array): PrivateKey {
	const { node } = parseDer(der);
	if (type === "RSA PRIVATE KEY") return rsaPrivate(node);
	if (type === "EC PRIVATE KEY") return ecPrivate(node, der, false);
	// PKCS #8: version, algorithm, privateKey OCTET STRING.
	const [, alg, inner] = expectSeq(node, "pkcs8").children;
	const oid = oidText(expectSeq(alg, "pkcs8").children[0]);
	if (oid === RSA) return rsaPrivate(parseDer(inner.content).node);
	if (oid === EC) return ecPrivate(parseDer(inner.content).node, der, true);
	if (oid === ED25519) {
		const seed = parseDer(inner.content).node.content;
		const pub = createPublicKey(
			createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" }),
		).export({ format: "jwk" });
		const full = Buffer.concat([Buffer.from(seed), Buffer.from(pub.x ?? "", "base64url")]);
		return { kind: "ed25519", json: base64(full) };
	}
	throw new DerError(`x509: PKCS#8 wrapping contained private key with unknown algorithm: ${oid}`);
}
