// References: lookups along a path (a scan where a key is an unbound var), and refs into
// `data`, which follow the rule tree while the path is constant (rules become calls to their
// Funcs, namespaces to extent Funcs merging base and virtual documents) and end in base data.

import type { Loc, RefTerm, Term } from "../rego/ast.ts";
import { isPattern } from "./bindings.ts";
import type { Local, Operand } from "./ir.ts";
import { PlanError } from "./plan-context.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm } from "./plan-terms.ts";
import { match } from "./plan-unify.ts";
import { hasRules, pathName, type RuleNode } from "./ruletree.ts";

/** Base data at a path: a chain of dots from the data local. */
export function basePath(fp: PlanState, path: string[]): Local {
	let src: Local = fp.data;
	for (const p of path) {
		const t = fp.newLocal();
		fp.emit({ op: "dot", source: { local: src }, key: fp.str(p), target: t });
		src = t;
	}
	return src;
}

/** The value of a node's document (rules, or merged namespace), in a local. */
export function documentOf(fp: PlanState, node: RuleNode): Local {
	if (fp.isOverridden(node.path) || !hasRules(node)) return basePath(fp, node.path);
	const t = fp.newLocal();
	if (node.raw.length > 0) {
		fp.emit({
			op: "call",
			func: fp.pb.nodeFunc(node, fp.ctx),
			args: [{ local: fp.input }, { local: fp.data }, ...fp.ctxArgs(fp.ctx)],
			target: t,
		});
	} else {
		fp.emit({
			op: "call",
			func: fp.pb.extentFunc(node, fp.ctx),
			args: [{ local: fp.input }, { local: fp.data }, ...fp.ctxArgs(fp.ctx)],
			target: t,
		});
	}
	return t;
}

export function planRef(fp: PlanState, ref: RefTerm, k: (v: Operand) => void): void {
	const head = ref.head;
	if (head.type === "var" && head.name === "data") {
		planData(fp, ref.path, 0, fp.pb.root, ref.loc, k);
		return;
	}
	if (head.type === "var" && head.name === "input" && ref.path.length > 0) {
		// A lookup in undefined input is undefined anyway.
		planPath(fp, { local: fp.input }, ref.path, 0, k);
		return;
	}
	planTerm(fp, head, (h) => planPath(fp, h, ref.path, 0, k));
}

export function planPath(
	fp: PlanState,
	src: Operand,
	path: Term[],
	i: number,
	k: (v: Operand) => void,
	base = false,
): void {
	if (i === path.length) {
		k(src);
		return;
	}
	const p = path[i];
	if (base && p.type === "number") {
		// Base documents are JSON, whose object keys are strings: OPA's store finds `data.x[2]`
		// under "2" in an object, and at index 2 in an array. Which one is known at run time;
		// a helper function decides, so the rest of the plan is not duplicated.
		const t = fp.newLocal();
		fp.emit({
			op: "call",
			func: fp.pb.numberKeyFunc(),
			args: [
				{ local: fp.input },
				{ local: fp.data },
				src,
				fp.pb.constOp({ type: "number", text: p.text }),
				fp.str(p.text),
			],
			target: t,
		});
		planPath(fp, { local: t }, path, i + 1, k, base);
		return;
	}
	if (isPattern(p, fp.bound())) {
		const kl = fp.newLocal();
		const vl = fp.newLocal();
		const block = fp.block(() =>
			match(fp, p, { local: kl }, () => planPath(fp, { local: vl }, path, i + 1, k)),
		);
		fp.emit({ op: "scan", source: src, key: kl, value: vl, block });
		return;
	}
	planTerm(fp, p, (key) => {
		const t = fp.newLocal();
		fp.emit({ op: "dot", source: src, key, target: t });
		planPath(fp, { local: t }, path, i + 1, k, base);
	});
}

/** A ref into `data`: walk the rule tree while the path is constant, then plain lookups. */
export function planData(
	fp: PlanState,
	path: Term[],
	i: number,
	node: RuleNode,
	loc: Loc,
	k: (v: Operand) => void,
): void {
	if (fp.isOverridden(node.path) || !hasRules(node)) {
		planBase(fp, node, path, i, loc, k);
		return;
	}
	if (node.raw.length > 0) {
		if (node.kind === "function") {
			throw new PlanError(
				"rego_type_error",
				`function ${pathName(node.path)} used as a value`,
				loc,
			);
		}
		const v = documentOf(fp, node);
		planPath(fp, { local: v }, path, i, k);
		return;
	}
	if (i === path.length) {
		k({ local: documentOf(fp, node) });
		return;
	}
	const p = path[i];
	if (p.type === "number" || p.type === "boolean" || p.type === "null") {
		planBase(fp, node, path, i, loc, k);
		return;
	}
	if (p.type === "string") {
		const child = node.children.get(p.value);
		if (child) {
			planData(fp, path, i + 1, child, loc, k);
			return;
		}
		planBase(fp, node, path, i, loc, k);
		return;
	}
	planPath(fp, { local: documentOf(fp, node) }, path, i, k);
}

/**
 * Plain lookups in base data from `node` on. Base documents are JSON, whose keys are
 * strings: a number key written in the ref looks up its decimal text (as OPA's store does).
 */
function planBase(
	fp: PlanState,
	node: RuleNode,
	path: Term[],
	i: number,
	loc: Loc,
	k: (v: Operand) => void,
): void {
	const full: Term[] = [
		...node.path.map((s): Term => ({ type: "string", value: s, loc })),
		...path.slice(i),
	];
	planPath(fp, { local: fp.data }, full, 0, k, true);
}
