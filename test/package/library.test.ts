// The library's behaviour, from the sources (the packed package runs the same code:
// install.test.ts): loading every bundle form, compile errors as data, fail-closed decisions,
// the options reaching the engine, and bundles OPA built and signed, checked with OPA's binary.

import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gunzip, gzip, readTar, writeTar } from "../../src/bundle/index.ts";
import {
	buildBundle,
	compile,
	loadBundle,
	PolicyEvalError,
	RegoCompileError,
} from "../../src/library/index.ts";
import { opaRequirement } from "../opa.ts";

const work = mkdtempSync(join(tmpdir(), "gavel-library-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DECISION = `package app

default decision := {"allow": false}

decision := {"allow": true, "reasons": ["owner"], "obligations": {"log": true}} if {
	input.user == data.app.owners[input.doc]
}

shape := "not a decision"
`;

describe("library: compile and decide", () => {
	it("passes reasons and obligations on, and denies undefined or ill-shaped results with a code", async () => {
		const p = await compile({
			modules: { "app.rego": DECISION },
			data: { app: { owners: { d1: "alice" } } },
			entrypoints: ["app/decision", "data.app.shape"],
		});
		expect(p.entrypoints).toEqual(["app/decision", "app/shape"]);
		expect(p.decide("app/decision", { user: "alice", doc: "d1" })).toEqual({
			allow: true,
			reasons: ["owner"],
			obligations: { log: true },
		});
		expect(p.decide("app/decision", { user: "bob", doc: "d1" })).toEqual({ allow: false });
		expect(p.decide("app/shape", {})).toMatchObject({
			allow: false,
			error: { code: "unexpected_result" },
		});
		expect(p.evaluate("app/shape")).toBe("not a decision");
		expect(p.hasEntrypoint("data.app.decision")).toBe(true);
		expect(p.revision).toMatch(/^src-[0-9a-f]{12}$/);
	});

	it("compiles every plain rule when no entrypoint is named", async () => {
		const p = await compile({ modules: { "app.rego": DECISION }, revision: "r7" });
		expect(p.entrypoints).toEqual(["app/decision", "app/shape"]);
		expect(p.revision).toBe("r7");
		expect(p.decide("app/decision", {})).toEqual({ allow: false });
	});

	it("reports Rego problems as data with OPA's codes and locations", async () => {
		const unsafe = compile({
			modules: { "u.rego": "package u\n\nallow if x > 1\n" },
			entrypoints: ["u/allow"],
		});
		await expect(unsafe).rejects.toBeInstanceOf(RegoCompileError);
		const e = (await unsafe.catch((x) => x)) as RegoCompileError;
		expect(e.errors).toEqual([
			{
				code: "rego_unsafe_var_error",
				message: "var x is unsafe",
				location: { file: "u.rego", row: 3, col: 10 },
			},
		]);
		expect(e.message).toBe(
			"1 error occurred:\nu.rego:3:10: rego_unsafe_var_error: var x is unsafe",
		);
		const typo = (await compile({
			modules: { "app.rego": DECISION },
			entrypoints: ["app/decisoin"],
		}).catch((x) => x)) as RegoCompileError;
		expect(typo.errors).toEqual([
			{ code: "rego_compile_error", message: "entrypoint app/decisoin does not refer to any rule" },
		]);
	});

	it("reads OPA 0.x syntax with regoVersion 0", async () => {
		const v0 = { modules: { "v0.rego": "package v0\n\nallow { input.x == 1 }\n" } };
		await expect(compile(v0)).rejects.toBeInstanceOf(RegoCompileError);
		const p = await compile({ ...v0, regoVersion: 0 });
		expect(p.evaluate("v0/allow", { x: 1 })).toBe(true);
	});

	it("refuses malformed sources with a TypeError naming the field", async () => {
		await expect(compile({ modules: {} })).rejects.toThrow("holds no Rego module");
		await expect(compile({ modules: { "a.rego": 1 as unknown as string } })).rejects.toThrow(
			'sources.modules["a.rego"] is not a string',
		);
		await expect(
			compile({ modules: { "a.rego": "package a\nx := 1" }, data: [1] }),
		).rejects.toThrow("sources.data must be an object");
		await expect(loadBundle(42 as unknown as string)).rejects.toThrow(TypeError);
	});
});

describe("library: options reach the engine", () => {
	it("now supplies time.now_ns()", async () => {
		const p = await compile(
			{ modules: { "t.rego": "package t\n\nnow := time.now_ns()\n" } },
			{ now: () => 1_700_000_000_000_000_000n },
		);
		expect(p.evaluate("t/now")).toBe(1_700_000_000_000_000_000);
	});

	it("strictBuiltinErrors turns a failing builtin from undefined into eval_builtin_error", async () => {
		const sources = { modules: { "s.rego": 'package s\n\nn := to_number("abc")\n' } };
		expect((await compile(sources)).evaluate("s/n")).toBeUndefined();
		const strict = await compile(sources, { strictBuiltinErrors: true });
		expect(() => strict.evaluate("s/n")).toThrow(PolicyEvalError);
		expect(strict.decide("s/n")).toMatchObject({
			allow: false,
			error: { code: "eval_builtin_error" },
		});
	});

	it("maxEvalSteps stops a long evaluation with eval_cancel_error; the policy answers afterwards", async () => {
		const sources = {
			modules: {
				"l.rego":
					"package l\n\nbig := count([x | some x in numbers.range(1, 200000); x % 7 == 0])\nsmall := 1\n",
			},
		};
		const p = await compile(sources, { maxEvalSteps: 1000 });
		let thrown: unknown;
		try {
			p.evaluate("l/big");
		} catch (e) {
			thrown = e;
		}
		expect(thrown).toBeInstanceOf(PolicyEvalError);
		expect((thrown as PolicyEvalError).code).toBe("eval_cancel_error");
		expect(p.evaluate("l/small")).toBe(1);
		expect((await compile(sources)).evaluate("l/big")).toBe(28571);
	});
});

describe("library: loadBundle", () => {
	const bytes = buildBundle({
		modules: { "app.rego": DECISION },
		data: { app: { owners: { d1: "alice" } } },
		entrypoints: ["app/decision"],
		revision: "b-1",
	});
	const input = { user: "alice", doc: "d1" };

	it("loads the bytes buildBundle writes, and the same file from a path", async () => {
		const fromBytes = await loadBundle(bytes);
		expect(fromBytes.revision).toBe("b-1");
		expect(fromBytes.decide("app/decision", input).allow).toBe(true);
		const file = join(work, "b.tar.gz");
		writeFileSync(file, bytes);
		expect((await loadBundle(file)).decide("app/decision", input).allow).toBe(true);
	});

	it("loads an unpacked bundle folder and a folder of sources", async () => {
		const unpacked = join(work, "unpacked");
		for (const e of readTar(gunzip(bytes, 1e8), { maxFileBytes: 1e8, maxFiles: 100 })) {
			const path = join(unpacked, e.name);
			mkdirSync(dirname(path), { recursive: true });
			writeFileSync(path, e.data);
		}
		const p = await loadBundle(unpacked);
		expect([p.revision, p.decide("app/decision", input).allow]).toEqual(["b-1", true]);

		const sources = join(work, "sources");
		mkdirSync(join(sources, "app"), { recursive: true });
		writeFileSync(join(sources, "app", "app.rego"), DECISION);
		writeFileSync(join(sources, "app", "data.json"), JSON.stringify({ owners: { d1: "alice" } }));
		writeFileSync(join(sources, "app", "app_test.rego"), "package app\n\ntest_x if false\n");
		const s = await loadBundle(sources);
		expect(s.entrypoints).toEqual(["app/decision", "app/shape"]);
		expect(s.decide("app/decision", input).allow).toBe(true);

		writeFileSync(join(sources, "app", "bad.rego"), "package app\n\nbroken if {\n");
		const e = (await loadBundle(sources).catch((x) => x)) as RegoCompileError;
		expect(e).toBeInstanceOf(RegoCompileError);
		expect(e.errors[0].location?.file).toBe(join(sources, "app", "bad.rego"));
	});

	it("refuses an unsigned bundle when signing keys are given, and a corrupt archive", async () => {
		const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
		const key = publicKey.export({ type: "spki", format: "pem" }).toString();
		await expect(
			loadBundle(bytes, { signing: { keys: [{ id: "default", algorithm: "RS256", key }] } }),
		).rejects.toThrow(/signature/i);
		await expect(loadBundle(bytes.slice(0, 100))).rejects.toThrow();
	});
});

describe("library: bundles OPA built and signed", () => {
	const { opa, missing } = opaRequirement("library vs opa build");
	it.skipIf(missing === "skip")(
		"loads `opa build -b -t wasm --signing-key` output with the key, agrees with opa eval, refuses it tampered",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const dir = join(work, "opa");
			mkdirSync(join(dir, "src", "app"), { recursive: true });
			writeFileSync(join(dir, "src", "app", "app.rego"), DECISION);
			writeFileSync(
				join(dir, "src", "app", "data.json"),
				JSON.stringify({ owners: { d1: "alice" } }),
			);
			const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
			writeFileSync(join(dir, "priv.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
			const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
			execFileSync(
				opa,
				[
					"build",
					"-b",
					"-t",
					"wasm",
					"-e",
					"app/decision",
					"--signing-key",
					"priv.pem",
					"--signing-alg",
					"RS256",
					"-o",
					"b.tar.gz",
					"src",
				],
				{ cwd: dir },
			);
			const signed = new Uint8Array(readFileSync(join(dir, "b.tar.gz")));
			const signing = { keys: [{ id: "default", algorithm: "RS256", key: pem }] };
			const p = await loadBundle(signed, { signing });
			for (const i of [input(), { user: "bob", doc: "d1" }]) {
				const want = JSON.parse(
					execFileSync(opa, ["eval", "-f", "json", "-b", "src", "-I", "data.app.decision"], {
						cwd: dir,
						input: JSON.stringify(i),
					}).toString(),
				).result[0].expressions[0].value;
				expect(p.evaluate("app/decision", i)).toEqual(want);
			}
			// The same files with data.json changed after signing.
			const entries = readTar(gunzip(signed, 1e8), { maxFileBytes: 1e8, maxFiles: 100 }).map((e) =>
				e.name.endsWith("data.json")
					? { ...e, data: new TextEncoder().encode('{"app":{"owners":{"d1":"mallory"}}}') }
					: e,
			);
			await expect(loadBundle(gzip(writeTar(entries)), { signing })).rejects.toThrow();
		},
	);
});

function input() {
	return { user: "alice", doc: "d1" };
}
