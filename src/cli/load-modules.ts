// Reading and parsing every .rego file under some paths: shared by check, build and eval.

import type { Module } from "../rego/ast.ts";
import type { RegoError } from "../rego/errors.ts";
import { parseModule } from "../rego/index.ts";
import { findFiles, isRegoFile, readText } from "./files.ts";

export interface LoadedModules {
	modules: Module[];
	/** Source text by file path, for bundles that ship the .rego files. */
	sources: Map<string, string>;
	errors: RegoError[];
	fileCount: number;
}

export function loadRegoModules(paths: string[], regoVersion: 0 | 1): LoadedModules {
	const files = findFiles(paths, isRegoFile);
	const modules: Module[] = [];
	const errors: RegoError[] = [];
	const sources = new Map<string, string>();
	for (const { path } of files) {
		const source = readText(path);
		sources.set(path, source);
		const parsed = parseModule(source, path, { regoVersion });
		errors.push(...parsed.errors);
		if (parsed.module && parsed.errors.length === 0) modules.push(parsed.module);
	}
	return { modules, sources, errors, fileCount: files.length };
}
