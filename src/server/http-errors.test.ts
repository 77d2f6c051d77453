import { describe, expect, it } from "vitest";
import { HttpError, parseJsonObject } from "./http-errors.ts";

const limits = { bodyLimitBytes: 1 << 20, maxJsonDepth: 8 };
/** The shortest object text nesting `depth` levels: {"a":[[…]]}. */
const nested = (depth: number) =>
	depth === 1 ? "{}" : `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

describe("parseJsonObject's depth limit", () => {
	it("takes a body nested exactly to the limit and refuses one level more", () => {
		expect(parseJsonObject(nested(8), limits)).toEqual({ a: JSON.parse(nested(8)).a });
		expect(() => parseJsonObject(nested(9), limits)).toThrow(HttpError);
		expect(() => parseJsonObject(nested(9), limits)).toThrow(/nested deeper than 8/);
	});

	it("refuses the shortest texts past the limit, where the length check is closest", () => {
		for (const limit of [1, 2, 3, 64]) {
			const l = { ...limits, maxJsonDepth: limit };
			expect(() => parseJsonObject(nested(limit + 1), l), `limit ${limit}`).toThrow(/deeper/);
			expect(parseJsonObject(nested(limit), l), `limit ${limit}`).toBeTypeOf("object");
		}
	});
});
