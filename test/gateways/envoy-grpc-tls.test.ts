// Envoy's ext_authz over gRPC with TLS and mutual TLS, configured the way docs/gateways.md
// shows (server.tls plus envoyGrpc.tls: true; the snippet is read from the page), called by
// the go-control-plane client (test/envoy-grpc/client) with certificates made here by openssl.
// Refusals are gRPC UNAVAILABLE (14): the handshake fails before any Check reaches a policy.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { mergeConfig } from "../../src/server/config.ts";
import { writeBundleFile } from "../server/build-bundle.ts";
import { startTestServer, type TestServer } from "../server/helpers.ts";
import { type CertDir, certDir } from "../tls-certs.ts";
import { buildClient, checkRequest, type Line, runClient } from "./envoy-grpc-client.ts";

const hasGo = spawnSync("go", ["version"]).status === 0;
const inCi = Boolean(process.env.CI);
const UNAVAILABLE = 14;
const SPIFFE = "spiffe://gavel.test/ns/app/sa/orders";

// The downstream client's certificate as Envoy forwards it in the CheckRequest
// (attributes.source.certificate, URL-encoded PEM) reaches the policy unchanged.
const POLICY = `package envoy.authz

import rego.v1

default allow := false

allow if {
	input.attributes.request.http.method == "GET"
	input.parsed_path == ["health"]
}

allow := {"allowed": true, "headers": {"x-client-cn": cert.Subject.CommonName, "x-client-id": input.attributes.source.principal}} if {
	input.attributes.request.http.method == "GET"
	input.parsed_path[0] == "orders"
	cert := crypto.x509.parse_certificates(urlquery.decode(input.attributes.source.certificate))[0]
	input.attributes.source.principal == "${SPIFFE}"
}
`;

const doc = readFileSync(new URL("../../docs/gateways.md", import.meta.url), "utf8");
const SNIPPET_START = "```yaml\n# gavel.yaml: Envoy's ext_authz over gRPC with mutual TLS";

/** The gavel.yaml snippet of docs/gateways.md, with its certificate paths pointed at certs. */
function documentedConfig(certs: CertDir): Record<string, unknown> {
	const start = doc.indexOf(SNIPPET_START);
	if (start < 0) throw new Error("docs/gateways.md: the gRPC mutual TLS snippet is missing");
	const body = doc.slice(start + "```yaml\n".length, doc.indexOf("```", start + 7));
	return parseYaml(body.replaceAll("/etc/gavel/tls/", `${certs.dir}/`));
}

describe.runIf(!hasGo && inCi)("Envoy gRPC TLS client in CI", () => {
	it("has go (the client is built on go-control-plane)", () => {
		expect.fail("go not found and CI is set: the Envoy gRPC TLS test must run");
	});
});

describe.skipIf(!hasGo)("Envoy ext_authz gRPC over TLS → Gavel (go-control-plane client)", () => {
	let certs: CertDir;
	let client = "";
	let tlsOnly: TestServer;
	let mutual: TestServer;
	let clientPem = "";

	beforeAll(async () => {
		client = buildClient();
		certs = certDir("gavel-envoy-grpc-tls-");
		certs.ca("ca");
		certs.ca("rogue-ca");
		certs.leaf(
			"server",
			"/CN=gavel",
			"subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
		);
		// Envoy's own certificate towards its ext_authz cluster.
		certs.leaf("envoy", "/CN=envoy", "subjectAltName=DNS:envoy\nextendedKeyUsage=clientAuth\n");
		certs.leaf(
			"rogue",
			"/CN=envoy",
			"subjectAltName=DNS:envoy\nextendedKeyUsage=clientAuth\n",
			"rogue-ca",
		);
		// The downstream caller whose certificate Envoy forwards in the CheckRequest.
		certs.leaf(
			"orders",
			"/O=Gavel Tests/CN=orders",
			`subjectAltName=URI:${SPIFFE}\nextendedKeyUsage=clientAuth\n`,
		);
		clientPem = readFileSync(certs.file("orders.crt"), "utf8");
		const bundle = writeBundleFile({
			sources: { "envoy.rego": POLICY },
			entrypoints: ["envoy/authz/allow"],
			revision: "envoy-tls-1",
		});
		// The documented configuration; only what a test must change is overridden: loopback
		// and free ports, the bundle and its policy, no decision log.
		const local = {
			server: { port: 0 },
			envoyGrpc: { host: "127.0.0.1", port: 0 },
			bundle: { path: bundle, watch: false },
			policy: { default: "envoy/authz/allow" },
			decisionLog: { enabled: false },
		};
		const documented = documentedConfig(certs);
		mutual = await startTestServer(mergeConfig(documented, local) as Record<string, unknown>);
		tlsOnly = await startTestServer(
			mergeConfig(documented, {
				...local,
				server: { port: 0, tls: { requireClientCert: false } },
			}) as Record<string, unknown>,
		);
	}, 600_000);

	afterAll(async () => {
		await tlsOnly?.close();
		await mutual?.close();
	});

	const send = (t: TestServer, args: string[], requests: unknown[]): Promise<Line[]> =>
		runClient(client, certs.dir, ["-addr", `127.0.0.1:${t.running.grpcPort}`, ...args], requests);
	const ca = (name = "ca") => ["-ca", certs.file(`${name}.crt`)];
	const cert = (name: string) => [
		"-cert",
		certs.file(`${name}.crt`),
		"-key",
		certs.file(`${name}.key`),
	];
	const health = () => checkRequest("GET", "/health", {});

	it("the documented snippet turns on TLS for gRPC and requires client certificates", () => {
		expect(mutual.running.config.envoyGrpc.tls).toBe(true);
		expect(mutual.running.config.server.tls?.requireClientCert).toBe(true);
		expect(tlsOnly.running.config.server.tls?.requireClientCert).toBe(false);
	});

	describe("TLS", () => {
		it("answers Check over TLS, the server's certificate verified against the CA", async () => {
			const [allowed, denied] = await send(tlsOnly, ca(), [
				health(),
				checkRequest("GET", "/admin", {}),
			]);
			expect(allowed.code).toBe(0);
			expect(allowed.response?.status?.code ?? 0).toBe(0);
			expect(allowed.response?.okResponse).toBeDefined();
			expect(denied.code).toBe(0);
			expect(denied.response?.status?.code).toBe(7);
		});

		it("refuses a plaintext client", async () => {
			const [r] = await send(tlsOnly, [], [health()]);
			expect(r.code).toBe(UNAVAILABLE);
			expect(r.response).toBeUndefined();
		});

		it("is refused by a client that trusts another CA", async () => {
			const [r] = await send(tlsOnly, ca("rogue-ca"), [health()]);
			expect(r.code).toBe(UNAVAILABLE);
			expect(r.error).toMatch(/certificate/);
			expect(r.response).toBeUndefined();
		});
	});

	describe("mutual TLS (requireClientCert)", () => {
		// How a refused handshake looks to the client is a race (a "certificate required" alert, or
		// a broken pipe when Gavel closes first), so only the status is asserted; the client with
		// a certificate from the CA, on the same server, is answered.
		it("refuses a client without a certificate", async () => {
			const [r] = await send(mutual, ca(), [health()]);
			expect(r.code).toBe(UNAVAILABLE);
			expect(r.response).toBeUndefined();
		});

		it("refuses a client certificate from another CA", async () => {
			// The client sends it regardless of the CAs Gavel names, as Envoy does.
			const [r] = await send(mutual, [...ca(), ...cert("rogue")], [health()]);
			expect(r.code).toBe(UNAVAILABLE);
			expect(r.response).toBeUndefined();
		});

		it("answers a client with a certificate from the CA", async () => {
			const [r] = await send(mutual, [...ca(), ...cert("envoy")], [health()]);
			expect(r.code).toBe(0);
			expect(r.response?.status?.code ?? 0).toBe(0);
			expect(r.response?.okResponse).toBeDefined();
		});

		it("gives the policy the downstream certificate and principal Envoy forwards", async () => {
			const withCert = (certificate: string, principal: string) => {
				const req = checkRequest("GET", "/orders/7", {});
				Object.assign(req.attributes.source, { certificate, principal });
				return req;
			};
			const [r, wrongPrincipal, none] = await send(
				mutual,
				[...ca(), ...cert("envoy")],
				[
					// Envoy URL-encodes the PEM (its %DOWNSTREAM_PEER_CERT% form).
					withCert(encodeURIComponent(clientPem), SPIFFE),
					withCert(encodeURIComponent(clientPem), "spiffe://gavel.test/ns/app/sa/other"),
					checkRequest("GET", "/orders/7", {}),
				],
			);
			expect(r.code).toBe(0);
			expect(r.response?.status?.code ?? 0).toBe(0);
			expect(r.response?.okResponse?.headers?.map((h) => h.header)).toEqual([
				{ key: "x-client-cn", value: "orders" },
				{ key: "x-client-id", value: SPIFFE },
			]);
			expect(wrongPrincipal.response?.status?.code).toBe(7);
			expect(none.response?.status?.code).toBe(7);
		});
	});
});
