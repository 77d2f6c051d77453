// An X.509 certificate as Go's encoding/json writes crypto/x509.Certificate: every exported
// field, in Go's types (OIDs as integer arrays, byte slices as base64, nil slices as null),
// which is the object OPA's crypto.x509.* builtins return. The same parse keeps what chain
// verification needs.

import {
	base64,
	bitString,
	boolean,
	CONTEXT,
	type Der,
	DerError,
	expectSeq,
	integer,
	isContext,
	isSeq,
	oidArcs,
	oidText,
	parseDer,
	time,
	UNIVERSAL,
} from "./der.ts";
import { publicKeyInfo } from "./keys.ts";
import { goUrl, ipNet, ipString, pkixName } from "./names.ts";

type Json = Record<string, unknown>;

/** Go's x509.SignatureAlgorithm numbering, by OID (RSASSA-PSS by its hash). */
const SIGNATURE_ALGORITHMS: Record<string, number> = {
	"1.2.840.113549.1.1.2": 1,
	"1.2.840.113549.1.1.4": 2,
	"1.2.840.113549.1.1.5": 3,
	"1.3.14.3.2.29": 3,
	"1.2.840.113549.1.1.11": 4,
	"1.2.840.113549.1.1.12": 5,
	"1.2.840.113549.1.1.13": 6,
	"1.2.840.10040.4.3": 7,
	"2.16.840.1.101.3.4.3.2": 8,
	"1.2.840.10045.4.1": 9,
	"1.2.840.10045.4.3.2": 10,
	"1.2.840.10045.4.3.3": 11,
	"1.2.840.10045.4.3.4": 12,
	"1.3.101.112": 16,
};
const RSA_PSS = "1.2.840.113549.1.1.10";
const PSS_BY_HASH: Record<string, number> = {
	"2.16.840.1.101.3.4.2.1": 13,
	"2.16.840.1.101.3.4.2.2": 14,
	"2.16.840.1.101.3.4.2.3": 15,
};

/** Go's x509.ExtKeyUsage numbering. */
export const EXT_KEY_USAGES: Record<string, number> = {
	"2.5.29.37.0": 0,
	"1.3.6.1.5.5.7.3.1": 1,
	"1.3.6.1.5.5.7.3.2": 2,
	"1.3.6.1.5.5.7.3.3": 3,
	"1.3.6.1.5.5.7.3.4": 4,
	"1.3.6.1.5.5.7.3.5": 5,
	"1.3.6.1.5.5.7.3.6": 6,
	"1.3.6.1.5.5.7.3.7": 7,
	"1.3.6.1.5.5.7.3.8": 8,
	"1.3.6.1.5.5.7.3.9": 9,
	"1.3.6.1.4.1.311.10.3.3": 10,
	"2.16.840.1.113730.4.1": 11,
	"1.3.6.1.4.1.311.2.1.22": 12,
	"1.3.6.1.4.1.311.61.1.1": 13,
};

export function signatureAlgorithm(alg: Der): number {
	const [oidNode, params] = expectSeq(alg, "algorithm").children;
	const oid = oidText(oidNode);
	if (oid !== RSA_PSS) return SIGNATURE_ALGORITHMS[oid] ?? 0;
	const hash = params?.children.find((c) => isContext(c, 0))?.children[0]?.children[0];
	return hash ? (PSS_BY_HASH[oidText(hash)] ?? 0) : 0;
}

export interface Parsed {
	json: Json;
	raw: Uint8Array;
	tbs: Uint8Array;
	spki: Uint8Array;
	rawSubject: Uint8Array;
	rawIssuer: Uint8Array;
	signature: Uint8Array;
	signatureAlgorithm: number;
	notBefore: number;
	notAfter: number;
	isCA: boolean;
	basicConstraintsValid: boolean;
	maxPathLen: number;
	extKeyUsage: number[];
	unknownExtKeyUsage: number[][];
	unhandledCritical: number[][];
	subjectKeyId?: string;
	authorityKeyId?: string;
	dnsNames: string[];
	/** The SAN URIs as written (OPA's URIStrings). */
	uris: string[];
}

interface GeneralNames {
	dns: string[];
	email: string[];
	ip: string[];
	uri: string[];
}

const ascii = new TextDecoder("latin1");

function generalNames(seq: Der): GeneralNames {
	const out: GeneralNames = { dns: [], email: [], ip: [], uri: [] };
	for (const gn of expectSeq(seq, "general names").children) {
		if (gn.cls !== CONTEXT) continue;
		if (gn.tag === 1) out.email.push(ascii.decode(gn.content));
		else if (gn.tag === 2) out.dns.push(ascii.decode(gn.content));
		else if (gn.tag === 6) out.uri.push(ascii.decode(gn.content));
		else if (gn.tag === 7) {
			if (gn.content.length !== 4 && gn.content.length !== 16) {
				throw new DerError(`x509: cannot parse IP address of length ${gn.content.length}`);
			}
			out.ip.push(ipString(gn.content));
		}
	}
	return out;
}

const orNull = <T>(xs: T[]): T[] | null => (xs.length > 0 ? xs : null);

/** One DER certificate. DerError (Go's message or a generic one) when it does not parse. */
export function parseCertificate(der: Uint8Array): Parsed {
	const cert = expectSeq(parseDer(der).node, "certificate");
	const [tbs, sigAlg, sig] = cert.children;
	const t = expectSeq(tbs, "tbs").children;
	let i = 0;
	let version = 1;
	if (isContext(t[0], 0)) {
		version = Number(integer(t[0].children[0])) + 1;
		i++;
	}
	const serial = integer(t[i++]);
	i++; // the TBS signature algorithm, which must equal the outer one
	const issuer = expectSeq(t[i++], "issuer");
	const validity = expectSeq(t[i++], "validity").children;
	const subject = expectSeq(t[i++], "subject");
	const spki = expectSeq(t[i++], "spki");
	const extensionsNode = t.slice(i).find((c) => isContext(c, 3));
	const notBefore = time(validity[0]);
	const notAfter = time(validity[1]);
	const key = publicKeyInfo(spki);

	const json: Json = {
		AuthorityKeyId: null,
		BasicConstraintsValid: false,
		CRLDistributionPoints: null,
		DNSNames: null,
		EmailAddresses: null,
		ExcludedDNSDomains: null,
		ExcludedEmailAddresses: null,
		ExcludedIPRanges: null,
		ExcludedURIDomains: null,
		ExtKeyUsage: null,
		Extensions: null,
		ExtraExtensions: null,
		IPAddresses: null,
		InhibitAnyPolicy: 0,
		InhibitAnyPolicyZero: false,
		InhibitPolicyMapping: 0,
		InhibitPolicyMappingZero: false,
		IsCA: false,
		Issuer: pkixName(issuer),
		IssuingCertificateURL: null,
		KeyUsage: 0,
		MaxPathLen: 0,
		MaxPathLenZero: false,
		NotAfter: notAfter.iso,
		NotBefore: notBefore.iso,
		OCSPServer: null,
		PermittedDNSDomains: null,
		PermittedDNSDomainsCritical: false,
		PermittedEmailAddresses: null,
		PermittedIPRanges: null,
		PermittedURIDomains: null,
		Policies: null,
		PolicyIdentifiers: null,
		PolicyMappings: null,
		PublicKey: key.json,
		PublicKeyAlgorithm: key.algorithm,
		Raw: base64(cert.raw),
		RawIssuer: base64(issuer.raw),
		RawSubject: base64(subject.raw),
		RawSubjectPublicKeyInfo: base64(spki.raw),
		RawTBSCertificate: base64(tbs.raw),
		RequireExplicitPolicy: 0,
		RequireExplicitPolicyZero: false,
		SerialNumber: serial,
		Signature: base64(bitString(sig).bytes),
		SignatureAlgorithm: signatureAlgorithm(sigAlg),
		Subject: pkixName(subject),
		SubjectKeyId: null,
		URIs: null,
		UnhandledCriticalExtensions: null,
		UnknownExtKeyUsage: null,
		Version: version,
	};
	const parsed: Parsed = {
		json,
		raw: cert.raw,
		tbs: tbs.raw,
		spki: spki.raw,
		rawSubject: subject.raw,
		rawIssuer: issuer.raw,
		signature: bitString(sig).bytes,
		signatureAlgorithm: json.SignatureAlgorithm as number,
		notBefore: notBefore.ms,
		notAfter: notAfter.ms,
		isCA: false,
		basicConstraintsValid: false,
		maxPathLen: 0,
		extKeyUsage: [],
		unknownExtKeyUsage: [],
		unhandledCritical: [],
		dnsNames: [],
		uris: [],
	};
	if (extensionsNode && version === 3) extensions(extensionsNode.children[0], json, parsed);
	return parsed;
}

function extensions(seq: Der, json: Json, parsed: Parsed): void {
	const list: Json[] = [];
	const unhandled: number[][] = [];
	for (const ext of expectSeq(seq, "extensions").children) {
		const parts = expectSeq(ext, "extension").children;
		const id = oidArcs(parts[0]);
		const critical = parts.length === 3 ? boolean(parts[1]) : false;
		const valueNode = parts[parts.length - 1];
		if (valueNode.cls !== UNIVERSAL || valueNode.tag !== 4) throw new DerError("extension");
		const value = valueNode.content;
		list.push({ Critical: critical, Id: id, Value: base64(value) });
		const handled = extension(id.join("."), critical, value, json, parsed);
		if (critical && !handled) unhandled.push(id);
	}
	json.Extensions = list;
	json.UnhandledCriticalExtensions = orNull(unhandled);
	parsed.unhandledCritical = unhandled;
}

/** Fills the fields one extension sets; false when Go would leave it unhandled. */
function extension(
	oid: string,
	critical: boolean,
	value: Uint8Array,
	json: Json,
	p: Parsed,
): boolean {
	const node = () => parseDer(value).node;
	switch (oid) {
		case "2.5.29.15": {
			const { bytes } = bitString(node());
			let usage = 0;
			for (let bit = 0; bit < 9 && bit < bytes.length * 8; bit++) {
				if (bytes[bit >> 3] & (0x80 >> (bit & 7))) usage |= 1 << bit;
			}
			json.KeyUsage = usage;
			return true;
		}
		case "2.5.29.19": {
			const parts = expectSeq(node(), "basic constraints").children;
			let isCA = false;
			let maxPathLen = -1;
			for (const c of parts) {
				if (c.tag === 1) isCA = boolean(c);
				else if (c.tag === 2) maxPathLen = Number(integer(c));
			}
			Object.assign(json, {
				BasicConstraintsValid: true,
				IsCA: isCA,
				MaxPathLen: maxPathLen,
				MaxPathLenZero: maxPathLen === 0,
			});
			p.basicConstraintsValid = true;
			p.isCA = isCA;
			p.maxPathLen = maxPathLen;
			return true;
		}
		case "2.5.29.17": {
			const names = generalNames(node());
			json.DNSNames = orNull(names.dns);
			json.EmailAddresses = orNull(names.email);
			json.IPAddresses = orNull(names.ip);
			json.URIs = orNull(names.uri.map(goUrl));
			p.dnsNames = names.dns;
			p.uris = names.uri;
			return names.dns.length + names.email.length + names.ip.length + names.uri.length > 0;
		}
		case "2.5.29.37": {
			const known: number[] = [];
			const unknown: number[][] = [];
			for (const o of expectSeq(node(), "eku").children) {
				const arcs = oidArcs(o);
				const k = EXT_KEY_USAGES[arcs.join(".")];
				if (k === undefined) unknown.push(arcs);
				else known.push(k);
			}
			json.ExtKeyUsage = orNull(known);
			json.UnknownExtKeyUsage = orNull(unknown);
			p.extKeyUsage = known;
			p.unknownExtKeyUsage = unknown;
			return true;
		}
		case "2.5.29.14": {
			json.SubjectKeyId = base64(node().content);
			p.subjectKeyId = json.SubjectKeyId as string;
			return true;
		}
		case "2.5.29.35": {
			const id = expectSeq(node(), "aki").children.find((c) => isContext(c, 0));
			if (id) {
				json.AuthorityKeyId = base64(id.content);
				p.authorityKeyId = json.AuthorityKeyId as string;
			}
			return true;
		}
		case "2.5.29.31": {
			const urls: string[] = [];
			for (const dp of expectSeq(node(), "crl dp").children) {
				const name = dp.children.find((c) => isContext(c, 0));
				const full = name?.children.find((c) => isContext(c, 0));
				for (const gn of full?.children ?? []) {
					if (isContext(gn, 6)) urls.push(ascii.decode(gn.content));
				}
			}
			json.CRLDistributionPoints = orNull(urls);
			return true;
		}
		case "1.3.6.1.5.5.7.1.1": {
			const ocsp: string[] = [];
			const issuers: string[] = [];
			for (const ad of expectSeq(node(), "aia").children) {
				const [method, location] = ad.children;
				if (!isContext(location, 6)) continue;
				const m = oidText(method);
				if (m === "1.3.6.1.5.5.7.48.1") ocsp.push(ascii.decode(location.content));
				else if (m === "1.3.6.1.5.5.7.48.2") issuers.push(ascii.decode(location.content));
			}
			json.OCSPServer = orNull(ocsp);
			json.IssuingCertificateURL = orNull(issuers);
			return true;
		}
		case "2.5.29.32": {
			const ids = expectSeq(node(), "policies").children.map((pi) => oidArcs(pi.children[0]));
			json.PolicyIdentifiers = orNull(ids);
			json.Policies = orNull(ids.map((a) => a.join(".")));
			return true;
		}
		case "2.5.29.30":
			return nameConstraints(node(), critical, json);
		case "2.5.29.36": {
			for (const c of expectSeq(node(), "policy constraints").children) {
				const v = Number(integerOf(c));
				if (isContext(c, 0)) {
					json.RequireExplicitPolicy = v;
					json.RequireExplicitPolicyZero = v === 0;
				} else if (isContext(c, 1)) {
					json.InhibitPolicyMapping = v;
					json.InhibitPolicyMappingZero = v === 0;
				}
			}
			return true;
		}
		case "2.5.29.54": {
			const v = Number(integer(node()));
			json.InhibitAnyPolicy = v;
			json.InhibitAnyPolicyZero = v === 0;
			return true;
		}
		case "2.5.29.33": {
			const maps = expectSeq(node(), "policy mappings").children.map((m) => ({
				IssuerDomainPolicy: oidText(m.children[0]),
				SubjectDomainPolicy: oidText(m.children[1]),
			}));
			json.PolicyMappings = orNull(maps);
			return true;
		}
		default:
			return false;
	}
}

/** An INTEGER under an implicit context tag. */
function integerOf(n: Der): bigint {
	return integer({ ...n, cls: UNIVERSAL, tag: 2 });
}

function nameConstraints(seq: Der, critical: boolean, json: Json): boolean {
	let handled = true;
	const fill = (subtrees: Der | undefined, prefix: "Permitted" | "Excluded") => {
		const dns: string[] = [];
		const ips: Json[] = [];
		const emails: string[] = [];
		const uris: string[] = [];
		for (const st of subtrees?.children ?? []) {
			const base = st.children[0];
			if (!base || base.cls !== CONTEXT) continue;
			if (base.tag === 2) dns.push(ascii.decode(base.content));
			else if (base.tag === 7) ips.push(ipNet(base.content));
			else if (base.tag === 1) emails.push(ascii.decode(base.content));
			else if (base.tag === 6) uris.push(ascii.decode(base.content));
			else handled = false;
		}
		json[`${prefix}DNSDomains`] = orNull(dns);
		json[`${prefix}IPRanges`] = orNull(ips);
		json[`${prefix}EmailAddresses`] = orNull(emails);
		json[`${prefix}URIDomains`] = orNull(uris);
	};
	if (!isSeq(seq)) throw new DerError("name constraints");
	fill(
		seq.children.find((c) => isContext(c, 0)),
		"Permitted",
	);
	fill(
		seq.children.find((c) => isContext(c, 1)),
		"Excluded",
	);
	json.PermittedDNSDomainsCritical = critical;
	return handled;
}

/** The certificate object OPA's parse_certificates returns: Go's fields plus URIStrings. */
export function opaCertificate(p: Parsed): Json {
	return { ...p.json, URIStrings: orNull(p.uris) };
}
