// A real OCI registry on loopback for the tests: Debian's docker-registry (the CNCF
// distribution registry) with its storage in a temporary folder, open, behind htpasswd Basic
// auth, or behind token auth with a token server run here. Bundles are pushed with oras.
// Outside CI a missing binary skips the suite; in CI it fails (.ci/run installs both).

import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { importPKCS8, SignJWT } from "jose";
import { findBinary } from "./binaries.ts";
import { certDir } from "./tls-certs.ts";

const run = promisify(execFile);

export const ORAS_VERSION = "1.3.6";
export const LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

/** oras from scripts/install-oras.sh's cache folder, else PATH. */
export function findOras(): string | undefined {
	const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
	const dir = process.env.GAVEL_ORAS_DIR || join(cache, "gavel", `oras-${ORAS_VERSION}`);
	const cached = join(dir, "oras");
	return existsSync(cached) ? cached : findBinary("oras");
}

/** What the registry suites need, or how their absence is handled (as binaryRequirement). */
export function registryRequirement(suite: string): {
	registry?: string;
	oras?: string;
	htpasswd?: string;
	missing: "skip" | "fail" | null;
} {
	const registry = findBinary("docker-registry");
	const oras = findOras();
	const htpasswd = findBinary("htpasswd");
	if (registry && oras && htpasswd) return { registry, oras, htpasswd, missing: null };
	if (process.env.CI) return { missing: "fail" };
	const absent = [
		registry ? "" : "docker-registry (apt-get install docker-registry)",
		oras ? "" : "oras (bash scripts/install-oras.sh)",
		htpasswd ? "" : "htpasswd (apt-get install apache2-utils)",
	].filter(Boolean);
	console.warn(`${suite}: skipped, not installed: ${absent.join(", ")}`);
	return { missing: "skip" };
}

export interface Registry {
	/** http://127.0.0.1:PORT */
	url: string;
	/** 127.0.0.1:PORT, the registry part of a reference. */
	host: string;
	/** The filesystem driver's root (docker/registry/v2/…). */
	storage: string;
	/** Token server requests seen: the Authorization header's user, or "anonymous". */
	tokenRequests: string[];
	stop(): Promise<void>;
}

export type RegistryAuth =
	| { kind: "none" }
	| { kind: "basic"; username: string; password: string }
	/** Token auth; anonymous callers get pull only when anonymousPull is set. */
	| { kind: "token"; username: string; password: string; anonymousPull: boolean };

/** Starts docker-registry on 127.0.0.1 with an ephemeral port; resolves once it listens. */
export async function startRegistry(
	bin: string,
	auth: RegistryAuth,
	htpasswdBin = "htpasswd",
): Promise<Registry> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-registry-"));
	const storage = join(dir, "storage");
	mkdirSync(storage);
	const tokenRequests: string[] = [];
	let tokenServer: Server | undefined;
	let authBlock = "";
	if (auth.kind === "basic") {
		const { stdout } = await run(htpasswdBin, ["-Bbn", auth.username, auth.password]);
		writeFileSync(join(dir, "htpasswd"), stdout);
		authBlock = `auth:\n  htpasswd:\n    realm: gavel-test\n    path: ${join(dir, "htpasswd")}\n`;
	} else if (auth.kind === "token") {
		const certs = certDir("gavel-registry-token-");
		certs.ca("token");
		const started = await startTokenServer(
			readFileSync(certs.file("token.key"), "utf8"),
			readFileSync(certs.file("token.crt"), "utf8"),
			auth,
			tokenRequests,
		);
		tokenServer = started.server;
		authBlock = [
			"auth:",
			"  token:",
			`    realm: ${started.url}/token`,
			"    service: gavel-test-registry",
			"    issuer: gavel-test-token-issuer",
			`    rootcertbundle: ${certs.file("token.crt")}`,
			"",
		].join("\n");
	}
	const config = join(dir, "config.yml");
	writeFileSync(
		config,
		`version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: gavel-test-only
${authBlock}`,
	);
	const child = spawn(bin, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
	const host = await new Promise<string>((resolve, reject) => {
		let seen = "";
		const onData = (chunk: Buffer) => {
			seen += chunk.toString();
			const m = /listening on (127\.0\.0\.1:\d+)/.exec(seen);
			if (m) {
				child.stderr.off("data", onData);
				child.stderr.resume();
				resolve(m[1]);
			}
		};
		child.stderr.on("data", onData);
		child.once("exit", (code) => reject(new Error(`docker-registry exited ${code}: ${seen}`)));
	});
	return {
		url: `http://${host}`,
		host,
		storage,
		tokenRequests,
		async stop() {
			child.kill("SIGTERM");
			tokenServer?.closeAllConnections();
			tokenServer?.close();
		},
	};
}

/**
 * The registry's token auth: Basic credentials (or none) in, a JWT signed with the key whose
 * certificate the registry trusts (x5c header) out, granting what the scope asks for to the
 * right user and pull to anonymous callers when allowed.
 */
async function startTokenServer(
	keyPem: string,
	certPem: string,
	auth: { username: string; password: string; anonymousPull: boolean },
	seen: string[],
): Promise<{ url: string; server: Server }> {
	const key = await importPKCS8(keyPem, "ES256");
	const der = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
	const server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? "/", "http://x");
			const header = req.headers.authorization ?? "";
			let user: string | undefined;
			if (header.startsWith("Basic ")) {
				const [u, p] = Buffer.from(header.slice(6), "base64").toString().split(":");
				if (u !== auth.username || p !== auth.password) {
					seen.push(`refused:${u}`);
					res.writeHead(401, { "content-type": "application/json" });
					return void res.end('{"error":"bad credentials"}');
				}
				user = u;
			}
			seen.push(user ?? "anonymous");
			const access = url.searchParams.getAll("scope").flatMap((scope) => {
				const [type, name, actions] = scope.split(":");
				const granted = user
					? actions.split(",")
					: auth.anonymousPull
						? actions.split(",").filter((a) => a === "pull")
						: [];
				return granted.length > 0 ? [{ type, name, actions: granted }] : [];
			});
			const token = await new SignJWT({ access })
				.setProtectedHeader({ alg: "ES256", typ: "JWT", x5c: [der] })
				.setIssuer("gavel-test-token-issuer")
				.setAudience(url.searchParams.get("service") ?? "")
				.setSubject(user ?? "")
				.setIssuedAt()
				.setNotBefore("-1 min")
				.setExpirationTime("10 min")
				.setJti(Math.random().toString(36).slice(2))
				.sign(key);
			res.writeHead(200, { "content-type": "application/json" });
			res.end(JSON.stringify({ token, access_token: token }));
		})().catch((e) => {
			res.writeHead(500).end(String(e));
		});
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** `oras push` of a bundle file as OPA's bundle layer; resolves to the manifest digest. */
export async function orasPush(
	oras: string,
	reference: string,
	bundleFile: string,
	login?: { username: string; password: string },
): Promise<string> {
	const dir = join(bundleFile, "..");
	const name = bundleFile.slice(dir.length + 1);
	const args = ["push", "--plain-http", "--no-tty", reference, `${name}:${LAYER_TYPE}`];
	if (login) args.push("-u", login.username, "-p", login.password);
	// Its own config folder: no credentials of this machine's user are read or written.
	const env = { ...process.env, DOCKER_CONFIG: mkdtempSync(join(tmpdir(), "gavel-oras-")) };
	const { stdout } = await run(oras, args, { cwd: dir, env });
	const m = /Digest: (sha256:[0-9a-f]{64})/.exec(stdout);
	if (!m) throw new Error(`oras push printed no digest:\n${stdout}`);
	return m[1];
}

/** `oras tag`: point another tag at an existing manifest (no blob is uploaded). */
export async function orasTag(
	oras: string,
	reference: string,
	tag: string,
	login?: { username: string; password: string },
): Promise<void> {
	const args = ["tag", "--plain-http", reference, tag];
	if (login) args.push("-u", login.username, "-p", login.password);
	const env = { ...process.env, DOCKER_CONFIG: mkdtempSync(join(tmpdir(), "gavel-oras-")) };
	await run(oras, args, { env });
}

/** The blob's file in the registry's filesystem storage (to corrupt it in place). */
export function blobDataPath(storage: string, digest: string): string {
	const hex = digest.replace(/^sha256:/, "");
	return join(storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

/** Whether an oras that runs is there (a cheap check before a suite registers). */
export function orasRuns(oras: string): boolean {
	return spawnSync(oras, ["version"], { stdio: "ignore" }).status === 0;
}
