// Gavel as an npm package, used outside a clone: build the package (the prepack step), pack it
// with the real `npm pack`, install the tarball into a fresh folder with the real `npm
// install` (dependencies from npm's cache, the registry when missing there), then use it as a
// user would: `npx gavel build`, `gavel serve`, `gavel run --server` answering decisions on
// loopback, an ESM script importing the library, and tsc checking a consumer against the
// shipped declarations. Nothing of the clone is on the installed package's path.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, ISSUER, makeSigner, sign } from "../server/helpers.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

const POLICY = `package shop

default allow := false

allow if input.subject.roles[_] == "admin"

allow if {
	input.action == "read"
	regex.match(\`^doc-[0-9]+$\`, input.resource.id)
}
`;

// Run from the app folder: `gavel` must resolve to the installed package, never the clone.
const LIBRARY_SCRIPT = `import { readFileSync } from "node:fs";
import { buildBundle, compile, loadBundle, PolicyEvalError, RegoCompileError } from "gavel";

const fromFile = await loadBundle("bundle.tar.gz");
const fromBytes = await loadBundle(new Uint8Array(readFileSync("bundle.tar.gz")));
const compiled = await compile({
	modules: { "t.rego": "package t\\nnow_ok if time.now_ns() > 0\\nstamp := time.format([0, \\"UTC\\", \\"2006-01-02\\"])\\n" },
	entrypoints: ["t/now_ok", "t/stamp"],
});
let compileError;
try {
	await compile({ modules: { "bad.rego": "package bad\\nallow if {" } });
} catch (e) {
	compileError = { isRegoError: e instanceof RegoCompileError, errors: e.errors };
}
let evalError;
try {
	fromFile.evaluate("shop/missing", {});
} catch (e) {
	evalError = { isEvalError: e instanceof PolicyEvalError, code: e.code };
}
const rebuilt = await loadBundle(buildBundle({ modules: { "s.rego": ${JSON.stringify(POLICY)} }, entrypoints: ["shop/allow"] }));
console.log(JSON.stringify({
	entrypoints: fromFile.entrypoints,
	admin: fromFile.evaluate("shop/allow", { subject: { roles: ["admin"] } }),
	read: fromBytes.decide("shop/allow", { action: "read", resource: { id: "doc-7" } }),
	denied: fromBytes.decide("shop/allow", { action: "write", resource: { id: "doc-7" } }),
	undefinedEntrypoint: fromFile.decide("shop/missing", {}),
	nowOk: compiled.evaluate("t/now_ok"),
	stamp: compiled.evaluate("t/stamp"),
	rebuilt: rebuilt.evaluate("shop/allow", { action: "read", resource: { id: "doc-1" } }),
	compileError,
	evalError,
}));
`;

const TYPED_CONSUMER = `import { compile, type Decision, loadBundle, type Policy } from "gavel";

const policy: Policy = await loadBundle("bundle.tar.gz", { maxEvalSteps: 100000 });
const d: Decision = policy.decide("shop/allow", { action: "read" });
const allowed: boolean = d.allow;
const p2 = await compile({ modules: { "a.rego": "package a\\nx := 1" }, regoVersion: 1 });
export const out = [allowed, p2.entrypoints.length, d.error?.code];
`;

// Must not type-check: proves the declarations are real types, not \`any\`.
const MISTYPED_CONSUMER = `import { loadBundle } from "gavel";

export const p = await loadBundle(42);
`;

interface Installed {
	dir: string;
	tarball: string;
	files: string[];
}

let installed: Installed | undefined;
let skipReason: string | undefined;
const work = mkdtempSync(join(tmpdir(), "gavel-package-"));
const children: ChildProcess[] = [];

/** npm's own check that the registry answers; false when this machine cannot reach it. */
async function registryReachable(): Promise<boolean> {
	try {
		await run(npm, ["ping"], { timeout: 20_000 });
		return true;
	} catch {
		return false;
	}
}

beforeAll(async () => {
	// What `npm pack` runs as prepack; run here so the pack below can skip `prepare`, which
	// would recompile the Wasm runtime in place while other tests read it.
	await run(process.execPath, [join(repo, "scripts", "build-dist.mjs")], { cwd: repo });
	const packed = await run(
		npm,
		["pack", "--ignore-scripts", "--json", "--pack-destination", work],
		{ cwd: repo, maxBuffer: 16 * 1024 * 1024 },
	);
	const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
	const tarball = join(work, info.filename);
	const dir = join(work, "app");
	mkdirSync(dir);
	writeFileSync(
		join(dir, "package.json"),
		JSON.stringify({ name: "app", private: true, type: "module" }),
	);
	try {
		await run(
			npm,
			["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
			{ cwd: dir, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
		);
	} catch (e) {
		if (!(await registryReachable())) {
			skipReason = `npm install of the tarball failed and the npm registry is unreachable: ${(e as Error).message.split("\n")[0]}`;
			return;
		}
		throw e;
	}
	writeFileSync(join(dir, "shop.rego"), POLICY);
	installed = { dir, tarball, files: info.files.map((f) => f.path).sort() };
}, 240_000);

afterAll(async () => {
	for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
	rmSync(work, { recursive: true, force: true });
});

/** The installed package, or a skip naming why there is none. */
function app(ctx: { skip: (note?: string) => void }): Installed {
	if (!installed) {
		ctx.skip(skipReason ?? "the package was not installed");
		throw new Error("unreachable");
	}
	return installed;
}

/** `npx gavel …` in the app folder: the bin npm linked from the installed package. */
function gavel(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
	// `--` so that npx passes every argument on (it would answer `--version` itself).
	return run(npx, ["--no", "--", "gavel", ...args], {
		cwd: dir,
		env: { ...process.env, ...env },
		timeout: 60_000,
	});
}

/**
 * Starts a long-running `gavel` and resolves with its URL once it says it is serving. Through
 * the bin npm linked (node_modules/.bin/gavel), not npx, so signals reach the server itself.
 */
function startGavel(
	dir: string,
	args: string[],
	env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
	const bin = join(dir, "node_modules", ".bin", "gavel");
	const child = spawn(process.execPath, [bin, ...args], {
		cwd: dir,
		env: { ...process.env, ...env },
		stdio: ["ignore", "ignore", "pipe"],
	});
	children.push(child);
	let stderr = "";
	return new Promise((done, fail) => {
		child.stderr?.setEncoding("utf8").on("data", (d: string) => {
			stderr += d;
			const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
			if (m) done({ url: m[1], child, stderr: () => stderr });
		});
		child.on("exit", (code) =>
			fail(new Error(`gavel exited (${code}) before serving:\n${stderr}`)),
		);
	});
}

// `npx gavel build` once; the tests that serve or load its bundle wait for it, so any of them
// also runs alone (vitest -t).
let building: ReturnType<typeof gavel> | undefined;
function buildBundleOnce(dir: string) {
	building ??= gavel(dir, ["build", "shop.rego", "-e", "shop/allow", "-o", "bundle.tar.gz"]);
	return building;
}

function stop(child: ChildProcess): Promise<number | null> {
	return new Promise((done) => {
		if (child.exitCode !== null) return done(child.exitCode);
		child.once("exit", (code) => done(code));
		child.kill("SIGTERM");
	});
}

describe("gavel as an npm package, installed from its tarball", () => {
	it("packs the built CLI, library, declarations and Wasm runtime, and no TypeScript sources", (ctx) => {
		const { files } = app(ctx);
		for (const f of [
			"bin/gavel.js",
			"dist/npm/cli.mjs",
			"dist/npm/index.mjs",
			"dist/npm/index.d.ts",
			"src/wasm/runtime/build/runtime.wasm",
			"src/server/proto/ext_authz.proto",
			"package.json",
			"README.md",
		]) {
			expect(files).toContain(f);
		}
		expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
		expect(files.filter((f) => f.startsWith("scripts/") || f.startsWith("test/"))).toEqual([]);
	});

	it("installs without dev dependencies: no esbuild, tsx, TypeScript or vitest beside it", (ctx) => {
		const { dir } = app(ctx);
		const modules = readdirSync(join(dir, "node_modules"));
		expect(modules).toContain("gavel");
		for (const dev of ["esbuild", "tsx", "typescript", "vitest", "assemblyscript", "wrangler"]) {
			expect(modules).not.toContain(dev);
		}
	});

	it("npx gavel build compiles a policy into a bundle", async (ctx) => {
		const { dir } = app(ctx);
		const r = await buildBundleOnce(dir);
		expect(r.stderr).toMatch(
			/^wrote bundle\.tar\.gz: entrypoints shop\/allow; policy\.wasm \d+ bytes/,
		);
		const v = await gavel(dir, ["--version"]);
		expect(v.stdout).toMatch(/^gavel \d+\.\d+\.\d+ /);
	});

	it("npx gavel build -O (Binaryen), eval and test run from the package too", async (ctx) => {
		const { dir } = app(ctx);
		const o = await gavel(dir, [
			"build",
			"shop.rego",
			"-e",
			"shop/allow",
			"-O",
			"-o",
			"opt.tar.gz",
		]);
		expect(o.stderr).toMatch(/^wrote opt\.tar\.gz: entrypoints shop\/allow/);
		writeFileSync(join(dir, "input.json"), JSON.stringify({ subject: { roles: ["admin"] } }));
		const e = await gavel(dir, ["eval", "-d", "shop.rego", "-i", "input.json", "data.shop.allow"]);
		expect(JSON.parse(e.stdout)).toBe(true);
		writeFileSync(
			join(dir, "shop_test.rego"),
			'package shop\n\ntest_admin if allow with input as {"subject": {"roles": ["admin"]}}\n\ntest_guest if not allow with input as {"action": "write"}\n',
		);
		const t = await gavel(dir, ["test", "shop.rego", "shop_test.rego"]);
		expect(t.stdout).toMatch(/2 passed, 0 failed/);
	});

	it("gavel serve answers /v1/decide with a token from gavel token", async (ctx) => {
		const { dir } = app(ctx);
		await buildBundleOnce(dir);
		const server = await startGavel(dir, [
			"serve",
			"--dev",
			"--bundle",
			"bundle.tar.gz",
			"--policy",
			"shop/allow",
			"--port",
			"0",
		]);
		const decide = async (token: string, body: unknown) => {
			const res = await fetch(`${server.url}/v1/decide`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify(body),
			});
			return { status: res.status, body: (await res.json()) as { allow: boolean } };
		};
		const admin = (
			await gavel(dir, ["token", "--sub", "alice", "--claim", 'roles=["admin"]'])
		).stdout.trim();
		const bob = (await gavel(dir, ["token", "--sub", "bob"])).stdout.trim();
		expect(await decide(admin, { action: "delete", resource: { id: "x" } })).toMatchObject({
			status: 200,
			body: { allow: true, policy: "shop/allow" },
		});
		expect(await decide(bob, { action: "delete", resource: { id: "x" } })).toMatchObject({
			status: 200,
			body: { allow: false },
		});
		expect(await stop(server.child)).toBe(0);
	});

	it("gavel run --server serves the bundle with OPA's --addr: Data API and /v1/decide", async (ctx) => {
		const { dir } = app(ctx);
		await buildBundleOnce(dir);
		const signer = await makeSigner("ES256", "k1");
		writeFileSync(join(dir, "jwks.json"), JSON.stringify({ keys: [signer.publicJwk] }));
		const server = await startGavel(
			dir,
			["run", "--server", "--addr", "127.0.0.1:0", "bundle.tar.gz"],
			{
				GAVEL_JWKS_FILE: "jwks.json",
				GAVEL_ISSUER: ISSUER,
				GAVEL_AUDIENCE: AUDIENCE,
				GAVEL_POLICY: "shop/allow",
			},
		);
		const data = await fetch(`${server.url}/v1/data/shop/allow`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ input: { action: "read", resource: { id: "doc-42" } } }),
		});
		expect(data.status).toBe(200);
		expect(await data.json()).toMatchObject({ result: true });
		const decide = async (claims: Record<string, unknown>) => {
			const res = await fetch(`${server.url}/v1/decide`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${await sign(signer, claims)}`,
					"content-type": "application/json",
				},
				body: JSON.stringify({ action: "delete", resource: { id: "x" } }),
			});
			return { status: res.status, body: await res.json() };
		};
		expect(await decide({ roles: ["admin"] })).toMatchObject({
			status: 200,
			body: { allow: true, policy: "shop/allow" },
		});
		expect(await decide({ roles: [] })).toMatchObject({ status: 200, body: { allow: false } });
		const noToken = await fetch(`${server.url}/v1/decide`, { method: "POST", body: "{}" });
		expect(noToken.status).toBe(401);
		expect(await stop(server.child)).toBe(0);
		const refused = await gavel(dir, ["run", "--server", "--pprof"]).catch(
			(e: { code: number; stderr: string }) => e,
		);
		expect(refused).toMatchObject({ code: 2 });
		expect((refused as { stderr: string }).stderr).toContain("--pprof is an `opa run` flag");
	});

	it('import { … } from "gavel" loads bundles and compiles Rego in-process, host builtins included', async (ctx) => {
		const { dir } = app(ctx);
		await buildBundleOnce(dir);
		writeFileSync(join(dir, "check.mjs"), LIBRARY_SCRIPT);
		const r = await run(process.execPath, ["check.mjs"], { cwd: dir, timeout: 60_000 });
		expect(JSON.parse(r.stdout)).toEqual({
			entrypoints: ["shop/allow"],
			admin: true,
			read: { allow: true },
			denied: { allow: false },
			undefinedEntrypoint: {
				allow: false,
				error: { code: "undefined_entrypoint", message: "unknown entrypoint shop/missing" },
			},
			nowOk: true,
			stamp: "1970-01-01",
			rebuilt: true,
			compileError: {
				isRegoError: true,
				errors: [
					{
						code: "rego_parse_error",
						message: "unexpected eof token",
						location: { file: "bad.rego", row: 2, col: 11 },
					},
				],
			},
			evalError: { isEvalError: true, code: "undefined_entrypoint" },
		});
	});

	it("runs docs/library.md's example and prints what the page says", async (ctx) => {
		const { dir } = app(ctx);
		await buildBundleOnce(dir);
		const doc = readFileSync(join(repo, "docs", "library.md"), "utf8");
		const section = doc.slice(doc.indexOf("## The library"));
		const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
		const printed = /```text\n([\s\S]*?)```/.exec(section)?.[1];
		expect(code).toContain('from "gavel"');
		writeFileSync(join(dir, "example.mjs"), code as string);
		const r = await run(process.execPath, ["example.mjs"], { cwd: dir, timeout: 60_000 });
		expect(r.stdout).toBe(printed);
	});

	it("ships declarations tsc resolves through the exports map, and they reject misuse", async (ctx) => {
		const { dir } = app(ctx);
		await buildBundleOnce(dir);
		writeFileSync(join(dir, "typed.ts"), TYPED_CONSUMER);
		writeFileSync(join(dir, "mistyped.ts"), MISTYPED_CONSUMER);
		// The consumer's own settings: Node's ESM resolution, which reads the exports map.
		writeFileSync(
			join(dir, "tsconfig.json"),
			JSON.stringify({
				compilerOptions: {
					noEmit: true,
					strict: true,
					target: "es2022",
					module: "nodenext",
					moduleResolution: "nodenext",
					types: [],
				},
				files: ["typed.ts", "mistyped.ts"],
			}),
		);
		const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
		const bad = await run(process.execPath, [tsc, "-p", "."], { cwd: dir }).then(
			() => ({ stdout: "" }),
			(e: { stdout: string }) => e,
		);
		// Exactly one error, in the file that misuses the API: typed.ts checks clean.
		expect(bad.stdout.trim().split("\n")).toEqual([
			expect.stringMatching(/^mistyped\.ts\(3,35\): error TS2345: Argument of type 'number'/),
		]);
	});
});
