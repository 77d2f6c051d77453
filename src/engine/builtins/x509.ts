// crypto.x509.* and crypto.parse_private_keys: certificates, chains, CSRs, key pairs and
// private keys, returned in the shapes OPA returns (Go's encoding/json view of crypto/x509
// and crypto/tls types), with OPA's error messages. ASN.1 decoding is asn1js (pure
// JavaScript, so parsing runs in Workers too); signature checks use node:crypto.

import { BuiltinError, expectString, typeError } from "./builtin-error.ts";
import {
	opaCertificate,
	type Parsed,
	parseCertificate,
	signatureAlgorithm,
} from "./x509/certificate.ts";
import {
	base64,
	bitString,
	type Der,
	DerError,
	expectSeq,
	integer,
	isContext,
	oidArcs,
	parseDer,
} from "./x509/der.ts";
import { goBase64, InputError, pemBlocks, readInput, startsPem } from "./x509/input.ts";
import { privateKey, publicKeyInfo } from "./x509/keys.ts";
import { goUrl, ipString as ipText, pkixName } from "./x509/names.ts";
import { verifyChain } from "./x509/verify.ts";

type Json = Record<string, unknown>;

const MALFORMED = "x509: malformed certificate";

/** DER certificates, one after another. */
function derCertificates(bytes: Uint8Array): Parsed[] {
	const out: Parsed[] = [];
	let rest = bytes;
	while (rest.length > 0) {
		let node: Der;
		try {
			({ node } = parseDer(rest));
		} catch {
			throw new DerError(MALFORMED);
		}
		try {
			out.push(parseCertificate(node.raw));
		} catch (e) {
			throw new DerError(
				e instanceof DerError && e.message.startsWith("x509:") ? e.message : MALFORMED,
			);
		}
		rest = rest.subarray(node.raw.length);
	}
	return out;
}

/** The certificates of a builtin's input, or a BuiltinError in OPA's words. */
function certificates(name: string, input: string): Parsed[] {
	try {
		const read = readInput(input);
		if ("der" in read) return derCertificates(read.der);
		const out: Parsed[] = [];
		for (const block of read.pem) {
			if (block.type !== "CERTIFICATE") {
				throw new DerError(`PEM block type is '${block.type}', expected CERTIFICATE`);
			}
			out.push(...derCertificates(block.bytes));
		}
		return out;
	} catch (e) {
		if (e instanceof InputError || e instanceof DerError) throw new BuiltinError(name, e.message);
		throw e;
	}
}

// Go's names for ExtKeyUsage values, as parse_and_verify_certificates_with_options takes them.
const KEY_USAGE_NAMES: Record<string, number> = {
	KeyUsageAny: 0,
	KeyUsageServerAuth: 1,
	KeyUsageClientAuth: 2,
	KeyUsageCodeSigning: 3,
	KeyUsageEmailProtection: 4,
	KeyUsageIPSECEndSystem: 5,
	KeyUsageIPSECTunnel: 6,
	KeyUsageIPSECUser: 7,
	KeyUsageTimeStamping: 8,
	KeyUsageOCSPSigning: 9,
	KeyUsageMicrosoftServerGatedCrypto: 10,
	KeyUsageNetscapeServerGatedCrypto: 11,
	KeyUsageMicrosoftCommercialCodeSigning: 12,
	KeyUsageMicrosoftKernelCodeSigning: 13,
};

interface ChainOptions {
	now: number;
	dnsName?: string;
	keyUsages: number[];
}

/** OPA's plain form returns URIStrings too; the _with_options form returns Go's fields only. */
function parseAndVerify(
	name: string,
	input: string,
	opts: ChainOptions,
	shape: (p: Parsed) => Json = opaCertificate,
): unknown[] {
	const invalid = [false, []];
	let certs: Parsed[];
	try {
		certs = certificates(name, input);
	} catch {
		return invalid;
	}
	if (certs.length < 2) return invalid;
	const chain = verifyChain(certs[certs.length - 1], {
		roots: [certs[0]],
		intermediates: certs.slice(1, -1),
		...opts,
	});
	return chain ? [true, chain.map(shape)] : invalid;
}

function chainOptions(name: string, options: unknown, nowMs: number): ChainOptions {
	if (options === null || typeof options !== "object" || Array.isArray(options)) {
		throw typeError(name, "operand 2 must be object");
	}
	const o = options as Json;
	const out: ChainOptions = { now: nowMs, keyUsages: [1] };
	for (const [k, v] of Object.entries(o)) {
		switch (k) {
			case "DNSName":
				if (typeof v !== "string") throw new BuiltinError(name, "'DNSName' should be a string");
				out.dnsName = v;
				break;
			case "CurrentTime":
				if (typeof v !== "number") throw new BuiltinError(name, "'CurrentTime' should be a number");
				out.now = v / 1e6;
				break;
			case "MaxConstraintComparisons":
				if (typeof v !== "number") {
					throw new BuiltinError(name, "'MaxConstraintComparisons' should be a number");
				}
				break;
			case "KeyUsages": {
				if (!Array.isArray(v))
					throw new BuiltinError(name, "'KeyUsages' should be an Array or Set");
				const bad = v.filter((u) => typeof u !== "string" || KEY_USAGE_NAMES[u] === undefined);
				if (bad.length > 0) {
					// Go's %v of the list: [a b].
					throw new BuiltinError(name, `invalid entries for 'KeyUsages' found: [${bad.join(" ")}]`);
				}
				out.keyUsages = v.map((u) => KEY_USAGE_NAMES[u as string]);
				break;
			}
			default:
				throw new BuiltinError(name, "invalid key option");
		}
	}
	return out;
}

// CSR attributes, as Go's deprecated CertificateRequest.Attributes keeps them.
function csrAttributes(attrs: Der | undefined): { attributes: Json[]; extensions: Der[] } {
	const attributes: Json[] = [];
	const extensions: Der[] = [];
	for (const attr of attrs?.children ?? []) {
		const [type, values] = attr.children;
		const arcs = oidArcs(type);
		const sets = (values?.children ?? []).map((seq) =>
			seq.children.map((ext) => {
				if (arcs.join(".") === "1.2.840.113549.1.9.14") extensions.push(ext);
				const last = ext.children[ext.children.length - 1];
				return { Type: oidArcs(ext.children[0]), Value: base64(last.content) };
			}),
		);
		attributes.push({ Type: arcs, Value: sets });
	}
	return { attributes, extensions };
}

function certificateRequest(der: Uint8Array): Json {
	const csr = expectSeq(parseDer(der).node, "csr");
	const [info, sigAlg, sig] = csr.children;
	const [version, subject, spki, attrs] = expectSeq(info, "csr info").children;
	const key = publicKeyInfo(spki);
	const { attributes, extensions } = csrAttributes(isContext(attrs, 0) ? attrs : undefined);
	const json: Json = {
		Attributes: attributes,
		DNSNames: null,
		EmailAddresses: null,
		Extensions: null,
		ExtraExtensions: null,
		IPAddresses: null,
		PublicKey: key.json,
		PublicKeyAlgorithm: key.algorithm,
		Raw: base64(csr.raw),
		RawSubject: base64(subject.raw),
		RawSubjectPublicKeyInfo: base64(spki.raw),
		RawTBSCertificateRequest: base64(info.raw),
		Signature: base64(bitString(sig).bytes),
		SignatureAlgorithm: signatureAlgorithm(sigAlg),
		Subject: pkixName(subject),
		URIs: null,
		Version: Number(integer(version)),
	};
	if (extensions.length > 0) {
		json.Extensions = extensions.map((ext) => {
			const parts = ext.children;
			const critical = parts.length === 3 && parts[1].content[0] !== 0;
			return {
				Critical: critical,
				Id: oidArcs(parts[0]),
				Value: base64(parts[parts.length - 1].content),
			};
		});
		const san = extensions.find((e) => oidArcs(e.children[0]).join(".") === "2.5.29.17");
		if (san) {
			const names = parseDer(san.children[san.children.length - 1].content).node;
			const pick = (tag: number) =>
				names.children
					.filter((n) => isContext(n, tag))
					.map((n) => new TextDecoder("latin1").decode(n.content));
			const orNull = <T>(xs: T[]) => (xs.length > 0 ? xs : null);
			json.DNSNames = orNull(pick(2));
			json.EmailAddresses = orNull(pick(1));
			json.URIs = orNull(pick(6).map(goUrl));
			const ips = names.children.filter((n) => isContext(n, 7)).map((n) => ipText(n.content));
			json.IPAddresses = orNull(ips);
		}
	}
	return json;
}

/** Go's asn1 complaint when the outermost element is not a SEQUENCE. */
function asn1Error(bytes: Uint8Array, what: string): string {
	if (bytes.length < 2) return "asn1: syntax error: sequence truncated";
	const id = bytes[0];
	const cls = id >> 6;
	const compound = (id & 0x20) !== 0;
	const tag = id & 0x1f;
	let len = bytes[1];
	let header = 2;
	if (len & 0x80) {
		const n = len & 0x7f;
		len = 0;
		for (let i = 0; i < n; i++) len = len * 256 + (bytes[2 + i] ?? 0);
		header += n;
	}
	if (tag === 16 && compound && cls === 0) {
		return header + len > bytes.length
			? "asn1: syntax error: data truncated"
			: "asn1: structure error";
	}
	return `asn1: structure error: tags don't match (16 vs {class:${cls} tag:${tag} length:${len} isCompound:${compound}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} ${what} @${header}`;
}

/** Key-pair inputs: PEM text, or base64 of PEM text. */
function pemInput(s: string): string {
	return startsPem(s) ? s : new TextDecoder().decode(goBase64(s));
}

function samePublicKey(a: unknown, b: unknown): boolean {
	return (
		JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ===
		JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
	);
}

export function x509Builtins(nowNs: () => bigint) {
	return {
		"crypto.x509.parse_certificates"(x: unknown): Json[] {
			const name = "crypto.x509.parse_certificates";
			return certificates(name, expectString(name, x, 1)).map(opaCertificate);
		},
		"crypto.x509.parse_and_verify_certificates"(x: unknown): unknown[] {
			const name = "crypto.x509.parse_and_verify_certificates";
			return parseAndVerify(name, expectString(name, x, 1), {
				now: Number(nowNs() / 1_000_000n),
				keyUsages: [1],
			});
		},
		"crypto.x509.parse_and_verify_certificates_with_options"(x: unknown, o: unknown): unknown[] {
			const name = "crypto.x509.parse_and_verify_certificates_with_options";
			const input = expectString(name, x, 1);
			return parseAndVerify(
				name,
				input,
				chainOptions(name, o, Number(nowNs() / 1_000_000n)),
				(p) => p.json,
			);
		},
		"crypto.x509.parse_certificate_request"(x: unknown): Json {
			const name = "crypto.x509.parse_certificate_request";
			const input = expectString(name, x, 1);
			let der: Uint8Array;
			try {
				if (input.startsWith("-----BEGIN CERTIFICATE REQUEST")) {
					der = pemBlocks(input)[0]?.bytes ?? new Uint8Array();
				} else {
					const bytes = goBase64(input);
					if (startsPem(bytes)) {
						const block = pemBlocks(new TextDecoder().decode(bytes))[0];
						if (block?.type !== "CERTIFICATE REQUEST") {
							throw new InputError("invalid PEM-encoded certificate signing request");
						}
						der = block.bytes;
					} else der = bytes;
				}
			} catch (e) {
				if (e instanceof InputError) throw new BuiltinError(name, e.message);
				throw e;
			}
			try {
				return certificateRequest(der);
			} catch (e) {
				if (!(e instanceof DerError)) throw e;
				throw new BuiltinError(name, asn1Error(der, "certificateRequest"));
			}
		},
		"crypto.x509.parse_keypair"(c: unknown, k: unknown): Json {
			const name = "crypto.x509.parse_keypair";
			const fail = (m: string) => new BuiltinError(name, m);
			let certText: string;
			let keyText: string;
			try {
				certText = pemInput(expectString(name, c, 1));
				keyText = pemInput(expectString(name, k, 2));
			} catch (e) {
				if (e instanceof InputError) throw fail(e.message);
				throw e;
			}
			const certBlocks = pemBlocks(certText).filter((b) => b.type === "CERTIFICATE");
			const keyBlocks = pemBlocks(keyText).filter(
				(b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"),
			);
			if (certBlocks.length === 0) {
				if (pemBlocks(certText).some((b) => b.type.endsWith("PRIVATE KEY"))) {
					throw fail(
						"tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched",
					);
				}
				throw fail("tls: failed to find any PEM data in certificate input");
			}
			if (keyBlocks.length === 0) {
				if (pemBlocks(keyText).some((b) => b.type === "CERTIFICATE")) {
					throw fail("tls: found a certificate rather than a key in the PEM for the private key");
				}
				throw fail("tls: failed to find any PEM data in key input");
			}
			let leaf: Parsed;
			try {
				leaf = parseCertificate(certBlocks[0].bytes);
			} catch {
				throw fail(MALFORMED);
			}
			let key: ReturnType<typeof privateKey>;
			try {
				key = privateKey(keyBlocks[0].type, keyBlocks[0].bytes);
			} catch {
				throw fail("tls: failed to parse private key");
			}
			const pub = publicKeyInfo(parseDer(leaf.spki).node);
			if (pub.kind !== key.kind) throw fail("tls: private key type does not match public key type");
			const keyJson = key.json as Json | string;
			const pubPart =
				typeof keyJson === "string"
					? Buffer.from(keyJson, "base64").subarray(32).toString("base64")
					: pub.kind === "rsa"
						? { N: keyJson.N, E: keyJson.E }
						: { Curve: {}, X: keyJson.X, Y: keyJson.Y };
			if (!samePublicKey(pubPart, pub.json))
				throw fail("tls: private key does not match public key");
			return {
				Certificate: certBlocks.map((b) => base64(b.bytes)),
				Leaf: leaf.json,
				OCSPStaple: null,
				PrivateKey: key.json,
				SignedCertificateTimestamps: null,
				SupportedSignatureAlgorithms: null,
			};
		},
		"crypto.x509.parse_rsa_private_key"(x: unknown): Json | null {
			const name = "crypto.x509.parse_rsa_private_key";
			const input = expectString(name, x, 1);
			if (input === "") throw new BuiltinError(name, "input PEM data was empty");
			let text: string;
			try {
				text = pemInput(input);
			} catch (e) {
				if (e instanceof InputError) throw new BuiltinError(name, e.message);
				throw e;
			}
			// Anything that is not an RSA key in PEM is null, as in OPA.
			const block = pemBlocks(text)[0];
			if (!block) return null;
			try {
				const key = privateKey(block.type, block.bytes);
				return key.kind === "rsa" && key.jwk ? key.jwk : null;
			} catch {
				return null;
			}
		},
		"crypto.parse_private_keys"(x: unknown): unknown {
			const name = "crypto.parse_private_keys";
			const input = expectString(name, x, 1);
			if (input === "") return null;
			let text: string;
			try {
				text = pemInput(input);
			} catch {
				return [];
			}
			const out: unknown[] = [];
			for (const block of pemBlocks(text)) {
				if (block.type !== "PRIVATE KEY" && !block.type.endsWith(" PRIVATE KEY")) continue;
				try {
					out.push(privateKey(block.type, block.bytes).json);
				} catch (e) {
					throw new BuiltinError(name, (e as Error).message);
				}
			}
			return out;
		},
	};
}
