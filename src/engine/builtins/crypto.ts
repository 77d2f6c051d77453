// crypto.* hashes and HMACs and uuid.rfc4122, on node:crypto (synchronous, as builtins must
// be). Cloudflare Workers provide createHash/createHmac/randomUUID under nodejs_compat.

import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { expectString } from "./builtin-error.ts";

function hash(name: string, alg: string) {
	return (x: unknown): string =>
		createHash(alg)
			.update(expectString(name, x, 1), "utf8")
			.digest("hex");
}

function hmac(name: string, alg: string) {
	return (x: unknown, key: unknown): string =>
		createHmac(alg, expectString(name, key, 2))
			.update(expectString(name, x, 1), "utf8")
			.digest("hex");
}

export interface UuidScope {
	/** uuid.rfc4122 returns the same UUID for the same key within one evaluation. */
	uuids: Map<string, string>;
}

export function cryptoBuiltins(scope: UuidScope) {
	return {
		"crypto.md5": hash("crypto.md5", "md5"),
		"crypto.sha1": hash("crypto.sha1", "sha1"),
		"crypto.sha256": hash("crypto.sha256", "sha256"),
		"crypto.hmac.md5": hmac("crypto.hmac.md5", "md5"),
		"crypto.hmac.sha1": hmac("crypto.hmac.sha1", "sha1"),
		"crypto.hmac.sha256": hmac("crypto.hmac.sha256", "sha256"),
		"crypto.hmac.sha512": hmac("crypto.hmac.sha512", "sha512"),
		"crypto.hmac.equal"(mac1: unknown, mac2: unknown): boolean {
			const a = Buffer.from(expectString("crypto.hmac.equal", mac1, 1));
			const b = Buffer.from(expectString("crypto.hmac.equal", mac2, 2));
			// Constant time, which is the point of this builtin.
			return a.length === b.length && timingSafeEqual(a, b);
		},
		"uuid.rfc4122"(k: unknown): string {
			const key = expectString("uuid.rfc4122", k, 1);
			let u = scope.uuids.get(key);
			if (!u) {
				u = randomUUID();
				scope.uuids.set(key, u);
			}
			return u;
		},
	};
}
