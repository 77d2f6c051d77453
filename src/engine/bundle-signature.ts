// OPA bundle signatures: /.signatures.json holds one JWS whose payload lists every file of
// the bundle with its hash. A bundle is accepted only if the JWS verifies with a configured
// key, the scope matches, and the list and the archive agree file for file. As in OPA, an
// unsigned bundle is refused when verification is configured, and a signed one when not.

import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { compactVerify, decodeProtectedHeader } from "jose";
import { signatureHash } from "./signature-hash.ts";

export interface VerificationKey {
	/** Name the JWS refers to (payload `keyid` or header `kid`). */
	id: string;
	algorithm: string;
	/** PEM public key file (RS*, PS*, ES*). */
	keyFile?: string;
	/** PEM text, as an alternative to keyFile. */
	key?: string;
	/** Shared secret (HS*). */
	secret?: string;
}

export interface SigningConfig {
	keys: VerificationKey[];
	/** Key used when the signature names none. */
	defaultKeyId?: string;
	/**
	 * Key used whatever the signature names (OPA's bundles.<name>.signing.keyid: `opa build`
	 * names its key "default", and OPA verifies with the configured one).
	 */
	keyId?: string;
	scope?: string;
	/** Files that need not be listed (OPA's exclude_files). */
	excludeFiles?: string[];
	/** OPA's --skip-verify: signed or not, bundles are loaded without checking signatures. */
	skip?: boolean;
}

interface FileEntry {
	name: string;
	hash: string;
	algorithm?: string;
}

function keyObject(k: VerificationKey): KeyObject {
	if (k.algorithm.startsWith("HS")) {
		if (k.secret === undefined)
			throw new Error(`verification key ${k.id}: ${k.algorithm} needs a secret`);
		return createSecretKey(new TextEncoder().encode(k.secret));
	}
	const pem = k.key ?? (k.keyFile ? readFileSync(k.keyFile, "utf8") : undefined);
	if (!pem) throw new Error(`verification key ${k.id}: needs key or keyFile`);
	return createPublicKey(pem);
}

const norm = (name: string) => name.replace(/^\/+/, "");

/** Throws with the reason when the bundle must not be activated. */
export async function verifyBundleSignature(
	files: ReadonlyMap<string, Uint8Array>,
	signaturesJson: string | undefined,
	config: SigningConfig | undefined,
): Promise<void> {
	if (config?.skip) return;
	if (!config) {
		if (signaturesJson !== undefined) {
			throw new Error("bundle is signed but no verification key is configured");
		}
		return;
	}
	if (signaturesJson === undefined) throw new Error("bundle is not signed (no .signatures.json)");
	let sigs: unknown;
	try {
		sigs = (JSON.parse(signaturesJson) as { signatures?: unknown }).signatures;
	} catch {
		throw new Error(".signatures.json: not valid JSON");
	}
	if (!Array.isArray(sigs) || sigs.length !== 1 || typeof sigs[0] !== "string") {
		throw new Error(".signatures.json: expected exactly one signature");
	}
	const jws = sigs[0];
	let payloadText: string;
	let claims: { files?: FileEntry[]; keyid?: string; scope?: string };
	try {
		const header = decodeProtectedHeader(jws);
		const unverified = JSON.parse(
			new TextDecoder().decode(Buffer.from(jws.split(".")[1] ?? "", "base64url")),
		);
		const keyId =
			config.keyId ??
			(unverified.keyid as string | undefined) ??
			(header.kid as string | undefined) ??
			config.defaultKeyId;
		const key =
			config.keys.find((k) => k.id === keyId) ??
			(config.keys.length === 1 && !keyId ? config.keys[0] : undefined);
		if (!key) throw new Error(`no verification key ${keyId ?? "(unnamed)"} is configured`);
		// The algorithm is the configured key's, never the token's choice.
		const { payload } = await compactVerify(jws, keyObject(key), { algorithms: [key.algorithm] });
		payloadText = new TextDecoder().decode(payload);
		claims = JSON.parse(payloadText);
	} catch (e) {
		throw new Error(`bundle signature invalid: ${(e as Error).message}`);
	}
	if (config.scope !== undefined && claims.scope !== config.scope) {
		throw new Error(
			`bundle signature scope ${claims.scope ?? "(none)"} does not match ${config.scope}`,
		);
	}
	if (!Array.isArray(claims.files)) throw new Error("bundle signature lists no files");
	const excluded = new Set((config.excludeFiles ?? []).map(norm));
	const listed = new Map<string, FileEntry>();
	for (const f of claims.files) listed.set(norm(f.name), f);
	for (const [path, bytes] of files) {
		if (path === ".signatures.json" || excluded.has(path)) continue;
		const entry = listed.get(path);
		if (!entry) throw new Error(`file ${path} is not included in the bundle signature`);
		if ((entry.algorithm ?? "SHA-256") !== "SHA-256") {
			throw new Error(`file ${path}: unsupported hashing algorithm ${entry.algorithm}`);
		}
		if (signatureHash(path, bytes) !== entry.hash.toLowerCase()) {
			throw new Error(`file ${path}: digest does not match the bundle signature`);
		}
		listed.delete(path);
	}
	const missing = [...listed.keys()].filter((p) => !excluded.has(p));
	if (missing.length > 0) {
		throw new Error(
			`file(s) ${missing.join(", ")} listed in the bundle signature but not in the bundle`,
		);
	}
}
