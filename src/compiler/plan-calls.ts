// Calls: user functions (their Func, planned once per `with` context), builtins, mocked
// functions, an output argument (`f(x, y)` binds y), relations that yield several values, and
// variadic print.

import type { Term } from "../rego/ast.ts";
import { builtinArity, isRelation, isVariadic, refusalText } from "./builtins.ts";
import type { Local, Operand, Stmt } from "./ir.ts";
import { fnKey, irLoc, PlanError, withoutMocks } from "./plan-context.ts";
import type { PlanState } from "./plan-state.ts";
import { planTerm, planTerms } from "./plan-terms.ts";
import { match } from "./plan-unify.ts";
import { fnTarget } from "./resolved-names.ts";
import { getNode, type RuleNode } from "./ruletree.ts";

/**
 * A call as an expression (`asExpr`: the continuation gets the result to test, or nothing
 * when the last argument was an output) or as a value.
 */
export function planCall(
	fp: PlanState,
	t: Term & { type: "call" },
	asExpr: boolean,
	k: (v: Operand | undefined) => void,
): void {
	let target = fnTarget(t.fn);
	const mock = fp.ctx.mocks.get(fnKey(target));
	if (mock?.kind === "value" || mock?.kind === "const") {
		// The mocked function is replaced by a value, whatever the arguments (which must
		// still be defined); an output argument receives that value.
		const orig = fnTarget(t.fn);
		const n =
			orig.kind === "user" ? getNode(fp.pb.root, orig.path, false)?.arity : builtinArity(orig.name);
		const out = asExpr && n !== undefined && t.args.length === n + 1 ? t.args[n] : undefined;
		const m = mock;
		planTerms(fp, out ? t.args.slice(0, -1) : t.args, () => {
			const give = (v: Operand) => {
				if (out) match(fp, out, v, () => k(undefined));
				else k(v);
			};
			if (m.kind === "const") planTerm(fp, m.term, give);
			else give({ local: fp.mockVals.get(fnKey(target)) as Local });
		});
		return;
	}
	if (mock?.kind === "fn") target = mock.target;
	const refusal = target.kind === "builtin" ? refusalText(target.name) : undefined;
	if (refusal) {
		throw new PlanError(
			"rego_type_error",
			`undefined function ${fnKey(target)}\n\t${refusal}`,
			t.loc,
		);
	}
	if (target.kind === "builtin" && isVariadic(target.name)) {
		planVariadic(fp, target.name, t, k);
		return;
	}
	const original = fnTarget(t.fn);
	let arity: number;
	if (target.kind === "user") {
		const node = getNode(fp.pb.root, target.path, false);
		if (node?.kind !== "function") {
			throw new PlanError("rego_type_error", `undefined function ${fnKey(target)}`, t.loc);
		}
		arity = node.arity ?? 0;
	} else {
		arity = builtinArity(target.name) ?? t.args.length;
	}
	// The arity the author called with decides whether the last argument is an output.
	const calledArity =
		original.kind === "user"
			? (getNode(fp.pb.root, original.path, false)?.arity ?? arity)
			: (builtinArity(original.name) ?? arity);
	const hasOutput = asExpr && t.args.length === calledArity + 1;
	const inArgs = hasOutput ? t.args.slice(0, calledArity) : t.args;
	planTerms(fp, inArgs, (ops) => {
		const res = fp.newLocal();
		if (target.kind === "user") {
			const node = getNode(fp.pb.root, target.path, false) as RuleNode;
			// A mock runs with no mocks of its own: it may call the function it replaces.
			const ctx = mock ? withoutMocks(fp.ctx) : fp.ctx;
			const func = fp.pb.nodeFunc(node, ctx);
			fp.emit({
				op: "call",
				func,
				args: [{ local: fp.input }, { local: fp.data }, ...ops.slice(0, arity), ...fp.ctxArgs(ctx)],
				target: res,
				loc: irLoc(t.loc),
			});
		} else if (target.name === "yaml.is_valid") {
			// OPA answers false for a non-string. The SDK serves this builtin itself (its own
			// implementation wins over the host's) and answers undefined, so the type test is
			// planned here and only strings reach the call.
			fp.pb.useBuiltin(target.name, 1);
			const isString: Stmt = { op: "isType", source: ops[0], typeName: "string" };
			fp.emit({
				op: "blocks",
				blocks: [
					{
						stmts: [
							isString,
							{ op: "call", func: target.name, args: ops, target: res, loc: irLoc(t.loc) },
						],
					},
					{
						stmts: [
							{ op: "not", block: { stmts: [isString] } },
							{
								op: "assign",
								target: res,
								source: fp.pb.constOp({ type: "boolean", value: false }),
							},
						],
					},
				],
			});
			fp.emit({ op: "isDefined", source: res });
		} else {
			fp.pb.useBuiltin(target.name, ops.length);
			fp.emit({ op: "call", func: target.name, args: ops, target: res, loc: irLoc(t.loc) });
		}
		if (hasOutput && target.kind === "builtin" && isRelation(target.name)) {
			const kl = fp.newLocal();
			const vl = fp.newLocal();
			const block = fp.block(() =>
				match(fp, t.args[calledArity], { local: vl }, () => k(undefined)),
			);
			fp.emit({ op: "scan", source: { local: res }, key: kl, value: vl, block });
		} else if (hasOutput) match(fp, t.args[calledArity], { local: res }, () => k(undefined));
		else k({ local: res });
	});
}

/** `print(a, b)`: one array of the arguments, each `<undefined>` when it has no value. */
function planVariadic(
	fp: PlanState,
	name: string,
	t: Term & { type: "call" },
	k: (v: Operand | undefined) => void,
): void {
	const arr = fp.newLocal();
	const vals = t.args.map((a) => {
		const l = fp.newLocal();
		fp.emit({ op: "assign", target: l, source: fp.str("<undefined>") });
		const b = fp.scoped(() =>
			fp.block(() => planTerm(fp, a, (v) => fp.emit({ op: "assign", target: l, source: v }))),
		);
		fp.emit({ op: "blocks", blocks: [b] });
		return l;
	});
	fp.emit({ op: "makeArray", target: arr, capacity: vals.length });
	for (const l of vals) fp.emit({ op: "arrayAppend", array: arr, value: { local: l } });
	const res = fp.newLocal();
	fp.pb.useBuiltin(name, 1);
	fp.emit({ op: "call", func: name, args: [{ local: arr }], target: res, loc: irLoc(t.loc) });
	k({ local: res });
}
