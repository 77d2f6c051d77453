// `gavel eval` as a new user drives it: expressions print their values as `opa eval` shows
// them, and input mistakes get one clear line, no stack trace.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gavel } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "gavel-eval-values-"));
mkdirSync(join(dir, "policies", "users"), { recursive: true });
writeFileSync(
	join(dir, "policies", "authz.rego"),
	`package authz

is_admin(u) if u in data.users.admins

allow if is_admin(input.user)
`,
);
writeFileSync(
	join(dir, "policies", "users", "data.json"),
	JSON.stringify({ admins: ["alice", "bob"] }),
);

const evalQuery = (query: string) => gavel(["eval", "-d", "policies", query], { cwd: dir });

describe("gavel eval prints the value of a single expression without variables", () => {
	it.each([
		["count(data.users.admins)", 2],
		["1 + 2", 3],
		['upper("a")', "A"],
		["[x | some x in data.users.admins]", ["alice", "bob"]],
		["1 < 2", true],
		['data.authz.is_admin("alice")', true],
		['data.authz.allow with input.user as "bob"', true],
	])("%s", async (query, value) => {
		const r = await evalQuery(query);
		expect(r.stderr).toBe("");
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual(value);
	});

	// As a statement a false expression fails; a reference's value is shown even when false.
	it.each(["is_string(1)", "2 < 1", 'data.authz.is_admin("zed")', "false"])(
		"%s is undefined",
		async (query) => {
			const r = await evalQuery(query);
			expect(r.code).toBe(0);
			expect(r.stdout).toBe("");
			expect(r.stderr.trim()).toBe("undefined");
		},
	);

	it("keeps showing bindings when the query has variables or assigns", async () => {
		const r = await evalQuery("x := count(data.users.admins); y := x * 2");
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toEqual([{ x: 2, y: 4 }]);
		const holds = await evalQuery("1 = 1");
		expect(JSON.parse(holds.stdout)).toEqual([{}]);
	});
});

describe("gavel eval -f raw", () => {
	it("prints a string value bare and other values as one line of JSON", async () => {
		const name = await gavel(["eval", "-f", "raw", "data.users.admins[0]", "-d", "policies"], {
			cwd: dir,
		});
		expect(name).toMatchObject({ code: 0, stdout: "alice\n" });
		const list = await gavel(["eval", "--format", "raw", "data.users.admins", "-d", "policies"], {
			cwd: dir,
		});
		expect(list.stdout).toBe('["alice","bob"]\n');
	});

	it("prints bindings one solution per line", async () => {
		const r = await gavel(["eval", "-f", "raw", "-d", "policies", "some u in data.users.admins"], {
			cwd: dir,
		});
		expect(r.code).toBe(0);
		expect(r.stdout).toBe('{"u":"alice"}\n{"u":"bob"}\n');
	});

	it("refuses another format as a usage error", async () => {
		const r = await gavel(["eval", "-f", "pretty", "1"], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('--format must be json or raw, not "pretty"');
	});
});

describe("gavel eval input mistakes", () => {
	it("names a directory given as the input file", async () => {
		const r = await gavel(["eval", "-i", "policies", "input"], { cwd: dir });
		expect(r.code).toBe(2);
		expect(r.stderr).toBe("gavel eval: policies: is a directory, not a file\n");
	});

	it("says plainly what is wrong with an input file, in one line", async () => {
		writeFileSync(join(dir, "multi.yaml"), "a: 1\n---\nb: 2\n");
		writeFileSync(join(dir, "empty.json"), "");
		const multi = await gavel(["eval", "-i", "multi.yaml", "input"], { cwd: dir });
		expect(multi.code).toBe(2);
		expect(multi.stderr).toBe(
			"gavel eval: multi.yaml: invalid YAML: it holds several documents (---); a data or input file is one document\n",
		);
		const empty = await gavel(["eval", "-i", "empty.json", "input"], { cwd: dir });
		expect(empty.code).toBe(2);
		expect(empty.stderr).toMatch(/^gavel eval: empty\.json: invalid JSON: .+\n$/);
	});

	it("names the bundle once when its data clashes with -d data", async () => {
		const built = await gavel(["build", "policies", "-e", "authz/allow", "-o", "b.tar.gz"], {
			cwd: dir,
		});
		expect(built.code).toBe(0);
		const r = await gavel(["eval", "-d", "policies", "-b", "b.tar.gz", "data.authz.allow"], {
			cwd: dir,
		});
		expect(r.code).toBe(2);
		expect(r.stderr).toBe("gavel eval: b.tar.gz: data path users/admins is defined twice\n");
	});
});
