// The parts of `npm run differential`, by name (the order they run in). Adding a part is one
// line here: a module under test/differential/ that exports `part: Part` (see part.ts).
// `policies: true` marks a part that also runs on a user's own folder (`--policies DIR`).

import type { Part } from "./part.ts";

export interface PartEntry {
	load: () => Promise<{ part: Part }>;
	/** The part can run on `--policies DIR` (a user's own policy folder). */
	policies?: boolean;
	about: string;
}

export const registry: Record<string, PartEntry> = {
	conformance: {
		load: () => import("./conformance.ts"),
		about: "every shared conformance case through opa eval and Gavel (and the YAML)",
	},
	programs: {
		load: () => import("./programs.ts"),
		about:
			"seeded random Rego v1 programs: OPA's server vs Gavel (value, undefined or error codes)",
	},
	errors: {
		load: () => import("./errors.ts"),
		policies: true,
		about: "broken and mutated modules: opa check vs gavel check (codes, rows, the cap)",
	},
	fmt: {
		load: () => import("./fmt.ts"),
		policies: true,
		about:
			"opa fmt vs gavel fmt on every .rego, conformance module and generated program: bytes and --list/--check",
	},
	bundles: {
		load: () => import("./bundles.ts"),
		policies: true,
		about: "opa build bundles (wasm, rego) served by Gavel vs Gavel's own bundle and opa eval",
	},
	"data-api": {
		load: () => import("./data-api.ts"),
		about:
			"opa run --server vs gavel serve on one bundle: the same HTTP requests, status, headers, bodies",
	},
};
