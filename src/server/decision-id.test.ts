import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idJson, newId } from "./decision-id.ts";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("decision ids", () => {
	// Several batches of ids (128 per batch), so the refills are crossed too.
	const ids = Array.from({ length: 2000 }, newId);

	it("are UUIDs in the version 4 layout, distinct from one decision to the next", () => {
		for (const id of ids) expect(id).toMatch(V4);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it("carry random digits in every free position, not a counter", () => {
		for (let pos = 0; pos < 36; pos++) {
			if ([8, 13, 14, 18, 23].includes(pos)) continue; // dashes and the version digit
			const seen = new Set(ids.map((id) => id[pos]));
			// The variant digit is one of 8, 9, a, b; every other one takes all 16 values
			// (a position missing one in 2000 random ids: about 16 × (15/16)^2000).
			expect(seen.size).toBe(pos === 19 ? 4 : 16);
		}
		// Neighbours share no prefix the way ids after a fixed prefix would.
		let shared = 0;
		for (let i = 1; i < ids.length; i++)
			if (ids[i].slice(0, 8) === ids[i - 1].slice(0, 8)) shared++;
		expect(shared).toBeLessThan(3);
	});
});

describe("idJson", () => {
	it("is JSON.stringify of the id just issued, of an older one and of any other string", () => {
		const older = newId();
		const id = newId();
		expect(idJson(id)).toBe(JSON.stringify(id));
		expect(idJson(older)).toBe(JSON.stringify(older));
		fc.assert(
			fc.property(fc.string({ unit: "binary" }), (s) => {
				newId();
				expect(idJson(s)).toBe(JSON.stringify(s));
			}),
		);
	});
});
