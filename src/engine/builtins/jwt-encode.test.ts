import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BuiltinError } from "./builtin-error.ts";
import { jwtBuiltins } from "./jwt.ts";
import { goMarshal, jwtEncodeBuiltins } from "./jwt-encode.ts";

const enc = jwtEncodeBuiltins();
const jwt = jwtBuiltins(() => 0n);
const secret = "correct horse battery staple";
const octKey = JSON.stringify({ kty: "oct", k: Buffer.from(secret).toString("base64url") });

function errorOf(f: () => unknown): string {
	try {
		f();
	} catch (e) {
		if (e instanceof BuiltinError) return e.message;
		throw e;
	}
	return "no error";
}

describe("io.jwt.encode_sign_raw / io.jwt.encode_sign", () => {
	it("signs the header and payload text as given (HS256), verifiable by io.jwt.verify_hs256", () => {
		const header = '{"typ":"JWT",\r\n "alg":"HS256"}';
		const payload = '{"iss":"joe",\r\n "exp":1300819380}';
		const token = enc["io.jwt.encode_sign_raw"](header, payload, octKey) as string;
		const [h, p] = token.split(".");
		expect(Buffer.from(h, "base64url").toString()).toBe(header);
		expect(Buffer.from(p, "base64url").toString()).toBe(payload);
		expect(jwt["io.jwt.verify_hs256"](token, secret)).toBe(true);
		expect(jwt["io.jwt.verify_hs256"](token, "wrong")).toBe(false);
	});

	it("signs with RSA (RS/PS) and EC keys given as JWK or JWK set", () => {
		const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
		const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const rsaJwk = JSON.stringify({ keys: [rsa.privateKey.export({ format: "jwk" })] });
		const ecJwk = JSON.stringify(ec.privateKey.export({ format: "jwk" }));
		const pem = (k: typeof rsa.publicKey) => k.export({ format: "pem", type: "spki" }).toString();
		for (const [alg, key, pub] of [
			["RS256", rsaJwk, pem(rsa.publicKey)],
			["PS384", rsaJwk, pem(rsa.publicKey)],
			["ES256", ecJwk, pem(ec.publicKey)],
		] as const) {
			const token = enc["io.jwt.encode_sign"]({ alg }, { sub: "alice" }, JSON.parse(key)) as string;
			const verify = `io.jwt.verify_${alg.slice(0, 2).toLowerCase()}${alg.slice(2)}`;
			expect(jwt[verify](token, pub)).toBe(true);
			expect(jwt["io.jwt.decode"](token)).toEqual([{ alg }, { sub: "alice" }, expect.any(String)]);
		}
	});

	it("reports OPA's errors", () => {
		const raw =
			(h: string, p: string, k = octKey) =>
			() =>
				enc["io.jwt.encode_sign_raw"](h, p, k);
		expect(errorOf(raw('{"typ:"JWT", "alg":"HS256"}', "{}"))).toBe(
			"io.jwt.encode_sign_raw: invalid character 'J' after object key",
		);
		expect(errorOf(raw('{"typ":"JWT", "alg":"HS256"}', ""))).toBe(
			"io.jwt.encode_sign_raw: type is JWT but payload is not JSON",
		);
		expect(errorOf(raw('{"alg":"XY256"}', "{}"))).toBe(
			"io.jwt.encode_sign_raw: unknown signature algorithm",
		);
		// Not a JWT: any payload text.
		expect(errorOf(raw('{"typ":"text","alg":"HS256"}', "plain"))).toBe("no error");
		expect(errorOf(raw('{"alg":"RS256"}', "{}"))).toBe(
			"io.jwt.encode_sign_raw: invalid key for RS256",
		);
		expect(errorOf(() => enc["io.jwt.encode_sign"]("x", {}, {}))).toBe(
			"io.jwt.encode_sign: operand 1 must be object but got string",
		);
	});

	it("marshals objects as Go does", () => {
		expect(goMarshal({ b: "<&>", a: [1, { d: null, c: true }] })).toBe(
			'{"a":[1,{"c":true,"d":null}],"b":"\\u003c\\u0026\\u003e"}',
		);
	});
});
