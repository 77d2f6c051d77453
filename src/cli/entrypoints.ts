// Catching entrypoints that name no rule (a typo in -e would otherwise build a bundle whose
// decision is always undefined, which the service treats as deny: a silent outage).

import type { Module, Term } from "../rego/ast.ts";

/** "data.a.b" or "a/b" → ["a", "b"] (the compiler's two accepted spellings). */
export function entrypointSegments(e: string): string[] {
	if (e === "data") return [];
	if (e.startsWith("data.")) return e.slice(5).split(".");
	return e.split("/").filter((s) => s !== "");
}

const staticKey = (t: Term): string | undefined => (t.type === "string" ? t.value : undefined);

/** The static part of every rule's full path: package path, then the head ref up to a variable. */
function rulePaths(modules: Module[]): string[][] {
	const out: string[][] = [];
	for (const m of modules) {
		const pkg = m.package.path.path.map(staticKey).filter((s): s is string => s !== undefined);
		for (const r of m.rules) {
			const head = r.head.ref;
			const path = head.head.type === "var" ? [head.head.name] : [];
			for (const p of head.path) {
				const k = staticKey(p);
				if (k === undefined) break;
				path.push(k);
			}
			out.push([...pkg, ...path]);
		}
	}
	return out;
}

const isPrefix = (a: string[], b: string[]) =>
	a.length <= b.length && a.every((s, i) => s === b[i]);

/** Entrypoints that are neither inside a rule's document nor above some rule. */
export function entrypointsWithoutRules(modules: Module[], entrypoints: string[]): string[] {
	const paths = rulePaths(modules);
	return entrypoints.filter((e) => {
		const seg = entrypointSegments(e);
		return !paths.some((p) => isPrefix(seg, p) || isPrefix(p, seg));
	});
}
