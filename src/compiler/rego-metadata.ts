// rego.metadata.rule() and rego.metadata.chain(): as in OPA, each call is replaced before the
// other passes by a constant, the METADATA annotations of the rule it appears in (rule()) or
// the chain of annotations that apply to it, nearest first (chain()): the rule's own entry,
// its document's, its package's, and every enclosing package's `subpackages` ones. The
// annotations are shown as OPA shows them (authors and related resources normalised, keys Rego
// does not define left out).

import type { Annotation, Loc, Module, Rule, Term } from "../rego/ast.ts";
import { headPlacement } from "./ruletree.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `Name <email>` → {name, email}; an object keeps its non-empty name and email. */
function author(a: unknown): Json {
	if (typeof a === "string") {
		const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(a.trim());
		const name = (m ? m[1] : a).trim();
		const email = m ? m[2].trim() : "";
		const out: Record<string, Json> = {};
		if (name) out.name = name;
		if (email) out.email = email;
		return out;
	}
	if (a && typeof a === "object") {
		const o = a as Record<string, unknown>;
		const out: Record<string, Json> = {};
		if (typeof o.name === "string" && o.name) out.name = o.name;
		if (typeof o.email === "string" && o.email) out.email = o.email;
		return out;
	}
	return {};
}

function resource(r: unknown): Json {
	if (typeof r === "string") return { ref: r };
	const o = (r ?? {}) as Record<string, unknown>;
	const out: Record<string, Json> = {};
	if (typeof o.ref === "string") out.ref = o.ref;
	if (typeof o.description === "string" && o.description) out.description = o.description;
	return out;
}

/** `- input: {…}` → {path: ["input"], definition: {…}}; `- input.x: schema.y` → schema ref. */
function schema(s: unknown): Json {
	if (!s || typeof s !== "object" || Array.isArray(s)) return {};
	const [key, value] = Object.entries(s)[0] ?? ["", null];
	const out: Record<string, Json> = { path: key.split(".") };
	if (typeof value === "string") out.schema = value.split(".");
	else out.definition = value as Json;
	return out;
}

export function annotationJson(a: Annotation): Json {
	const o: Record<string, Json> = { scope: a.scope };
	if (a.title !== undefined) o.title = a.title;
	if (a.description !== undefined) o.description = a.description;
	if (a.entrypoint) o.entrypoint = true;
	if (a.organizations?.length) o.organizations = a.organizations;
	if (a.authors?.length) o.authors = a.authors.map(author);
	if (a.related_resources?.length) o.related_resources = a.related_resources.map(resource);
	if (a.schemas?.length) o.schemas = a.schemas.map(schema);
	if (a.custom && Object.keys(a.custom).length > 0) o.custom = a.custom as Json;
	return o;
}

function toTerm(v: Json, loc: Loc): Term {
	if (v === null) return { type: "null", loc };
	if (typeof v === "boolean") return { type: "boolean", value: v, loc };
	if (typeof v === "number") return { type: "number", text: String(v), loc };
	if (typeof v === "string") return { type: "string", value: v, loc };
	if (Array.isArray(v)) return { type: "array", items: v.map((x) => toTerm(x, loc)), loc };
	return {
		type: "object",
		entries: Object.entries(v).map(([k, x]) => [toTerm(k, loc), toTerm(x, loc)]),
		loc,
	};
}

function packagePath(m: Module): string[] {
	return m.package.path.path.map((t) => (t.type === "string" ? t.value : ""));
}

function isMetadataCall(t: Term, which: "rule" | "chain"): boolean {
	if (t.type !== "call" || t.args.length !== 0) return false;
	const f = t.fn;
	return (
		f.head.type === "var" &&
		f.head.name === "rego" &&
		f.path.length === 2 &&
		f.path[0].type === "string" &&
		f.path[0].value === "metadata" &&
		f.path[1].type === "string" &&
		f.path[1].value === which
	);
}

function mentions(x: unknown): boolean {
	if (Array.isArray(x)) return x.some(mentions);
	if (!x || typeof x !== "object") return false;
	const o = x as Record<string, unknown>;
	const t = o as unknown as Term;
	if (t.type === "call" && (isMetadataCall(t, "rule") || isMetadataCall(t, "chain"))) return true;
	for (const [k, v] of Object.entries(o))
		if (k !== "loc" && k !== "annotations" && mentions(v)) return true;
	return false;
}

/** A copy of x with both calls replaced (any AST node: terms, bodies, expressions). */
function replaceIn<T>(x: T, rule: Json, chain: Json): T {
	if (Array.isArray(x)) return x.map((y) => replaceIn(y, rule, chain)) as T;
	if (!x || typeof x !== "object") return x;
	const t = x as unknown as Term;
	if (isMetadataCall(t, "rule")) return toTerm(rule, t.loc) as T;
	if (isMetadataCall(t, "chain")) return toTerm(chain, t.loc) as T;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
		out[k] = k === "loc" || k === "annotations" ? v : replaceIn(v, rule, chain);
	}
	return out as T;
}

interface PackageNotes {
	package: Annotation[];
	subpackages: Annotation[];
}

/** Modules with every rego.metadata.rule()/chain() call replaced by its value. */
export function rewriteMetadataCalls(modules: Module[]): Module[] {
	if (!modules.some((m) => mentions(m.rules))) return modules;
	const packages = new Map<string, PackageNotes>();
	const documents = new Map<string, Annotation>();
	for (const m of modules) {
		const pkg = packagePath(m);
		const key = pkg.join(".");
		const notes = packages.get(key) ?? { package: [], subpackages: [] };
		packages.set(key, notes);
		for (const a of m.annotations)
			(a.scope === "package" ? notes.package : notes.subpackages).push(a);
		for (const r of m.rules) {
			const doc = r.annotations?.find((a) => a.scope === "document");
			const path = [...pkg, ...headPlacement(r).prefix].join(".");
			if (doc && !documents.has(path)) documents.set(path, doc);
		}
	}
	const entry = (path: string[], a?: Annotation): Json =>
		a ? { annotations: annotationJson(a), path } : { path };
	return modules.map((m) => {
		if (!mentions(m.rules)) return m;
		const pkg = packagePath(m);
		const rewrite = (r: Rule, own: Annotation | undefined): Rule => {
			const path = [...pkg, ...headPlacement(r).prefix];
			const chain: Json[] = [entry(path, own)];
			const doc = documents.get(path.join("."));
			if (doc) chain.push(entry(path, doc));
			for (let n = pkg.length; n >= 1; n--) {
				const notes = packages.get(pkg.slice(0, n).join("."));
				if (!notes) continue;
				if (n === pkg.length) for (const a of notes.package) chain.push(entry(pkg, a));
				for (const a of notes.subpackages) chain.push(entry(pkg.slice(0, n), a));
			}
			const ruleValue = own ? annotationJson(own) : {};
			const { else: next, ...rest } = r;
			const out: Rule = { ...replaceIn(rest, ruleValue, chain), annotations: r.annotations };
			// An else branch is a rule of its own, with no annotations of its own (as in OPA).
			if (next) out.else = rewrite(next, undefined);
			return out;
		};
		return {
			...m,
			rules: m.rules.map((r) =>
				mentions(r)
					? rewrite(
							r,
							r.annotations?.find((a) => a.scope === "rule"),
						)
					: r,
			),
		};
	});
}
