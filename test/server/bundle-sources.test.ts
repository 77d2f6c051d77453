// Bundles at run time: an OPA bundle server polled with ETag / If-None-Match / 304, failed
// downloads and bad bundles never replacing the active one, and the last good bundle
// persisted and used at start-up when the server is down.

import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, HttpBundleSource, policyBundleFromArchive } from "../../src/engine/index.ts";
import { buildBundle } from "./build-bundle.ts";

const policy = (answer: boolean) => `package app

import rego.v1

allow := ${answer}
`;

interface BundleServer {
	url: string;
	body: Uint8Array;
	etag: string;
	requests: { ifNoneMatch?: string; status: number; authorization?: string }[];
	server: Server;
}

let bs: BundleServer;
beforeAll(async () => {
	bs = {
		url: "",
		body: buildBundle({
			sources: { "app.rego": policy(true) },
			entrypoints: ["app/allow"],
			revision: "r1",
		}),
		etag: '"r1"',
		requests: [],
		server: createServer((req, res) => {
			const inm = req.headers["if-none-match"];
			const status = inm === bs.etag ? 304 : 200;
			bs.requests.push({ ifNoneMatch: inm, status, authorization: req.headers.authorization });
			if (status === 304) return void res.writeHead(304).end();
			res.writeHead(200, { etag: bs.etag, "content-type": "application/gzip" });
			res.end(bs.body);
		}),
	};
	await new Promise<void>((r) => bs.server.listen(0, "127.0.0.1", () => r()));
	bs.url = `http://127.0.0.1:${(bs.server.address() as AddressInfo).port}/bundles/app.tar.gz`;
});
afterAll(() => {
	bs.server.closeAllConnections();
	bs.server.close();
});

describe("HTTP bundle source", () => {
	it("activates, then sends If-None-Match and keeps the revision on 304, swaps on change, rejects garbage", async () => {
		const persistPath = join(mkdtempSync(join(tmpdir(), "gavel-persist-")), "last.tar.gz");
		const engine = new Engine();
		const source = new HttpBundleSource(engine, {
			url: bs.url,
			persistPath,
			minDelaySeconds: 3600,
		});
		const first = await source.start();
		source.stop();
		expect(first).toMatchObject({ outcome: "success", revision: "r1" });
		expect(engine.current()?.evaluate("app/allow", {})).toBe(true);

		expect(await source.poll()).toBeUndefined();
		expect(bs.requests.at(-1)).toMatchObject({ ifNoneMatch: '"r1"', status: 304 });

		bs.body = buildBundle({
			sources: { "app.rego": policy(false) },
			entrypoints: ["app/allow"],
			revision: "r2",
		});
		bs.etag = '"r2"';
		expect(await source.poll()).toMatchObject({ outcome: "success", revision: "r2" });
		expect(engine.current()?.evaluate("app/allow", {})).toBe(false);

		bs.body = new TextEncoder().encode("not a bundle");
		bs.etag = '"garbage"';
		expect(await source.poll()).toMatchObject({ outcome: "failure" });
		expect(engine.current()?.revision).toBe("r2");

		// Bundle server gone: a fresh engine starts from the persisted last good bundle.
		const offline = new Engine();
		const events: string[] = [];
		offline.onActivation((e) => events.push(`${e.outcome}:${e.source.split(":")[0]}`));
		const dead = new HttpBundleSource(offline, {
			url: "http://127.0.0.1:9/none",
			persistPath,
			timeoutMs: 2000,
		});
		await dead.start();
		dead.stop();
		expect(offline.current()?.revision).toBe("r2");
		expect(events).toEqual(["failure:http", "success:persisted"]);
	});
});

describe("HTTP bundle source faults", () => {
	it("a body cut off mid-download or stalled past the timeout is a counted failure, not a thrown poll", async () => {
		let mode: "cut" | "stall" = "cut";
		const faulty = createServer((_req, res) => {
			res.writeHead(200, { "content-length": "100000", "content-type": "application/gzip" });
			res.write(bs.body.slice(0, 10));
			if (mode === "cut") res.socket?.destroy();
			// "stall": headers and a few bytes, then nothing until the client gives up.
		});
		await new Promise<void>((r) => faulty.listen(0, "127.0.0.1", () => r()));
		try {
			const engine = new Engine();
			const events: string[] = [];
			engine.onActivation((e) => events.push(e.outcome));
			const source = new HttpBundleSource(engine, {
				url: `http://127.0.0.1:${(faulty.address() as AddressInfo).port}/b.tar.gz`,
				timeoutMs: 300,
			});
			expect(await source.poll()).toMatchObject({ outcome: "failure" });
			mode = "stall";
			const stalled = await source.poll();
			expect(stalled).toMatchObject({ outcome: "failure" });
			expect(String((stalled as { error?: unknown }).error)).toMatch(/download failed/);
			expect(events).toEqual(["failure", "failure"]);
			expect(engine.current()).toBeUndefined();
		} finally {
			faulty.closeAllConnections();
			faulty.close();
		}
	});
});

describe("activation listeners", () => {
	it("a throwing listener neither rejects the activation nor silences the next listener", async () => {
		const engine = new Engine();
		const seen: string[] = [];
		engine.onActivation(() => {
			throw new Error("log sink down");
		});
		engine.onActivation((e) => seen.push(e.outcome));
		const bundle = buildBundle({
			sources: { "app.rego": policy(true) },
			entrypoints: ["app/allow"],
			revision: "l1",
		});
		const event = await engine.activate(await policyBundleFromArchive(bundle, {}));
		expect(event.outcome).toBe("success");
		expect(() => engine.reportFailure("test", "boom")).not.toThrow();
		expect(seen).toEqual(["success", "failure"]);
	});
});

describe("HTTP bundle source credentials", () => {
	it("sends the configured headers to the bundle server", async () => {
		const engine = new Engine();
		const source = new HttpBundleSource(engine, {
			url: bs.url,
			headers: { authorization: "Bearer bundle-reader" },
		});
		await source.poll();
		expect(bs.requests.at(-1)?.authorization).toBe("Bearer bundle-reader");
	});
});

describe("Rego sources compiled on activation", () => {
	it("a folder of .rego files is compiled, every rule an entrypoint, and recompiled on change", async () => {
		const { mkdirSync, writeFileSync } = await import("node:fs");
		const { FileBundleSource } = await import("../../src/engine/index.ts");
		const root = mkdtempSync(join(tmpdir(), "gavel-src-"));
		mkdirSync(join(root, "shop"));
		writeFileSync(
			join(root, "shop", "shop.rego"),
			"package shop\n\nimport rego.v1\n\nallow if input.user in data.shop.staff\n\ncount_staff := count(data.shop.staff)\n",
		);
		writeFileSync(join(root, "shop", "data.json"), JSON.stringify({ staff: ["ann", "ben"] }));
		const engine = new Engine();
		const source = new FileBundleSource(engine, { path: root, debounceMs: 20 });
		const first = await source.start();
		expect(first).toMatchObject({ outcome: "success" });
		const p = engine.current();
		expect(p?.entrypoints).toEqual(["shop/allow", "shop/count_staff"]);
		expect(p?.evaluate("shop/allow", { user: "ann" })).toBe(true);
		expect(p?.evaluate("shop/count_staff", {})).toBe(2);
		const rev1 = p?.revision;
		writeFileSync(join(root, "shop", "data.json"), JSON.stringify({ staff: ["ann", "ben", "cy"] }));
		for (let i = 0; i < 200 && engine.current()?.revision === rev1; i++)
			await new Promise((r) => setTimeout(r, 25));
		source.stop();
		expect(engine.current()?.revision).not.toBe(rev1);
		expect(engine.current()?.evaluate("shop/count_staff", {})).toBe(3);
	});

	it("a bundle with only .rego sources (no policy.wasm) is compiled when it activates", async () => {
		const { writeBundle } = await import("../../src/bundle/index.ts");
		const { policyBundleFromArchive } = await import("../../src/engine/index.ts");
		const archive = writeBundle({
			manifest: { revision: "rego-only", roots: [""] },
			data: { cfg: { open: true } },
			rego: new Map([["cfg.rego", "package cfg\n\nimport rego.v1\n\nallow if data.cfg.open\n"]]),
		});
		const engine = new Engine();
		expect(await engine.activate(await policyBundleFromArchive(archive))).toMatchObject({
			outcome: "success",
			revision: "rego-only",
		});
		expect(engine.current()?.evaluate("cfg/allow", {})).toBe(true);
	});
});

describe("a precompiled WebAssembly.Module (how Workers import policy.wasm)", () => {
	it("activates and evaluates like bytes do", async () => {
		const { policyBundleFromArchive } = await import("../../src/engine/index.ts");
		const bytes = buildBundle({
			sources: { "app.rego": policy(true) },
			entrypoints: ["app/allow"],
			revision: "mod-1",
		});
		const fromBytes = await policyBundleFromArchive(bytes);
		const engine = new Engine();
		// The tsconfig's lib has WebAssembly's types but not its globals.
		const wasmApi = (
			globalThis as unknown as {
				WebAssembly: { Module: new (b: Uint8Array) => WebAssembly.Module };
			}
		).WebAssembly;
		const module = new wasmApi.Module(fromBytes.wasm);
		// Bytes that are not Wasm prove the module, not the bytes, is what gets loaded.
		const bundle = { ...fromBytes, wasm: new Uint8Array([1, 2, 3]), module };
		expect(await engine.activate(bundle)).toMatchObject({
			outcome: "success",
			revision: "mod-1",
		});
		expect(engine.current()?.evaluate("app/allow", {})).toBe(true);
	});
});

describe("a bundle file replaced by rename", () => {
	it("is picked up (the watch follows the folder, not the old inode)", async () => {
		const { renameSync, writeFileSync } = await import("node:fs");
		const { FileBundleSource } = await import("../../src/engine/index.ts");
		const root = mkdtempSync(join(tmpdir(), "gavel-rename-"));
		const file = join(root, "app.tar.gz");
		writeFileSync(
			file,
			buildBundle({
				sources: { "app.rego": policy(true) },
				entrypoints: ["app/allow"],
				revision: "v1",
			}),
		);
		const engine = new Engine();
		const source = new FileBundleSource(engine, { path: file, debounceMs: 20 });
		await source.start();
		expect(engine.current()?.revision).toBe("v1");
		// Twice: a watch on the first file's inode would see at most the first replacement.
		for (const [revision, answer] of [
			["v2", false],
			["v3", true],
		] as const) {
			const next = join(root, ".app.tar.gz.tmp");
			writeFileSync(
				next,
				buildBundle({
					sources: { "app.rego": policy(answer) },
					entrypoints: ["app/allow"],
					revision,
				}),
			);
			renameSync(next, file);
			for (let i = 0; i < 200 && engine.current()?.revision !== revision; i++) {
				await new Promise((r) => setTimeout(r, 25));
			}
			expect(engine.current()?.revision).toBe(revision);
			expect(engine.current()?.evaluate("app/allow", {})).toBe(answer);
		}
		source.stop();
	});
});
