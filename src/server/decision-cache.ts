// Decisions cached by bundle revision + entrypoint + canonical input. The revision in the key
// means a new bundle can never be answered from an old one's entries; clear() on activation
// just frees the memory sooner. Entries never outlive the subject token's exp.

import { LRUCache } from "lru-cache";
import { canonicalJson } from "./canonical-json.ts";

export interface CachedDecision {
	result: unknown;
	revision: string;
	/** The entrypoint, kept for entries whose key does not name it (request keys). */
	policy?: string;
	/** A hit's response JSON after its decision_id, made on the first hit (request keys). */
	hitJsonTail?: string;
}

export interface DecisionCacheOptions {
	maxEntries: number;
	maxBytes: number;
	ttlSeconds: number;
	now?: () => number;
}

export class DecisionCache {
	private readonly lru: LRUCache<string, CachedDecision>;
	private readonly now: () => number;

	constructor(private readonly options: DecisionCacheOptions) {
		this.now = options.now ?? Date.now;
		this.lru = new LRUCache<string, CachedDecision>({
			max: options.maxEntries,
			maxSize: options.maxBytes,
			// Key and value both live in memory; count them roughly as UTF-16 bytes.
			sizeCalculation: (v, k) => 2 * (k.length + canonicalJson(v.result).length) + 64,
			ttlAutopurge: false,
			// Read the clock on every check: TTLs are short and a token's exp is a hard limit.
			ttlResolution: 0,
			perf: { now: () => this.now() },
		});
	}

	key(revision: string, entrypoint: string, input: unknown): string {
		return this.keyOf(revision, entrypoint, canonicalJson(input));
	}

	/** The key for an input already reduced to a canonical string. */
	keyOf(revision: string, entrypoint: string, inputKey: string): string {
		return `${revision}\u0000${entrypoint}\u0000${inputKey}`;
	}

	get(key: string): CachedDecision | undefined {
		return this.lru.get(key);
	}

	/** `expiresAtSeconds`: the token's exp; the entry is dropped then at the latest. */
	set(key: string, value: CachedDecision, expiresAtSeconds?: number): void {
		let ttl = this.options.ttlSeconds * 1000;
		if (expiresAtSeconds !== undefined) ttl = Math.min(ttl, expiresAtSeconds * 1000 - this.now());
		if (ttl <= 0) return;
		this.lru.set(key, value, { ttl });
	}

	clear(): void {
		this.lru.clear();
	}

	get size(): number {
		return this.lru.size;
	}
}
