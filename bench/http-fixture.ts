// What the HTTP benchmarks share: a server process from bench/http-server.ts, an ES256 key
// whose JWKS Gavel reads from a file, the example policy built with -O, and the Gavel
// configuration serving it with the decision log off.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { onServerCores } from "./cpu-pinning.ts";

export interface Server {
	child: ChildProcess;
	url: string;
}

let serverModule: Promise<string> | undefined;

/**
 * bench/http-server.ts as one ES module in dist/, built once per run the way `gavel serve` is
 * built (esbuild, no loader): through tsx every function keeps its name by a wrapper call, which
 * costs microseconds per request that users never pay.
 */
function builtServer(): Promise<string> {
	// Imported from its own file, never bundled into a built benchmark (bench:path is one):
	// bundled, its paths would resolve from dist/ and its "run as a script" check would fire.
	const builder = pathToFileURL(resolve("scripts/build-dist.mjs")).href;
	serverModule ??= (import(builder) as Promise<typeof import("../scripts/build-dist.mjs")>).then(
		({ buildSingleFile }) =>
			buildSingleFile(resolve("bench/http-server.ts"), resolve("dist/bench-http-server.mjs")),
	);
	return serverModule;
}

/** Starts `bench/http-server.ts ARGS…` (built) and resolves once it prints its port. */
export async function startServer(args: string[]): Promise<Server> {
	const [command, argv] = onServerCores(process.execPath, [await builtServer(), ...args]);
	// taskset execs the server: the child's pid is the server's (its CPU time is read by pid).
	const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
		lines.once("line", (line) => {
			const { port } = JSON.parse(line) as { port: number };
			resolve({ child, url: `http://127.0.0.1:${port}` });
		});
		child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
	});
}

const ISSUER = "https://bench.test";
const AUDIENCE = "gavel-bench";

/**
 * A key pair in `dir` (jwks.json), the example bundle built into `dir`, and the Gavel
 * configuration using both; `sign` mints tokens valid for `expiresIn`. With `authzen`, the
 * bundle is built from all of policies/ (as `npm run build`) and answers authzen/allow too.
 */
export async function gavelFixture(dir: string, options: { authzen?: boolean } = {}) {
	const { privateKey, publicKey } = await generateKeyPair("ES256");
	const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
	writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [jwk] }));
	const sign = (claims: Record<string, unknown>, expiresIn: string) =>
		new SignJWT(claims)
			.setProtectedHeader({ alg: "ES256", kid: "bench" })
			.setIssuer(ISSUER)
			.setAudience(AUDIENCE)
			.setIssuedAt()
			.setExpirationTime(expiresIn)
			.sign(privateKey);
	const bundle = join(dir, "example.tar.gz");
	const built = spawnSync(
		process.execPath,
		options.authzen
			? [
					"bin/gavel.js",
					"build",
					"policies",
					"-e",
					"example/allow",
					"-e",
					"authzen/allow",
					"-O",
					"-o",
					bundle,
				]
			: [
					"bin/gavel.js",
					"build",
					"policies/example",
					"-e",
					"example/allow",
					...(process.env.BENCH_NO_O ? [] : ["-O"]),
					"-o",
					bundle,
				],
		{ stdio: "inherit" },
	);
	if (built.status !== 0) throw new Error("gavel build failed");
	const config = {
		server: { port: 0 },
		bundle: { path: bundle, watch: false },
		auth: { jwksFile: join(dir, "jwks.json"), issuer: [ISSUER], audience: [AUDIENCE] },
		decisionLog: { enabled: false },
	};
	return { sign, config };
}
