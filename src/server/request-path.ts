// The request path a policy sees, normalised so that one resource has one spelling: a
// policy that allows /tenants/acme/** must not be walked out of by
// /tenants/acme/../globex/… or /tenants/acme/%2e%2e/globex/…, which the upstream resolves.
// Modelled on Envoy's normalize_path (RFC 3986 §6.2.2: decode percent-encoded unreserved
// characters, upper-case the other escapes, remove dot segments per §5.2.4), merge_slashes
// and path_with_escaped_slashes_action: an encoded "/" or "\" inside a segment is read
// differently by different upstreams, so by default it is refused.

import { HttpError } from "./http-errors.ts";

export type EscapedSlashesAction = "reject" | "keep" | "unescape";

export interface PathOptions {
	/** Decode unreserved escapes, remove dot segments, read "\" as "/". */
	normalizePath: boolean;
	/** Collapse runs of "/" into one. */
	mergeSlashes: boolean;
	/** What to do with %2F / %5C (any case). */
	escapedSlashesAction: EscapedSlashesAction;
}

export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;

function isUnreserved(code: number): boolean {
	return (
		(code >= 0x41 && code <= 0x5a) || // A-Z
		(code >= 0x61 && code <= 0x7a) || // a-z
		(code >= 0x30 && code <= 0x39) || // 0-9
		code === 0x2d || // -
		code === 0x2e || // .
		code === 0x5f || // _
		code === 0x7e // ~
	);
}

/** RFC 3986 §5.2.4 on an absolute path (starts with "/"). */
export function removeDotSegments(path: string): string {
	const out: string[] = [];
	const segments = path.split("/");
	// segments[0] is "" (the path starts with "/").
	for (let i = 1; i < segments.length; i++) {
		const s = segments[i];
		const last = i === segments.length - 1;
		if (s === ".") {
			if (last) out.push("");
		} else if (s === "..") {
			out.pop();
			if (last) out.push("");
		} else out.push(s);
	}
	return `/${out.join("/")}`;
}

// Anything that may change under normalisation: an escape, a backslash, a doubled slash or
// a dot segment. Paths without one (almost all) are returned as they are.
const NEEDS_WORK = /%|\\|\/\/|\/\.\.?(?:\/|$)/;

export function normalizePath(raw: string, options: PathOptions): NormalizedPath {
	let path = raw.startsWith("/") ? raw : `/${raw}`;
	if (!NEEDS_WORK.test(path)) return { ok: true, path };
	if (path.includes("%")) {
		let out = "";
		for (let i = 0; i < path.length; i++) {
			const ch = path[i];
			if (ch !== "%") {
				out += ch;
				continue;
			}
			const hex = path.slice(i + 1, i + 3);
			if (!HEX.test(hex)) return { ok: false, reason: `malformed percent-encoding at ${i}` };
			const code = Number.parseInt(hex, 16);
			i += 2;
			if (code === 0x2f || code === 0x5c) {
				if (options.escapedSlashesAction === "reject") {
					return {
						ok: false,
						reason: `the path holds an encoded ${code === 0x2f ? '"/"' : '"\\"'} (%${hex})`,
					};
				}
				if (options.escapedSlashesAction === "unescape") {
					out += String.fromCharCode(code);
					continue;
				}
				out += `%${hex.toUpperCase()}`;
			} else if (options.normalizePath && isUnreserved(code)) out += String.fromCharCode(code);
			else out += `%${options.normalizePath ? hex.toUpperCase() : hex}`;
		}
		path = out;
	}
	if (options.normalizePath) path = path.replaceAll("\\", "/");
	if (options.mergeSlashes) path = path.replace(/\/{2,}/g, "/");
	if (options.normalizePath) path = removeDotSegments(path);
	return { ok: true, path };
}

/** input.request's path and raw_path, or a 400 naming what is wrong with the path. */
export function pathFields(raw: string, options: PathOptions): { path: string; raw_path: string } {
	const n = normalizePath(raw, options);
	if (n.ok) return { path: n.path, raw_path: raw };
	const setting = n.reason.includes("encoded") ? "; see input.escapedSlashesAction" : "";
	throw new HttpError(400, "invalid_path", `${n.reason}${setting}`);
}
