// Builds what runs Gavel's TypeScript without a TypeScript loader, with esbuild:
// - buildDevCli(): dist/gavel.mjs, the single-file CLI that bin/gavel.js rebuilds in a clone
//   whenever a source is newer (inline source map for GAVEL_DEBUG traces); buildSingleFile()
//   does the same for any entry point (the benchmarks' server);
// - buildPackage(): dist/npm/, what the npm package ships (`npm pack` runs it as prepack): the
//   CLI (cli.mjs) and the library (index.mjs) sharing chunks, and the library's declarations
//   (index.d.ts, hand-written in src/library/gavel.d.ts and checked against the code by tsc).
// Dependencies stay external: npm installs them from package.json. The package build fails
// when the code imports a package that is not a runtime dependency.
//
// `node scripts/build-dist.mjs` builds the package; `--dev` builds dist/gavel.mjs.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Files the code reads at run time through `new URL(…, import.meta.url)`; the package ships
// them at the same paths (package.json `files`), so those URLs resolve as they do in a clone.
export const RUNTIME_ASSETS = ["src/wasm/runtime/build/runtime.wasm", "src/server/proto"];

/** The single-file CLI for a clone: dist/gavel.mjs (written beside and renamed: atomic). */
export function buildDevCli() {
	return buildSingleFile(join(root, "src", "cli", "main.ts"), join(root, "dist", "gavel.mjs"));
}

/**
 * One TypeScript entry point and the sources it imports as one ES module at `out`, built as
 * the CLI is (the benchmarks run their servers from such a file, so they time the code users
 * run rather than a transpiling loader's output). Written beside and renamed: atomic.
 */
export async function buildSingleFile(entry, out) {
	const { build } = await import("esbuild");
	const tmp = `${out}.${process.pid}.tmp`;
	await build({
		...common(dirname(out)),
		entryPoints: [entry],
		outfile: tmp,
		sourcemap: "inline",
	});
	renameSync(tmp, out);
	return out;
}

/** dist/npm: cli.mjs, index.mjs, their shared chunks, index.d.ts. Returns the output folder. */
export async function buildPackage() {
	const { build } = await import("esbuild");
	for (const asset of RUNTIME_ASSETS) {
		if (!existsSync(join(root, asset))) {
			throw new Error(`${asset} is missing: run \`npm run build:runtime\` first`);
		}
	}
	const out = join(root, "dist", "npm");
	const tmp = join(root, "dist", `npm.${process.pid}.tmp`);
	rmSync(tmp, { recursive: true, force: true });
	// Built in a folder of the same depth as dist/npm, so the relative URLs hold once renamed.
	const result = await build({
		...common(out),
		entryPoints: {
			cli: join(root, "src", "cli", "main.ts"),
			index: join(root, "src", "library", "index.ts"),
		},
		outdir: tmp,
		outExtension: { ".js": ".mjs" },
		splitting: true,
		chunkNames: "[name]-[hash]",
		metafile: true,
	});
	checkExternals(result.metafile);
	mkdirSync(tmp, { recursive: true });
	copyFileSync(join(root, "src", "library", "gavel.d.ts"), join(tmp, "index.d.ts"));
	// Swap the whole folder, so a reader never sees old and new chunks mixed.
	const old = `${out}.${process.pid}.old`;
	if (existsSync(out)) renameSync(out, old);
	renameSync(tmp, out);
	rmSync(old, { recursive: true, force: true });
	return out;
}

function common(outDir) {
	return {
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node20",
		packages: "external",
		logLevel: "error",
		plugins: [sourceUrlPlugin(outDir)],
	};
}

// Rewrites `import.meta.url` in each bundled source to that source's own URL, computed at run
// time relative to the output file, so paths taken relative to a module (src/wasm's
// runtime.wasm, the gRPC .proto files, package.json) resolve wherever the tree is installed.
// Every output file, chunks included, is written directly in outDir.
function sourceUrlPlugin(outDir) {
	return {
		name: "source-import-meta-url",
		setup(b) {
			b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
				const text = await readFile(args.path, "utf8");
				const rel = relative(outDir, args.path).split("\\").join("/");
				return {
					contents: text.replaceAll(
						"import.meta.url",
						`new URL(${JSON.stringify(rel)}, import.meta.url).href`,
					),
					loader: "ts",
				};
			});
		},
	};
}

/** Every package the bundle imports must be a runtime dependency (not a dev one). */
function checkExternals(metafile) {
	const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
	const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
	const builtins = new Set(builtinModules);
	const missing = new Set();
	for (const output of Object.values(metafile.outputs)) {
		for (const imp of output.imports) {
			if (!imp.external) continue;
			const spec = imp.path;
			if (spec.startsWith("node:") || builtins.has(spec.split("/")[0])) continue;
			const parts = spec.split("/");
			const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
			if (!runtime.has(name)) missing.add(name);
		}
	}
	if (missing.size > 0) {
		throw new Error(
			`the package imports ${[...missing].sort().join(", ")}, not in package.json dependencies`,
		);
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const started = Date.now();
	const out = process.argv.includes("--dev") ? await buildDevCli() : await buildPackage();
	console.log(`build-dist: ${relative(root, out)} in ${Date.now() - started} ms`);
}
