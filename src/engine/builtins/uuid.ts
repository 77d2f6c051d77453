// uuid.parse: the fields of a UUID as OPA reports them (variant, version, and for the
// time-based versions 1 and 2 the timestamp, clock sequence and node; for version 2 the DCE
// domain and id). Accepts the four spellings OPA does: 36 characters with hyphens, the same in
// braces, with a "urn:uuid:" prefix, or 32 bare hex digits. Anything else is undefined, not an
// error, as in OPA.

import { typeError, typeName } from "./builtin-error.ts";

// 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch.
const GREGORIAN_TO_UNIX_100NS = 0x01b21dd213814000n;

function uuidBytes(s: string): Uint8Array | undefined {
	let hex: string;
	if (s.length === 36) hex = dashed(s);
	else if (s.length === 38 && s[0] === "{" && s[37] === "}") hex = dashed(s.slice(1, 37));
	else if (s.length === 45 && s.slice(0, 9).toLowerCase() === "urn:uuid:") hex = dashed(s.slice(9));
	else if (s.length === 32) hex = s;
	else return undefined;
	if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
	const out = new Uint8Array(16);
	for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
	return out;
}

/** The 32 hex digits of a hyphenated UUID, or "" when the hyphens are misplaced. */
function dashed(s: string): string {
	if (s[8] !== "-" || s[13] !== "-" || s[18] !== "-" || s[23] !== "-") return "";
	return s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
}

function variantName(b: number): string {
	if ((b & 0xc0) === 0x80) return "RFC4122";
	if ((b & 0xe0) === 0xc0) return "Microsoft";
	if ((b & 0xe0) === 0xe0) return "Future";
	return "Reserved";
}

const DOMAINS = ["Person", "Group", "Org"];

export function parseUuid(s: string): Record<string, unknown> | undefined {
	const u = uuidBytes(s);
	if (!u) return undefined;
	const version = u[6] >> 4;
	const out: Record<string, unknown> = { variant: variantName(u[8]), version };
	if (version !== 1 && version !== 2) return out;
	const view = new DataView(u.buffer);
	// The 60-bit timestamp: time_low, time_mid, and time_hi without the version nibble.
	const t =
		BigInt(view.getUint32(0)) |
		(BigInt(view.getUint16(4)) << 32n) |
		(BigInt(view.getUint16(6) & 0x0fff) << 48n);
	out.time = (t - GREGORIAN_TO_UNIX_100NS) * 100n;
	out.clocksequence = view.getUint16(8) & 0x3fff;
	out.nodeid = [...u.slice(10)].map((b) => b.toString(16).padStart(2, "0")).join("-");
	out.macvariables = `${u[10] & 0x02 ? "local" : "global"}:${u[10] & 0x01 ? "multicast" : "unicast"}`;
	if (version === 2) {
		out.domain = DOMAINS[u[9]] ?? `Domain${u[9]}`;
		out.id = view.getUint32(0);
	}
	return out;
}

export const uuidBuiltins = {
	"uuid.parse"(s: unknown): Record<string, unknown> | undefined {
		// A string that is no UUID is undefined; a non-string is a type error (undefined too
		// unless built-in errors are strict).
		if (typeof s !== "string") {
			throw typeError("uuid.parse", `operand 1 must be string but got ${typeName(s)}`);
		}
		return parseUuid(s);
	},
};
