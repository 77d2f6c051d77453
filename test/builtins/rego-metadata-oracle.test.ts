// rego.metadata.rule() and rego.metadata.chain() answer as in OPA: the annotations of the
// rule, its document, its package and enclosing packages' subpackages scope, normalised as
// OPA shows them. Each case is a set of modules whose package both Gavel and OPA's binary
// evaluate whole. The OPA comparison is skipped outside CI when OPA is not installed.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateWasm } from "../../src/cli/query.ts";
import { compile } from "../../src/compiler/index.ts";
import { formatError, parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";
import { opaRequirement } from "../opa.ts";

interface Case {
	name: string;
	files: Record<string, string>;
	/** The package evaluated whole, slash-separated. */
	pkg: string;
}

const CASES: Case[] = [
	{
		name: "rule, chain, document scope, functions",
		pkg: "t",
		files: {
			"p.rego": `# METADATA
# title: pkg title
# description: pkg desc
# scope: package
package t

# METADATA
# title: my rule
# custom:
#   a: 1
#   b: [x, y]
# authors:
#   - Jane <jane@example.com>
p := rego.metadata.rule()

c := rego.metadata.chain()

# METADATA
# scope: document
# description: doc
q := rego.metadata.chain()

# METADATA
# title: f
f(x) := [x, rego.metadata.rule()]

r := f(1)

none := rego.metadata.rule()
`,
		},
	},
	{
		name: "subpackages, entrypoint scope, authors and resources, unknown keys",
		pkg: "a/b",
		files: {
			"a.rego": `# METADATA
# scope: subpackages
# title: root subpackages
package a
`,
			"b.rego": `# METADATA
# title: pkg b
# organizations: [acme]
package a.b

# METADATA
# title: rule
# foo: bar
# entrypoint: true
# authors:
#   - Jane
#   - name: Bob
#     email: bob@x.org
#   - "Ann <ann@x.org>"
# related_resources:
#   - https://example.com/x
#   - ref: https://example.com/y
#     description: why
p := rego.metadata.chain()

q := rego.metadata.rule() if { true }

q2 := x if { x := rego.metadata.rule() }
`,
		},
	},
	{
		name: "document scope, schemas, else, partial rules, comprehensions",
		pkg: "t",
		files: {
			"m.rego": `package t

# METADATA
# scope: document
# title: d
p := rego.metadata.rule()

# METADATA
# title: r
# schemas:
#   - input: {"type": "object"}
q := rego.metadata.rule()

# METADATA
# title: e
w := 1 if { false } else := rego.metadata.rule()

# METADATA
# title: s
s contains rego.metadata.rule()

# METADATA
# title: o
o[k] := v if { k := "a"; v := rego.metadata.chain() }

x := [rego.metadata.chain() | true]
`,
		},
	},
];

async function gavel(c: Case): Promise<unknown> {
	const modules = Object.entries(c.files).map(([file, src]) => {
		const { module, errors } = parseModule(src, file);
		if (!module || errors.length > 0) throw new Error(errors.map(formatError).join("\n"));
		return module;
	});
	const { policy, errors } = compile({ modules, entrypoints: [c.pkg] });
	if (!policy) throw new Error(errors.map(formatError).join("\n"));
	const rs = await evaluateWasm(emitWasm(policy), {}, undefined, { entrypoint: c.pkg });
	return rs[0];
}

function opa(bin: string, c: Case): unknown {
	const dir = mkdtempSync(join(tmpdir(), "gavel-metadata-"));
	try {
		for (const [file, src] of Object.entries(c.files)) writeFileSync(join(dir, file), src);
		const out = execFileSync(
			bin,
			["eval", "--format", "json", "-d", dir, `data.${c.pkg.replaceAll("/", ".")}`],
			{ encoding: "utf8" },
		);
		return JSON.parse(out).result[0].expressions[0].value;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe("rego.metadata.rule / rego.metadata.chain", () => {
	it("is replaced by the annotations at compile time", async () => {
		const got = (await gavel(CASES[0])) as Record<string, unknown>;
		expect(got.p).toEqual({
			scope: "rule",
			title: "my rule",
			custom: { a: 1, b: ["x", "y"] },
			authors: [{ name: "Jane", email: "jane@example.com" }],
		});
		expect(got.none).toEqual({});
		expect(got.c).toEqual([
			{ path: ["t", "c"] },
			{
				path: ["t"],
				annotations: { scope: "package", title: "pkg title", description: "pkg desc" },
			},
		]);
	});

	const { opa: bin, missing } = opaRequirement("rego.metadata vs OPA");
	it.skipIf(missing === "skip").each(CASES.map((c) => [c.name, c] as const))(
		"%s: as opa eval",
		async (_name, c) => {
			if (!bin) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			expect(await gavel(c)).toEqual(opa(bin, c));
		},
	);
});
