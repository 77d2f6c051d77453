// The one input shape every route gives the policy:
//   { subject, action, resource, context, request: {method, path, host, headers}, peer }
// subject is the verified token's claims (or the AuthZEN subject), request carries only
// allow-listed headers (never Authorization), peer is the verified mTLS client.

export interface PeerIdentity {
	subject: string;
	/** SAN URIs, e.g. SPIFFE IDs. */
	uris: string[];
	dns: string[];
	fingerprint256: string;
	issuer: string;
}

export interface RequestInfo {
	method: string;
	/** Normalised (see request-path.ts): what the policy should match. */
	path: string;
	/** The path as the client sent it. */
	raw_path: string;
	host: string;
	headers: Record<string, string>;
}

export interface PolicyInput {
	subject?: unknown;
	action?: unknown;
	resource?: unknown;
	context?: unknown;
	request: RequestInfo;
	peer?: PeerIdentity;
}

export function pickHeaders(
	get: (name: string) => string | undefined,
	allow: readonly string[],
): Record<string, string> {
	const out: Record<string, string> = {};
	if (allow.length === 0) return out;
	for (const name of allow) {
		if (name === "authorization" || name === "cookie") continue;
		const v = get(name);
		if (v !== undefined) out[name] = v;
	}
	return out;
}

export function buildInput(parts: {
	subject?: unknown;
	action?: unknown;
	resource?: unknown;
	context?: unknown;
	request: RequestInfo;
	peer?: PeerIdentity;
}): PolicyInput {
	const input: PolicyInput = { request: parts.request };
	if (parts.subject !== undefined) input.subject = parts.subject;
	if (parts.action !== undefined) input.action = parts.action;
	if (parts.resource !== undefined) input.resource = parts.resource;
	if (parts.context !== undefined) input.context = parts.context;
	if (parts.peer !== undefined) input.peer = parts.peer;
	return input;
}

/**
 * JSON.stringify(input) in meaning, with every object the server builds written with its keys
 * in sorted order: the policy module parses the input and sorts each object's keys unless they
 * already are (a merge sort per object was a third of the evaluation's time, bench:path).
 * `subjectJson` is the subject's JSON, which the caller keeps per verified token (sorted too).
 */
export function inputJson(input: PolicyInput, subjectJson: string): string {
	let out = "{";
	if (input.action !== undefined) out += `"action":${JSON.stringify(input.action)},`;
	if (input.context !== undefined) out += `"context":${JSON.stringify(input.context)},`;
	if (input.peer !== undefined) out += `"peer":${peerJson(input.peer)},`;
	out += `"request":${requestJson(input.request)},`;
	if (input.resource !== undefined) out += `"resource":${JSON.stringify(input.resource)},`;
	return `${out}"subject":${subjectJson}}`;
}

// The last request's fields and their JSON: consecutive requests mostly ask about the same
// method, path and host, and with no headers passed to policies that is the whole of it.
let last = { method: "", path: "", raw_path: "", host: "" };
let lastRequestJson = "";

/** The request fields as JSON, keys in sorted order (see inputJson). */
export function requestJson(r: RequestInfo): string {
	const noHeaders = isEmpty(r.headers);
	if (
		noHeaders &&
		lastRequestJson !== "" &&
		last.method === r.method &&
		last.path === r.path &&
		last.raw_path === r.raw_path &&
		last.host === r.host
	) {
		return lastRequestJson;
	}
	const json = `{"headers":${noHeaders ? "{}" : JSON.stringify(r.headers)},"host":${JSON.stringify(r.host)},"method":${JSON.stringify(r.method)},"path":${JSON.stringify(r.path)},"raw_path":${JSON.stringify(r.raw_path)}}`;
	if (noHeaders) {
		last = { method: r.method, path: r.path, raw_path: r.raw_path, host: r.host };
		lastRequestJson = json;
	}
	return json;
}

function isEmpty(o: Record<string, string>): boolean {
	for (const _ in o) return false;
	return true;
}

function peerJson(p: PeerIdentity): string {
	return `{"dns":${JSON.stringify(p.dns)},"fingerprint256":${JSON.stringify(p.fingerprint256)},"issuer":${JSON.stringify(p.issuer)},"subject":${JSON.stringify(p.subject)},"uris":${JSON.stringify(p.uris)}}`;
}
