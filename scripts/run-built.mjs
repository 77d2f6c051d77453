// `node scripts/run-built.mjs FILE.ts ARGS…`: builds FILE.ts and what it imports into one ES
// module under dist/run/ (as the CLI is built: esbuild, no loader) and runs it with ARGS. The
// benchmarks run this way so that they time the code `gavel serve` runs, not a transpiling
// loader's output (tsx keeps every function's name with a wrapper call, per closure made).
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildSingleFile } from "./build-dist.mjs";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
	console.error("usage: node scripts/run-built.mjs FILE.ts [ARGS…]");
	process.exit(2);
}
const out = await buildSingleFile(
	resolve(entry),
	resolve("dist", "run", `${basename(entry, ".ts")}.mjs`),
);
// As if the built file had been run itself (a module's "am I the main module" check holds).
process.argv = [process.argv[0], out, ...args];
await import(pathToFileURL(out).href);
