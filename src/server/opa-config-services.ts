// OPA's `services`: an object by name, or a list of objects with `name`; each with its URL,
// headers, TLS settings and one of the credentials Gavel can present (bearer token, client
// certificate, OAuth2 client credentials). The others are refused: without them the service
// could not be reached as configured.

import { type Checks, isObject } from "./opa-config-checks.ts";

export interface OpaCredentials {
	bearer?: { token?: string; tokenPath?: string; scheme: string };
	clientTls?: { cert: string; privateKey: string; passphrase?: string };
	oauth2?: { tokenUrl: string; clientId: string; clientSecret: string; scopes: string[] };
}

export interface OpaService {
	name: string;
	/** Base URL, without a trailing slash. */
	url: string;
	headers: Record<string, string>;
	type?: "oci";
	/** CA certificate file for the service's TLS (tls.ca_cert or client_tls.ca_cert). */
	caCert?: string;
	allowInsecureTls: boolean;
	responseHeaderTimeoutSeconds: number;
	credentials: OpaCredentials;
}

export function readServices(
	doc: Record<string, unknown>,
	c: Checks,
): {
	services: OpaService[];
	/** Look a service up by name, naming the key that refers to one that is not defined. */
	serviceByName(name: string | undefined, path: string): OpaService | undefined;
} {
	const { bad, refuse, warn, str, int, bool, obj, unknownKeys } = c;
	const services: OpaService[] = [];
	const rawServices: [string, unknown, string][] = [];
	if (Array.isArray(doc.services)) {
		doc.services.forEach((s, i) => {
			const name = isObject(s) && typeof s.name === "string" ? s.name : undefined;
			if (!name) bad(`services[${i}].name`, "required");
			else rawServices.push([name, s, `services[${i}]`]);
		});
	} else if (doc.services !== undefined) {
		const so = obj(doc.services, "services");
		for (const [name, s] of Object.entries(so ?? {}))
			rawServices.push([name, s, `services.${name}`]);
	}
	for (const [name, raw, path] of rawServices) {
		const s = obj(raw, path);
		if (!s) continue;
		unknownKeys(s, path, [
			"name",
			"url",
			"headers",
			"credentials",
			"response_header_timeout_seconds",
			"allow_insecure_tls",
			"tls",
			"type",
			"keys",
		]);
		const url = str(s, "url", path, true);
		if (url !== undefined && !/^https?:\/\/[^/]/.test(url))
			bad(`${path}.url`, "must be an http:// or https:// URL");
		const headers: Record<string, string> = {};
		const h = obj(s.headers, `${path}.headers`);
		for (const [k, v] of Object.entries(h ?? {})) {
			if (typeof v !== "string") bad(`${path}.headers.${k}`, "must be a string");
			else headers[k] = v;
		}
		let type: "oci" | undefined;
		if (s.type !== undefined) {
			if (s.type === "oci") type = "oci";
			else if (s.type !== "" && s.type !== "http")
				bad(`${path}.type`, 'must be "oci" (or absent for HTTP)');
		}
		if (s.keys !== undefined)
			refuse(`${path}.keys`, "per-service signing keys; use the top-level keys");
		const tls = obj(s.tls, `${path}.tls`);
		let caCert: string | undefined;
		if (tls) {
			unknownKeys(tls, `${path}.tls`, ["ca_cert", "system_ca_required"]);
			caCert = str(tls, "ca_cert", `${path}.tls`);
			if (tls.system_ca_required === true)
				warn(`${path}.tls.system_ca_required`, "with ca_cert only that CA is trusted");
		}
		const credentials: OpaCredentials = {};
		const cred = obj(s.credentials, `${path}.credentials`);
		if (cred) {
			const cp = `${path}.credentials`;
			for (const k of Object.keys(cred)) {
				if (!["bearer", "client_tls", "oauth2"].includes(k))
					refuse(
						`${cp}.${k}`,
						"the service could not be reached as configured: bundles would not load and logs would not be delivered",
					);
			}
			const bearer = obj(cred.bearer, `${cp}.bearer`);
			if (bearer) {
				unknownKeys(bearer, `${cp}.bearer`, ["token", "token_path", "scheme"]);
				const token = str(bearer, "token", `${cp}.bearer`);
				const tokenPath = str(bearer, "token_path", `${cp}.bearer`);
				if (token === undefined && tokenPath === undefined)
					bad(`${cp}.bearer`, "needs token or token_path");
				credentials.bearer = {
					token,
					tokenPath,
					scheme: str(bearer, "scheme", `${cp}.bearer`) || "Bearer",
				};
			}
			const ct = obj(cred.client_tls, `${cp}.client_tls`);
			if (ct) {
				unknownKeys(ct, `${cp}.client_tls`, [
					"cert",
					"private_key",
					"private_key_passphrase",
					"ca_cert",
					"system_ca_required",
				]);
				const cert = str(ct, "cert", `${cp}.client_tls`, true);
				const privateKey = str(ct, "private_key", `${cp}.client_tls`, true);
				if (cert && privateKey)
					credentials.clientTls = {
						cert,
						privateKey,
						passphrase: str(ct, "private_key_passphrase", `${cp}.client_tls`),
					};
				caCert ??= str(ct, "ca_cert", `${cp}.client_tls`);
			}
			const o2 = obj(cred.oauth2, `${cp}.oauth2`);
			if (o2) {
				const op = `${cp}.oauth2`;
				const grant = o2.grant_type ?? "client_credentials";
				if (grant !== "client_credentials")
					refuse(`${op}.grant_type`, `only client_credentials, not ${String(grant)}`);
				for (const k of [
					"signing_key",
					"thumbprint",
					"additional_claims",
					"include_jti_claim",
					"aws_kms",
					"azure_keyvault",
				]) {
					if (o2[k] !== undefined)
						refuse(`${op}.${k}`, "JWT client assertions are not implemented; use client_secret");
				}
				unknownKeys(o2, op, [
					"token_url",
					"client_id",
					"client_secret",
					"scopes",
					"grant_type",
					"additional_headers",
					"additional_parameters",
					"signing_key",
					"thumbprint",
					"additional_claims",
					"include_jti_claim",
					"aws_kms",
					"azure_keyvault",
				]);
				for (const k of ["additional_headers", "additional_parameters"]) {
					if (o2[k] !== undefined)
						refuse(`${op}.${k}`, "the token request would differ from the one configured");
				}
				const tokenUrl = str(o2, "token_url", op, true);
				// As OPA: the token endpoint is HTTPS only (RFC 6749 2.3.1).
				if (tokenUrl !== undefined && !tokenUrl.startsWith("https://"))
					bad(`${op}.token_url`, "must be an https:// URL");
				const clientId = str(o2, "client_id", op, true);
				const clientSecret = str(o2, "client_secret", op, true);
				const scopes = o2.scopes ?? [];
				if (!Array.isArray(scopes) || !scopes.every((x) => typeof x === "string"))
					bad(`${op}.scopes`, "must be a list of strings");
				if (tokenUrl && clientId && clientSecret)
					credentials.oauth2 = { tokenUrl, clientId, clientSecret, scopes: scopes as string[] };
			}
		}
		if (services.some((x) => x.name === name)) bad(path, `service ${name} is defined twice`);
		if (url)
			services.push({
				name,
				url: url.replace(/\/+$/, ""),
				headers,
				type,
				caCert,
				allowInsecureTls: bool(s, "allow_insecure_tls", path),
				responseHeaderTimeoutSeconds: int(s, "response_header_timeout_seconds", path, 10, 1),
				credentials,
			});
	}
	const serviceByName = (name: string | undefined, path: string): OpaService | undefined => {
		if (name === undefined) return undefined;
		const s = services.find((x) => x.name === name);
		if (!s && !rawServices.some(([n]) => n === name))
			bad(path, `no service named ${JSON.stringify(name)} in services`);
		return s;
	};
	return { services, serviceByName };
}
