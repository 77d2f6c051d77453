// uri.parse and uri.is_valid: a URI read as Go's net/url.Parse reads it, which is what OPA
// answers with: {scheme, hostname, port, path, raw_path, raw_query, fragment}, empty parts
// left out, and Go's error messages (`parse "…": invalid URL escape "%zz"`).

import { BuiltinError, expectString } from "./builtin-error.ts";

class UrlError extends Error {}

type Mode = "path" | "host" | "zone" | "fragment" | "userinfo";

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** Go's shouldEscape for the modes uri.parse uses. */
function shouldEscape(c: string, mode: Mode): boolean {
	if (isAlnum(c)) return false;
	if ((mode === "host" || mode === "zone") && "!$&'()*+,;=:[]<>\"".includes(c)) return false;
	if ("-_.~".includes(c)) return false;
	if ("$&+,/:;=?@".includes(c)) {
		if (mode === "path") return c === "?";
		if (mode === "userinfo") return c === "@" || c === "/" || c === "?" || c === ":";
		if (mode === "fragment") return false;
	}
	if (mode === "fragment" && "!()*".includes(c)) return false;
	return true;
}

/** Percent-decoding with Go's checks; bytes that are not UTF-8 become U+FFFD (as OPA shows). */
function percentUnescape(s: string, mode: Mode): string {
	const bytes: number[] = [];
	const enc = new TextEncoder();
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (c === "%") {
			if (!isHex(s[i + 1]) || !isHex(s[i + 2])) {
				throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
			}
			const v = Number.parseInt(s.slice(i + 1, i + 3), 16);
			// In a host only non-ASCII bytes (and %25) may be escaped.
			if (mode === "host" && v < 0x80 && s.slice(i, i + 3) !== "%25") {
				throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
			}
			bytes.push(v);
			i += 2;
			continue;
		}
		if ((mode === "host" || mode === "zone") && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
			throw new UrlError(`invalid character ${goQuote(c)} in host name`);
		}
		bytes.push(...enc.encode(c));
	}
	return new TextDecoder().decode(new Uint8Array(bytes));
}

function escapePath(s: string): string {
	let out = "";
	for (const b of new TextEncoder().encode(s)) {
		const c = String.fromCharCode(b);
		out +=
			b < 0x80 && !shouldEscape(c, "path")
				? c
				: `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

/** Go's strconv.Quote for the short strings in these messages. */
function goQuote(s: string): string {
	let out = '"';
	for (const ch of s) {
		const cp = ch.codePointAt(0) as number;
		if (ch === '"' || ch === "\\") out += `\\${ch}`;
		else if (cp === 0x7f || cp < 0x20) {
			const named: Record<number, string> = {
				7: "a",
				8: "b",
				9: "t",
				10: "n",
				11: "v",
				12: "f",
				13: "r",
			};
			out += named[cp] ? `\\${named[cp]}` : `\\x${cp.toString(16).padStart(2, "0")}`;
		} else out += ch;
	}
	return `${out}"`;
}

function validOptionalPort(port: string): boolean {
	if (port === "") return true;
	return port[0] === ":" && /^[0-9]*$/.test(port.slice(1));
}

interface Url {
	scheme: string;
	hostname: string;
	port: string;
	path: string;
	rawPath: string;
	rawQuery: string;
	fragment: string;
}

function parseHost(host: string): { hostname: string; port: string } {
	if (host.startsWith("[")) {
		const end = host.lastIndexOf("]");
		if (end < 0) throw new UrlError("missing ']' in host");
		const colonPort = host.slice(end + 1);
		if (!validOptionalPort(colonPort))
			throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
		const inner = host.slice(1, end);
		// A zone (fe80::1%25en0) is escaped differently from the address.
		const zone = inner.indexOf("%25");
		const hostname =
			zone >= 0
				? percentUnescape(inner.slice(0, zone), "host") + percentUnescape(inner.slice(zone), "zone")
				: percentUnescape(inner, "host");
		return { hostname, port: colonPort.slice(1) };
	}
	const i = host.lastIndexOf(":");
	let port = "";
	let name = host;
	if (i >= 0) {
		const colonPort = host.slice(i);
		if (!validOptionalPort(colonPort))
			throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
		port = colonPort.slice(1);
		name = host.slice(0, i);
	}
	return { hostname: percentUnescape(name, "host"), port };
}

function parseUrl(raw: string): Url {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: Go's net/url refuses exactly these.
	if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError("net/url: invalid control character in URL");
	const u: Url = {
		scheme: "",
		hostname: "",
		port: "",
		path: "",
		rawPath: "",
		rawQuery: "",
		fragment: "",
	};
	let rest = raw;
	const hash = rest.indexOf("#");
	if (hash >= 0) {
		u.fragment = percentUnescape(rest.slice(hash + 1), "fragment");
		rest = rest.slice(0, hash);
	}
	if (rest === "*") {
		u.path = "*";
		return u;
	}
	// The scheme: a letter, then letters, digits, + - .; up to the first ':'.
	for (let i = 0; i < rest.length; i++) {
		const c = rest[i];
		if (/[A-Za-z]/.test(c)) continue;
		if (/[0-9+.-]/.test(c) && i > 0) continue;
		if (c === ":") {
			if (i === 0) throw new UrlError("missing protocol scheme");
			u.scheme = rest.slice(0, i).toLowerCase();
			rest = rest.slice(i + 1);
		}
		break;
	}
	const q = rest.indexOf("?");
	if (q >= 0) {
		u.rawQuery = rest.slice(q + 1);
		rest = rest.slice(0, q);
	}
	if (!rest.startsWith("/")) {
		// An opaque URI (mailto:a@b): nothing beyond the scheme is reported.
		if (u.scheme !== "") return u;
		const colon = rest.indexOf(":");
		const slash = rest.indexOf("/");
		if (colon >= 0 && (slash < 0 || colon < slash))
			throw new UrlError("first path segment in URL cannot contain colon");
	}
	if (rest.startsWith("//")) {
		const authEnd = rest.indexOf("/", 2);
		const authority = authEnd >= 0 ? rest.slice(2, authEnd) : rest.slice(2);
		rest = authEnd >= 0 ? rest.slice(authEnd) : "";
		const at = authority.lastIndexOf("@");
		if (at >= 0) percentUnescape(authority.slice(0, at), "userinfo");
		Object.assign(u, parseHost(at >= 0 ? authority.slice(at + 1) : authority));
	}
	u.path = percentUnescape(rest, "path");
	u.rawPath = escapePath(u.path) === rest ? "" : rest;
	return u;
}

function parsed(builtin: string, raw: string): Url {
	try {
		return parseUrl(raw);
	} catch (e) {
		if (e instanceof UrlError)
			throw new BuiltinError(builtin, `parse ${goQuote(raw)}: ${e.message}`);
		throw e;
	}
}

export const uriBuiltins = {
	"uri.parse"(s: unknown): Record<string, string> {
		const u = parsed("uri.parse", expectString("uri.parse", s, 1));
		const out: Record<string, string> = {};
		const put = (k: string, v: string) => {
			if (v !== "") out[k] = v;
		};
		put("scheme", u.scheme);
		put("hostname", u.hostname);
		put("port", u.port);
		put("path", u.path);
		put("raw_path", u.rawPath || u.path);
		put("raw_query", u.rawQuery);
		put("fragment", u.fragment);
		return out;
	},
	"uri.is_valid"(s: unknown): boolean {
		const raw = expectString("uri.is_valid", s, 1);
		if (raw === "") return false;
		try {
			parseUrl(raw);
			return true;
		} catch {
			return false;
		}
	},
};
