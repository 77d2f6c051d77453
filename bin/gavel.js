#!/usr/bin/env node
// The `gavel` command. Installed from the npm package, it runs the prebuilt dist/npm/cli.mjs
// (made by `npm pack`'s prepack step) and builds nothing. In a clone (the TypeScript sources
// are there) it runs a single-file build of src/cli, dist/gavel.mjs, because loading the sources
// through a transpiling loader costs seconds per start; that build is redone with esbuild (a
// dev dependency) whenever any source is newer than it, so a clone, `npm ci` or an edit never
// runs stale code: the check is one stat per source file.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

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

async function cliModule() {
	if (!existsSync(join(root, "src", "cli", "main.ts"))) return join(root, "dist", "npm", "cli.mjs");
	const out = join(root, "dist", "gavel.mjs");
	const inputs = Math.max(
		newestSource(join(root, "src")),
		statSync(join(root, "package.json")).mtimeMs,
	);
	if (builtAt(out) < inputs) {
		const { buildDevCli } = await import("../scripts/build-dist.mjs");
		await buildDevCli();
	}
	return out;
}

const { main } = await import(pathToFileURL(await cliModule()).href);
process.exitCode = await main(process.argv.slice(2));
