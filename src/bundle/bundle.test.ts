import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { BundleError, readBundle, readBundleTar, writeBundle, writeTar } from "./index.ts";

// The smallest valid Wasm module: magic + version.
const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const enc = (s: string) => new TextEncoder().encode(s);
const manifest = (extra: object = {}) =>
	enc(
		JSON.stringify({
			revision: "r1",
			roots: [""],
			wasm: [{ entrypoint: "authz/allow", module: "/policy.wasm" }],
			...extra,
		}),
	);

function archive(entries: [string, Uint8Array][]): Uint8Array {
	return new Uint8Array(gzipSync(writeTar(entries.map(([name, data]) => ({ name, data })))));
}

function expectBundleError(fn: () => unknown, message: RegExp) {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(BundleError);
		expect((e as Error).message).toMatch(message);
		return;
	}
	throw new Error("expected a BundleError");
}

describe("writeBundle → readBundle", () => {
	it("round-trips manifest, data, sources and the module", () => {
		const bytes = writeBundle({
			manifest: {
				revision: "abc",
				roots: ["authz"],
				wasm: [{ entrypoint: "authz/allow", module: "/policy.wasm" }],
				rego_version: 1,
			},
			data: { authz: { roles: { admin: ["read", "write"] } } },
			wasm: WASM,
			rego: new Map([["policies/authz.rego", "package authz\n\nallow := true\n"]]),
		});
		const b = readBundle(bytes);
		expect(b.hasManifest).toBe(true);
		expect(b.manifest).toEqual({
			revision: "abc",
			roots: ["authz"],
			wasm: [{ entrypoint: "authz/allow", module: "/policy.wasm" }],
			rego_version: 1,
		});
		expect(b.data).toEqual({ authz: { roles: { admin: ["read", "write"] } } });
		expect(b.wasm).toEqual([{ path: "policy.wasm", bytes: WASM, entrypoints: ["authz/allow"] }]);
		expect(b.rego.get("policies/authz.rego")).toBe("package authz\n\nallow := true\n");
		expect(b.signatures).toBeUndefined();
	});

	it("writes OPA's member names (leading slash, manifest first) that an independent tar reader lists", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-bundle-"));
		const file = join(dir, "b.tar.gz");
		writeFileSync(
			file,
			writeBundle({
				manifest: {
					revision: "",
					roots: [""],
					wasm: [{ entrypoint: "a/b", module: "/policy.wasm" }],
				},
				data: {},
				wasm: WASM,
				rego: new Map([["x.rego", "package a\n"]]),
			}),
		);
		const names: string[] = [];
		await tar.t({ file, onReadEntry: (e) => names.push(e.path) });
		expect(names).toEqual(["/.manifest", "/data.json", "/x.rego", "/policy.wasm"]);
		const raw = readFileSync(file);
		expect(raw[0]).toBe(0x1f);
	});

	it("keeps long paths through a pax header", () => {
		const long = `${"deep/".repeat(30)}policy.rego`;
		const b = readBundle(
			writeBundle({
				manifest: { revision: "", roots: [""] },
				data: {},
				rego: new Map([[long, "package deep\n"]]),
			}),
		);
		expect([...b.rego.keys()]).toEqual([long]);
	});

	it("is byte-for-byte reproducible", () => {
		const contents = { manifest: { revision: "1", roots: [""] }, data: { a: 1 }, wasm: undefined };
		expect(writeBundle(contents)).toEqual(writeBundle(contents));
	});
});

describe("readBundle on archives made elsewhere", () => {
	it("reads a bundle packed by node-tar (GNU/pax headers, nested data files, no leading slash)", async () => {
		const dir = mkdtempSync(join(tmpdir(), "gavel-opa-"));
		mkdirSync(join(dir, "roles"));
		writeFileSync(join(dir, ".manifest"), manifest());
		writeFileSync(join(dir, "data.json"), JSON.stringify({ top: true }));
		writeFileSync(join(dir, "roles", "data.yaml"), "admin:\n  - read\n");
		writeFileSync(join(dir, "policy.wasm"), WASM);
		writeFileSync(join(dir, "authz.rego"), "package authz\n");
		const file = join(dir, "bundle.tar.gz");
		await tar.c({ gzip: true, file, cwd: dir, portable: true }, [
			".manifest",
			"data.json",
			"roles",
			"policy.wasm",
			"authz.rego",
		]);
		const b = readBundle(new Uint8Array(readFileSync(file)));
		expect(b.data).toEqual({ top: true, roles: { admin: ["read"] } });
		expect(b.wasm[0].entrypoints).toEqual(["authz/allow"]);
		expect([...b.rego.keys()]).toEqual(["authz.rego"]);
	});

	it("accepts a bundle without a manifest, with OPA's defaults", () => {
		const b = readBundle(archive([["/data.json", enc("{}")]]));
		expect(b.hasManifest).toBe(false);
		expect(b.manifest).toEqual({ revision: "", roots: [""] });
		expect(b.wasm).toEqual([]);
	});

	it("exposes .signatures.json without claiming it was verified", () => {
		const b = readBundle(archive([["/.signatures.json", enc('{"signatures":["x.y.z"]}')]]));
		expect(b.signatures).toBe('{"signatures":["x.y.z"]}');
	});
});

describe("readBundle rejects malformed archives", () => {
	it("bad gzip magic", () => {
		expectBundleError(() => readBundle(enc("plain text, not gzip")), /not a gzip archive/);
	});

	it("truncated gzip stream", () => {
		const good = archive([
			["/.manifest", manifest()],
			["/policy.wasm", WASM],
		]);
		expectBundleError(() => readBundle(good.subarray(0, good.length - 20)), /bad gzip data/);
	});

	it("corrupted tar header (checksum)", () => {
		const t = writeTar([{ name: "/data.json", data: enc("{}") }]);
		t[10] ^= 0xff;
		expectBundleError(() => readBundleTar(t), /checksum/);
	});

	it("truncated tar body", () => {
		const t = writeTar([
			{ name: "/data.json", data: enc(JSON.stringify({ x: "y".repeat(2000) })) },
		]);
		expectBundleError(() => readBundleTar(t.subarray(0, 1024)), /truncated/);
	});

	it("path traversal in a member name", () => {
		expectBundleError(
			() => readBundle(archive([["../../etc/passwd", enc("x")]])),
			/path traversal/,
		);
		expectBundleError(() => readBundle(archive([["/a/../../b.rego", enc("x")]])), /path traversal/);
	});

	it("backslashes in a member name", () => {
		expectBundleError(() => readBundle(archive([["..\\evil.rego", enc("x")]])), /backslash/);
	});

	it("a manifest naming a Wasm module that is not in the archive", () => {
		expectBundleError(
			() => readBundle(archive([["/.manifest", manifest()]])),
			/policy\.wasm .*not in the archive/,
		);
	});

	it("a manifest that is not valid JSON, or has wrong field types", () => {
		expectBundleError(
			() => readBundle(archive([["/.manifest", enc("{revision:")]])),
			/\.manifest: not valid JSON/,
		);
		expectBundleError(
			() => readBundle(archive([["/.manifest", enc('{"roots":"a"}')]])),
			/roots must be an array/,
		);
		expectBundleError(
			() => readBundle(archive([["/.manifest", enc('{"wasm":[{"entrypoint":1}]}')]])),
			/wasm\[0\]/,
		);
	});

	it("a file over the size limit", () => {
		const big = new Uint8Array(4096);
		expectBundleError(
			() => readBundle(archive([["/data.json", big]]), { maxFileBytes: 1000 }),
			/4096 bytes exceeds the 1000-byte file limit/,
		);
	});

	it("an archive that inflates beyond the archive limit", () => {
		const big = new Uint8Array(1 << 20);
		expectBundleError(
			() => readBundle(archive([["/x.bin", big]]), { maxArchiveBytes: 64 * 1024 }),
			/inflates beyond/,
		);
	});

	it("duplicate files (also when spelled differently)", () => {
		expectBundleError(
			() =>
				readBundle(
					archive([
						["/data.json", enc("{}")],
						["./data.json", enc("{}")],
					]),
				),
			/data\.json: duplicate file/,
		);
	});

	it("links", () => {
		const t = writeTar([{ name: "/evil", data: new Uint8Array(0) }]);
		t[156] = "2".charCodeAt(0);
		// fix the checksum after changing the type flag
		t.fill(32, 148, 156);
		let sum = 0;
		for (let i = 0; i < 512; i++) sum += t[i];
		t.set(enc(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
		expectBundleError(() => readBundleTar(t), /links are not allowed/);
	});

	it("a wasm entry that is not WebAssembly", () => {
		expectBundleError(
			() =>
				readBundle(
					archive([
						["/.manifest", manifest()],
						["/policy.wasm", enc("not wasm")],
					]),
				),
			/not a WebAssembly module/,
		);
	});

	it("data outside the manifest's roots, and conflicting data files", () => {
		expectBundleError(
			() =>
				readBundle(
					archive([
						["/.manifest", enc('{"roots":["authz"]}')],
						["/other/data.json", enc("{}")],
					]),
				),
			/outside the manifest's roots/,
		);
		expectBundleError(
			() =>
				readBundle(
					archive([
						["/data.json", enc('{"a":{"b":1}}')],
						["/a/b/data.json", enc("{}")],
					]),
				),
			/a\/b is already a non-object value|defined twice/,
		);
	});

	it("data files that do not parse", () => {
		expectBundleError(() => readBundle(archive([["/data.json", enc("{")]])), /data\.json: /);
	});
});
