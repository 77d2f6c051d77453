// A bundle built by `opa build -t wasm`, served under real workerd: the builtins OPA's module
// imports that Gavel implements natively are answered by Gavel's runtime, shipped as a second
// compiled module (gavel-edge/runtime), and the answers are OPA's. Skipped outside CI when OPA
// is not installed.

import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { type EdgeWorker, startEdgeWorker } from "./start-worker.ts";

const POLICY = `package edge

allow := true

calls := {
	"range_step": numbers.range_step(1, 10, input.step),
	"suffix": strings.any_suffix_match(input.host, [".org", ".com"]),
	"subset": object.subset({"a": 1, "b": {"c": 2}}, input.sub),
	"bytes": units.parse_bytes(input.size),
	"schema": json.match_schema(input.doc, {"properties": {"id": {"type": "integer"}}}),
}
`;

const INPUT = {
	step: 3,
	host: "a.example.com",
	sub: { b: { c: 2 } },
	size: "2KiB",
	doc: { id: "x" },
};

const { opa, missing } = opaRequirement("OPA-built bundle under workerd");
let worker: EdgeWorker | undefined;
let want: unknown;

beforeAll(async () => {
	if (!opa) return;
	const dir = mkdtempSync(join(tmpdir(), "gavel-opa-edge-"));
	try {
		writeFileSync(join(dir, "p.rego"), POLICY);
		writeFileSync(join(dir, "input.json"), JSON.stringify(INPUT));
		const out = join(dir, "b.tar.gz");
		const args = [
			"build",
			"-t",
			"wasm",
			"-e",
			"edge/allow",
			"-e",
			"edge/calls",
			"-o",
			out,
			"p.rego",
		];
		execFileSync(opa, args, { cwd: dir, stdio: "pipe" });
		const evalArgs = [
			"eval",
			"--format",
			"json",
			"-d",
			"p.rego",
			"-i",
			"input.json",
			"data.edge.calls",
		];
		const res = JSON.parse(execFileSync(opa, evalArgs, { cwd: dir, encoding: "utf8" }));
		want = res.result[0].expressions[0].value;
		// Tokens are not used here; the configuration still wants a key set.
		const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
			format: "jwk",
		});
		worker = await startEdgeWorker(readFileSync(out), {
			GAVEL_POLICY: "edge/allow",
			GAVEL_JWKS: JSON.stringify({ keys: [{ ...jwk, kid: "k", alg: "ES256" }] }),
		});
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}, 180_000);

afterAll(async () => {
	await worker?.close();
});

describe("an OPA-built bundle on workerd", () => {
	it.skipIf(missing === "skip")(
		"answers the builtins OPA's module imports as opa eval does",
		async () => {
			if (!opa || !worker) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const res = await worker.fetch("/v1/data/edge/calls", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ input: INPUT }),
			});
			expect(`${res.status} ${await res.clone().text()}`).toMatch(/^200 /);
			expect(((await res.json()) as { result: unknown }).result).toEqual(want);
		},
	);
});
