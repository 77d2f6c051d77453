// A small tar (ustar/pax/GNU) reader and writer over plain Uint8Arrays: no Node APIs, so the
// same code reads bundles in Node and in Workers. Only regular files carry content in a bundle;
// directories are skipped and links are refused (a link could point outside the bundle).

import { BundleError } from "./errors.ts";

export interface TarEntry {
	name: string;
	data: Uint8Array;
}

export interface TarLimits {
	/** Largest single file accepted. */
	maxFileBytes: number;
	/** Most files accepted. */
	maxFiles: number;
}

const BLOCK = 512;
const utf8 = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

function field(block: Uint8Array, offset: number, length: number): string {
	const bytes = block.subarray(offset, offset + length);
	const nul = bytes.indexOf(0);
	return utf8.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

/** Numeric fields are octal text, or base-256 when the high bit of the first byte is set. */
function numberField(block: Uint8Array, offset: number, length: number, what: string): number {
	if (block[offset] & 0x80) {
		let n = block[offset] & 0x7f;
		for (let i = 1; i < length; i++) n = n * 256 + block[offset + i];
		return n;
	}
	const text = field(block, offset, length).trim();
	if (text === "") return 0;
	if (!/^[0-7]+$/.test(text))
		throw new BundleError(`corrupt tar header: bad ${what} field "${text}"`);
	return Number.parseInt(text, 8);
}

function checksumOk(header: Uint8Array): boolean {
	const stored = numberField(header, 148, 8, "checksum");
	let sum = 0;
	for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
	return sum === stored;
}

/** Extended header records: "<len> key=value\n" repeated. */
function paxRecords(data: Uint8Array): Map<string, string> {
	const text = utf8.decode(data);
	const out = new Map<string, string>();
	let pos = 0;
	while (pos < text.length) {
		const space = text.indexOf(" ", pos);
		if (space < 0) break;
		const len = Number.parseInt(text.slice(pos, space), 10);
		if (!Number.isFinite(len) || len <= 0) throw new BundleError("corrupt tar: bad pax record");
		const record = text.slice(space + 1, pos + len - 1);
		const eq = record.indexOf("=");
		if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
		pos += len;
	}
	return out;
}

export function readTar(tar: Uint8Array, limits: TarLimits): TarEntry[] {
	const entries: TarEntry[] = [];
	let pos = 0;
	let longName: string | undefined;
	let paxPath: string | undefined;
	while (pos + BLOCK <= tar.length) {
		const header = tar.subarray(pos, pos + BLOCK);
		if (header.every((b) => b === 0)) break; // end-of-archive marker
		if (!checksumOk(header))
			throw new BundleError(`corrupt tar: header checksum mismatch at byte ${pos}`);
		const size = numberField(header, 124, 12, "size");
		const type = String.fromCharCode(header[156] || 48);
		const dataStart = pos + BLOCK;
		const dataEnd = dataStart + size;
		if (dataEnd > tar.length) throw new BundleError("corrupt tar: truncated archive");
		const data = tar.subarray(dataStart, dataEnd);
		pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

		if (type === "L") {
			longName = field(data, 0, data.length);
			continue;
		}
		if (type === "x") {
			paxPath = paxRecords(data).get("path") ?? paxPath;
			continue;
		}
		if (type === "g") continue; // global pax header: nothing a bundle needs
		const prefix = field(header, 345, 155);
		const plain = field(header, 0, 100);
		const name = paxPath ?? longName ?? (prefix ? `${prefix}/${plain}` : plain);
		paxPath = undefined;
		longName = undefined;
		if (type === "5") continue;
		if (type === "1" || type === "2")
			throw new BundleError(`${name}: links are not allowed in a bundle`);
		if (type !== "0" && type !== "7")
			throw new BundleError(`${name}: unsupported tar entry type "${type}"`);
		if (size > limits.maxFileBytes) {
			throw new BundleError(
				`${name}: ${size} bytes exceeds the ${limits.maxFileBytes}-byte file limit`,
			);
		}
		if (entries.length >= limits.maxFiles)
			throw new BundleError(`more than ${limits.maxFiles} files in the archive`);
		entries.push({ name, data: data.slice() });
	}
	return entries;
}

function writeString(block: Uint8Array, offset: number, length: number, value: string) {
	const bytes = encoder.encode(value);
	if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
	block.set(bytes, offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number) {
	writeString(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function header(name: string, size: number, type: string, mtime: number): Uint8Array {
	const h = new Uint8Array(BLOCK);
	writeString(h, 0, 100, name);
	writeOctal(h, 100, 8, 0o644);
	writeOctal(h, 108, 8, 0);
	writeOctal(h, 116, 8, 0);
	writeOctal(h, 124, 12, size);
	writeOctal(h, 136, 12, mtime);
	h.fill(32, 148, 156);
	h[156] = type.charCodeAt(0);
	writeString(h, 257, 6, "ustar\0");
	writeString(h, 263, 2, "00");
	let sum = 0;
	for (const b of h) sum += b;
	writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
	return h;
}

function padded(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
	out.set(data);
	return out;
}

/** A ustar archive; names over 100 bytes get a pax `path` record. `mtime` in seconds. */
export function writeTar(entries: TarEntry[], mtime = 0): Uint8Array {
	const parts: Uint8Array[] = [];
	for (const { name, data } of entries) {
		if (encoder.encode(name).length > 100) {
			const record = (len: number) => `${len} path=${name}\n`;
			let len = encoder.encode(record(0)).length;
			while (encoder.encode(record(len)).length !== len) len = encoder.encode(record(len)).length;
			const pax = encoder.encode(record(len));
			parts.push(header("././@PaxHeader", pax.length, "x", mtime), padded(pax));
			parts.push(header(name.slice(-100).replace(/^\/+/, ""), data.length, "0", mtime));
		} else {
			parts.push(header(name, data.length, "0", mtime));
		}
		parts.push(padded(data));
	}
	parts.push(new Uint8Array(BLOCK * 2));
	const total = parts.reduce((n, p) => n + p.length, 0);
	const out = new Uint8Array(total);
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
