// A DER element tree on asn1js (the BER/DER decoder), with the few readers the X.509 code
// needs: raw bytes of each element (Go's Raw* fields are the encoded bytes as received),
// content bytes, integers as bigint, OIDs.

import * as asn1js from "asn1js";

export const UNIVERSAL = 1;
export const CONTEXT = 3;

export interface Der {
	cls: number;
	tag: number;
	constructed: boolean;
	/** The whole element: identifier, length and content. */
	raw: Uint8Array;
	/** The content octets. */
	content: Uint8Array;
	children: Der[];
}

export class DerError extends Error {}

function convert(block: asn1js.AsnType): Der {
	const b = block as asn1js.BaseBlock;
	const raw = new Uint8Array(b.valueBeforeDecodeView);
	if (b.lenBlock.isIndefiniteForm) throw new DerError("indefinite length");
	const content = raw.subarray(raw.length - b.lenBlock.length);
	const constructed = b.idBlock.isConstructed;
	const value = (b.valueBlock as { value?: unknown }).value;
	const children = constructed && Array.isArray(value) ? value.map((c) => convert(c)) : [];
	return { cls: b.idBlock.tagClass, tag: b.idBlock.tagNumber, constructed, raw, content, children };
}

/** The first element of `bytes` and what follows it; DerError when it is not well formed. */
export function parseDer(bytes: Uint8Array): { node: Der; rest: Uint8Array } {
	if (bytes.length === 0) throw new DerError("empty");
	const r = asn1js.fromBER(bytes);
	if (r.offset === -1 || r.result.error) throw new DerError(r.result.error || "malformed");
	return { node: convert(r.result), rest: bytes.subarray(r.offset) };
}

export function isSeq(n: Der | undefined): n is Der {
	return n !== undefined && n.cls === UNIVERSAL && n.tag === 16 && n.constructed;
}

export function expectSeq(n: Der | undefined, what: string): Der {
	if (!isSeq(n)) throw new DerError(what);
	return n;
}

export function isContext(n: Der | undefined, tag: number): n is Der {
	return n !== undefined && n.cls === CONTEXT && n.tag === tag;
}

/** A two's-complement INTEGER. */
export function integer(n: Der): bigint {
	if (n.cls !== UNIVERSAL || n.tag !== 2 || n.content.length === 0) throw new DerError("integer");
	let v = 0n;
	for (const byte of n.content) v = (v << 8n) | BigInt(byte);
	if (n.content[0] & 0x80) v -= 1n << BigInt(n.content.length * 8);
	return v;
}

/** An unsigned big integer from raw bytes. */
export function unsigned(bytes: Uint8Array): bigint {
	let v = 0n;
	for (const byte of bytes) v = (v << 8n) | BigInt(byte);
	return v;
}

/** An OBJECT IDENTIFIER's arcs. */
export function oidArcs(n: Der): number[] {
	if (n.cls !== UNIVERSAL || n.tag !== 6 || n.content.length === 0) throw new DerError("oid");
	const arcs: number[] = [];
	let v = 0;
	for (const byte of n.content) {
		v = v * 128 + (byte & 0x7f);
		if (!(byte & 0x80)) {
			if (arcs.length === 0) {
				const first = v < 80 ? Math.floor(v / 40) : 2;
				arcs.push(first, v - first * 40);
			} else arcs.push(v);
			v = 0;
		}
	}
	return arcs;
}

export const oidText = (n: Der) => oidArcs(n).join(".");

export function boolean(n: Der): boolean {
	if (n.cls !== UNIVERSAL || n.tag !== 1 || n.content.length !== 1) throw new DerError("boolean");
	return n.content[0] !== 0;
}

/** A BIT STRING's bits (the first content octet counts the unused bits). */
export function bitString(n: Der): { bytes: Uint8Array; unused: number } {
	if (n.cls !== UNIVERSAL || n.tag !== 3 || n.content.length === 0)
		throw new DerError("bit string");
	return { bytes: n.content.subarray(1), unused: n.content[0] };
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/** The text of a string type (UTF8String, PrintableString, IA5String, BMPString, …). */
export function text(n: Der): string {
	if (n.tag === 30) {
		let s = "";
		for (let i = 0; i + 1 < n.content.length; i += 2) {
			s += String.fromCharCode((n.content[i] << 8) | n.content[i + 1]);
		}
		return s;
	}
	if (n.tag === 20) return latin1.decode(n.content);
	return utf8.decode(n.content);
}

export const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** UTCTime or GeneralizedTime as Go prints a time.Time in JSON (RFC 3339, UTC). */
export function time(n: Der): { iso: string; ms: number } {
	const s = latin1.decode(n.content);
	let m: RegExpExecArray | null;
	let year: number;
	let rest: string;
	if (n.tag === 23) {
		m = /^(\d{2})(\d{10})Z$/.exec(s);
		if (!m) throw new DerError("time");
		const yy = Number(m[1]);
		year = yy >= 50 ? 1900 + yy : 2000 + yy;
		rest = m[2];
	} else if (n.tag === 24) {
		m = /^(\d{4})(\d{10})Z$/.exec(s);
		if (!m) throw new DerError("time");
		year = Number(m[1]);
		rest = m[2];
	} else throw new DerError("time");
	const [mo, d, h, mi, sec] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2)));
	const date = new Date(0);
	date.setUTCFullYear(year, mo - 1, d);
	date.setUTCHours(h, mi, sec, 0);
	const iso = `${String(year).padStart(4, "0")}-${rest.slice(0, 2)}-${rest.slice(2, 4)}T${rest.slice(4, 6)}:${rest.slice(6, 8)}:${rest.slice(8, 10)}Z`;
	return { iso, ms: date.getTime() };
}
