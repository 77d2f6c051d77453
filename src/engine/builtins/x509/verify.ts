// Chain verification for crypto.x509.parse_and_verify_certificates[_with_options], following
// what Go's (*x509.Certificate).Verify checks, which is what OPA calls: validity periods, a
// signature from each issuer (found by name among the intermediates and roots), issuers that
// are CAs, path-length limits, SHA-1/MD5 signatures refused, unhandled critical extensions on
// the leaf, extended key usage along the chain, and the host name when one is asked for.
// Not checked: name constraints (Go enforces them; Gavel's result may then be `true` where
// OPA's is `false`, see docs/builtins.md). Signatures are checked with node:crypto.

import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import type { Parsed } from "./certificate.ts";

export interface VerifyOptions {
	roots: Parsed[];
	intermediates: Parsed[];
	/** Milliseconds since the epoch. */
	now: number;
	dnsName?: string;
	/** Go's ExtKeyUsage numbers wanted of the chain; 0 (any) accepts every chain. */
	keyUsages: number[];
}

const same = (a: Uint8Array, b: Uint8Array) =>
	a.length === b.length && a.every((x, i) => x === b[i]);

// Hash and padding for each Go SignatureAlgorithm that is still accepted.
const SIGNATURES: Record<number, { hash: string | null; pss?: boolean }> = {
	4: { hash: "sha256" },
	5: { hash: "sha384" },
	6: { hash: "sha512" },
	8: { hash: "sha256" },
	10: { hash: "sha256" },
	11: { hash: "sha384" },
	12: { hash: "sha512" },
	13: { hash: "sha256", pss: true },
	14: { hash: "sha384", pss: true },
	15: { hash: "sha512", pss: true },
	16: { hash: null },
};

const keys = new WeakMap<Parsed, KeyObject>();

function signedBy(child: Parsed, parent: Parsed): boolean {
	const alg = SIGNATURES[child.signatureAlgorithm];
	if (!alg) return false;
	try {
		let key = keys.get(parent);
		if (!key) {
			key = createPublicKey({ key: Buffer.from(parent.spki), format: "der", type: "spki" });
			keys.set(parent, key);
		}
		const k = alg.pss
			? {
					key,
					padding: constants.RSA_PKCS1_PSS_PADDING,
					saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
				}
			: key;
		return verify(alg.hash, child.tbs, k, child.signature);
	} catch {
		return false;
	}
}

const current = (c: Parsed, now: number) => now >= c.notBefore && now <= c.notAfter;

function hostMatches(leaf: Parsed, host: string): boolean {
	const json = leaf.json;
	const bare = host.replace(/^\[|\]$/g, "");
	if (/^[\d.]+$/.test(bare) || bare.includes(":")) {
		const ips = (json.IPAddresses as string[] | null) ?? [];
		return ips.some((ip) => ip.toLowerCase() === bare.toLowerCase());
	}
	const want = host.toLowerCase().replace(/\.$/, "");
	return leaf.dnsNames.some((pattern) => {
		const p = pattern.toLowerCase().replace(/\.$/, "");
		if (p === want) return true;
		if (!p.startsWith("*.")) return false;
		const dot = want.indexOf(".");
		return dot > 0 && want.slice(dot + 1) === p.slice(2);
	});
}

/** Go's checkChainForKeyUsage: every certificate with EKUs must allow a wanted usage. */
function usageAllowed(chain: Parsed[], wanted: number[]): boolean {
	if (wanted.includes(0)) return true;
	let usages = [...wanted];
	for (let i = chain.length - 1; i >= 0; i--) {
		const c = chain[i];
		if (c.extKeyUsage.length === 0 && c.unknownExtKeyUsage.length === 0) continue;
		if (c.extKeyUsage.includes(0)) continue;
		usages = usages.filter((u) => c.extKeyUsage.includes(u));
		if (usages.length === 0) return false;
	}
	return true;
}

/** The first verified chain, leaf first and root last, or undefined. */
export function verifyChain(leaf: Parsed, opts: VerifyOptions): Parsed[] | undefined {
	if (!current(leaf, opts.now)) return undefined;
	if (leaf.unhandledCritical.length > 0) return undefined;
	if (opts.dnsName !== undefined && !hostMatches(leaf, opts.dnsName)) return undefined;
	const accept = (chain: Parsed[]) => usageAllowed(chain, opts.keyUsages);
	if (opts.roots.some((r) => same(r.raw, leaf.raw))) return accept([leaf]) ? [leaf] : undefined;

	const extend = (chain: Parsed[]): Parsed[] | undefined => {
		const child = chain[chain.length - 1];
		const intermediates = chain.length - 1;
		const candidates = [
			...opts.roots.map((c) => ({ c, root: true })),
			...opts.intermediates.map((c) => ({ c, root: false })),
		];
		for (const { c, root } of candidates) {
			if (chain.includes(c) || !same(c.rawSubject, child.rawIssuer)) continue;
			if (!current(c, opts.now)) continue;
			if (!root && !(c.basicConstraintsValid && c.isCA)) continue;
			if (c.basicConstraintsValid && c.maxPathLen >= 0 && intermediates > c.maxPathLen) continue;
			if (!signedBy(child, c)) continue;
			const next = [...chain, c];
			if (root) {
				if (accept(next)) return next;
				continue;
			}
			// Go bounds chain building too; real chains are a few certificates long.
			if (next.length > 10) continue;
			const done = extend(next);
			if (done) return done;
		}
		return undefined;
	};
	return extend([leaf]);
}
