// Which parts of `input` each entrypoint can observe, read off the planned IR: the host may
// then hand the module only those parts (src/engine/input-projection.ts), and the module
// parses a fraction of the text (a JWT's claims, request metadata) that no rule reads.
//
// Sound by construction, not by guessing: in the IR, input is local 0 of every plan and
// function, and the only way into it is a `dot` with a constant key. A local is "input at
// path P" when a chain of such dots (or copies) from local 0 made it. Any other use of such a
// local (compared, iterated, passed to a builtin, returned, dotted with a computed key, tested
// for definedness) needs the whole value at P. A dot that never leads anywhere still needs the
// key to be there (its definedness ends a block), so every path taken is kept, if only as an
// object with no keys.

import type { Block, Func, Local, Operand, Plan, Policy, Stmt } from "./ir.ts";
import { nestedBlocks, readOperands } from "./plan-context.ts";

/** `true`: the whole value is needed. An object: only these keys, each with its own shape. */
export type InputShape = true | { [key: string]: InputShape };

interface FuncReads {
	/** Paths under this function's local 0 that it dots into. */
	taken: string[][];
	/** Paths under local 0 whose whole value it uses. */
	whole: string[][];
	/** Plan functions it calls (their reads of their own local 0 are the same input's). */
	callees: Set<string>;
}

const MAX_PATH = 32;

const key = (path: readonly string[]) => JSON.stringify(path);

/** Every statement in the blocks, nested ones included. */
function* statements(blocks: readonly Block[]): Generator<Stmt> {
	for (const b of blocks) {
		for (const s of b.stmts) {
			yield s;
			yield* statements(nestedBlocks(s));
		}
	}
}

function readsOf(
	f: Pick<Func, "blocks">,
	policy: Policy,
	funcNames: ReadonlySet<string>,
): FuncReads {
	const stmts = [...statements(f.blocks)];
	// Local → the input paths it may hold (flow-insensitive: any assignment anywhere counts).
	const paths = new Map<Local, Map<string, string[]>>([[0, new Map([[key([]), []]])]]);
	// Paths are cut at this depth (the cut one then needed whole): a copy inside a loop cannot
	// make them grow without end.
	const cut: string[][] = [];
	const add = (l: Local, p: string[]) => {
		if (p.length > MAX_PATH) {
			cut.push(p.slice(0, MAX_PATH));
			return false;
		}
		let m = paths.get(l);
		if (!m) {
			m = new Map();
			paths.set(l, m);
		}
		if (m.has(key(p))) return false;
		m.set(key(p), p);
		return true;
	};
	const constKey = (o: Operand) => {
		if (!("const" in o)) return undefined;
		const c = policy.consts[o.const];
		return c?.type === "string" ? c.value : undefined;
	};
	// Uses that pass a path through instead of using its value: a dot with a constant string
	// key, a copy, the source of an upsert (a modified copy), the input argument of a call.
	const transparent = (s: Stmt, o: Operand): boolean =>
		(s.op === "dot" && o === s.source && constKey(s.key) !== undefined) ||
		(s.op === "assign" && o === s.source) ||
		(s.op === "upsert" && o === s.source);
	for (let changed = true; changed; ) {
		changed = false;
		for (const s of stmts) {
			let from: Local | undefined;
			let to: Local | undefined;
			let step: string | undefined;
			if (s.op === "dot" && "local" in s.source) {
				step = constKey(s.key);
				if (step !== undefined) [from, to] = [s.source.local, s.target];
			} else if ((s.op === "assign" || s.op === "upsert") && "local" in s.source) {
				[from, to] = [s.source.local, s.target];
			}
			const known = from === undefined ? undefined : paths.get(from);
			if (!known || to === undefined) continue;
			for (const p of [...known.values()]) {
				if (add(to, step === undefined ? p : [...p, step])) changed = true;
			}
		}
	}
	const whole = new Map<string, string[]>(cut.map((p) => [key(p), p]));
	const callees = new Set<string>();
	for (const s of stmts) {
		const planCall = s.op === "call" && funcNames.has(s.func);
		if (planCall) callees.add(s.func);
		for (const [i, o] of readOperands(s).entries()) {
			if (!("local" in o) || transparent(s, o)) continue;
			const held = paths.get(o.local);
			if (!held) continue;
			for (const p of held.values()) {
				// A call's first argument is its callee's input: the callee's own reads say what
				// of it is needed, as long as it is the input itself (or a modified copy of it).
				if (planCall && i === 0 && p.length === 0) continue;
				whole.set(key(p), p);
			}
		}
	}
	const taken = [...paths.values()].flatMap((m) => [...m.values()]);
	return { taken, whole: [...whole.values()], callees };
}

/** Adds a path to a shape tree; `whole` makes its node `true` (absorbing what is below). */
function mark(
	root: { [key: string]: InputShape },
	path: readonly string[],
	whole: boolean,
): InputShape {
	if (path.length === 0) return whole ? true : root;
	let node: { [key: string]: InputShape } = root;
	for (let i = 0; i < path.length; i++) {
		const k = path[i];
		const last = i === path.length - 1;
		const next = Object.hasOwn(node, k) ? node[k] : undefined;
		if (next === true) return root;
		if (last && whole) {
			node[k] = true;
			return root;
		}
		if (next === undefined) {
			const fresh: { [key: string]: InputShape } = {};
			node[k] = fresh;
			node = fresh;
		} else node = next;
	}
	return root;
}

/** Keys in sorted order (the order the module keeps objects in), recursively. */
function sorted(shape: InputShape): InputShape {
	if (shape === true) return true;
	const out: { [key: string]: InputShape } = {};
	for (const k of Object.keys(shape).sort()) out[k] = sorted(shape[k]);
	return out;
}

/**
 * Each plan's input shape, by plan name: what of `input` its evaluation can observe. `true`
 * when it may observe all of it.
 */
export function inputShapes(policy: Policy): Map<string, InputShape> {
	const funcNames = new Set(policy.funcs.map((f) => f.name));
	const reads = new Map<string, FuncReads>();
	for (const f of policy.funcs) reads.set(f.name, readsOf(f, policy, funcNames));
	const out = new Map<string, InputShape>();
	for (const plan of policy.plans) out.set(plan.name, planShape(plan, policy, funcNames, reads));
	return out;
}

function planShape(
	plan: Plan,
	policy: Policy,
	funcNames: ReadonlySet<string>,
	reads: ReadonlyMap<string, FuncReads>,
): InputShape {
	const own = readsOf(plan, policy, funcNames);
	const all: FuncReads[] = [own];
	const seen = new Set<string>();
	const queue = [...own.callees];
	while (queue.length > 0) {
		const name = queue.pop() as string;
		if (seen.has(name)) continue;
		seen.add(name);
		const r = reads.get(name);
		if (!r) continue;
		all.push(r);
		queue.push(...r.callees);
	}
	let shape: InputShape = {};
	for (const r of all) {
		for (const p of r.taken) if (shape !== true) shape = mark(shape, p, false);
		for (const p of r.whole) if (shape !== true) shape = mark(shape, p, true);
	}
	return sorted(shape);
}
