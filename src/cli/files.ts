// Finding policy and data files under the paths a command was given.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { InputError } from "./command.ts";

/** Directories never worth descending into when looking for policies. */
const SKIPPED_DIRS = new Set(["node_modules", ".git"]);

export interface FoundFile {
	/** The path as the user would write it (relative to the root path given, joined to it). */
	path: string;
	/** The path relative to the root it was found under ("" for a file given directly). */
	relativeDir: string;
}

/**
 * Every file under `paths` that `wanted` accepts, in a stable sorted order. A file given
 * directly is taken whatever its name; a missing path is an input error.
 */
export function findFiles(paths: string[], wanted: (name: string) => boolean): FoundFile[] {
	const found: FoundFile[] = [];
	for (const root of paths) {
		let stat: ReturnType<typeof statSync>;
		try {
			stat = statSync(root);
		} catch {
			throw new InputError(`${root}: no such file or directory`);
		}
		if (stat.isFile()) {
			found.push({ path: root, relativeDir: "" });
			continue;
		}
		walk(root, root, wanted, found);
	}
	return found;
}

function walk(root: string, dir: string, wanted: (name: string) => boolean, found: FoundFile[]) {
	const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
		a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
	);
	for (const entry of entries) {
		const full = join(dir, entry.name);
		if (entry.isDirectory()) {
			if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".")) continue;
			walk(root, full, wanted, found);
		} else if (entry.isFile() && wanted(entry.name)) {
			found.push({ path: full, relativeDir: relative(root, dir) });
		}
	}
}

export const isRegoFile = (name: string) => name.endsWith(".rego");

export function readText(path: string): string {
	try {
		return readFileSync(path, "utf8");
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		const why =
			code === "ENOENT"
				? "no such file"
				: code === "EISDIR"
					? "is a directory, not a file"
					: (e as Error).message;
		throw new InputError(`${path}: ${why}`);
	}
}
