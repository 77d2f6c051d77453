// io.jwt.decode_verify and a token's `crit` header (RFC 7515 §4.1.11) as OPA 1.22.3 treats it:
// a critical parameter the token carries and OPA does not understand makes it unverified;
// a malformed crit is an error; an encrypted token (JWE) is an error too.

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BuiltinError, createHostBuiltins } from "../host-builtins.ts";

const { raw } = createHostBuiltins();
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

function token(header: Record<string, unknown>): string {
	const input = `${b64(header)}.${b64({ sub: "x" })}`;
	return `${input}.${createHmac("sha256", "k").update(input).digest("base64url")}`;
}

const verifyWith = (header: Record<string, unknown>) =>
	(raw["io.jwt.decode_verify"](token(header), { secret: "k" }) as unknown[])[0];

describe("io.jwt.decode_verify and crit", () => {
	it("refuses a token whose critical parameter is present and not understood", () => {
		expect(verifyWith({ alg: "HS256", crit: ["junk"], junk: "xxx" })).toBe(false);
		expect(verifyWith({ alg: "HS256", crit: ["jku"], jku: "https://x" })).toBe(false);
		expect(verifyWith({ alg: "HS256", crit: ["x"], x: null })).toBe(false);
	});

	it("accepts critical names it understands, and names the header does not carry", () => {
		expect(verifyWith({ alg: "HS256", crit: ["alg", "typ"], typ: "JWT" })).toBe(true);
		expect(verifyWith({ alg: "HS256", crit: ["x", "y"] })).toBe(true);
		expect(verifyWith({ alg: "HS256" })).toBe(true);
	});

	it("errors on a malformed crit and on a JWE, as OPA does", () => {
		const call = (h: Record<string, unknown>) => () =>
			raw["io.jwt.decode_verify"](token(h), { secret: "k" });
		expect(call({ alg: "HS256", crit: [] })).toThrow("crit: must be a nonempty list");
		expect(call({ alg: "HS256", crit: [1] })).toThrow("crit: must be a nonempty list");
		expect(call({ alg: "HS256", crit: "junk" })).toThrow("crit: must be a list");
		expect(call({ alg: "HS256", enc: "A256GCM" })).toThrow(BuiltinError);
		// verify_hs256 checks the signature only, like OPA.
		expect(raw["io.jwt.verify_hs256"](token({ alg: "HS256", crit: ["junk"], junk: 1 }), "k")).toBe(
			true,
		);
	});
});
