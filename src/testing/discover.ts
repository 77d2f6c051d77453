// Finding the tests in parsed modules: rules named test_* run, rules named todo_* are reported
// as skipped (OPA's convention). Functions and ref-head rules are never tests.

import type { Module, Rule } from "../rego/ast.ts";

export interface TestCase {
	/** "data.pkg.test_name", what --run matches and what reports show. */
	name: string;
	/** The entrypoint the compiler plans for it: "pkg/test_name". */
	entrypoint: string;
	packagePath: string[];
	rule: string;
	file: string;
	row: number;
	col: number;
	skip: boolean;
}

export function packageSegments(m: Module): string[] {
	return m.package.path.path.map((t) =>
		t.type === "string" ? t.value : t.type === "var" ? t.name : JSON.stringify(t),
	);
}

function testName(r: Rule): string | undefined {
	if (r.kind === "function" || r.head.ref.path.length > 0 || r.head.ref.head.type !== "var")
		return undefined;
	const name = r.head.ref.head.name;
	return name.startsWith("test_") || name.startsWith("todo_") ? name : undefined;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function dataRef(path: string[]): string {
	return ["data", ...path].map((s, i) => (i === 0 || IDENT.test(s) ? s : `["${s}"]`)).join(".");
}

/**
 * Every test, in file order. A name defined by several rules (incremental definitions of one
 * test) is one test, reported at its first definition.
 */
export function discoverTests(modules: Module[]): TestCase[] {
	const seen = new Set<string>();
	const out: TestCase[] = [];
	for (const m of modules) {
		const pkg = packageSegments(m);
		for (const r of m.rules) {
			const rule = testName(r);
			if (!rule) continue;
			const path = [...pkg, rule];
			const entrypoint = path.join("/");
			if (seen.has(entrypoint)) continue;
			seen.add(entrypoint);
			out.push({
				name: dataRef(path).replace(/\.\[/g, "["),
				entrypoint,
				packagePath: pkg,
				rule,
				file: r.loc.file,
				row: r.loc.row,
				col: r.loc.col,
				skip: rule.startsWith("todo_"),
			});
		}
	}
	return out;
}
