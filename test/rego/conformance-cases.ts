// Reads OPA's conformance cases (YAML) for the front end's tests and benchmark: every case's
// modules and query. The folder is $OPA_TEST_CASES, else ../shared/conformance/opa-v1 beside
// the repository; `undefined` when neither exists, so callers can skip cleanly.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export interface CaseModules {
	file: string;
	note: string;
	query: string;
	modules: string[];
}

export function conformanceDir(): string | undefined {
	const fromEnv = process.env.OPA_TEST_CASES;
	if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
	const repo = resolve(fileURLToPath(import.meta.url), "../../..");
	const dir = resolve(repo, "../shared/conformance/opa-v1");
	return existsSync(dir) ? dir : undefined;
}

export function loadCases(dir: string): CaseModules[] {
	const files: string[] = [];
	const walk = (d: string) => {
		for (const name of readdirSync(d).sort()) {
			const p = join(d, name);
			if (statSync(p).isDirectory()) walk(p);
			else if (p.endsWith(".yaml") || p.endsWith(".yml")) files.push(p);
		}
	};
	walk(dir);
	const out: CaseModules[] = [];
	for (const f of files) {
		const doc = parse(readFileSync(f, "utf8")) as {
			cases?: { note: string; query: string; modules?: string[] }[];
		};
		for (const c of doc?.cases ?? []) {
			out.push({ file: relative(dir, f), note: c.note, query: c.query, modules: c.modules ?? [] });
		}
	}
	return out;
}
