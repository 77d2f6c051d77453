// inputJson is the input the policy module parses: it must mean exactly JSON.stringify(input),
// and the objects the server builds are written with sorted keys so the module need not sort.
import { describe, expect, it } from "vitest";
import { buildInput, inputJson, type PeerIdentity, requestJson } from "./input.ts";
import { subjectJson } from "./subject-keys.ts";

const request = {
	method: "POST",
	path: "/v1/decide",
	raw_path: "/v1//decide",
	host: "gavel.test:8181",
	headers: { "x-b": "2", "x-a": 'é\u2028"' },
};
const peer: PeerIdentity = {
	subject: "CN=svc",
	uris: ["spiffe://t/svc"],
	dns: ["svc.test"],
	fingerprint256: "AB:CD",
	issuer: "CN=ca",
};

function keysSorted(json: string): boolean {
	const keys = Object.keys(JSON.parse(json));
	return keys.every((k, i) => i === 0 || keys[i - 1] < k);
}

describe("inputJson", () => {
	const cases = [
		buildInput({ request }),
		buildInput({ subject: { sub: "a", roles: ["x"], exp: 1 }, action: "read", request }),
		buildInput({
			subject: { z: 1, a: { y: 2, b: 3 } },
			action: { name: "read" },
			resource: { type: "doc", id: "1", nested: { q: [1, { p: null }] } },
			context: { ip: "127.0.0.1" },
			request,
			peer,
		}),
	];
	it("means what JSON.stringify(input) means", () => {
		for (const input of cases) {
			const claims = (input.subject ?? {}) as object;
			const text = inputJson({ ...input, subject: claims }, claims);
			expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ ...input, subject: claims })));
		}
	});
	it("writes the top level, request, peer and claims with sorted keys", () => {
		const input = cases[2];
		const text = inputJson(input, input.subject as object);
		expect(keysSorted(text)).toBe(true);
		expect(keysSorted(requestJson(request))).toBe(true);
		const parsed = JSON.parse(text);
		expect(keysSorted(JSON.stringify(parsed.peer))).toBe(true);
		expect(subjectJson({ z: 1, a: { y: 2, b: 3 } })).toBe('{"a":{"b":3,"y":2},"z":1}');
	});
});

describe("requestJson", () => {
	it("answers each request's own fields, however requests alternate", () => {
		const a = { method: "GET", path: "/a", raw_path: "/a", host: "h:1", headers: {} };
		const b = { method: "GET", path: "/a", raw_path: "/a", host: "h:2", headers: {} };
		const c = { ...a, headers: { "x-t": "1" } };
		const d = { ...a, method: "POST" };
		const e = { ...a, raw_path: "/./a" };
		for (const r of [a, a, b, a, c, a, c, d, e, a, b, b]) {
			expect(JSON.parse(requestJson(r))).toEqual(r);
		}
	});
});
