// TLS and mutual TLS with certificates generated at run time (openssl): clients without a
// certificate from the configured CA are refused at the handshake, and the verified peer
// (subject, SPIFFE URI SAN, fingerprint) reaches the policy as input.peer.

import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertDir, certDir } from "../tls-certs.ts";
import { buildBundle } from "./build-bundle.ts";
import { sign, startTestServer, type TestServer } from "./helpers.ts";

const PEER_POLICY = `package svc

import rego.v1

default decision := {"allow": false}

decision := {"allow": true, "reasons": [input.peer.uris[0], input.peer.subject]} if {
	input.peer.uris[0] == "spiffe://gavel.test/svc/orders"
}
`;

let certs: CertDir;
let t: TestServer;
const file = (n: string) => certs.file(n);

beforeAll(async () => {
	certs = certDir("gavel-mtls-");
	certs.ca("ca");
	certs.ca("rogue-ca");
	certs.leaf(
		"server",
		"/CN=localhost",
		"subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
	);
	certs.leaf(
		"client",
		"/O=Gavel Tests/CN=orders",
		"subjectAltName=URI:spiffe://gavel.test/svc/orders\nextendedKeyUsage=clientAuth\n",
	);
	certs.leaf(
		"rogue",
		"/CN=rogue",
		"subjectAltName=URI:spiffe://gavel.test/svc/orders\nextendedKeyUsage=clientAuth\n",
		"rogue-ca",
	);
	const bundle = file("svc.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({
			sources: { "svc.rego": PEER_POLICY },
			entrypoints: ["svc/decision"],
			revision: "m-1",
		}),
	);
	t = await startTestServer({
		server: {
			tls: {
				cert: file("server.crt"),
				key: file("server.key"),
				ca: file("ca.crt"),
				requireClientCert: true,
			},
		},
		callerAuth: { mode: "mtls" },
		bundle: { path: bundle },
		policy: { default: "svc/decision" },
	});
});
afterAll(async () => {
	await t.close();
});

function call(
	client: string | undefined,
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
) {
	return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
		const data = JSON.stringify(body);
		const req = request(
			`${t.url}${path}`,
			{
				method: "POST",
				ca: readFileSync(file("ca.crt")),
				...(client
					? { cert: readFileSync(file(`${client}.crt`)), key: readFileSync(file(`${client}.key`)) }
					: {}),
				headers: {
					"content-type": "application/json",
					"content-length": Buffer.byteLength(data),
					...headers,
				},
				agent: false,
			},
			(res) => {
				let text = "";
				res.on("data", (c) => {
					text += c;
				});
				res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
			},
		);
		req.on("error", reject);
		req.end(data);
	});
}

describe("mTLS", () => {
	it("serves HTTPS and puts the verified client into input.peer", async () => {
		expect(t.url.startsWith("https://127.0.0.1:")).toBe(true);
		const token = await sign(t.rsa);
		const r = await call("client", "/v1/decide", {}, { authorization: `Bearer ${token}` });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({
			allow: true,
			reasons: ["spiffe://gavel.test/svc/orders", "O=Gavel Tests,CN=orders"],
		});
		const logged = t.logs.at(-1) as { input: { peer: { fingerprint256: string } } };
		expect(logged.input.peer.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
	});

	it("refuses a client without a certificate, or with one from another CA, at the handshake", async () => {
		await expect(call(undefined, "/v1/decide", {})).rejects.toThrow();
		await expect(call("rogue", "/v1/decide", {})).rejects.toThrow();
	});

	it("authenticates Data API callers by their certificate", async () => {
		const r = await call("client", "/v1/data/svc/decision", { input: {} });
		expect(r.status).toBe(200);
	});
});
