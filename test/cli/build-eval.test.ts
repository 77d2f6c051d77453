import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { readBundle } from "../../src/bundle/index.ts";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-build-"));
const write = (name: string, text: string) => {
	const path = join(dir, name);
	mkdirSync(join(path, ".."), { recursive: true });
	writeFileSync(path, text);
	return path;
};

// data.rbac.roles comes from rbac/data.json (nested by directory, as in OPA bundles).
write(
	"policies/rbac/authz.rego",
	`package rbac

default allow := false

allow if {
	some role in input.user.roles
	input.action in data.rbac.roles[role]
}

# METADATA
# entrypoint: true
reasons contains msg if {
	not allow
	msg := sprintf("%s may not %s", [input.user.name, input.action])
}
`,
);
write(
	"policies/rbac/data.json",
	JSON.stringify({ roles: { reader: ["read"], writer: ["read", "write"] } }),
);
write("broken/p.rego", "package broken\n\nallow if {\n\tinput.x == y\n}\n");
write("conflict/c.rego", "package c\n\nv := input.a\n\nv := input.b\n");
write(
	"input-writer.json",
	JSON.stringify({ user: { name: "ann", roles: ["writer"] }, action: "write" }),
);
const bundle = join(dir, "out", "rbac.tar.gz");

describe("gavel build", () => {
	it("writes an OPA bundle whose policy.wasm the official SDK evaluates", async () => {
		const r = await gavel(
			["build", "policies", "-e", "rbac/allow", "-o", bundle, "--revision", "r42"],
			{ cwd: dir },
		);
		expect(r.stderr).toContain("wrote");
		expect(r.code).toBe(0);
		const b = readBundle(new Uint8Array(readFileSync(bundle)));
		expect(b.manifest).toMatchObject({
			revision: "r42",
			roots: [""],
			rego_version: 1,
			wasm: [
				{ entrypoint: "rbac/allow", module: "/policy.wasm" },
				{ entrypoint: "rbac/reasons", module: "/policy.wasm" },
			],
		});
		expect(b.data).toEqual({ rbac: { roles: { reader: ["read"], writer: ["read", "write"] } } });
		expect([...b.rego.keys()]).toEqual(["policies/rbac/authz.rego"]);

		const policy = await loadPolicy(b.wasm[0].bytes);
		policy.setData(b.data);
		const reader = { user: { name: "bob", roles: ["reader"] }, action: "write" };
		expect(policy.evaluate(reader, "rbac/allow")).toEqual([{ result: false }]);
		expect(policy.evaluate({ ...reader, action: "read" }, "rbac/allow")).toEqual([
			{ result: true },
		]);
		expect(policy.evaluate(reader, "rbac/reasons")).toEqual([{ result: ["bob may not write"] }]);
	});

	it("prints compile errors OPA-style and exits 1", async () => {
		const r = await gavel(["build", "broken", "-e", "broken/allow", "-o", "never.tar.gz"], {
			cwd: dir,
		});
		expect(r.code).toBe(1);
		expect(r.stderr).toContain("broken/p.rego:4:2: rego_unsafe_var_error: var y is unsafe");
		expect(existsSync(join(dir, "never.tar.gz"))).toBe(false);
	});

	it("--ir prints the plan and writes no bundle without -o", async () => {
		const r = await gavel(["build", "conflict", "-e", "c/v", "--ir"], { cwd: dir });
		expect(r.code).toBe(0);
		expect(r.stdout).toContain("c/v");
		expect(existsSync(join(dir, "bundle.tar.gz"))).toBe(false);
	});

	it("refuses entrypoints that name no rule (a typo would build an always-undefined policy)", async () => {
		const r = await gavel(
			["build", "policies", "-e", "rbac/alow", "-e", "data.rbac", "-o", "never.tar.gz"],
			{
				cwd: dir,
			},
		);
		expect(r.code).toBe(1);
		expect(r.stderr).toBe(
			"1 error occurred:\nrego_compile_error: entrypoint rbac/alow does not refer to any rule\n",
		);
		expect(existsSync(join(dir, "never.tar.gz"))).toBe(false);
	});

	it("without entrypoints is a usage error", async () => {
		const r = await gavel(["build", "conflict"], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain("no entrypoints");
	});
});

describe("gavel eval", () => {
	it("prints the value of a plain reference", async () => {
		const r = await gavel(
			["eval", "-d", "policies", "-i", "input-writer.json", "data.rbac.allow"],
			{ cwd: dir },
		);
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toBe(true);
	});

	it("prints the bindings of a query's variables, with input from stdin", async () => {
		const input = JSON.stringify({ user: { name: "cy", roles: ["reader"] }, action: "write" });
		const r = await gavel(
			["eval", "-d", "policies", "--input-stdin", "some msg in data.rbac.reasons; n := count(msg)"],
			{ cwd: dir, stdin: input },
		);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual([{ msg: "cy may not write", n: 16 }]);
	});

	it("evaluates against a bundle's sources and data", async () => {
		const r = await gavel(
			[
				"eval",
				"-b",
				bundle,
				"-i",
				"input-writer.json",
				"data.rbac.roles.writer[i] == input.action",
			],
			{
				cwd: dir,
			},
		);
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual([{ i: 1 }]);
	});

	it("reports a run-time conflict with OPA's error code and exits 1", async () => {
		const r = await gavel(["eval", "-d", "conflict", "data.c.v"], { cwd: dir, stdin: "" });
		expect(r.code).toBe(0);
		expect(r.stderr).toBe("undefined\n");
		const clash = await gavel(["eval", "-d", "conflict", "--input-stdin", "data.c.v"], {
			cwd: dir,
			stdin: JSON.stringify({ a: 1, b: 2 }),
		});
		expect(clash.code).toBe(1);
		expect(clash.stderr).toContain("eval_conflict_error");
	});

	it("passes a falsy input (false) as input, not as 'no input'", async () => {
		const r = await gavel(["eval", "--input-stdin", "input == false"], {
			cwd: dir,
			stdin: "false",
		});
		expect(r.code).toBe(0);
		// A comparison without variables prints its value, as opa eval does.
		expect(JSON.parse(r.stdout)).toBe(true);
	});

	it("unreadable input is an input error (2)", async () => {
		const r = await gavel(["eval", "--input-stdin", "input.x"], { cwd: dir, stdin: "{not json" });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain("input from stdin");
	});
});
