// `npm run edge:bundle [-- BUNDLE.tar.gz] [--out DIR]`: unpack a Gavel (or `opa build -t wasm`)
// bundle into the files the Worker is built with: policy.wasm, which wrangler compiles into
// a WebAssembly.Module at deploy time (imported through policy.js), and bundle.json
// ({manifest, data}). A bundle of .rego sources only is compiled here, since a Worker cannot
// compile Wasm at run time.
// Signature verification, when wanted, belongs to whoever produced the bundle (CI), since
// the Worker is built from a file already in hand.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { policyBundleFromArchive } from "../engine/index.ts";
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey } from "../server/dev-identity.ts";
import { RUNTIME_WASM } from "../wasm/runtime.ts";

export const DEFAULT_BUNDLE = "bundles/gavel.tar.gz";
export const DEFAULT_OUT = ".edge";

export interface PreparedBundle {
	wasmPath: string;
	jsonPath: string;
	revision: string | undefined;
	entrypoints: string[];
	wasmBytes: number;
	jsonBytes: number;
	/** Bytes of Gavel's runtime shipped for the host (0 when the module needs none). */
	runtimeBytes: number;
}

/**
 * Whether the module may call Gavel's runtime through the host: a module `opa build -t wasm`
 * made imports builtins Gavel implements natively (src/engine/builtins/native-bridge.ts). A
 * Gavel-built module (it exports the evaluation limits) never does, so it ships without it.
 */
function needsNativeRuntime(wasm: Uint8Array): boolean {
	const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
	const names = api.Module.exports(new api.Module(wasm)).map((e) => e.name);
	return !names.includes("gavel_budget");
}

interface WasmApi {
	Module: { new (bytes: Uint8Array): object; exports(m: object): { name: string }[] };
}

export async function prepareEdgeBundle(
	bytes: Uint8Array,
	outDir: string,
): Promise<PreparedBundle> {
	const bundle = await policyBundleFromArchive(bytes);
	mkdirSync(outDir, { recursive: true });
	// Generated files: the folder keeps itself out of git.
	writeFileSync(join(outDir, ".gitignore"), "*\n");
	const wasmPath = join(outDir, "policy.wasm");
	const jsonPath = join(outDir, "bundle.json");
	const json = JSON.stringify({ manifest: bundle.manifest, data: bundle.data ?? {} });
	writeFileSync(wasmPath, bundle.wasm);
	// The alias target: a relative .wasm import is what wrangler compiles to a Module.
	writeFileSync(
		join(outDir, "policy.js"),
		'import policy from "./policy.wasm";\nexport default policy;\n',
	);
	writeFileSync(jsonPath, json);
	// gavel-edge/runtime: Gavel's runtime as a second compiled module, or nothing.
	let runtimeBytes = 0;
	if (needsNativeRuntime(bundle.wasm)) {
		const runtime = readFileSync(RUNTIME_WASM);
		runtimeBytes = runtime.byteLength;
		writeFileSync(join(outDir, "runtime.wasm"), runtime);
		writeFileSync(
			join(outDir, "runtime.js"),
			'import runtime from "./runtime.wasm";\nexport default runtime;\n',
		);
	} else {
		writeFileSync(join(outDir, "runtime.js"), "export default undefined;\n");
	}
	return {
		wasmPath,
		jsonPath,
		revision: bundle.manifest.revision,
		entrypoints: (bundle.manifest.wasm ?? []).map((w) => w.entrypoint),
		wasmBytes: bundle.wasm.byteLength,
		jsonBytes: Buffer.byteLength(json),
		runtimeBytes,
	};
}

/**
 * For `npm run dev:edge`: the development identity's public key as GAVEL_JWKS, in an env file
 * for `wrangler dev --env-file`, so tokens from `npx gavel token` verify offline.
 */
export async function writeDevEnv(outDir: string, stateDir: string): Promise<string> {
	const key = await loadOrCreateDevKey(stateDir);
	const file = join(outDir, "dev.env");
	const jwks = JSON.stringify({ keys: [key.publicJwk] });
	writeFileSync(
		file,
		`# Written by npm run dev:edge: the dev identity (${stateDir}/dev-key.json), public part.\n` +
			`GAVEL_JWKS='${jwks}'\nGAVEL_ISSUER=${DEV_ISSUER}\nGAVEL_AUDIENCE=${DEV_AUDIENCE}\n`,
	);
	return file;
}

/** `--build`: compile policies/ with the CLI first, so the dev loop always serves what is on disk. */
function buildFromPolicies(output: string): void {
	const r = spawnSync(
		process.execPath,
		[
			"bin/gavel.js",
			"build",
			"policies",
			...DEV_ENTRYPOINTS.flatMap((e) => ["-e", e]),
			"-o",
			output,
			"-r",
			"dev",
		],
		{ stdio: "inherit" },
	);
	if (r.status !== 0) process.exit(r.status ?? 1);
}

const DEV_ENTRYPOINTS = ["example/allow", "authzen/allow"];

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const { values, positionals } = parseArgs({
		allowPositionals: true,
		options: {
			out: { type: "string", default: DEFAULT_OUT },
			build: { type: "boolean", default: false },
			"dev-env": { type: "boolean", default: false },
		},
	});
	const out = resolve(values.out);
	const file = positionals[0] ?? DEFAULT_BUNDLE;
	if (values.build) buildFromPolicies(file);
	let bytes: Uint8Array;
	try {
		bytes = readFileSync(file);
	} catch (e) {
		process.stderr.write(
			`edge:bundle: cannot read ${file} (${(e as Error).message}); build one first, e.g.\n` +
				`  npx gavel build policies -e example/allow -e authzen/allow -o ${DEFAULT_BUNDLE}\n`,
		);
		process.exit(2);
	}
	try {
		const p = await prepareEdgeBundle(bytes, out);
		process.stderr.write(
			`edge:bundle: revision ${JSON.stringify(p.revision ?? "")}, entrypoints ${p.entrypoints.join(", ")}; ` +
				`wrote ${p.wasmPath} (${p.wasmBytes} bytes) and ${p.jsonPath} (${p.jsonBytes} bytes)` +
				(p.runtimeBytes > 0 ? `, and Gavel's runtime for the host (${p.runtimeBytes} bytes)` : "") +
				"\n",
		);
		if (values["dev-env"]) {
			const envFile = await writeDevEnv(out, process.env.GAVEL_STATE_DIR ?? ".gavel");
			process.stderr.write(
				`edge:bundle: dev identity in ${envFile}; mint tokens with npx gavel token\n`,
			);
		}
	} catch (e) {
		process.stderr.write(`edge:bundle: ${file}: ${(e as Error).message}\n`);
		process.exit(1);
	}
}
