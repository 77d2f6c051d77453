// The SDK reads an ArrayBuffer input whole: inputBytes must hand it exactly the UTF-8 of the
// JSON, whatever length came before, for inputs small (reused buffers) and large.
import { describe, expect, it } from "vitest";
import { inputBytes } from "./input-bytes.ts";

const decode = (b: ArrayBuffer) => new TextDecoder().decode(new Uint8Array(b));

describe("inputBytes", () => {
	it("is exactly the UTF-8 of each input, in any order of lengths", () => {
		const inputs = [
			{ a: 1 },
			{ a: "é€😀", b: [1, 2, 3] },
			{ a: 2 },
			{ big: "x".repeat(20_000) },
			{ a: 1 },
			{ s: '\u2028<>&"\\' },
		];
		for (let round = 0; round < 3; round++) {
			for (const v of inputs) {
				const json = JSON.stringify(v);
				const bytes = inputBytes(json);
				expect(bytes.byteLength).toBe(new TextEncoder().encode(json).length);
				expect(decode(bytes)).toBe(json);
			}
		}
	});

	it("stays correct past its memory bound (many distinct lengths)", () => {
		for (let n = 1; n < 6000; n += 3) {
			const json = JSON.stringify({ s: "y".repeat(n) });
			expect(decode(inputBytes(json))).toBe(json);
		}
	});
});
