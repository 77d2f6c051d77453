#!/usr/bin/env node
// The `gavel` command. It runs a single-file build of src/cli (dist/gavel.mjs) because loading
// the TypeScript sources through a transpiling loader costs seconds per start. The build is
// redone whenever any source is newer than it, so a clone, `npm ci` or an edit never runs stale
// code: the check is one stat per source file.
import { readdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "gavel.mjs");

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
		else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

function builtAt(path) {
	try {
		return statSync(path).mtimeMs;
	} catch {
		return -1;
	}
}

const inputs = Math.max(
	newestSource(join(root, "src")),
	statSync(join(root, "package.json")).mtimeMs,
);
if (builtAt(out) < inputs) {
	const { build } = await import("esbuild");
	// Build beside the target and rename: concurrent starts never see half a file.
	const tmp = `${out}.${process.pid}.tmp`;
	await build({
		entryPoints: [join(root, "src", "cli", "main.ts")],
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node20",
		packages: "external",
		outfile: tmp,
		sourcemap: "inline",
		logLevel: "error",
		plugins: [sourceUrlPlugin()],
	});
	renameSync(tmp, out);
}

const { main } = await import(pathToFileURL(out).href);
process.exitCode = await main(process.argv.slice(2));

// Rewrites `import.meta.url` in each bundled source to that source's own file URL, so paths
// computed relative to a module (e.g. src/wasm's runtime.wasm) stay right inside the bundle.
function sourceUrlPlugin() {
	return {
		name: "source-import-meta-url",
		setup(b) {
			b.onLoad({ filter: /\/src\/.*\.ts$/ }, async (args) => {
				const { readFile } = await import("node:fs/promises");
				const text = await readFile(args.path, "utf8");
				return {
					contents: text.replaceAll(
						"import.meta.url",
						JSON.stringify(pathToFileURL(args.path).href),
					),
					loader: "ts",
				};
			});
		},
	};
}
