import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, jsonDepth } from "./canonical-json.ts";
import { DecisionCache } from "./decision-cache.ts";

describe("canonical JSON", () => {
	it("sorts keys at every level so equal inputs give equal keys", () => {
		expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
			'{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
		);
		expect(jsonDepth({ a: [{ b: 1 }] }, 10)).toBe(3);
		expect(jsonDepth(1, 10)).toBe(0);
	});

	it("writes every object's keys in sorted order, whatever order they come in", () => {
		// The definition, written plainly (a rebuilt object would not do: integer-like keys
		// always come first in a JS object, sorted or not).
		const sorted = (v: unknown): string => {
			if (Array.isArray(v)) return `[${v.map(sorted).join(",")}]`;
			if (v === null || typeof v !== "object") return JSON.stringify(v);
			const keys = Object.keys(v).sort();
			return `{${keys.map((k) => `${JSON.stringify(k)}:${sorted((v as Record<string, unknown>)[k])}`).join(",")}}`;
		};
		const anyKeys = fc.oneof(fc.string(), fc.constantFrom("a", "b", "__proto__", "10", "2", "é"));
		const value = fc.letrec((tie) => ({
			v: fc.oneof(
				{ depthSize: "small" },
				fc.jsonValue({ maxDepth: 2 }),
				fc.array(tie("v"), { maxLength: 4 }),
				fc.dictionary(anyKeys, tie("v"), { maxKeys: 5 }),
			),
		})).v;
		fc.assert(
			fc.property(value, (v) => {
				expect(canonicalJson(v)).toBe(sorted(v));
			}),
		);
	});

	it("measures depth as a plain recursive definition does, up to just past the limit", () => {
		const depth = (v: unknown): number =>
			v === null || typeof v !== "object"
				? 0
				: 1 + Math.max(0, ...Object.values(v as object).map(depth));
		fc.assert(
			fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, limit) => {
				const d = depth(v);
				const got = jsonDepth(v, limit);
				// Within the limit: exact. Beyond it: some value over the limit (the walk stops).
				if (d <= limit) expect(got).toBe(d);
				else expect(got).toBeGreaterThan(limit);
			}),
		);
	});
});

describe("decision cache", () => {
	it("keys by revision + entrypoint + canonical input", () => {
		const c = new DecisionCache({ maxEntries: 10, maxBytes: 1e6, ttlSeconds: 60 });
		c.set(c.key("r1", "p/allow", { a: 1, b: 2 }), { result: true, revision: "r1" });
		expect(c.get(c.key("r1", "p/allow", { b: 2, a: 1 }))?.result).toBe(true);
		expect(c.get(c.key("r2", "p/allow", { a: 1, b: 2 }))).toBeUndefined();
		expect(c.get(c.key("r1", "q/allow", { a: 1, b: 2 }))).toBeUndefined();
	});

	it("never keeps an entry past the token's exp, nor past the TTL", () => {
		let now = 1_000_000;
		const c = new DecisionCache({ maxEntries: 10, maxBytes: 1e6, ttlSeconds: 60, now: () => now });
		c.set("k1", { result: true, revision: "r" }, now / 1000 + 5); // exp in 5 s
		c.set("k2", { result: true, revision: "r" });
		c.set("k3", { result: true, revision: "r" }, now / 1000 - 1); // already expired: not stored
		expect(c.size).toBe(2);
		now += 6000;
		expect(c.get("k1")).toBeUndefined();
		expect(c.get("k2")).toBeDefined();
		now += 60_000;
		expect(c.get("k2")).toBeUndefined();
	});

	it("is bounded by entries and by bytes, and clears", () => {
		const c = new DecisionCache({ maxEntries: 3, maxBytes: 1e6, ttlSeconds: 60 });
		for (let i = 0; i < 5; i++) c.set(`k${i}`, { result: i, revision: "r" });
		expect(c.size).toBe(3);
		expect(c.get("k0")).toBeUndefined();
		const small = new DecisionCache({ maxEntries: 100, maxBytes: 2048, ttlSeconds: 60 });
		for (let i = 0; i < 20; i++) small.set(`k${i}`, { result: "x".repeat(200), revision: "r" });
		expect(small.size).toBeLessThan(20);
		small.clear();
		expect(small.size).toBe(0);
	});
});
