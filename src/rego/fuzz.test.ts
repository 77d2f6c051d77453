// Bad input never crashes the front end: it yields an AST, or errors that each carry a location
// inside the source. Whatever parses must also survive print → parse unchanged.
// (Time per input is measured by bench/parse.ts, never asserted here.)

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conformanceDir, loadCases } from "../../test/rego/conformance-cases.ts";
import { mutate, tokenSoup } from "../../test/rego/fuzz-inputs.ts";
import {
	formatError,
	type Module,
	parseModule,
	parseQuery,
	printModule,
	stripLocations,
} from "./index.ts";

function checkOutcome(src: string): void {
	let r: ReturnType<typeof parseModule>;
	try {
		r = parseModule(src, "fuzz.rego");
	} catch (e) {
		throw new Error(`parser threw on ${JSON.stringify(src)}: ${(e as Error).stack}`);
	}
	const lines = src.split("\n").length;
	if (r.module) {
		expect(r.errors).toEqual([]);
		const text = printModule(r.module);
		const again = parseModule(text, "fuzz.rego");
		expect(again.errors.map(formatError), `${src}\n---\n${text}`).toEqual([]);
		const strip = (m: Module) => stripLocations({ ...m, comments: [] });
		expect(strip(again.module as Module)).toEqual(strip(r.module));
		return;
	}
	expect(r.errors.length, JSON.stringify(src)).toBeGreaterThan(0);
	for (const e of r.errors) {
		if (e.message === "error limit reached") continue;
		expect(e.loc, `${formatError(e)} for ${JSON.stringify(src)}`).toBeDefined();
		expect(e.loc?.row).toBeGreaterThanOrEqual(1);
		expect(e.loc?.row).toBeLessThanOrEqual(lines);
		expect(e.loc?.col).toBeGreaterThanOrEqual(1);
	}
}

const dir = conformanceDir();
const modules = dir ? loadCases(dir).flatMap((c) => c.modules) : [];

describe("fuzz", () => {
	it("random token streams give an AST or located errors", () => {
		fc.assert(fc.property(tokenSoup, checkOutcome), { numRuns: 1500 });
	});

	it("random token streams as queries never throw", () => {
		fc.assert(
			fc.property(tokenSoup, (src) => {
				const r = parseQuery(src);
				expect(r.body !== undefined || r.errors.length > 0).toBe(true);
			}),
			{ numRuns: 500 },
		);
	});

	it.skipIf(modules.length === 0)(
		"mutated conformance modules give an AST or located errors",
		() => {
			fc.assert(
				fc.property(fc.nat(modules.length - 1), fc.integer(), (i, seed) =>
					checkOutcome(mutate(modules[i], seed)),
				),
				{ numRuns: 1500 },
			);
		},
	);
});
