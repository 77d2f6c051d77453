// Every module of OPA's conformance suite must parse; the printer must round-trip each one.

import { describe, expect, it } from "vitest";
import { conformanceDir, loadCases } from "../../test/rego/conformance-cases.ts";
import {
	formatError,
	type Module,
	parseModule,
	parseQuery,
	printModule,
	stripLocations,
} from "./index.ts";

const dir = conformanceDir();
const cases = dir ? loadCases(dir) : [];

function comparable(m: Module) {
	return stripLocations({ ...m, comments: [], file: "" });
}

// The only v1 errors a pre-1.0 module may show: the keywords v1 requires, and the built-ins it
// retired. OPA's suite keeps a few such modules (all, any, casts, toarray, toset, regexmatch).
const V0_ONLY =
	/`if` keyword is required|`contains` keyword is required|deprecated built-in function/;

describe.skipIf(!dir)("OPA conformance modules", () => {
	it("parse as Rego v1, or else as v0 with only v1-specific complaints", () => {
		let v1 = 0;
		const v0Only: string[] = [];
		const failures: string[] = [];
		for (const c of cases) {
			c.modules.forEach((src, i) => {
				const file = `${c.file}#${i}`;
				const r = parseModule(src, file);
				if (r.module) {
					v1++;
					return;
				}
				const r0 = parseModule(src, file, { regoVersion: 0 });
				if (r0.module && r.errors.every((e) => V0_ONLY.test(e.message))) v0Only.push(`${c.note}`);
				else failures.push(`${c.note}: ${r.errors.map(formatError).join("; ")}`);
			});
		}
		expect(failures).toEqual([]);
		expect(v1).toBeGreaterThan(0);
		// Figures for the report (they change only when the suite does).
		console.log(
			`conformance modules: ${v1} parse as v1, ${v0Only.length} only as v0 (${v0Only.join(", ")})`,
		);
	});

	it("every query parses", () => {
		const bad = cases
			.map((c) => ({ c, r: parseQuery(c.query) }))
			.filter(({ r }) => r.errors.length > 0)
			.map(({ c, r }) => `${c.note}: ${r.errors.map(formatError).join("; ")}`);
		expect(bad).toEqual([]);
	});

	it("printing and re-parsing gives the same AST", () => {
		let same = 0;
		let retired = 0;
		for (const c of cases) {
			for (const src of c.modules) {
				const m =
					parseModule(src, "m.rego").module ??
					parseModule(src, "m.rego", { regoVersion: 0 }).module;
				if (!m) continue;
				// The printer writes v1, so a v0 module comes back as v1 (the upgrade `opa fmt --v1`
				// makes); like OPA's formatter it cannot upgrade calls to retired built-ins.
				const text = printModule(m);
				const again = parseModule(text, "m.rego");
				if (m.regoVersion === 0 && again.errors.length > 0) {
					expect(again.errors.map(formatError)).toEqual(
						again.errors.filter((e) => /deprecated built-in/.test(e.message)).map(formatError),
					);
					retired++;
					continue;
				}
				expect(again.errors.map(formatError), text).toEqual([]);
				expect(comparable({ ...(again.module as Module), regoVersion: m.regoVersion })).toEqual(
					comparable(m),
				);
				same++;
			}
		}
		expect(same).toBeGreaterThan(0);
		console.log(
			`round trip: ${same} modules identical, ${retired} v0 modules blocked by retired built-ins`,
		);
	});
});
