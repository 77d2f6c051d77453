// The compiler's public face: modules (+ entrypoints, queries) → checked, planned IR.
//
// Passes, in order: ruletree.ts places every rule at its data path (kind conflicts, duplicate
// defaults, rules overlapping rules/packages); resolve.ts resolves names (package rules,
// imports, roots, user functions vs builtins, arity and literal argument types) and renames
// every local to a name unique in its rule; safety.ts reorders bodies so vars are bound
// before use (unsafe vars); recursion.ts rejects rules that depend on themselves. Then
// policy-builder.ts and the plan-*.ts steps (see plan-state.ts) lower what entrypoints and
// queries reach into the IR.

import type { Annotation, Body, Module, RefTerm, Term } from "../rego/ast.ts";
import { type RegoError, sortErrors } from "../rego/errors.ts";
import type { ArityOf } from "./bindings.ts";
import { builtinArity } from "./builtins.ts";
import type { Policy } from "./ir.ts";
import { dropLoneNotTrue, dropLoneNotTrueInBody } from "./lone-not-true.ts";
import { EMPTY_CTX, PlanError } from "./plan-context.ts";
import { PolicyBuilder } from "./policy-builder.ts";
import { checkRecursion } from "./recursion.ts";
import { rewriteMetadataCalls } from "./rego-metadata.ts";
import { type FunctionArities, moduleEnv, Resolver } from "./resolve.ts";
import { fnTarget } from "./resolved-names.ts";
import {
	buildRuleTree,
	type CRule,
	getNode,
	headPlacement,
	packagePath,
	type RuleNode,
	ruleNodes,
} from "./ruletree.ts";
import { checkHeads, reorderBody, reorderTermClosures } from "./safety.ts";
import { firstStage, headSafety, isLocalDeclError, stops } from "./stages.ts";
import { bodyMentionedVars, bodyShallowVars, deepVars } from "./term-vars.ts";
import { TypeChecker } from "./typecheck.ts";
import { checkUnusedDecls } from "./unused-decls.ts";

export {
	type Capabilities,
	CapabilitiesError,
	capabilityNames,
	parseCapabilities,
} from "./capabilities.ts";
export type * from "./ir.ts";
export { printIr } from "./print.ts";

export interface CompileOptions {
	modules: Module[];
	/** "data.x.y" or "x/y". */
	entrypoints?: string[];
	queries?: { name: string; body: Body }[];
	strictBuiltinErrors?: boolean;
	/** Builtin names a capabilities file allows (OPA's `--capabilities`); others are unknown. */
	capabilities?: ReadonlySet<string>;
}

interface Analysed {
	root: RuleNode;
	rulesAt: (path: string[]) => boolean;
	functions: FunctionArities;
	arityOf: ArityOf;
	errors: RegoError[];
}

/** Runs every semantic pass; the rule tree comes back with resolved, reordered rules. */
function analyse(parsed: Module[], capabilities?: ReadonlySet<string>): Analysed {
	const errors: RegoError[] = [];
	const modules = dropLoneNotTrue(rewriteMetadataCalls(parsed));
	const root = buildRuleTree(modules, errors);
	const functions: FunctionArities = new Map();
	for (const n of ruleNodes(root)) {
		if (n.kind === "function") functions.set(n.path.join("."), n.arity ?? 0);
	}
	const arityOf: ArityOf = (fn: RefTerm) => {
		const t = fnTarget(fn);
		return t.kind === "user" ? functions.get(t.path.join(".")) : builtinArity(t.name);
	};
	const rulesAt = (path: string[]) => (getNode(root, path, false)?.raw.length ?? 0) > 0;
	const ruleNames = new Map<string, Set<string>>();
	for (const m of modules) {
		const key = packagePath(m).join(".");
		let names = ruleNames.get(key);
		if (!names) {
			names = new Set();
			ruleNames.set(key, names);
		}
		for (const r of m.rules) names.add(headPlacement(r).prefix[0]);
	}
	for (const n of ruleNodes(root)) {
		for (const raw of n.raw) {
			const env = {
				...moduleEnv(raw.module, ruleNames.get(packagePath(raw.module).join(".")) ?? new Set()),
				capabilities,
			};
			const resolver = new Resolver(env, functions, errors, rulesAt);
			const before = errors.length;
			const rule = resolver.rule(raw.rule, raw.kind, raw.dynKeys, raw.module);
			if (!errors.slice(before).some(isLocalDeclError)) checkUnusedDecls(rule, errors);
			n.rules.push(reorderRule(rule, arityOf, errors));
		}
	}
	const found = firstStage(errors);
	if (!stops(found)) checkRecursion(root, found);
	if (!stops(found)) new TypeChecker(root, found).checkRules();
	return { root, rulesAt, functions, arityOf, errors: found };
}

function reorderRule(rule: CRule, arityOf: ArityOf, errors: RegoError[]): CRule {
	const bound = new Set<string>();
	for (const a of rule.args ?? []) deepVars(a, bound);
	const heads: Term[] = [...rule.dynKeys];
	if (rule.key) heads.push(rule.key);
	heads.push(rule.value);
	const outer = new Set(bound);
	for (const h of heads)
		bodyShallowVars([{ type: "expr", negated: false, terms: h, with: [], loc: h.loc }], outer);
	const before = errors.length;
	const r = reorderBody(rule.body, bound, outer, arityOf, rule.names, errors);
	// As OPA (measured with opa check): a head var the body mentions (outside closures and
	// `some` declarations) is left to body safety, which names it where it is stuck.
	const mentioned = new Set<string>();
	if (errors.length > before) bodyMentionedVars(rule.body, mentioned);
	const headErrors: RegoError[] = [];
	checkHeads(heads, r.bound, outer, arityOf, rule.names, headErrors, rule.loc, mentioned);
	for (const e of headErrors) headSafety.add(e);
	errors.push(...headErrors);
	const scope = new Set(outer);
	bodyShallowVars(rule.body, scope);
	const fix = (t: Term) => reorderTermClosures(t, r.bound, scope, arityOf, rule.names, errors);
	return {
		...rule,
		body: r.body,
		dynKeys: rule.dynKeys.map(fix),
		key: rule.key ? fix(rule.key) : undefined,
		value: fix(rule.value),
		else: rule.else ? reorderRule(rule.else, arityOf, errors) : undefined,
	};
}

/** "data.a.b" or "a/b" → ["a", "b"]. */
export function entrypointPath(e: string): string[] {
	if (e === "data") return [];
	if (e.startsWith("data.")) return e.slice(5).split(".");
	return e.split("/").filter((s) => s !== "");
}

function annotatedEntrypoints(modules: Module[]): string[] {
	const out: string[] = [];
	const isEntry = (as?: Annotation[]) => (as ?? []).some((a) => a.entrypoint === true);
	for (const m of modules) {
		const pkg = packagePath(m);
		if (isEntry(m.annotations)) out.push(pkg.join("/"));
		for (const r of m.rules) {
			if (isEntry(r.annotations)) out.push([...pkg, ...headPlacement(r).prefix].join("/"));
		}
	}
	return out;
}

/** Compile modules to IR: one plan per entrypoint and per query. */
export function compile(opts: CompileOptions): { policy?: Policy; errors: RegoError[] } {
	const { root, rulesAt, functions, arityOf, errors } = analyse(opts.modules, opts.capabilities);
	const queries: { name: string; body: Body; vars: Map<string, string> }[] = [];
	for (const q of opts.queries ?? []) {
		const env = {
			pkg: [],
			ruleNames: new Set<string>(),
			imports: new Map(),
			regoVersion: 1 as const,
			file: "",
			capabilities: opts.capabilities,
		};
		const resolver = new Resolver(env, functions, errors, rulesAt);
		const { body, vars } = resolver.query(dropLoneNotTrueInBody(q.body));
		const r = reorderBody(body, new Set(), new Set(), arityOf, resolver.names, errors);
		if (errors.length === 0) new TypeChecker(root, errors).checkQuery(r.body);
		queries.push({ name: q.name, body: r.body, vars });
	}
	if (errors.length > 0) return { errors: sortErrors(errors) };
	const pb = new PolicyBuilder(root);
	try {
		const seen = new Set<string>();
		for (const e of [...(opts.entrypoints ?? []), ...annotatedEntrypoints(opts.modules)]) {
			const path = entrypointPath(e);
			const name = path.join("/");
			if (seen.has(name)) continue;
			seen.add(name);
			pb.planEntrypoint(name, path);
		}
		for (const q of queries) pb.planQuery(q.name, q.body, q.vars);
	} catch (e) {
		if (e instanceof PlanError) {
			const loc = e.loc ? { file: e.loc.file, row: e.loc.row, col: e.loc.col } : undefined;
			return { errors: [{ code: e.code, message: e.message, loc }] };
		}
		throw e;
	}
	const policy = pb.policy();
	if (opts.strictBuiltinErrors) policy.strictBuiltinErrors = true;
	return { policy, errors: [] };
}

/** All semantic passes, no planning output: for `gavel check`. */
export function checkModules(modules: Module[], capabilities?: ReadonlySet<string>): RegoError[] {
	const { root, errors } = analyse(modules, capabilities);
	if (errors.length > 0) return sortErrors(errors);
	// Planning every rule surfaces what only the planner can see (functions used as values…).
	const pb = new PolicyBuilder(root);
	try {
		for (const n of ruleNodes(root)) pb.nodeFunc(n, EMPTY_CTX);
	} catch (e) {
		if (e instanceof PlanError) {
			const loc = e.loc ? { file: e.loc.file, row: e.loc.row, col: e.loc.col } : undefined;
			return [{ code: e.code, message: e.message, loc }];
		}
		throw e;
	}
	return [];
}
