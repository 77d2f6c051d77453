// Every fmt-part regression case (fmt-regressions.ts): `gavel fmt` must print what `opa fmt`
// recorded, or for a known disagreement Gavel's own recorded output; with OPA installed the
// recorded text is checked against `opa fmt` itself, and for a known disagreement `opa parse`
// must show that OPA's output means something else than the source while Gavel's does not.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fmtCommand } from "../../src/cli/fmt.ts";
import { opaRequirement } from "../opa.ts";
import { FMT_REGRESSIONS } from "./fmt-regressions.ts";
import { opaFmt, runOpa } from "./opa-cli.ts";

async function withFile<T>(source: string, f: (path: string) => Promise<T>): Promise<T> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-fmt-reg-"));
	try {
		const path = join(dir, "policy.rego");
		writeFileSync(path, source);
		return await f(path);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

async function gavelFmt(source: string): Promise<string> {
	return withFile(source, async (path) => {
		let out = "";
		let err = "";
		const code = await fmtCommand.run([path], {
			out: (t) => {
				out += t.endsWith("\n") ? t : `${t}\n`;
			},
			err: (t) => {
				err += t;
			},
			readStdin: async () => "",
		});
		if (code !== 0) throw new Error(`gavel fmt exited ${code}: ${err}`);
		return out;
	});
}

/** OPA's AST of `source` without what formatting may change (locations, `=`/`:=`, import order). */
async function opaMeaning(opa: string, source: string): Promise<string> {
	return withFile(source, async (path) => {
		const run = await runOpa(opa, ["parse", "--format", "json", path]);
		if (run.code !== 0) throw new Error(`opa parse failed: ${run.stderr}`);
		const strip = (x: unknown): unknown => {
			if (Array.isArray(x)) return x.map(strip);
			if (x === null || typeof x !== "object") return x;
			const out: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(x))
				if (!["location", "annotations", "comments", "assign"].includes(k)) out[k] = strip(v);
			return out;
		};
		return JSON.stringify(strip(JSON.parse(run.stdout)));
	});
}

describe("fmt part regressions: gavel fmt prints what opa fmt did (or keeps the meaning)", () => {
	for (const r of FMT_REGRESSIONS) {
		it(r.name, async () => {
			const out = await gavelFmt(r.source);
			if (r.known) {
				expect(r.gavel).toBeDefined();
				expect(r.gavel).not.toBe(r.opa);
				expect(out).toBe(r.gavel);
			} else {
				expect(out).toBe(r.opa);
			}
		});
	}
});

describe("fmt part regressions: opa fmt still prints the recorded text", () => {
	const { opa, missing } = opaRequirement("fmt part regressions (OPA's answers)");
	for (const r of FMT_REGRESSIONS) {
		it.skipIf(missing === "skip")(r.name, async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const o = await opaFmt(opa, r.source);
			expect(o.ok && o.text).toBe(r.opa);
			if (r.known) {
				const source = await opaMeaning(opa, r.source);
				expect(await opaMeaning(opa, r.opa)).not.toBe(source);
				expect(await opaMeaning(opa, r.gavel ?? "")).toBe(source);
			}
		});
	}
});
