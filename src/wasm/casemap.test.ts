// upper() and lower() apply Unicode simple case mapping to every code point, as Go's
// strings.ToUpper/ToLower do for OPA.

import { describe, expect, it } from "vitest";
import { runCases } from "./builtins-harness.ts";

async function call(name: string, s: string): Promise<unknown> {
	const [r] = await runCases([[name, [s], undefined]]);
	if (r.error !== undefined) throw new Error(r.error);
	return r.got;
}

/** Code points whose full mapping is a single code point: there it is the simple mapping. */
function expectedWhereSingle(s: string, upper: boolean): { input: string; want: string } {
	let input = "";
	let want = "";
	for (const ch of s) {
		const m = upper ? ch.toUpperCase() : ch.toLowerCase();
		if ([...m].length !== 1) continue;
		input += ch;
		want += m;
	}
	return { input, want };
}

function plane(from: number, to: number): string {
	let s = "";
	for (let cp = from; cp <= to; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff) continue;
		s += String.fromCodePoint(cp);
	}
	return s;
}

describe("Unicode case mapping", () => {
	it.each([
		["upper", "ǆ ǅ ǉ ɐ ꙁ 𐐨 ꭰ ς ÿ", "Ǆ Ǆ Ǉ Ɐ Ꙁ 𐐀 Ꭰ Σ Ÿ"],
		["lower", "Ǆ ǅ Ǉ Ɐ Ꙁ 𐐀 Ꭰ Σ Ÿ Ⴀ", "ǆ ǆ ǉ ɐ ꙁ 𐐨 ꭰ σ ÿ ⴀ"],
		// Letters whose full mapping is longer keep Go's simple mapping.
		["upper", "straße ŉ ﬀ", "STRAßE ŉ ﬀ"],
		["upper", "ᾳ ᾀ ῃ", "ᾼ ᾈ ῌ"],
		["lower", "İstanbul", "istanbul"],
		["upper", "abc\u{10FFFF}", "ABC\u{10FFFF}"],
	])("%s(%j) = %j", async (name, s, want) => {
		expect(await call(name, s)).toBe(want);
	});

	it.each([
		["upper", true],
		["lower", false],
	] as const)(
		"%s agrees with the engine's single-code-point mappings across the BMP and SMP",
		async (name, upper) => {
			const { input, want } = expectedWhereSingle(plane(0x80, 0x1ffff), upper);
			expect(input.length).toBeGreaterThan(60_000);
			expect(await call(name, input)).toBe(want);
		},
	);
});
