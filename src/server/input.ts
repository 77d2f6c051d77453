// The one input shape every route gives the policy:
//   { subject, action, resource, context, request: {method, path, host, headers}, peer }
// subject is the verified token's claims (or the AuthZEN subject), request carries only
// allow-listed headers (never Authorization), peer is the verified mTLS client.

import type { InputShape } from "../compiler/input-shape.ts";
import { jsonText, projector } from "../engine/input-projection.ts";
import { subjectJson } from "./subject-keys.ts";

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
 * `claims` is input.subject, the verified token's claims, whose JSON is kept per token
 * (subject-keys.ts). With a `shape` (what the entrypoint can observe, see
 * src/engine/input-projection.ts), only what it names is written.
 */
export function inputJson(input: PolicyInput, claims: object, shape?: InputShape): string {
	if (shape !== undefined && shape !== true) return projectedInputJson(input, claims, shape);
	let out = "{";
	if (input.action !== undefined) out += `"action":${jsonText(input.action)},`;
	if (input.context !== undefined) out += `"context":${JSON.stringify(input.context)},`;
	if (input.peer !== undefined) out += `"peer":${peerJson(input.peer)},`;
	out += `"request":${requestJson(input.request)},`;
	if (input.resource !== undefined) out += `"resource":${JSON.stringify(input.resource)},`;
	return `${out}"subject":${subjectJson(claims)}}`;
}

// Per shape: how each top-level part of the input is written (the parts the server builds
// keep their own writers when wanted whole: the claims' JSON is kept per token).
const inputProjectors = new WeakMap<object, (input: PolicyInput, claims: object) => string>();

function projectedInputJson(
	input: PolicyInput,
	claims: object,
	shape: { [key: string]: InputShape },
): string {
	let write = inputProjectors.get(shape);
	if (write === undefined) {
		write = inputProjector(shape);
		inputProjectors.set(shape, write);
	}
	return write(input, claims);
}

function inputProjector(shape: { [key: string]: InputShape }) {
	type Part = (input: PolicyInput, claims: object) => string | undefined;
	const generic = (name: keyof PolicyInput): Part => {
		const p = projector(shape[name]);
		return (input) => (input[name] === undefined ? undefined : p(input[name]));
	};
	const parts: [string, Part][] = [];
	// Keys in sorted order, as inputJson writes them; a key the shape does not name is left out.
	if (shape.action !== undefined) parts.push(["action", generic("action")]);
	if (shape.context !== undefined) parts.push(["context", generic("context")]);
	if (shape.peer !== undefined) {
		parts.push([
			"peer",
			shape.peer === true
				? (i) => (i.peer === undefined ? undefined : peerJson(i.peer))
				: generic("peer"),
		]);
	}
	if (shape.request !== undefined) {
		parts.push([
			"request",
			shape.request === true ? (i) => requestJson(i.request) : generic("request"),
		]);
	}
	if (shape.resource !== undefined) parts.push(["resource", generic("resource")]);
	if (shape.subject !== undefined) {
		const sub = shape.subject;
		parts.push(["subject", (_, claims) => subjectJson(claims, sub)]);
	}
	const heads = parts.map(([name]) => `"${name}":`);
	return (input: PolicyInput, claims: object): string => {
		let out = "";
		for (let i = 0; i < parts.length; i++) {
			const json = parts[i][1](input, claims);
			if (json !== undefined) out += `${out === "" ? "{" : ","}${heads[i]}${json}`;
		}
		return out === "" ? "{}" : `${out}}`;
	};
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
