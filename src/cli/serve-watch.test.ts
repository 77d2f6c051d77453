// `gavel serve --dev --watch` as an author runs it: edit a policy, see the decision change;
// break it, see the located error and the last good policy still answering.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gavel } from "../../test/cli/run-cli.ts";

const bin = resolve(import.meta.dirname, "..", "..", "bin", "gavel.js");
const dir = mkdtempSync(join(tmpdir(), "gavel-watch-"));
const policy = join(dir, "policies", "docs", "docs.rego");
mkdirSync(join(dir, "policies", "docs"), { recursive: true });
const writePolicy = (id: string) =>
	writeFileSync(
		policy,
		`package docs\n\ndefault allow := false\n\nallow if input.resource.id == "${id}"\n`,
	);

let child: ChildProcess;
let stderr = "";
let url = "";
let token = "";

/** Resolves once stderr has matched `re` `times` times: the server says when it swapped. */
function waitFor(re: RegExp, times: number): Promise<void> {
	return new Promise((done, fail) => {
		const check = () => {
			if ([...stderr.matchAll(new RegExp(re, "g"))].length >= times) {
				child.stderr?.off("data", check);
				done();
			}
		};
		child.stderr?.on("data", check);
		child.once("exit", (code) => fail(new Error(`gavel serve exited (${code}): ${stderr}`)));
		check();
	});
}

async function allowed(id: string): Promise<unknown> {
	const res = await fetch(`${url}/v1/decide`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
		body: JSON.stringify({ policy: "docs/allow", resource: { id } }),
	});
	return ((await res.json()) as { allow: unknown }).allow;
}

beforeAll(async () => {
	writePolicy("a");
	child = spawn(process.execPath, [bin, "serve", "--dev", "--watch", "--port", "0"], {
		cwd: dir,
		// The entrypoint the requests name is the one /v1/decide may call (policy.decideEntrypoints).
		env: { ...process.env, GAVEL_POLICY: "docs/allow" },
		stdio: ["ignore", "ignore", "pipe"],
	});
	child.stderr?.setEncoding("utf8").on("data", (d: string) => {
		stderr += d;
	});
	await waitFor(/serving on http:\/\/127\.0\.0\.1:\d+/, 1);
	url = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? "";
	const t = await gavel(["token", "--sub", "alice"], { cwd: dir });
	token = t.stdout.trim();
});

afterAll(() => {
	if (child.exitCode === null) child.kill("SIGKILL");
});

describe("gavel serve --watch", () => {
	it("serves the policies folder's sources", async () => {
		expect(stderr).toMatch(/activated bundle revision "src-[0-9a-f]+" from file:policies/);
		expect(await allowed("a")).toBe(true);
		expect(await allowed("b")).toBe(false);
	});

	it("recompiles on change and swaps the new policy in", async () => {
		writePolicy("b");
		await waitFor(/activated bundle revision/, 2);
		expect(await allowed("b")).toBe(true);
		expect(await allowed("a")).toBe(false);
	});

	it("prints a located compile error and keeps the last good policy", async () => {
		writeFileSync(policy, "package docs\n\nallow if {\n\tinput.resource.id ==\n}\n");
		await waitFor(/rejected, keeping the active one/, 1);
		expect(stderr).toMatch(/docs\.rego:5:1: rego_parse_error: /);
		expect(await allowed("b")).toBe(true);
		expect(await allowed("a")).toBe(false);
	});
});
