// Loading OPA's YAML conformance cases (the format is described in the suite's SOURCE.md).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export interface ConformanceCase {
	/** Path of the YAML file relative to the suite root, e.g. "aggregates/test-aggregates-0001.yaml". */
	file: string;
	/** The folder the file sits in (OPA's category). */
	category: string;
	note: string;
	query: string;
	modules: string[];
	data?: unknown;
	input?: unknown;
	inputTerm?: string;
	/** Expected result set: one binding map per solution; [] means undefined. */
	wantResult?: Record<string, unknown>[];
	wantErrorCode?: string;
	wantError?: string;
	sortBindings: boolean;
	strictError: boolean;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** $OPA_TEST_CASES, else ../shared/conformance/opa-v1 beside the repo; undefined when neither exists. */
export function suiteDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const configured = env.OPA_TEST_CASES;
	if (configured) return existsSync(configured) ? resolve(configured) : undefined;
	const fallback = resolve(repoRoot, "..", "shared", "conformance", "opa-v1");
	return existsSync(fallback) ? fallback : undefined;
}

function yamlFiles(dir: string): string[] {
	const out: string[] = [];
	for (const name of readdirSync(dir).sort()) {
		const full = join(dir, name);
		if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
		else if (name.endsWith(".yaml") || name.endsWith(".yml")) out.push(full);
	}
	return out;
}

/** Every case under `root`, in file order, then in the order each file lists them. */
export function loadCases(root: string): ConformanceCase[] {
	const cases: ConformanceCase[] = [];
	for (const full of yamlFiles(root)) {
		const file = relative(root, full).split(sep).join("/");
		const category = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "(root)";
		const doc = parseYaml(readFileSync(full, "utf8")) as { cases?: unknown[] } | null;
		for (const raw of doc?.cases ?? [])
			cases.push(toCase(raw as Record<string, unknown>, file, category));
	}
	return cases;
}

function toCase(raw: Record<string, unknown>, file: string, category: string): ConformanceCase {
	const str = (v: unknown) => (typeof v === "string" ? v : undefined);
	return {
		file,
		category,
		note: str(raw.note) ?? "(no note)",
		query: str(raw.query) ?? "",
		modules: Array.isArray(raw.modules) ? raw.modules.map(String) : [],
		data: raw.data,
		input: raw.input,
		inputTerm: str(raw.input_term),
		wantResult: Array.isArray(raw.want_result)
			? (raw.want_result as Record<string, unknown>[])
			: undefined,
		wantErrorCode: str(raw.want_error_code),
		wantError: str(raw.want_error),
		sortBindings: raw.sort_bindings === true,
		strictError: raw.strict_error === true,
	};
}

/** OPA's runner names the modules test-0.rego, test-1.rego, …; error messages quote these names. */
export function moduleFileName(index: number): string {
	return `test-${index}.rego`;
}
