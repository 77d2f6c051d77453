// Loop-invariant lookups move out of loops. The planner plans "the rest of the body" inside each
// scan, so a lookup that does not depend on the element (`input.action`, `data.roles`) would
// run once per element; after this pass it runs once, before the scan. Collections built
// from invariant values (`{"action": input.action}`) move the same way.
//
// A lookup (`dot`) may be undefined, which ends its block. Moving it before a scan is sound
// when:
// - the scan is the last statement of its block, so nothing after the scan could be skipped
//   by a failing lookup;
// - that block's "ran to its end" is not itself observed (the bodies of `not` and `memoScope`
//   are; function, plan, `blocks` and scan bodies are not);
// - in the loop body, only pure statements (checks and lookups that write fresh locals) come
//   before the lookup: when it fails, no iteration could have done anything visible;
// - the locals it reads are not written anywhere inside the loop.

import type { Block, Local, Operand, Policy, Stmt } from "./ir.ts";
import { nestedBlocks } from "./plan-context.ts";

/** Hoist loop-invariant lookups in every function and plan of the policy (in place). */
export function hoistInvariants(policy: Policy): void {
	for (const f of policy.funcs) for (const b of f.blocks) hoistBlock(b, true);
	for (const p of policy.plans) for (const b of p.blocks) hoistBlock(b, true);
}

/** `endUnobserved`: whether leaving this block early is indistinguishable from finishing it. */
function hoistBlock(b: Block, endUnobserved: boolean): void {
	for (const s of b.stmts) {
		switch (s.op) {
			case "scan":
				hoistBlock(s.block, true);
				break;
			case "not":
			case "memoScope":
				hoistBlock(s.block, false);
				break;
			case "blocks":
				for (const x of s.blocks) hoistBlock(x, true);
				break;
		}
	}
	const last = b.stmts[b.stmts.length - 1];
	if (!endUnobserved || last?.op !== "scan") return;
	const written = new Map<Local, number>();
	writes(last.block, written);
	bump(written, last.key);
	bump(written, last.value);
	const moved: Stmt[] = [];
	const kept: Stmt[] = [];
	// Collections built in the loop body: filling them is not an effect outside it.
	const made = new Set<Local>();
	const unwrite = (l: Local, times: number) => {
		const n = (written.get(l) ?? times) - times;
		if (n <= 0) written.delete(l);
		else written.set(l, n);
	};
	let pure = true;
	const stmts = last.block.stmts;
	for (let i = 0; i < stmts.length; i++) {
		const s = stmts[i];
		if (pure && s.op === "dot" && !reads(s.source, written) && !reads(s.key, written)) {
			moved.push(s);
			// Its target is now defined before the loop; the loop no longer writes it.
			unwrite(s.target, 1);
			continue;
		}
		const made1 = madeLocal(s);
		if (made1 !== undefined) {
			// A collection and the statements that fill it, right after it (a literal such as
			// `{"action": input.action}`): invariant when every value filled in is.
			let j = i + 1;
			while (j < stmts.length && fills(stmts[j], made1)) j++;
			const group = stmts.slice(i, j);
			const invariant =
				written.get(made1) === group.length &&
				group.every((g) => operands(g).every((o) => !reads(o, written)));
			if (pure && invariant) {
				moved.push(...group);
				unwrite(made1, group.length);
			} else {
				made.add(made1);
				kept.push(...group);
			}
			i = j - 1;
			continue;
		}
		if (!isPure(s) && !fillsAny(s, made)) pure = false;
		kept.push(s);
	}
	if (moved.length === 0) return;
	last.block.stmts = kept;
	b.stmts.splice(b.stmts.length - 1, 0, ...moved);
}

function madeLocal(s: Stmt): Local | undefined {
	return s.op === "makeObject" || s.op === "makeArray" || s.op === "makeSet" ? s.target : undefined;
}

/** A plain insert into collection `l` (never undefined, never an error). */
function fills(s: Stmt, l: Local): boolean {
	return (
		(s.op === "objectInsert" && s.object === l) ||
		(s.op === "arrayAppend" && s.array === l) ||
		(s.op === "setAdd" && s.set === l)
	);
}

function fillsAny(s: Stmt, ls: Set<Local>): boolean {
	for (const l of ls) if (fills(s, l)) return true;
	return false;
}

/** The values a fill statement reads. */
function operands(s: Stmt): Operand[] {
	switch (s.op) {
		case "objectInsert":
			return [s.key, s.value];
		case "arrayAppend":
		case "setAdd":
			return [s.value];
		default:
			return [];
	}
}

function bump(m: Map<Local, number>, l: Local): void {
	m.set(l, (m.get(l) ?? 0) + 1);
}

function reads(o: Operand, written: Map<Local, number>): boolean {
	return "local" in o && written.has(o.local);
}

/** Statements that only test values or write a fresh local. */
function isPure(s: Stmt): boolean {
	switch (s.op) {
		case "dot":
		case "equal":
		case "notEqual":
		case "notFalse":
		case "isType":
		case "isDefined":
		case "isUndefined":
			return true;
		default:
			return false;
	}
}

/** How often each local is written in a block, at any depth. */
function writes(b: Block, out: Map<Local, number>): void {
	for (const s of b.stmts) {
		switch (s.op) {
			case "assign":
			case "assignOnce":
			case "dot":
			case "call":
			case "makeNull":
			case "makeArray":
			case "makeObject":
			case "makeSet":
			case "upsert":
				bump(out, s.target);
				break;
			case "arrayAppend":
				bump(out, s.array);
				break;
			case "objectInsert":
			case "objectInsertOnce":
			case "objectMerge":
				bump(out, s.object);
				break;
			case "setAdd":
				bump(out, s.set);
				break;
			case "scan":
				bump(out, s.key);
				bump(out, s.value);
				break;
		}
		for (const x of nestedBlocks(s)) writes(x, out);
	}
}
