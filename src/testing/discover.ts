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
 * Every test, in file order, and the modules to compile for them. As in `opa test`, a test
 * name defined by several rules in one package is one test per definition: the second and
 * later are renamed (reported as test_x#01, test_x#02, …) so each is planned on its own.
 */
export function prepareTests(modules: Module[]): { modules: Module[]; tests: TestCase[] } {
	const seen = new Map<string, number>();
	const tests: TestCase[] = [];
	const out = modules.map((m) => {
		const pkg = packageSegments(m);
		const rules = m.rules.map((r) => {
			const rule = testName(r);
			if (!rule) return r;
			const key = [...pkg, rule].join("/");
			const n = seen.get(key) ?? 0;
			seen.set(key, n + 1);
			const suffix = n === 0 ? "" : `#${String(n).padStart(2, "0")}`;
			const planned = n === 0 ? rule : `${rule}__gavel_dup_${n}`;
			const path = [...pkg, planned];
			tests.push({
				name: dataRef([...pkg, rule]).replace(/\.\[/g, "[") + suffix,
				entrypoint: path.join("/"),
				packagePath: pkg,
				rule: rule + suffix,
				file: r.loc.file,
				row: r.loc.row,
				col: r.loc.col,
				skip: rule.startsWith("todo_"),
			});
			if (n === 0) return r;
			const head = r.head.ref.head;
			return {
				...r,
				head: { ...r.head, ref: { ...r.head.ref, head: { ...head, name: planned } } },
			};
		});
		return { ...m, rules };
	});
	return { modules: out, tests };
}

export function discoverTests(modules: Module[]): TestCase[] {
	return prepareTests(modules).tests;
}
