// An OPA `services` entry as an HTTP client (Node): its headers, its credentials (a bearer
// token, re-read from token_path on every request as OPA does; a client certificate; an
// OAuth2 client-credentials token, cached for its lifetime) and its TLS settings, behind a
// fetch-shaped function so the bundle source and the log and status uploads share it.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import type { OpaService } from "./opa-config.ts";

export type ServiceFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface ServiceClient {
	readonly service: OpaService;
	/** fetch() through the service's TLS settings, with its headers and credentials added. */
	fetch: ServiceFetch;
	/** The URL of a resource below the service's base URL. */
	url(resource: string): string;
	close(): void;
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	const h = init?.headers;
	if (!h) return out;
	if (h instanceof Headers) {
		for (const [k, v] of h) out[k] = v;
	} else if (Array.isArray(h)) for (const [k, v] of h) out[k] = v;
	else Object.assign(out, h);
	return out;
}

async function bodyBytes(body: RequestInit["body"]): Promise<Uint8Array | undefined> {
	if (body === undefined || body === null) return undefined;
	if (typeof body === "string") return new TextEncoder().encode(body);
	if (body instanceof Uint8Array) return body;
	if (body instanceof ArrayBuffer) return new Uint8Array(body);
	return new Uint8Array(
		await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer(),
	);
}

export function createServiceClient(
	service: OpaService,
	options: { userAgent: string } = { userAgent: "Gavel" },
): ServiceClient {
	const read = (file: string, key: string) => {
		try {
			return readFileSync(file);
		} catch (e) {
			throw new Error(
				`services.${service.name}.${key}: cannot read ${file} (${(e as Error).message})`,
			);
		}
	};
	const tlsOptions: https.AgentOptions = { keepAlive: true };
	if (service.caCert) tlsOptions.ca = read(service.caCert, "tls.ca_cert");
	const ct = service.credentials.clientTls;
	if (ct) {
		tlsOptions.cert = read(ct.cert, "credentials.client_tls.cert");
		tlsOptions.key = read(ct.privateKey, "credentials.client_tls.private_key");
		if (ct.passphrase !== undefined) tlsOptions.passphrase = ct.passphrase;
	}
	if (service.allowInsecureTls) tlsOptions.rejectUnauthorized = false;
	const httpsAgent = new https.Agent(tlsOptions);
	const httpAgent = new http.Agent({ keepAlive: true });
	const headerTimeoutMs = service.responseHeaderTimeoutSeconds * 1000;

	/** One request; the body of the answer streams as a web ReadableStream. */
	const raw = async (url: string, init: RequestInit = {}): Promise<Response> => {
		const u = new URL(url);
		const isHttps = u.protocol === "https:";
		const body = await bodyBytes(init.body);
		const headers = headersOf(init);
		if (body !== undefined) headers["content-length"] = String(body.byteLength);
		headers["user-agent"] ??= options.userAgent;
		return new Promise<Response>((resolve, reject) => {
			const req = (isHttps ? https : http).request(
				u,
				{
					method: init.method ?? "GET",
					headers,
					agent: isHttps ? httpsAgent : httpAgent,
					signal: init.signal ?? undefined,
				},
				(res) => {
					clearTimeout(timer);
					const status = res.statusCode ?? 0;
					const h = new Headers();
					for (const [k, v] of Object.entries(res.headers)) {
						if (v === undefined) continue;
						for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
					}
					const noBody = status === 204 || status === 304 || init.method === "HEAD";
					if (noBody) res.resume();
					resolve(
						new Response(
							noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>),
							{ status: status < 200 ? 502 : status, headers: h },
						),
					);
				},
			);
			// OPA's response_header_timeout_seconds: the answer's headers must come within it.
			const timer = setTimeout(
				() =>
					req.destroy(
						new Error(`no response headers within ${service.responseHeaderTimeoutSeconds} s`),
					),
				headerTimeoutMs,
			);
			timer.unref();
			req.on("error", (e) => {
				clearTimeout(timer);
				reject(e);
			});
			if (body !== undefined) req.end(body);
			else req.end();
		});
	};

	let oauthToken: { value: string; until: number } | undefined;
	const oauth = async (): Promise<string> => {
		const o = service.credentials.oauth2;
		if (!o) throw new Error("no oauth2 credentials");
		if (oauthToken && Date.now() < oauthToken.until) return oauthToken.value;
		const form = new URLSearchParams({ grant_type: "client_credentials" });
		if (o.scopes.length > 0) form.set("scope", o.scopes.join(" "));
		// RFC 6749 2.3.1: the client's id and secret as HTTP Basic credentials, form-encoded first.
		const basic = Buffer.from(
			`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`,
		).toString("base64");
		const res = await raw(o.tokenUrl, {
			method: "POST",
			headers: {
				"content-type": "application/x-www-form-urlencoded",
				authorization: `Basic ${basic}`,
			},
			body: form.toString(),
		});
		const text = await res.text();
		if (!res.ok)
			throw new Error(`oauth2 token request to ${o.tokenUrl} failed: HTTP ${res.status}`);
		let body: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
		try {
			body = JSON.parse(text);
		} catch {
			throw new Error(`oauth2 token endpoint ${o.tokenUrl} did not answer JSON`);
		}
		if (typeof body.access_token !== "string" || body.access_token === "")
			throw new Error(`oauth2 token endpoint ${o.tokenUrl} sent no access_token`);
		if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer")
			throw new Error(
				`oauth2 token endpoint ${o.tokenUrl} sent a ${body.token_type} token, not a bearer token`,
			);
		const ttl = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 3600;
		// Renewed a little early, so a request never carries a token that expires on the way.
		oauthToken = { value: body.access_token, until: Date.now() + Math.max(1, ttl - 10) * 1000 };
		return oauthToken.value;
	};

	const authorization = async (): Promise<string | undefined> => {
		const c = service.credentials;
		if (c.bearer) {
			const token =
				c.bearer.tokenPath !== undefined
					? (await readFile(c.bearer.tokenPath, "utf8")).trim()
					: (c.bearer.token ?? "");
			return `${c.bearer.scheme} ${token}`;
		}
		if (c.oauth2) return `Bearer ${await oauth()}`;
		return undefined;
	};

	return {
		service,
		url: (resource) => `${service.url}/${resource.replace(/^\/+/, "")}`,
		async fetch(url, init = {}) {
			const headers = { ...service.headers, ...headersOf(init) };
			const auth = await authorization();
			if (auth !== undefined) headers.authorization = auth;
			return raw(url, { ...init, headers });
		},
		close() {
			httpsAgent.destroy();
			httpAgent.destroy();
		},
	};
}
