// Gavel and OPA's binary answer the same builtin calls (crypto/x509, JWT, AWS signing, uuid,
// rand, time, rego.metadata): each row is a module whose `p` both evaluate with strict
// built-in errors. Skipped outside CI when OPA is not installed; a failure in CI.

import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { gavelAnswer, opaAnswer } from "./oracle.ts";

interface Row {
	name: string;
	rego: string;
	input?: unknown;
}

const expr = (name: string, e: string, input?: unknown): Row => ({
	name,
	rego: `package t\n\np := ${e}\n`,
	input,
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsaPem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const ecPem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();

function jwt(header: Record<string, unknown>, payload: Record<string, unknown> = { sub: "x" }) {
	const input = `${b64(header)}.${b64(payload)}`;
	const alg = String(header.alg);
	let sig: Buffer;
	if (alg === "HS256") sig = createHmac("sha256", "k").update(input).digest();
	else if (alg === "RS256") sig = sign("sha256", Buffer.from(input), rsa.privateKey);
	else sig = sign("sha256", Buffer.from(input), { key: ec.privateKey, dsaEncoding: "ieee-p1363" });
	return `${input}.${sig.toString("base64url")}`;
}

const JWT_HEADERS: Record<string, unknown>[] = [
	{ alg: "HS256", typ: "JWT" },
	{ alg: "HS256", crit: [] },
	{ alg: "HS256", crit: "junk" },
	{ alg: "HS256", crit: [1] },
	{ alg: "HS256", crit: ["junk"], junk: 1 },
	{ alg: "HS256", crit: ["x", "y"] },
	{ alg: "HS256", crit: ["alg", "kid", "typ", "cty"], kid: "a", cty: "b" },
	{ alg: "HS256", crit: ["x"], x: null },
	{ alg: "HS256", crit: ["jku"], jku: "a" },
	{ alg: "HS256", crit: ["b64"], b64: false },
	{ alg: "HS256", enc: "A256GCM" },
	{ alg: "RS256", crit: ["exp"], exp: 1 },
	{ alg: "RS256", kid: "k1" },
	{ alg: "ES256" },
];

const jwtRows: Row[] = JWT_HEADERS.flatMap((h) => {
	const token = jwt(h);
	const key = h.alg === "HS256" ? { secret: "k" } : { cert: h.alg === "RS256" ? rsaPem : ecPem };
	const verify =
		h.alg === "HS256"
			? 'io.jwt.verify_hs256(input.t, "k")'
			: `io.jwt.verify_${String(h.alg).toLowerCase()}(input.t, input.k.cert)`;
	return [
		expr(`io.jwt.decode ${JSON.stringify(h)}`, "io.jwt.decode(input.t)", { t: token }),
		expr(`io.jwt.decode_verify ${JSON.stringify(h)}`, "io.jwt.decode_verify(input.t, input.k)", {
			t: token,
			k: key,
		}),
		expr(`verify ${JSON.stringify(h)}`, verify, { t: token, k: key }),
	];
});

const AWS_CONFIGS: Record<string, unknown>[] = [
	{
		aws_access_key: "AKID",
		aws_secret_access_key: "SECRET",
		aws_service: "s3",
		aws_region: "us-east-1",
	},
	{
		aws_access_key: "AKID",
		aws_secret_access_key: "SECRET",
		aws_session_token: "TOK",
		aws_service: "execute-api",
		aws_region: "eu-west-1",
	},
	{
		aws_access_key: "AKID",
		aws_secret_access_key: "SECRET",
		aws_service: "s3",
		aws_region: "us-east-1",
		disable_payload_signing: true,
	},
	{
		aws_access_key: "AKID",
		aws_secret_access_key: "SECRET",
		aws_service: "sts",
		aws_region: "us-east-1",
		disable_payload_signing: false,
	},
];

const AWS_REQUESTS: Record<string, unknown>[] = [
	{ method: "get", url: "http://example.com" },
	{
		method: "POST",
		url: "https://example.com:8443/a b/c?x=1&b=2&a=%20z",
		body: { b: [1, "<&>"], a: 1 },
	},
	{
		method: "put",
		url: "https://example.com/p",
		raw_body: "hello",
		headers: { "Content-Type": "text/plain", "X-Foo": " a  b " },
	},
	{ method: "get", url: "https://example.com/p", body: "str" },
	{ method: "get", url: "https://example.com/p", headers: { Authorization: "x", host: "other" } },
	{ method: "get", url: "https://example.com/p", headers: { Host: "other", authorization: "y" } },
	{ method: "get", url: "https://example.com/p", headers: { "X-Amz-Date": "x", "x-n": 5 } },
	{ method: "get", url: "not a url" },
	{ method: "get", url: "https://user:pw@example.com/a%2Fb/%7Ec/é#frag" },
	{ method: "get", url: "https://example.com/p", timeout: "5s", tls_insecure_skip_verify: true },
];

const awsRows: Row[] = [
	...AWS_REQUESTS.flatMap((r) =>
		AWS_CONFIGS.map((c) =>
			expr(
				`aws ${JSON.stringify(r)} ${JSON.stringify(c)}`,
				"providers.aws.sign_req(input.r, input.c, 1451311705000000000)",
				{ r, c },
			),
		),
	),
	...[
		[{}, AWS_CONFIGS[0], 1],
		[{ method: 1, url: "http://x" }, AWS_CONFIGS[0], 1],
		[{ method: "get", url: "http://x" }, { aws_region: "x" }, 1],
		[{ method: "get", url: "http://x" }, { ...AWS_CONFIGS[0], aws_service: 4 }, 1],
		[{ method: "get", url: "http://x" }, { ...AWS_CONFIGS[0], disable_payload_signing: "no" }, 1],
		[{ method: "get", url: "http://x" }, AWS_CONFIGS[0], 0],
	].map(([r, c, t]) =>
		expr(
			`aws error ${JSON.stringify([r, c, t])}`,
			"providers.aws.sign_req(input.r, input.c, input.t)",
			{ r, c, t },
		),
	),
];

// Certificates, a CSR and keys made with openssl for these tests (valid until 2036).
const fx = (f: string) => readFileSync(new URL(`fixtures/${f}`, import.meta.url), "utf8");
const [root, int, leaf, srv, sha1, rich, self] = [
	"root.pem",
	"int.pem",
	"leaf.pem",
	"srv.pem",
	"sha1.pem",
	"rich.pem",
	"rsa-self.pem",
].map(fx);
const b64s = (t: string) => Buffer.from(t).toString("base64");
const derB64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, "");

const x509Rows: Row[] = [
	...Object.entries({ root, int, leaf, srv, sha1, rich, self }).flatMap(([n, pem]) => [
		expr(`parse_certificates ${n}`, "crypto.x509.parse_certificates(input)", pem),
		expr(`parse_certificates ${n} b64 PEM`, "crypto.x509.parse_certificates(input)", b64s(pem)),
		expr(`parse_certificates ${n} b64 DER`, "crypto.x509.parse_certificates(input)", derB64(pem)),
	]),
	expr(
		"parse_certificates DER run",
		"crypto.x509.parse_certificates(input)",
		b64s(Buffer.concat([root, int].map((p) => Buffer.from(derB64(p), "base64"))).toString("latin1"))
			.length > 0
			? Buffer.concat([root, int].map((p) => Buffer.from(derB64(p), "base64"))).toString("base64")
			: "",
	),
	...["", "foobar", "YmFkc3RyaW5n", "-----BEGIN X-----\nYWJj\n-----END X-----\n"].flatMap((bad) => [
		expr(
			`parse_certificates bad ${JSON.stringify(bad)}`,
			"crypto.x509.parse_certificates(input)",
			bad,
		),
		expr(
			`parse_certificate_request bad ${JSON.stringify(bad)}`,
			"crypto.x509.parse_certificate_request(input)",
			bad,
		),
		expr(
			`parse_rsa_private_key bad ${JSON.stringify(bad)}`,
			"crypto.x509.parse_rsa_private_key(input)",
			bad,
		),
		expr(`parse_private_keys bad ${JSON.stringify(bad)}`, "crypto.parse_private_keys(input)", bad),
		expr(
			`parse_and_verify bad ${JSON.stringify(bad)}`,
			"crypto.x509.parse_and_verify_certificates(input)",
			bad,
		),
	]),
	expr("parse_certificate_request", "crypto.x509.parse_certificate_request(input)", fx("csr.pem")),
	expr(
		"parse_certificate_request b64",
		"crypto.x509.parse_certificate_request(input)",
		b64s(fx("csr.pem")),
	),
	expr("parse_private_keys", "crypto.parse_private_keys(input)", fx("keys.pem")),
	expr("parse_private_keys b64", "crypto.parse_private_keys(input)", b64s(fx("keys.pem"))),
	expr("parse_private_keys cert", "crypto.parse_private_keys(input)", root),
	expr(
		"parse_rsa_private_key pkcs1",
		"crypto.x509.parse_rsa_private_key(input)",
		fx("rsa-pkcs1.key"),
	),
	expr(
		"parse_rsa_private_key pkcs8",
		"crypto.x509.parse_rsa_private_key(input)",
		fx("rsa-self.key"),
	),
	expr("parse_keypair", "crypto.x509.parse_keypair(input.c, input.k)", {
		c: self,
		k: fx("rsa-self.key"),
	}),
	expr("parse_keypair b64", "crypto.x509.parse_keypair(input.c, input.k)", {
		c: b64s(srv),
		k: b64s(fx("srv.key")),
	}),
	expr("parse_keypair mismatch", "crypto.x509.parse_keypair(input.c, input.k)", {
		c: srv,
		k: fx("rsa-self.key"),
	}),
	expr("parse_keypair switched", "crypto.x509.parse_keypair(input.c, input.k)", {
		c: fx("srv.key"),
		k: srv,
	}),
	expr("parse_keypair cert as key", "crypto.x509.parse_keypair(input.c, input.k)", {
		c: srv,
		k: srv,
	}),
	...Object.entries({
		"root int srv": [root, int, srv],
		"root int leaf (clientAuth only)": [root, int, leaf],
		"root srv (wrong issuer)": [root, srv],
		"int srv": [int, srv],
		"root sha1": [root, sha1],
		"root int": [root, int],
		self: [self],
	}).flatMap(([n, chain]) => [
		expr(
			`parse_and_verify ${n}`,
			"crypto.x509.parse_and_verify_certificates(input)",
			chain.join(""),
		),
		expr(
			`parse_and_verify ${n} client`,
			'crypto.x509.parse_and_verify_certificates_with_options(input, {"KeyUsages": ["KeyUsageClientAuth"]})',
			chain.join(""),
		),
		expr(
			`parse_and_verify ${n} any, host`,
			'crypto.x509.parse_and_verify_certificates_with_options(input, {"KeyUsages": ["KeyUsageAny"], "DNSName": "a.example.org"})',
			chain.join(""),
		),
		expr(
			`parse_and_verify ${n} in 2040`,
			'crypto.x509.parse_and_verify_certificates_with_options(input, {"CurrentTime": 2208988800000000000})',
			chain.join(""),
		),
	]),
	...[
		{ DNSName: 1 },
		{ KeyUsages: ["Nope"] },
		{ KeyUsages: "x" },
		{ Other: 1 },
		{ CurrentTime: "x" },
	].map((o) =>
		expr(
			`verify options ${JSON.stringify(o)}`,
			"crypto.x509.parse_and_verify_certificates_with_options(input.c, input.o)",
			{ c: root + int + srv, o },
		),
	),
];

const ROWS: Row[] = [
	...x509Rows,
	...jwtRows,
	...awsRows,
	// uuid.parse: every version and variant, the four spellings, bad input.
	...[
		"00000000-0000-4000-8000-000000000000",
		"000003e8-48b9-21ee-b200-325096b39f47",
		"000003e8-48b9-21ee-b201-325096b39f47",
		"6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"c232ab00-9414-11ec-b3c8-9f6bdeced846",
		"1ec9414c-232a-6b00-b3c8-9e6bdeced846",
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
		"00000000-0000-0000-0000-000000000000",
		"ffffffff-ffff-ffff-ffff-ffffffffffff",
		"6ba7b8109dad11d180b400c04fd430c8",
		"{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
		"URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"6ba7b810-9dad-11d1-c0b4-00c04fd430c8",
		"6ba7b810-9dad-21d1-00b4-01c04fd430c8",
		"6ba7b810-9dad-11d1-80b4-00c04fd430cX",
		"6ba7b810x9dad-11d1-80b4-00c04fd430c8",
		"",
	].map((u) => expr(`uuid.parse ${u}`, "uuid.parse(input)", u)),
	expr("uuid.parse of a number", "uuid.parse(input)", 123),
	// rand.intn: bounds, sign, zero, floats, stable per (str, n).
	expr("rand.intn 0", 'rand.intn("k", 0)'),
	expr("rand.intn 1", 'rand.intn("k", 1)'),
	expr("rand.intn -1", 'rand.intn("k", -1)'),
	expr("rand.intn in range", 'count([x | x := rand.intn("k", 7); x >= 0; x < 7])'),
	expr("rand.intn float", 'rand.intn("k", input)', 1.5),
	expr("rand.intn stable", 'count({rand.intn("k", 1000000) | numbers.range(1, 50)[_]})'),
	// time.format: default, zones, layouts and named layouts.
	expr("time.format 0", "time.format(0)"),
	expr("time.format negative", "time.format(-1500000000)"),
	expr("time.format zone", 'time.format([1700000000000000000, "America/New_York"])'),
	expr(
		"time.format layout",
		'time.format([1700000000000000000, "America/Chicago", "Mon Jan _2 15:04:05.000 MST 2006"])',
	),
	...[
		"ANSIC",
		"UnixDate",
		"RubyDate",
		"RFC822",
		"RFC822Z",
		"RFC850",
		"RFC1123",
		"RFC1123Z",
		"RFC3339",
		"RFC3339Nano",
		"Kitchen",
		"Z07:00:00 -07 Z07 .999 ,000 __2 002 pm 3 03 _2 1 06 January Monday",
	].map((l) =>
		expr(
			`time.format ${l}`,
			`time.format([1700000000120000000, "America/Los_Angeles", ${JSON.stringify(l)}])`,
		),
	),
	...[
		"Asia/Dubai",
		"America/Sao_Paulo",
		"Pacific/Chatham",
		"UTC",
		"",
		"Etc/GMT+3",
		"America/Denver",
	].map((z) =>
		expr(
			`time.format zone ${z}`,
			`time.format([1700000000120000000, ${JSON.stringify(z)}, "MST -07:00 Z0700"])`,
		),
	),
	expr("time.format bad zone", 'time.format([1, "Bad/Zone"])'),
	...[[1, "UTC", "RFC3339", 4], [1], [], [1, 2], ["1", "UTC"], "x", [1.5e9, "UTC"]].map((x) =>
		expr(`time.format ${JSON.stringify(x)}`, "time.format(input)", x),
	),
];

const req = opaRequirement("builtins part A oracle");

describe.skipIf(req.missing === "skip")("builtins agree with OPA", () => {
	if (req.missing === "fail") {
		it("needs OPA in CI", () => {
			throw new Error("OPA 1.22.3 not found; npm run opa:install");
		});
		return;
	}
	const opa = req.opa as string;
	for (const row of ROWS) {
		it(row.name, async () => {
			const want = opaAnswer(opa, row.rego, row.input);
			const got = await gavelAnswer(row.rego, row.input);
			expect(got).toEqual(want);
		});
	}
});
