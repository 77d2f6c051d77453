// OPA bundles from an OCI registry (the distribution API): the manifest of `repo:tag` (or
// `repo@sha256:…`), its layer of OPA's bundle media type, the blob checked against its sha256
// digest before it is read as a bundle. Registries answer 401 with a WWW-Authenticate
// challenge: Bearer (a token from the realm, anonymous or with the credentials) or Basic.
// A manifest whose digest is the active one is not downloaded again (OCI's ETag).

import { createHash } from "node:crypto";
import type { BundleLimits } from "../../bundle/index.ts";
import { policyBundleFromArchive } from "../bundle-loading.ts";
import type { SigningConfig } from "../bundle-signature.ts";
import type { ActivationEvent, Engine } from "../engine.ts";
import { DEFAULT_MAX_DOWNLOAD_BYTES, readCapped } from "./http-source.ts";
import { persistBundle } from "./persisted-bundle.ts";
import { PolledBundleSource } from "./polled-source.ts";

/** OPA's media type for a bundle layer (what `oras push bundle.tar.gz:<type>` records). */
export const OCI_BUNDLE_LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

const MANIFEST_TYPES = [
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
];
const INDEX_TYPES = new Set([
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
]);
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface OciReference {
	/** Registry host[:port] as written in the reference ("ghcr.io", "127.0.0.1:5000"). */
	registry: string;
	/** Repository path ("org/policies"). */
	repository: string;
	/** Tag or "sha256:…" digest. */
	reference: string;
}

/**
 * Reads `registry/repo:tag` or `registry/repo@sha256:hex` (OPA's `bundles.<name>.resource`
 * for an oci service). The registry part is required: a first segment with a dot, a colon
 * or "localhost", as Docker reads references.
 */
export function parseOciReference(resource: string): OciReference {
	const bad = (why: string) => new Error(`OCI reference ${JSON.stringify(resource)}: ${why}`);
	const slash = resource.indexOf("/");
	if (slash <= 0) throw bad("expected registry/repository:tag");
	const registry = resource.slice(0, slash);
	if (!/[.:]/.test(registry) && registry !== "localhost") {
		throw bad("the first segment must name the registry host (e.g. ghcr.io/org/repo:tag)");
	}
	let rest = resource.slice(slash + 1);
	let reference = "latest";
	const at = rest.indexOf("@");
	if (at >= 0) {
		reference = rest.slice(at + 1);
		rest = rest.slice(0, at);
		if (!/^sha256:[0-9a-f]{64}$/.test(reference)) throw bad("digest must be sha256:<64 hex>");
	} else {
		const colon = rest.lastIndexOf(":");
		if (colon > rest.lastIndexOf("/")) {
			reference = rest.slice(colon + 1);
			rest = rest.slice(0, colon);
			if (!/^[\w][\w.-]{0,127}$/.test(reference)) throw bad(`bad tag ${reference}`);
		}
	}
	if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(rest)) {
		throw bad(`bad repository name ${JSON.stringify(rest)}`);
	}
	return { registry, repository: rest, reference };
}

export interface OciCredentials {
	/** Basic credentials: sent to a Basic challenge, and to a Bearer realm to get a token. */
	username?: string;
	password?: string;
	/** A bearer token sent as it is (OPA's credentials.bearer); skips the challenge. */
	token?: string;
}

export interface OciSourceOptions {
	/** `registry/repo:tag` or `registry/repo@sha256:…`. */
	resource: string;
	/** Where the registry is reached; default https://<registry of the resource>. */
	url?: string;
	credentials?: OciCredentials;
	minDelaySeconds?: number;
	maxDelaySeconds?: number;
	persistPath?: string;
	timeoutMs?: number;
	fetch?: typeof fetch;
	signing?: SigningConfig;
	/** Largest layer; past it the transfer is aborted (default 64 MiB). */
	maxDownloadBytes?: number;
	limits?: Partial<BundleLimits>;
}

interface Descriptor {
	mediaType?: string;
	digest?: string;
	size?: number;
}

function sha256(bytes: Uint8Array): string {
	return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(
	header: string,
): { scheme: string; params: Record<string, string> } | undefined {
	const m = /^\s*(\w+)\s*(.*)$/.exec(header);
	if (!m) return undefined;
	const params: Record<string, string> = {};
	for (const p of m[2].matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
		params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
	}
	return { scheme: m[1].toLowerCase(), params };
}

export class OciBundleSource extends PolledBundleSource {
	private readonly ref: OciReference;
	private readonly base: string;
	private authorization: string | undefined;
	private activeDigest: string | undefined;
	constructor(
		engine: Engine,
		private readonly options: OciSourceOptions,
	) {
		super(engine, options);
		this.ref = parseOciReference(options.resource);
		this.base = (options.url ?? `https://${this.ref.registry}`).replace(/\/+$/, "");
		if (!/^https?:\/\/[^/]/.test(this.base)) {
			throw new Error(`OCI registry URL ${JSON.stringify(options.url)}: must be http(s)://host`);
		}
		if (options.credentials?.token) this.authorization = `Bearer ${options.credentials.token}`;
	}

	get name(): string {
		return `oci:${this.options.resource}`;
	}

	/** The digest of the manifest whose bundle is active (undefined before the first success). */
	get manifestDigest(): string | undefined {
		return this.activeDigest;
	}

	/** One poll: undefined when the manifest digest is the active one (nothing to do). */
	async poll(): Promise<ActivationEvent | undefined> {
		let digest: string;
		let bytes: Uint8Array;
		try {
			const manifest = await this.manifest(this.ref.reference);
			digest = manifest.digest;
			if (digest === this.activeDigest && this.engine.current()) return undefined;
			const layer = manifest.layers.find((l) => l.mediaType === OCI_BUNDLE_LAYER_TYPE);
			if (!layer) {
				throw new Error(
					`manifest ${digest} has no layer of type ${OCI_BUNDLE_LAYER_TYPE} (push the bundle as file.tar.gz:${OCI_BUNDLE_LAYER_TYPE})`,
				);
			}
			bytes = await this.blob(layer);
		} catch (e) {
			return this.engine.reportFailure(this.name, `download failed: ${(e as Error).message}`);
		}
		let event: ActivationEvent;
		try {
			event = await this.engine.activate(
				await policyBundleFromArchive(bytes, {
					signing: this.options.signing,
					limits: this.options.limits,
				}),
				this.name,
			);
		} catch (e) {
			return this.engine.reportFailure(this.name, (e as Error).message);
		}
		if (event.outcome === "success") {
			this.activeDigest = digest;
			await persistBundle(this.options.persistPath, bytes);
		}
		return event;
	}

	/** The image manifest (an index is followed to its first manifest) and its digest. */
	private async manifest(
		reference: string,
		depth = 0,
	): Promise<{ digest: string; layers: Descriptor[] }> {
		const path = `/v2/${this.ref.repository}/manifests/${reference}`;
		const res = await this.get(path, { accept: MANIFEST_TYPES.join(", ") });
		if (res.status !== 200) {
			await res.body?.cancel();
			throw new Error(`manifest ${this.ref.repository}:${reference}: HTTP ${res.status}`);
		}
		const body = await readCapped(res, MAX_MANIFEST_BYTES);
		// The digest is computed, not taken from Docker-Content-Digest: a pinned digest is then
		// checked, and an unchanged manifest is recognised whatever the registry sends.
		const digest = sha256(body);
		if (reference.startsWith("sha256:") && digest !== reference) {
			throw new Error(`manifest digest ${digest} is not the requested ${reference}`);
		}
		let doc: { mediaType?: string; layers?: Descriptor[]; manifests?: Descriptor[] };
		try {
			doc = JSON.parse(new TextDecoder().decode(body));
		} catch {
			throw new Error(`manifest ${this.ref.repository}:${reference} is not JSON`);
		}
		const type = doc.mediaType ?? res.headers.get("content-type") ?? "";
		if (INDEX_TYPES.has(type) || (Array.isArray(doc.manifests) && !doc.layers)) {
			const first = doc.manifests?.[0]?.digest;
			if (!first || depth > 0) throw new Error(`image index ${digest} names no image manifest`);
			return this.manifest(first, depth + 1);
		}
		if (!Array.isArray(doc.layers)) throw new Error(`manifest ${digest} has no layers`);
		return { digest, layers: doc.layers };
	}

	/** The layer's bytes, refused unless their sha256 (and size, when given) match. */
	private async blob(layer: Descriptor): Promise<Uint8Array> {
		const want = layer.digest ?? "";
		if (!/^sha256:[0-9a-f]{64}$/.test(want)) {
			throw new Error(`bundle layer digest ${JSON.stringify(want)} is not sha256:<64 hex>`);
		}
		const max = this.options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
		if (typeof layer.size === "number" && layer.size > max) {
			throw new Error(`bundle layer of ${layer.size} bytes exceeds the ${max}-byte download limit`);
		}
		const res = await this.get(`/v2/${this.ref.repository}/blobs/${want}`, {});
		if (res.status !== 200) {
			await res.body?.cancel();
			throw new Error(`blob ${want}: HTTP ${res.status}`);
		}
		const bytes = await readCapped(res, max);
		const got = sha256(bytes);
		if (got !== want) throw new Error(`blob digest mismatch: got ${got}, manifest says ${want}`);
		if (typeof layer.size === "number" && bytes.byteLength !== layer.size) {
			throw new Error(`blob ${want}: ${bytes.byteLength} bytes, manifest says ${layer.size}`);
		}
		return bytes;
	}

	/** GET with the current authorization; on a 401 challenge, authorize once and retry. */
	private async get(path: string, headers: Record<string, string>): Promise<Response> {
		const send = () =>
			(this.options.fetch ?? fetch)(this.base + path, {
				headers: this.authorization ? { ...headers, authorization: this.authorization } : headers,
				signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
			});
		let res = await send();
		if (res.status !== 401 || this.options.credentials?.token) return res;
		const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
		await res.body?.cancel();
		if (!challenge) throw new Error(`${path}: HTTP 401 without a WWW-Authenticate challenge`);
		this.authorization = await this.authorize(challenge);
		res = await send();
		return res;
	}

	private basic(): string | undefined {
		const c = this.options.credentials;
		if (c?.username === undefined) return undefined;
		return `Basic ${Buffer.from(`${c.username}:${c.password ?? ""}`).toString("base64")}`;
	}

	private async authorize(challenge: {
		scheme: string;
		params: Record<string, string>;
	}): Promise<string> {
		if (challenge.scheme === "basic") {
			const basic = this.basic();
			if (!basic) throw new Error("the registry asks for Basic credentials; none are configured");
			return basic;
		}
		if (challenge.scheme !== "bearer" || !challenge.params.realm) {
			throw new Error(`unsupported registry challenge ${challenge.scheme}`);
		}
		const url = new URL(challenge.params.realm);
		if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
		url.searchParams.set(
			"scope",
			challenge.params.scope ?? `repository:${this.ref.repository}:pull`,
		);
		const basic = this.basic();
		const res = await (this.options.fetch ?? fetch)(url, {
			headers: basic ? { authorization: basic } : {},
			signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
		});
		if (res.status !== 200) {
			await res.body?.cancel();
			throw new Error(`token from ${url.origin}${url.pathname}: HTTP ${res.status}`);
		}
		const body = JSON.parse(new TextDecoder().decode(await readCapped(res, 1024 * 1024))) as {
			token?: string;
			access_token?: string;
		};
		const token = body.token ?? body.access_token;
		if (typeof token !== "string" || token === "") {
			throw new Error(`token from ${url.origin}${url.pathname}: no token in the answer`);
		}
		return `Bearer ${token}`;
	}
}
