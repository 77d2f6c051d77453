import { createHmac, createSign, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BuiltinError, createHostBuiltins, jsonWithBigints } from "./host-builtins.ts";

const { raw, builtins, beginEvaluation } = createHostBuiltins({
	now: () => 1_700_000_000_123_456_789n,
});
const call = (name: string, ...args: unknown[]) => raw[name](...args);

describe("regex builtins (expected values from OPA's conformance cases)", () => {
	it("find_n, find_all_string_submatch_n, is_valid, template_match", () => {
		expect(call("regex.find_n", "a.", "paranormal", 2)).toEqual(["ar", "an"]);
		expect(call("regex.find_n", "a.", "paranormal", -1)).toEqual(["ar", "an", "al"]);
		expect(call("regex.find_all_string_submatch_n", "a(x*)b", "-ab-axb-", -1)).toEqual([
			["ab", ""],
			["axb", "x"],
		]);
		expect(call("regex.is_valid", "++")).toBe(false);
		expect(call("regex.is_valid", "^a+$")).toBe(true);
		expect(call("regex.template_match", "urn:foo:<.*>", "urn:foo:bar:baz", "<", ">")).toBe(true);
		expect(call("regex.template_match", "urn:foo.<[a-z]+>", "urn:fooXbar", "<", ">")).toBe(false);
		expect(call("re_match", "^b.*$", "bar")).toBe(true);
	});

	it("replace expands Go templates, split follows Go's Split", () => {
		expect(call("regex.replace", "-wy-wxxy-", "w(x*)y", "0")).toBe("-0-0-");
		expect(call("regex.replace", "foo", "(foo)", "$1$1")).toBe("foofoo");
		// Go reads "$1x" as the (missing) group named "1x".
		expect(call("regex.replace", "foo", "(foo)", "$1x")).toBe("");
		// biome-ignore lint/suspicious/noTemplateCurlyInString: Go template syntax, not JS
		expect(call("regex.replace", "foo", "(foo)", "${1}x")).toBe("foox");
		expect(call("regex.split", "a", "banana")).toEqual(["b", "n", "n", ""]);
		expect(call("regex.split", "x*", "abc")).toEqual(["a", "b", "c"]);
	});

	it("translates RE2-only syntax and rejects what RE2 rejects", () => {
		expect(call("regex.match", "(?i)^ABC$", "abc")).toBe(true);
		expect(call("regex.match", "^[[:digit:]]+$", "123")).toBe(true);
		expect(call("regex.match", "(?P<year>\\d{4})", "in 2024")).toBe(true);
		expect(call("regex.match", "\\Aab\\z", "ab")).toBe(true);
		expect(call("regex.match", "a{,", "a{,")).toBe(true);
		expect(call("regex.is_valid", "(a)\\1")).toBe(false);
		expect(call("regex.is_valid", "a(?=b)")).toBe(false);
	});

	it("a bad pattern is a builtin error, undefined unless strict", () => {
		expect(() => call("regex.replace", "foo", "[", "$1")).toThrow(BuiltinError);
		expect(builtins["regex.replace"]("foo", "[", "$1")).toBeUndefined();
		const strict = createHostBuiltins({ strictErrors: true });
		expect(() => strict.builtins["regex.replace"]("foo", "[", "$1")).toThrow(
			/error parsing regexp/,
		);
	});

	it("globs_match intersects glob-style regexes", () => {
		expect(call("regex.globs_match", "a.a.", ".b.b")).toBe(true);
		expect(call("regex.globs_match", "[a-z]+", "[0-9]*")).toBe(false);
		expect(call("regex.globs_match", "a+", "a*b")).toBe(false);
		expect(call("regex.globs_match", "[0-9]+z", "5*z")).toBe(true);
	});
});

describe("time builtins", () => {
	const ns = (s: number) => s * 1e9;
	it("date, clock, weekday (conformance time/date)", () => {
		expect(call("time.date", 1517814000 * 1000 * 1000 * 1000)).toEqual([2018, 2, 5]);
		expect(call("time.clock", ns(1517814000))).toEqual([7, 0, 0]);
		expect(call("time.weekday", ns(1517814000))).toBe("Monday");
		expect(call("time.date", [ns(1517814000), "America/New_York"])).toEqual([2018, 2, 5]);
		expect(call("time.clock", [ns(1517814000), "America/New_York"])).toEqual([2, 0, 0]);
	});

	it("timestamp too big is a strict error (conformance time/clock too big)", () => {
		const strict = createHostBuiltins({ strictErrors: true });
		expect(() => strict.builtins["time.clock"](1582977600 * 1e12)).toThrow(/timestamp too big/);
	});

	it("parses RFC 3339, Go layouts and durations exactly", () => {
		expect(call("time.parse_rfc3339_ns", "1970-01-01T00:00:00Z")).toBe(0n);
		expect(call("time.parse_rfc3339_ns", "2017-06-02T19:00:00.123456789-07:00")).toBe(
			1496455200123456789n,
		);
		expect(call("time.parse_ns", "2006-01-02", "2022-07-15")).toBe(1657843200000000000n);
		expect(
			call("time.parse_ns", "Mon Jan _2 15:04:05 MST 2006", "Fri Jul 15 10:30:00 UTC 2022"),
		).toBe(1657881000000000000n);
		expect(call("time.parse_ns", "02 Jan 06 15:04 -0700", "15 Jul 22 10:30 +0200")).toBe(
			1657873800000000000n,
		);
		expect(call("time.parse_duration_ns", "1h30m")).toBe(5_400_000_000_000n);
		expect(call("time.parse_duration_ns", "-1.5h")).toBe(-5_400_000_000_000n);
		expect(call("time.parse_duration_ns", "300ms")).toBe(300_000_000n);
		expect(() => call("time.parse_duration_ns", "12")).toThrow(/missing unit/);
		expect(() => call("time.parse_rfc3339_ns", "2022-02-30T00:00:00Z")).toThrow(BuiltinError);
	});

	it("add_date normalises like Go, diff borrows like OPA", () => {
		const jan31 = 1675123200000000000n; // 2023-01-31T00:00:00Z
		// Go: Jan 31 + 1 month = Feb 31 -> Mar 3.
		expect(call("time.add_date", Number(jan31), 0, 1, 0)).toBe(1677801600000000000n);
		expect(call("time.diff", ns(1517814000), ns(1517814000 + 86400 * 40 + 3661))).toEqual([
			0, 1, 12, 1, 1, 1,
		]);
		expect(call("time.diff", ns(1517814000 + 3600), ns(1517814000))).toEqual([0, 0, 0, 1, 0, 0]);
	});

	it("now_ns is fixed for one evaluation and exact through the SDK adapter", () => {
		let t = 1_700_000_000_000_000_001n;
		const hb = createHostBuiltins({ now: () => t++ });
		hb.beginEvaluation();
		const a = hb.builtins["time.now_ns"]();
		const b = hb.builtins["time.now_ns"]();
		expect(new TextDecoder().decode(a as ArrayBuffer)).toBe("1700000000000000001");
		expect(new TextDecoder().decode(b as ArrayBuffer)).toBe("1700000000000000001");
		hb.beginEvaluation();
		expect(new TextDecoder().decode(hb.builtins["time.now_ns"]() as ArrayBuffer)).toBe(
			"1700000000000000002",
		);
		expect(jsonWithBigints({ a: [1n, "x"] })).toBe('{"a":[1,"x"]}');
	});
});

describe("crypto and uuid builtins", () => {
	it("hashes and HMACs as hex", () => {
		expect(call("crypto.sha256", "abc")).toBe(
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		);
		expect(call("crypto.md5", "abc")).toBe("900150983cd24fb0d6963f7d28e17f72");
		expect(call("crypto.sha1", "abc")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
		expect(call("crypto.hmac.sha256", "hello", "key")).toBe(
			createHmac("sha256", "key").update("hello").digest("hex"),
		);
		expect(call("crypto.hmac.equal", "abc", "abc")).toBe(true);
		expect(call("crypto.hmac.equal", "abc", "abd")).toBe(false);
	});

	it("uuid.rfc4122 is stable per key within one evaluation", () => {
		beginEvaluation();
		const a = call("uuid.rfc4122", "k");
		expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(call("uuid.rfc4122", "k")).toBe(a);
		expect(call("uuid.rfc4122", "j")).not.toBe(a);
		beginEvaluation();
		expect(call("uuid.rfc4122", "k")).not.toBe(a);
	});
});

describe("JWT builtins", () => {
	const opaToken =
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY";
	const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

	it("decodes (conformance jwtbuiltins/simple and bad-payload-encoding)", () => {
		expect(call("io.jwt.decode", opaToken)).toEqual([
			{ alg: "HS256", typ: "JWT" },
			{ iss: "opa", sub: "0" },
			"5e65682e81c8de9c4cb4c3bf59138d3122731940cff690e3cbc269d3fb5d4576",
		]);
		expect(() =>
			call(
				"io.jwt.decode",
				"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwia/XNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY",
			),
		).toThrow("JWT payload had invalid encoding: illegal base64 data at input byte 17");
	});

	it("verifies RS256 with PEM and JWKS, ES256, HS256, and rejects tampering", () => {
		const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
		const head = b64({ alg: "RS256", kid: "k1" });
		const body = b64({ sub: "alice", iss: "me", aud: "api", exp: 4102444800 });
		const sig = createSign("sha256").update(`${head}.${body}`).sign(rsa.privateKey, "base64url");
		const token = `${head}.${body}.${sig}`;
		const pem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
		const jwks = JSON.stringify({
			keys: [{ ...rsa.publicKey.export({ format: "jwk" }), kid: "k1" }],
		});
		expect(call("io.jwt.verify_rs256", token, pem)).toBe(true);
		expect(call("io.jwt.verify_rs256", token, jwks)).toBe(true);
		const tampered = `${head}.${b64({ sub: "mallory", iss: "me", aud: "api" })}.${sig}`;
		expect(call("io.jwt.verify_rs256", tampered, pem)).toBe(false);

		const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const eh = b64({ alg: "ES256" });
		const esig = sign("sha256", Buffer.from(`${eh}.${body}`), {
			key: ec.privateKey,
			dsaEncoding: "ieee-p1363",
		}).toString("base64url");
		const ecPem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
		expect(call("io.jwt.verify_es256", `${eh}.${body}.${esig}`, ecPem)).toBe(true);
		expect(call("io.jwt.verify_es256", token, ecPem)).toBe(false);

		const hh = b64({ alg: "HS256" });
		const hsig = createHmac("sha256", "s3cret").update(`${hh}.${body}`).digest("base64url");
		expect(call("io.jwt.verify_hs256", `${hh}.${body}.${hsig}`, "s3cret")).toBe(true);
		expect(call("io.jwt.verify_hs256", `${hh}.${body}.${hsig}`, "wrong")).toBe(false);

		const [ok, header, payload] = call("io.jwt.decode_verify", token, {
			cert: jwks,
			iss: "me",
			aud: "api",
		}) as [boolean, unknown, unknown];
		expect(ok).toBe(true);
		expect(header).toEqual({ alg: "RS256", kid: "k1" });
		expect(payload).toMatchObject({ sub: "alice" });
		expect(call("io.jwt.decode_verify", token, { cert: jwks, aud: "other" })).toEqual([
			false,
			{},
			{},
		]);
		// exp in the past relative to the constraint's time (ns).
		expect(
			call("io.jwt.decode_verify", token, { cert: pem, aud: "api", time: 4102444801 * 1e9 }),
		).toEqual([false, {}, {}]);
		// HS256 token presented against an RSA constraint with the public key as "secret".
		const forged = `${b64({ alg: "HS256" })}.${body}`;
		const fsig = createHmac("sha256", pem).update(forged).digest("base64url");
		expect(call("io.jwt.decode_verify", `${forged}.${fsig}`, { cert: pem, aud: "api" })).toEqual([
			false,
			{},
			{},
		]);
	});
});
