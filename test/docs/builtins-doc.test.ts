// docs/builtins.md is the catalogue as it is: regenerate it with `npm run docs:builtins`.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTINS_DOC, renderBuiltinsDoc } from "../../scripts/builtins-doc.ts";

describe("docs/builtins.md", () => {
	it("is what npm run docs:builtins writes from the catalogue", () => {
		const rendered = renderBuiltinsDoc();
		// Cells are padded to the column's width (as Biome formats tables).
		expect(rendered).toMatch(/\| `http\.send` +\| \*\*refused\*\* +\|/);
		expect(readFileSync(BUILTINS_DOC, "utf8")).toBe(rendered);
	});
});
