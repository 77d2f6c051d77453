import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHash } from "./signature-hash.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");

describe("bundle signature file hashes (OPA's scheme)", () => {
	it("hashes JSON canonically: sorted keys, no whitespace, numbers as written", () => {
		const a = signatureHash(
			"data.json",
			enc('{ "b": [1, 2.50, {"y": null, "x": true}],\n "a": "é\\u2028" }'),
		);
		expect(a).toBe(sha('{"a":"é\\u2028","b":[1,2.50,{"x":true,"y":null}]}'));
		expect(signatureHash("x/data.json", enc('{"a":1}'))).not.toBe(
			signatureHash("x/data.json", enc('{"a":1.0}')),
		);
		expect(signatureHash(".manifest", enc('{"revision": "r", "roots": [""]}'))).toBe(
			sha('{"revision":"r","roots":[""]}'),
		);
	});

	it("hashes YAML as its JSON, and other files as raw bytes", () => {
		expect(signatureHash("data.yaml", enc("b: x\na: [1, 2]\n"))).toBe(sha('{"a":[1,2],"b":"x"}'));
		const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
		expect(signatureHash("policy.wasm", wasm)).toBe(sha(wasm));
		expect(signatureHash("p.rego", enc("package p\n"))).toBe(sha("package p\n"));
	});

	it("rejects malformed JSON", () => {
		expect(() => signatureHash("data.json", enc('{"a":}'))).toThrow();
	});
});
