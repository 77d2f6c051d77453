// Runs src/worker.ts under real workerd through wrangler's own dev pipeline
// (unstable_startWorker: wrangler.toml, its bundler, Miniflare, workerd), with a bundle the
// test compiled into a temporary folder instead of the repo's .edge/.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unstable_startWorker } from "wrangler";
import { prepareEdgeBundle } from "../../src/edge/prepare-bundle.ts";

export interface EdgeWorker {
	url: string;
	fetch(path: string, init?: RequestInit): Promise<Response>;
	close(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, "../..");

export async function startEdgeWorker(
	bundle: Uint8Array,
	vars: Record<string, string>,
): Promise<EdgeWorker> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-edge-"));
	await prepareEdgeBundle(bundle, dir);
	const worker = await unstable_startWorker({
		config: join(ROOT, "wrangler.toml"),
		sendMetrics: false,
		// Same names as wrangler.toml's [alias], pointed at this test's bundle.
		build: {
			alias: {
				"gavel-edge/policy": join(dir, "policy.js"),
				"gavel-edge/runtime": join(dir, "runtime.js"),
				"gavel-edge/bundle.json": join(dir, "bundle.json"),
			},
		},
		bindings: Object.fromEntries(
			Object.entries(vars).map(([k, value]) => [k, { type: "plain_text" as const, value }]),
		),
		dev: {
			server: { hostname: "127.0.0.1", port: 0 },
			inspector: false,
			persist: false,
			watch: false,
			remote: false,
			logLevel: "none",
		},
	});
	await worker.ready;
	const url = (await worker.url).toString().replace(/\/$/, "");
	return {
		url,
		fetch: (path, init) => fetch(`${url}${path}`, init),
		async close() {
			await worker.dispose();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
