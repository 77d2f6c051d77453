// Bundles from a real OCI registry (Debian's docker-registry on loopback), pushed with a real
// client (oras): anonymous, htpasswd Basic and token auth; an unchanged manifest not fetched
// again; a new revision activated; a blob whose bytes do not match its digest refused while
// the last good revision keeps answering. Then the same through `gavel serve` as a process,
// with one bundle from `gavel build` and one from `opa build`.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, OciBundleSource, parseOciReference } from "../../src/engine/index.ts";
import { validateConfig } from "../../src/server/config.ts";
import {
	blobDataPath,
	orasPush,
	orasTag,
	type Registry,
	registryRequirement,
	startRegistry,
} from "../oci-registry.ts";
import { findOpa } from "../opa.ts";
import { writeBundleFile } from "./build-bundle.ts";

const run = promisify(execFile);
const req = registryRequirement("OCI bundle tests");
const opa = findOpa();

const policy = (answer: string) => `package app

import rego.v1

allow := ${answer}
`;

function bundleFile(answer: string, revision: string): string {
	return writeBundleFile({
		sources: { "app.rego": policy(answer) },
		entrypoints: ["app/allow"],
		revision,
	});
}

/** Flip bytes in the middle of a stored blob, keeping its length (the registry serves it as is). */
function corruptBlob(registry: Registry, digest: string): void {
	const path = blobDataPath(registry.storage, digest);
	const bytes = readFileSync(path);
	const at = Math.floor(bytes.length / 2);
	bytes[at] ^= 0xff;
	bytes[at + 1] ^= 0xff;
	writeFileSync(path, bytes);
}

/** The sha256 of the one bundle layer of a pushed manifest, read from the registry. */
async function layerDigest(registry: Registry, repo: string, tag: string): Promise<string> {
	const res = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, {
		headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
	});
	const doc = (await res.json()) as { layers: { digest: string }[] };
	return doc.layers[0].digest;
}

describe("OCI references", () => {
	it("reads registry/repo:tag and @digest, and names what is wrong", () => {
		expect(parseOciReference("ghcr.io/org/policies:v1")).toEqual({
			registry: "ghcr.io",
			repository: "org/policies",
			reference: "v1",
		});
		expect(parseOciReference("127.0.0.1:5000/authz")).toMatchObject({
			registry: "127.0.0.1:5000",
			reference: "latest",
		});
		const d = `sha256:${"a".repeat(64)}`;
		expect(parseOciReference(`localhost/a/b@${d}`).reference).toBe(d);
		expect(() => parseOciReference("policies:v1")).toThrow(/registry/);
		expect(() => parseOciReference("org/policies:v1")).toThrow(/registry host/);
		expect(() => parseOciReference("ghcr.io/Org/x:v1")).toThrow(/repository name/);
		expect(() => parseOciReference("ghcr.io/x@sha256:12")).toThrow(/digest/);
	});
});

describe("bundle.oci in Gavel's configuration", () => {
	it("takes resource, url and credentials, and refuses a second source or an unknown field", () => {
		const cfg = validateConfig({
			bundle: { oci: { resource: "ghcr.io/o/p:v1", username: "u", password: "" } },
		});
		expect(cfg.bundle.oci).toEqual({ resource: "ghcr.io/o/p:v1", username: "u", password: "" });
		expect(() =>
			validateConfig({ bundle: { url: "http://x/b.tar.gz", oci: { resource: "ghcr.io/o/p" } } }),
		).toThrow(/bundle\.oci: one bundle source/);
		expect(() =>
			validateConfig({ bundle: { oci: { resource: "ghcr.io/o/p", tag: "v1" } } }),
		).toThrow(/bundle\.oci\.tag: unknown field/);
		expect(() => validateConfig({ bundle: { oci: {} } })).toThrow(/bundle\.oci\.resource/);
	});
});

describe.skipIf(req.missing === "skip")("OCI bundle source against docker-registry", () => {
	if (req.missing === "fail") {
		it("needs docker-registry, oras and htpasswd (installed by .ci/run)", () => {
			expect.fail("docker-registry, oras or htpasswd missing in CI");
		});
		return;
	}
	const oras = req.oras as string;
	const registries: Registry[] = [];
	afterAll(async () => {
		for (const r of registries) await r.stop();
	});
	const start = async (auth: Parameters<typeof startRegistry>[1]) => {
		const r = await startRegistry(req.registry as string, auth, req.htpasswd);
		registries.push(r);
		return r;
	};

	it("anonymous: activates, reuses an unchanged manifest, swaps a new revision, refuses a bad digest", async () => {
		const reg = await start({ kind: "none" });
		const ref = `${reg.host}/gavel/authz:v1`;
		await orasPush(oras, ref, bundleFile("true", "r1"));
		const urls: string[] = [];
		const engine = new Engine();
		const source = new OciBundleSource(engine, {
			resource: ref,
			url: reg.url,
			minDelaySeconds: 3600,
			fetch: (url, init) => {
				urls.push(String(url));
				return fetch(url, init);
			},
		});
		expect(await source.start()).toMatchObject({ outcome: "success", revision: "r1" });
		source.stop();
		expect(engine.current()?.evaluate("app/allow", {})).toBe(true);
		expect(urls.some((u) => u.includes("/blobs/sha256:"))).toBe(true);

		// Same manifest: only the manifest is asked for, no blob, no activation.
		urls.length = 0;
		expect(await source.poll()).toBeUndefined();
		expect(urls).toEqual([`${reg.url}/v2/gavel/authz/manifests/v1`]);

		const d2 = await orasPush(oras, ref, bundleFile("false", "r2"));
		expect(await source.poll()).toMatchObject({ outcome: "success", revision: "r2" });
		expect(source.manifestDigest).toBe(d2);
		expect(engine.current()?.evaluate("app/allow", {})).toBe(false);

		// The last good bundle is kept: a source that cannot reach its registry starts from it.
		const persistPath = join(mkdtempSync(join(tmpdir(), "gavel-oci-persist-")), "last.tar.gz");
		await new OciBundleSource(new Engine(), { resource: ref, url: reg.url, persistPath }).poll();
		const offline = new Engine();
		const unreachable = new OciBundleSource(offline, {
			resource: ref,
			url: "http://127.0.0.1:1",
			persistPath,
			minDelaySeconds: 3600,
		});
		expect(await unreachable.start()).toMatchObject({ outcome: "success", revision: "r2" });
		unreachable.stop();
		expect(offline.lastActivation()?.source).toBe(`persisted:${persistPath}`);
		expect(offline.current()?.evaluate("app/allow", {})).toBe(false);

		// r3 is pushed under another tag, its blob corrupted in the storage, then tagged v1.
		await orasPush(oras, `${reg.host}/gavel/authz:staging`, bundleFile('"r3"', "r3"));
		corruptBlob(reg, await layerDigest(reg, "gavel/authz", "staging"));
		await orasTag(oras, `${reg.host}/gavel/authz:staging`, "v1");
		const bad = await source.poll();
		expect(bad).toMatchObject({ outcome: "failure" });
		expect(bad?.error).toMatch(/blob digest mismatch: got sha256:[0-9a-f]{64}, manifest says/);
		expect(engine.current()?.revision).toBe("r2");
		expect(engine.current()?.evaluate("app/allow", {})).toBe(false);
		// Still refused on the next poll (a failed manifest is not remembered as good).
		expect(await source.poll()).toMatchObject({ outcome: "failure" });

		// A manifest without OPA's layer type is refused by name.
		const other = join(mkdtempSync(join(tmpdir(), "gavel-oci-")), "notes.txt");
		writeFileSync(other, "not a bundle");
		await run(oras, ["push", "--plain-http", `${reg.host}/gavel/notes:v1`, "notes.txt"], {
			cwd: join(other, ".."),
			env: { ...process.env, DOCKER_CONFIG: mkdtempSync(join(tmpdir(), "gavel-oras-")) },
		});
		const none = await new OciBundleSource(new Engine(), {
			resource: `${reg.host}/gavel/notes:v1`,
			url: reg.url,
		}).poll();
		expect(none?.error).toMatch(
			/no layer of type application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/,
		);

		// Pinned by digest: the manifest's own digest is checked.
		const pinned = new Engine();
		expect(
			await new OciBundleSource(pinned, {
				resource: `${reg.host}/gavel/authz@${d2}`,
				url: reg.url,
			}).poll(),
		).toMatchObject({ outcome: "success", revision: "r2" });
		const missing = await new OciBundleSource(new Engine(), {
			resource: `${reg.host}/gavel/authz:nope`,
			url: reg.url,
		}).poll();
		expect(missing?.error).toMatch(/manifest gavel\/authz:nope: HTTP 404/);
	});

	it("htpasswd Basic auth: credentials answer the challenge; none or wrong ones are refused", async () => {
		const login = { username: "puller", password: "s3cret-basic" };
		const reg = await start({ kind: "basic", ...login });
		const ref = `${reg.host}/gavel/basic:v1`;
		await orasPush(oras, ref, bundleFile("true", "b1"), login);
		const ok = new Engine();
		expect(
			await new OciBundleSource(ok, { resource: ref, url: reg.url, credentials: login }).poll(),
		).toMatchObject({ outcome: "success", revision: "b1" });
		const none = await new OciBundleSource(new Engine(), { resource: ref, url: reg.url }).poll();
		expect(none?.error).toMatch(/asks for Basic credentials; none are configured/);
		const wrong = await new OciBundleSource(new Engine(), {
			resource: ref,
			url: reg.url,
			credentials: { username: "puller", password: "wrong" },
		}).poll();
		expect(wrong?.error).toMatch(/HTTP 401/);
	});

	it("token auth: a token from the realm, with credentials or anonymously for pull", async () => {
		const login = { username: "ci", password: "s3cret-token" };
		const reg = await start({ kind: "token", ...login, anonymousPull: true });
		const ref = `${reg.host}/gavel/token:v1`;
		await orasPush(oras, ref, bundleFile("true", "t1"), login);
		reg.tokenRequests.length = 0;
		const withCreds = new Engine();
		expect(
			await new OciBundleSource(withCreds, {
				resource: ref,
				url: reg.url,
				credentials: login,
			}).poll(),
		).toMatchObject({ outcome: "success", revision: "t1" });
		expect(reg.tokenRequests).toEqual(["ci"]);
		const anonymous = new Engine();
		expect(
			await new OciBundleSource(anonymous, { resource: ref, url: reg.url }).poll(),
		).toMatchObject({ outcome: "success", revision: "t1" });
		expect(reg.tokenRequests).toEqual(["ci", "anonymous"]);
		const wrong = await new OciBundleSource(new Engine(), {
			resource: ref,
			url: reg.url,
			credentials: { username: "ci", password: "nope" },
		}).poll();
		expect(wrong?.error).toMatch(/token from http:\/\/127\.0\.0\.1:\d+\/token: HTTP 401/);
	});
});

describe.skipIf(req.missing !== null || !opa)("gavel serve with bundle.oci", () => {
	const oras = req.oras as string;
	let reg: Registry;
	const children: ChildProcess[] = [];
	beforeAll(async () => {
		reg = await startRegistry(req.registry as string, { kind: "none" });
	});
	afterAll(async () => {
		for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
		await reg?.stop();
	});

	/** `gavel serve` on port 0 with the OCI source; resolves with its URL and its stderr. */
	async function serve(resource: string): Promise<{ url: string; log: () => string }> {
		const dir = mkdtempSync(join(tmpdir(), "gavel-oci-serve-"));
		const config = join(dir, "gavel.yaml");
		writeFileSync(
			config,
			[
				"server:\n  port: 0",
				"decisionLog:\n  enabled: false",
				"policy:\n  default: app/allow",
				`bundle:\n  minDelaySeconds: 1\n  maxDelaySeconds: 1\n  oci:\n    resource: ${resource}\n    url: ${reg.url}`,
				"",
			].join("\n"),
		);
		let stderr = "";
		const child = spawn(process.execPath, ["bin/gavel.js", "serve", "--config", config], {
			env: { ...process.env, GAVEL_DEV: "1", GAVEL_STATE_DIR: dir },
			stdio: ["ignore", "ignore", "pipe"],
		});
		children.push(child);
		child.stderr?.on("data", (d) => {
			stderr += d;
		});
		const url = await new Promise<string>((resolve, reject) => {
			child.stderr?.on("data", () => {
				const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
				if (m) resolve(m[1]);
			});
			child.once("exit", (code) => reject(new Error(`gavel serve exited (${code}): ${stderr}`)));
		});
		return { url, log: () => stderr };
	}

	/** Waits for a log line, by polling the process's own output (bounded by the test timeout). */
	async function until(check: () => boolean): Promise<void> {
		while (!check()) await new Promise((r) => setTimeout(r, 100));
	}

	const allow = async (url: string) =>
		((await (await fetch(`${url}/v1/data/app/allow`)).json()) as { result?: unknown }).result;

	it("serves a `gavel build` bundle, activates the next push, keeps it when a digest is wrong", async () => {
		const src = mkdtempSync(join(tmpdir(), "gavel-oci-src-"));
		writeFileSync(join(src, "app.rego"), policy('"built by gavel"'));
		const out = join(src, "out");
		mkdirSync(out);
		await run(process.execPath, [
			"bin/gavel.js",
			"build",
			src,
			"-e",
			"app/allow",
			"-r",
			"g1",
			"-o",
			join(out, "bundle.tar.gz"),
		]);
		const ref = `${reg.host}/gavel/served:v1`;
		await orasPush(oras, ref, join(out, "bundle.tar.gz"));
		const gavel = await serve(ref);
		expect(await allow(gavel.url)).toBe("built by gavel");
		expect((await fetch(`${gavel.url}/ready`)).status).toBe(200);

		await orasPush(oras, ref, bundleFile('"second"', "g2"));
		await until(() => gavel.log().includes('activated bundle revision "g2"'));
		expect(await allow(gavel.url)).toBe("second");

		await orasPush(oras, `${reg.host}/gavel/served:bad`, bundleFile('"third"', "g3"));
		corruptBlob(reg, await layerDigest(reg, "gavel/served", "bad"));
		await orasTag(oras, `${reg.host}/gavel/served:bad`, "v1");
		await until(() =>
			/rejected, keeping the active one: download failed: blob digest mismatch/.test(gavel.log()),
		);
		expect(await allow(gavel.url)).toBe("second");
		expect((await fetch(`${gavel.url}/ready`)).status).toBe(200);

		// A fresh server whose only bundle is the corrupted one is not ready, and answers no decision from it.
		const fresh = await serve(`${reg.host}/gavel/served:bad`);
		expect((await fetch(`${fresh.url}/ready`)).status).toBe(503);
		expect(fresh.log()).toMatch(/blob digest mismatch/);
	});

	it("gavel run -c reads OPA's services.<name>.type: oci and bundles.<name>.resource, credentials included", async () => {
		const login = { username: "opa-user", password: "s3cret-opa-config" };
		const basicReg = await startRegistry(
			req.registry as string,
			{ kind: "basic", ...login },
			req.htpasswd,
		);
		try {
			const resource = `${basicReg.host}/gavel/opa-config:v1`;
			await orasPush(oras, resource, bundleFile('"from OPA config"', "c1"), login);
			const dir = mkdtempSync(join(tmpdir(), "gavel-oci-opa-config-"));
			const config = join(dir, "opa.yaml");
			writeFileSync(
				config,
				[
					"services:",
					"  registry:",
					`    url: ${basicReg.url}`,
					"    type: oci",
					"    credentials:",
					"      bearer:",
					"        scheme: Basic",
					// biome-ignore lint/suspicious/noTemplateCurlyInString: OPA's ${VAR}, read from the environment
					"        token: ${REGISTRY_BASIC}",
					"bundles:",
					"  authz:",
					"    service: registry",
					`    resource: ${resource}`,
					"",
				].join("\n"),
			);
			let stderr = "";
			const child = spawn(
				process.execPath,
				["bin/gavel.js", "run", "--server", "--addr", "127.0.0.1:0", "-c", config],
				{
					env: {
						...process.env,
						GAVEL_STATE_DIR: dir,
						REGISTRY_BASIC: Buffer.from(`${login.username}:${login.password}`).toString("base64"),
					},
					cwd: process.cwd(),
					stdio: ["ignore", "ignore", "pipe"],
				},
			);
			children.push(child);
			child.stderr?.on("data", (d) => {
				stderr += d;
			});
			const url = await new Promise<string>((resolve, reject) => {
				child.stderr?.on("data", () => {
					const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
					if (m) resolve(m[1]);
				});
				child.once("exit", (code) => reject(new Error(`gavel run exited (${code}): ${stderr}`)));
			});
			expect(await allow(url)).toBe("from OPA config");
			const lines = stderr
				.split("\n")
				.filter((l) => l.startsWith("{"))
				.map((l) => (JSON.parse(l) as { msg: string }).msg);
			expect(lines).toContain(`activated bundle revision "c1" from oci:${resource}`);
		} finally {
			await basicReg.stop();
		}
	});

	it("serves an `opa build` bundle (Rego only, compiled by Gavel)", async () => {
		const src = mkdtempSync(join(tmpdir(), "gavel-oci-opa-"));
		writeFileSync(join(src, "app.rego"), policy('"built by opa"'));
		const file = join(src, "opa-bundle.tar.gz");
		await run(opa as string, ["build", "-o", file, "-r", "o1", join(src, "app.rego")]);
		const ref = `${reg.host}/gavel/opa-built:v1`;
		await orasPush(oras, ref, file);
		const gavel = await serve(ref);
		expect(await allow(gavel.url)).toBe("built by opa");
		expect(gavel.log()).toContain('activated bundle revision "o1"');
	});
});
