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
 * JSON.stringify(input) in meaning (the key order differs), with the subject's JSON given by
 * the caller, who can keep it per verified token instead of serialising the claims each time.
 */
export function inputJson(input: PolicyInput, subjectJson: string): string {
	let out = `{"request":${JSON.stringify(input.request)},"subject":${subjectJson}`;
	if (input.action !== undefined) out += `,"action":${JSON.stringify(input.action)}`;
	if (input.resource !== undefined) out += `,"resource":${JSON.stringify(input.resource)}`;
	if (input.context !== undefined) out += `,"context":${JSON.stringify(input.context)}`;
	if (input.peer !== undefined) out += `,"peer":${JSON.stringify(input.peer)}`;
	return `${out}}`;
}
