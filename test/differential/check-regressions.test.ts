// Every errors-part regression case (check-regressions.ts): `gavel check` must report OPA's
// recorded errors (the same codes on the same files and rows, all of them, as the errors part
// compares); with OPA installed the recorded errors are checked against `opa check` itself.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { CHECK_REGRESSIONS, type CheckRegression } from "./check-regressions.ts";
import { gavelCheck } from "./errors.ts";
import { type OpaError, opaCheck } from "./opa-cli.ts";

const dirs: string[] = [];
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function write(r: CheckRegression): { dir: string; paths: string[] } {
	const dir = mkdtempSync(join(tmpdir(), "gavel-check-reg-"));
	dirs.push(dir);
	const paths = Object.entries(r.files).map(([name, text]) => {
		const path = join(dir, name);
		mkdirSync(dirname(path), { recursive: true });
		writeFileSync(path, text);
		return path;
	});
	return { dir, paths };
}

/** What the errors part compares: "code file:row" per error, sorted. */
const recordedKeys = (lines: string[]) =>
	lines
		.map((line) => {
			const m = line.match(/^(.+?):(\d+):\d+: (\w+): /);
			return m ? `${m[3]} ${m[1]}:${m[2]}` : `${line.split(":")[0]} (no location)`;
		})
		.sort();

const keys = (errors: OpaError[], dir: string) =>
	errors
		.map((e) =>
			e.location
				? `${e.code} ${relative(dir, e.location.file)}:${e.location.row}`
				: `${e.code} (no location)`,
		)
		.sort();

describe("errors part regressions: gavel check reports what opa check did", () => {
	for (const r of CHECK_REGRESSIONS) {
		it(r.name, async () => {
			const { dir, paths } = write(r);
			const g = await gavelCheck(paths, r.v0 === true);
			if (!Array.isArray(g)) throw new Error(g.broken);
			if (r.known) {
				// A disagreement left on purpose: Gavel's recorded answer, which is not OPA's.
				expect(recordedKeys(r.gavel ?? [])).not.toEqual(recordedKeys(r.opa));
				expect(keys(g, dir)).toEqual(recordedKeys(r.gavel ?? []));
			} else {
				expect(keys(g, dir)).toEqual(recordedKeys(r.opa));
			}
		});
	}
});

describe("errors part regressions: opa check still reports the recorded errors", () => {
	const { opa, missing } = opaRequirement("errors part regressions (OPA's answers)");
	for (const r of CHECK_REGRESSIONS) {
		it.skipIf(missing === "skip")(r.name, async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const { dir, paths } = write(r);
			const o = await opaCheck(opa, paths, { v0Compatible: r.v0 });
			if (!Array.isArray(o)) throw new Error(o.broken);
			const shown = o.map((e) =>
				e.location
					? `${relative(dir, e.location.file)}:${e.location.row}:${e.location.col}: ${e.code}: ${e.message}`
					: `${e.code}: ${e.message}`,
			);
			expect(shown).toEqual(r.opa);
		});
	}
});
