// How OPA reads the string a crypto.x509.* builtin is given: PEM text, or standard base64 of
// PEM text or of DER bytes. Errors carry Go's wording (encoding/base64, encoding/pem).

export class InputError extends Error {}

const ALPHABET = /^[A-Za-z0-9+/]$/;

/** Go's base64.StdEncoding.DecodeString: newlines skipped, padding required. */
export function goBase64(s: string): Uint8Array {
	const chars: { c: string; at: number }[] = [];
	for (let i = 0; i < s.length; i++) {
		if (s[i] !== "\n" && s[i] !== "\r") chars.push({ c: s[i], at: i });
	}
	const fail = (at: number) => new InputError(`illegal base64 data at input byte ${at}`);
	let end = chars.length;
	for (let i = 0; i < chars.length; i++) {
		const { c, at } = chars[i];
		if (c === "=") {
			// Padding may only close the last quantum, in its third or fourth place.
			const place = i % 4;
			const rest = chars.slice(i);
			const ok =
				(place === 3 && rest.length === 1) ||
				(place === 2 && rest.length === 2 && rest[1].c === "=");
			if (!ok) throw fail(at);
			end = i;
			break;
		}
		if (!ALPHABET.test(c)) throw fail(at);
	}
	if (end === chars.length && chars.length % 4 !== 0) {
		throw fail(chars[chars.length - (chars.length % 4)].at);
	}
	return new Uint8Array(Buffer.from(chars.map((x) => x.c).join(""), "base64"));
}

export interface PemBlock {
	type: string;
	bytes: Uint8Array;
}

/** The PEM blocks of a text, as Go's pem.Decode finds them one after another. */
export function pemBlocks(text: string): PemBlock[] {
	const out: PemBlock[] = [];
	const re = /-----BEGIN ([^\r\n]*?)-----\r?\n([\s\S]*?)-----END \1-----/g;
	for (let m = re.exec(text); m !== null; m = re.exec(text)) {
		// Drop RFC 1421 headers ("Proc-Type: …") before the base64 body.
		const lines = m[2].split(/\r?\n/);
		const body = lines.some((l) => l.includes(":"))
			? lines.slice(lines.findIndex((l) => l.trim() === "") + 1)
			: lines;
		out.push({ type: m[1], bytes: new Uint8Array(Buffer.from(body.join(""), "base64")) });
	}
	return out;
}

const utf8 = new TextDecoder();

export const startsPem = (b: Uint8Array | string) =>
	(typeof b === "string" ? b : utf8.decode(b.subarray(0, 11))).startsWith("-----BEGIN");

/** PEM text as given, or the base64 of PEM text or DER: PEM blocks, or one DER run. */
export function readInput(input: string): { pem: PemBlock[] } | { der: Uint8Array } {
	if (startsPem(input)) return { pem: pemBlocks(input) };
	const bytes = goBase64(input);
	if (startsPem(bytes)) return { pem: pemBlocks(utf8.decode(bytes)) };
	return { der: bytes };
}
