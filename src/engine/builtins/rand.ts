// rand.intn(str, n): a random integer in [0, |n|), the same for the same (str, n) within one
// evaluation, as OPA caches it per query. Random bytes come from Web Crypto, which Node and
// Workers both provide synchronously.

import { expectString, typeError } from "./builtin-error.ts";

export interface RandScope {
	/** rand.intn results of the current evaluation, by (str, n). */
	ints: Map<string, bigint>;
}

/** Uniform in [0, bound) by rejection sampling over 64-bit draws. */
function randomBelow(bound: bigint): bigint {
	const limit = (1n << 64n) - ((1n << 64n) % bound);
	const words = new BigUint64Array(1);
	for (;;) {
		crypto.getRandomValues(words);
		if (words[0] < limit) return words[0] % bound;
	}
}

export function randBuiltins(scope: RandScope) {
	return {
		"rand.intn"(str: unknown, n: unknown): bigint {
			const name = "rand.intn";
			const key = expectString(name, str, 1);
			if (typeof n !== "number" && typeof n !== "bigint") {
				throw typeError(name, `operand 2 must be number but got ${typeof n}`);
			}
			if (typeof n === "number" && !Number.isInteger(n)) {
				throw typeError(name, "operand 2 must be integer number but got floating-point number");
			}
			let bound = BigInt(n);
			const cacheKey = `${key}\u0000${bound}`;
			if (bound < 0n) bound = -bound;
			if (bound === 0n) return 0n;
			let v = scope.ints.get(cacheKey);
			if (v === undefined) {
				v = randomBelow(bound);
				scope.ints.set(cacheKey, v);
			}
			return v;
		},
	};
}
