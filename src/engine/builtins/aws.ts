// providers.aws.sign_req: AWS Signature Version 4 by the Authorization header, shaped as
// OPA 1.22.3 returns it (checked against its binary): the request comes back with its headers
// plus `host`, `x-amz-date`, `x-amz-content-sha256` (S3 only), `x-amz-security-token` (with
// a session token) and `Authorization`. OPA's signer differs from AWS's reference signers in
// ways a caller sees, so it is reproduced here rather than delegated to aws4 or
// @smithy/signature-v4 (the latter is asynchronous besides): the method is signed as given
// (not upper-cased), the query string as given (not sorted), header values untrimmed, an
// empty path stays empty, and `body` is signed as its JSON text. Hashing is node:crypto's
// createHash/createHmac, which Workers provide under nodejs_compat.

import { createHash, createHmac } from "node:crypto";
import { typeError } from "./builtin-error.ts";

const NAME = "providers.aws.sign_req";
const REQUIRED_CONFIG = ["aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"];

type Json = Record<string, unknown>;

const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
const hmac = (key: string | Buffer, s: string) => createHmac("sha256", key).update(s).digest();

/** Go's `{"a", "b"}` rendering of a set of names, as OPA's messages show them. */
const goSet = (names: string[]) => `{${names.map((n) => JSON.stringify(n)).join(", ")}}`;

function checkKeys(obj: Json, keys: string[], operand: number, what: string): void {
	const missing = keys.filter((k) => !(k in obj));
	if (missing.length > 0) {
		throw typeError(
			NAME,
			`operand ${operand} missing required ${what} parameters(s): ${goSet(missing)}`,
		);
	}
	const invalid = keys.filter((k) => typeof obj[k] !== "string");
	if (invalid.length > 0) {
		throw typeError(
			NAME,
			`operand ${operand} invalid values for required ${what} parameters(s): ${goSet(invalid)}`,
		);
	}
}

function asObject(v: unknown, operand: number): Json {
	if (v === null || typeof v !== "object" || Array.isArray(v)) {
		throw typeError(
			NAME,
			`operand ${operand} must be object but got ${Array.isArray(v) ? "array" : v === null ? "null" : typeof v}`,
		);
	}
	return v as Json;
}

/** The authority and the path of a URL, split as Go's url.Parse does (no normalisation). */
function splitUrl(raw: string): { host: string; path: string; query: string } {
	let rest = raw;
	const hash = rest.indexOf("#");
	if (hash >= 0) rest = rest.slice(0, hash);
	let query = "";
	const q = rest.indexOf("?");
	if (q >= 0) {
		query = rest.slice(q + 1);
		rest = rest.slice(0, q);
	}
	let host = "";
	const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
	if (scheme) rest = rest.slice(scheme[0].length);
	if (rest.startsWith("//")) {
		const slash = rest.indexOf("/", 2);
		host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
		rest = slash < 0 ? "" : rest.slice(slash);
		const at = host.lastIndexOf("@");
		if (at >= 0) host = host.slice(at + 1);
	}
	return { host, path: escapedPath(rest), query };
}

// Bytes Go leaves unescaped in a path (url.shouldEscape with encodePath).
const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;
// What Go accepts as an already-escaped path (url.validEncoded): the safe bytes, the
// sub-delimiters Go tolerates, and percent escapes.
const VALID_ENCODED = /^(?:[A-Za-z0-9\-_.~$&+,/:;=@!'()*[\]]|%[0-9A-Fa-f]{2})*$/;

/** Go's URL.EscapedPath: the path as written when that is a valid encoding, else escaped. */
function escapedPath(raw: string): string {
	if (VALID_ENCODED.test(raw)) return raw;
	let decoded: string;
	try {
		decoded = decodeURIComponent(raw);
	} catch {
		decoded = raw;
	}
	let out = "";
	for (const byte of Buffer.from(decoded, "utf8")) {
		const c = String.fromCharCode(byte);
		out +=
			byte < 0x80 && PATH_SAFE.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}

/** Go's json.Marshal of a Rego value: keys sorted bytewise, <, > and & escaped as Go does. */
function goMarshal(v: unknown): string {
	if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
	if (v !== null && typeof v === "object") {
		const o = v as Json;
		const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${keys.map((k) => `${goMarshal(k)}:${goMarshal(o[k])}`).join(",")}}`;
	}
	return JSON.stringify(v)
		.replace(/</g, "\\u003c")
		.replace(/>/g, "\\u003e")
		.replace(/&/g, "\\u0026");
}

function amzDate(ns: number): string {
	const d = new Date(Math.floor(ns / 1e6));
	return d
		.toISOString()
		.replace(/[-:]/g, "")
		.replace(/\.\d{3}/, "");
}

export const awsBuiltins = {
	"providers.aws.sign_req"(request: unknown, config: unknown, timeNs: unknown): Json {
		const req = asObject(request, 1);
		checkKeys(req, ["method", "url"], 1, "request");
		const cfg = asObject(config, 2);
		checkKeys(cfg, REQUIRED_CONFIG, 2, "AWS config");
		const unsigned = cfg.disable_payload_signing;
		if (unsigned !== undefined && typeof unsigned !== "boolean") {
			throw typeError(NAME, "operand 2 invalid value for 'disable_payload_signing' in AWS config");
		}
		// OPA refuses a time its int64 conversion rejects (`-1e9` written as a float); the SDK
		// hands the host plain numbers, so negative and fractional times are what is refused.
		if (typeof timeNs !== "number" || !Number.isInteger(timeNs) || timeNs < 0) {
			throw typeError(NAME, "operand 3 could not convert time_ns value into a unix timestamp");
		}
		const method = req.method as string;
		const url = splitUrl(req.url as string);
		const service = cfg.aws_service as string;
		const region = cfg.aws_region as string;
		const token = typeof cfg.aws_session_token === "string" ? cfg.aws_session_token : undefined;

		let body = "";
		if (typeof req.raw_body === "string") body = req.raw_body;
		else if (req.body !== undefined) body = goMarshal(req.body);
		const payloadHash = unsigned === true ? "UNSIGNED-PAYLOAD" : sha256(body);
		const date = amzDate(timeNs);

		// The caller's headers are signed over Gavel's own (a caller's `host` is signed though the
		// returned `host` is the URL's, as OPA does); non-string values become "".
		const given = req.headers === undefined ? {} : asObject(req.headers, 1);
		const own: Record<string, string> = { host: url.host };
		if (service === "s3") own["x-amz-content-sha256"] = payloadHash;
		own["x-amz-date"] = date;
		if (token !== undefined) own["x-amz-security-token"] = token;
		const headers: Record<string, string> = {};
		const signed = new Map<string, string>(Object.entries(own));
		for (const [k, v] of Object.entries(given)) {
			const value = typeof v === "string" ? v : "";
			headers[k] = value;
			if (k.toLowerCase() !== "authorization") signed.set(k.toLowerCase(), value);
		}
		Object.assign(headers, own);
		const names = [...signed.keys()].sort();
		const canonical = [
			method,
			url.path,
			url.query,
			names.map((n) => `${n}:${signed.get(n)}\n`).join(""),
			names.join(";"),
			payloadHash,
		].join("\n");
		const day = date.slice(0, 8);
		const scope = `${day}/${region}/${service}/aws4_request`;
		const toSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonical)].join("\n");
		let key = hmac(`AWS4${cfg.aws_secret_access_key as string}`, day);
		key = hmac(key, region);
		key = hmac(key, service);
		key = hmac(key, "aws4_request");
		const signature = createHmac("sha256", key).update(toSign).digest("hex");
		headers.Authorization = `AWS4-HMAC-SHA256 Credential=${cfg.aws_access_key as string}/${scope},SignedHeaders=${names.join(";")},Signature=${signature}`;
		return { ...req, headers };
	},
};
