// The quick start's development identity: `gavel token` signs with the key `gavel serve
// --dev` created, and the server verifies it through its loopback JWKS over HTTP.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseClaims, tokenCommand } from "../../src/cli/token.ts";
import { type RunningGavel, startGavel } from "../../src/node.ts";
import { validateConfig } from "../../src/server/config.ts";

let stateDir: string;
let running: RunningGavel;
beforeAll(async () => {
	stateDir = mkdtempSync(join(tmpdir(), "gavel-dev-"));
	running = await startGavel(
		validateConfig({ dev: true, stateDir, server: { port: 0 }, bundle: { path: "policies" } }),
		{ info: () => {}, writeLog: () => {}, processMetrics: false },
	);
});
afterAll(async () => {
	await running.close();
});

async function mint(...args: string[]): Promise<string> {
	const out: string[] = [];
	const code = await tokenCommand.run([...args, "--state-dir", stateDir], {
		out: (s) => out.push(s),
		err: (s) => out.push(s),
		readStdin: async () => "",
	});
	expect(code).toBe(0);
	return out.join("").trim();
}

async function decide(token: string, body: unknown) {
	const res = await fetch(`${running.url}/v1/decide`, {
		method: "POST",
		headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("development identity", () => {
	it("keeps its key in a state folder that ignores itself in git", () => {
		expect(readFileSync(join(stateDir, ".gitignore"), "utf8")).toBe("*\n");
		expect(JSON.parse(readFileSync(join(stateDir, "dev-key.json"), "utf8"))).toHaveProperty("d");
	});

	it("a token from `gavel token` gets an allow for an admin and a deny otherwise", async () => {
		const admin = await mint("--sub", "alice", "--role", "admin");
		expect(await decide(admin, { action: "delete", resource: { id: "r1" } })).toMatchObject({
			status: 200,
			body: { allow: true, policy: "example/allow" },
		});
		const bob = await mint("--sub", "bob");
		expect((await decide(bob, { action: "write", resource: { owner: "alice" } })).body.allow).toBe(
			false,
		);
		expect((await decide(bob, { action: "read", resource: { owner: "bob" } })).body.allow).toBe(
			true,
		);
	});

	it("--role is repeatable and always makes roles a list, as the gateway policies expect", async () => {
		const { decodeJwt } = await import("jose");
		expect(decodeJwt(await mint("--sub", "alice", "--role", "admin")).roles).toEqual(["admin"]);
		expect(
			decodeJwt(await mint("--sub", "alice", "--role", "admin", "--role", "editor")).roles,
		).toEqual(["admin", "editor"]);
		// The gateway policy of docs/gateways.md: `"admin" in input.subject.roles`, which a
		// string roles claim ("admin") does not satisfy.
		const admin = await mint("--sub", "alice", "--role", "admin");
		expect((await decide(admin, { action: "delete", resource: { id: "r1" } })).body.allow).toBe(
			true,
		);
		const out: string[] = [];
		await expect(
			tokenCommand.run(
				["--sub", "a", "--role", "x", "--claim", "roles=y", "--state-dir", stateDir],
				{
					out: (s) => out.push(s),
					err: (s) => out.push(s),
					readStdin: async () => "",
				},
			),
		).rejects.toThrow(/--role/);
	});

	it("a dev token for another audience is refused", async () => {
		const wrongAud = await mint("--sub", "alice", "--aud", "elsewhere");
		const r = await decide(wrongAud, {});
		expect(r.status).toBe(401);
		expect(r.body.reason).toBe("wrong_audience");
	});
});

describe("--claim parsing", () => {
	it("reads JSON values, falls back to strings, and lists repeated names", () => {
		expect(
			parseClaims(["roles=admin", "level=3", "ok=true", 'tags=["a","b"]', "g=x", "g=y"]),
		).toEqual({
			roles: "admin",
			level: 3,
			ok: true,
			tags: ["a", "b"],
			g: ["x", "y"],
		});
		expect(() => parseClaims(["novalue"])).toThrow(/NAME=VALUE/);
	});
});
