import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bearerOf, plainBearer } from "./headers.ts";

describe("plainBearer", () => {
	it("reads only `Bearer <token>`", () => {
		expect(plainBearer("Bearer abc.def")).toBe("abc.def");
		expect(plainBearer("bearer abc")).toBeUndefined();
		expect(plainBearer("Basic abc")).toBeUndefined();
		expect(plainBearer(undefined)).toBeUndefined();
	});

	// The direct listener looks up plainBearer's token among verified ones, which never hold
	// whitespace: wherever that token has none, it must be the token bearerOf reads.
	it("agrees with bearerOf on every token without whitespace", () => {
		const header = fc.oneof(
			fc.string(),
			fc.string().map((s) => `Bearer ${s}`),
			fc.constantFrom("Bearer ", "Bearer  x", "Bearer x y", "Bearer\tx", "Bearer x\u00a0"),
		);
		fc.assert(
			fc.property(header, (h) => {
				const token = plainBearer(h);
				if (token !== undefined && !/\s/.test(token) && token !== "") {
					expect(bearerOf(h)).toBe(token);
				}
			}),
		);
	});
});
