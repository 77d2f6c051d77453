// Distinguished names, general names, IP addresses and URIs in the shapes Go's encoding/json
// gives crypto/x509's types (pkix.Name, net.IP, *url.URL), which is what OPA returns.

import { base64, type Der, DerError, oidArcs, oidText, text } from "./der.ts";

type Json = Record<string, unknown>;

const ATTRIBUTES: Record<string, string> = {
	"2.5.4.6": "Country",
	"2.5.4.10": "Organization",
	"2.5.4.11": "OrganizationalUnit",
	"2.5.4.7": "Locality",
	"2.5.4.8": "Province",
	"2.5.4.9": "StreetAddress",
	"2.5.4.17": "PostalCode",
};

/** pkix.Name filled from an RDNSequence, as Go's FillFromRDNSequence does. */
export function pkixName(seq: Der): Json {
	const lists: Record<string, string[] | null> = {
		Country: null,
		Organization: null,
		OrganizationalUnit: null,
		Locality: null,
		Province: null,
		StreetAddress: null,
		PostalCode: null,
	};
	let serial = "";
	let cn = "";
	const names: Json[] = [];
	for (const rdn of seq.children) {
		for (const atv of rdn.children) {
			if (atv.children.length < 2) throw new DerError("attribute");
			const type = oidArcs(atv.children[0]);
			const valueNode = atv.children[1];
			const value = valueNode.constructed ? null : text(valueNode);
			names.push({ Type: type, Value: value });
			if (typeof value !== "string") continue;
			const key = type.join(".");
			if (key === "2.5.4.3") cn = value;
			else if (key === "2.5.4.5") serial = value;
			else if (ATTRIBUTES[key]) {
				const k = ATTRIBUTES[key];
				lists[k] ??= [];
				lists[k]?.push(value);
			}
		}
	}
	return {
		CommonName: cn,
		Country: lists.Country,
		ExtraNames: null,
		Locality: lists.Locality,
		Names: names,
		Organization: lists.Organization,
		OrganizationalUnit: lists.OrganizationalUnit,
		PostalCode: lists.PostalCode,
		Province: lists.Province,
		SerialNumber: serial,
		StreetAddress: lists.StreetAddress,
	};
}

/** Go's net.IP.String. */
export function ipString(b: Uint8Array): string {
	if (b.length === 4) return [...b].join(".");
	if (b.length !== 16) return `?${Buffer.from(b).toString("hex")}`;
	const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
	if (mapped) return [...b.subarray(12)].join(".");
	const groups: number[] = [];
	for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
	// The longest run of two or more zero groups becomes "::" (the first such run on ties).
	let best = -1;
	let bestLen = 1;
	for (let i = 0; i < 8; ) {
		if (groups[i] !== 0) {
			i++;
			continue;
		}
		let j = i;
		while (j < 8 && groups[j] === 0) j++;
		if (j - i > bestLen) {
			best = i;
			bestLen = j - i;
		}
		i = j;
	}
	const hex = groups.map((g) => g.toString(16));
	if (best < 0) return hex.join(":");
	return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** The IPNet of a name constraint: address then mask, each 4 or 16 bytes. */
export function ipNet(b: Uint8Array): Json {
	const half = b.length / 2;
	return { IP: ipString(b.subarray(0, half)), Mask: base64(b.subarray(half)) };
}

// Go's url.Parse, far enough for the URIs of certificates (absolute, with an authority).
function urlUnescape(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}

const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]$/;

function escapePath(p: string): string {
	let out = "";
	for (const byte of Buffer.from(p, "utf8")) {
		const c = String.fromCharCode(byte);
		out +=
			byte < 0x80 && PATH_SAFE.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

/** *url.URL as encoding/json writes it. */
export function goUrl(raw: string): Json {
	let rest = raw;
	let fragment = "";
	let rawFragment = "";
	const hash = rest.indexOf("#");
	if (hash >= 0) {
		rawFragment = rest.slice(hash + 1);
		fragment = urlUnescape(rawFragment);
		rest = rest.slice(0, hash);
		// Go keeps RawFragment only when it differs from the default escaping.
		if (encodeURIComponent(fragment) === rawFragment) rawFragment = "";
	}
	let scheme = "";
	const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
	if (m) {
		scheme = m[1].toLowerCase();
		rest = rest.slice(m[0].length);
	}
	let rawQuery = "";
	let forceQuery = false;
	const q = rest.indexOf("?");
	if (q >= 0) {
		rawQuery = rest.slice(q + 1);
		forceQuery = rawQuery === "";
		rest = rest.slice(0, q);
	}
	let opaque = "";
	let user: Json | null = null;
	let host = "";
	let omitHost = false;
	if (scheme !== "" && !rest.startsWith("/")) {
		opaque = rest;
		rest = "";
	} else if (rest.startsWith("//")) {
		const slash = rest.indexOf("/", 2);
		let authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
		rest = slash < 0 ? "" : rest.slice(slash);
		const at = authority.lastIndexOf("@");
		if (at >= 0) {
			// url.Userinfo has no exported fields: encoding/json writes {}.
			user = {};
			authority = authority.slice(at + 1);
		}
		host = urlUnescape(authority);
	} else if (scheme !== "" && rest.startsWith("/")) {
		omitHost = true;
	}
	const path = urlUnescape(rest);
	const rawPath = escapePath(path) === rest ? "" : rest;
	return {
		ForceQuery: forceQuery,
		Fragment: fragment,
		Host: host,
		OmitHost: omitHost,
		Opaque: opaque,
		Path: path,
		RawFragment: rawFragment,
		RawPath: rawPath,
		RawQuery: rawQuery,
		Scheme: scheme,
		User: user,
	};
}

export { oidText };
