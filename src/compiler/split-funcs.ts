// Keeps every planned function within what Wasm engines accept. V8 refuses a function with
// more than 50,000 locals or a body over ~7.6 MB ("local count too large"), and compiles a
// huge function slowly; a policy of thousands of rules at one path plans to one such function.
// This pass moves runs of blocks (and long straight-line runs of collection building) into
// helper functions, so no function grows past MAX_STMTS statements and locals of one part are
// renumbered from zero in its own helper.
//
// A run of blocks can move when its blocks run once, in order, and whether each ran to its end
// does not matter: a function's top-level blocks and the blocks of a `blocks` statement that
// is not inside a scan (a loop would keep locals across iterations that a helper would reset).
// The helper takes input, data and every local the run shares with the rest of the function,
// and returns the one shared local it writes, when it writes one; the caller assigns it back.

import type { Block, Const, Func, Local, Operand, Plan, Policy, Stmt } from "./ir.ts";
import { nestedBlocks, readOperands } from "./plan-context.ts";

/** Statements (counted at every depth) a function may hold before parts are moved out. */
export const MAX_STMTS = 1500;

/** Locals a moved-out part may share with the function it came from (they become params). */
const MAX_SHARED = 64;
/** How many statements back from a full segment to look for a cut that can move. */
const CUT_SEARCH = 32;

/** Sees each local a statement reads or writes, with the statement that does it. */
type Visit = (local: Local, write: boolean, by: Stmt) => void;
/** Every local a statement reads or writes, nested blocks included. */
function stmtLocals(s: Stmt, visit: Visit): void {
	for (const o of readOperands(s)) if ("local" in o) visit(o.local, false, s);
	for (const l of writtenLocals(s)) visit(l, true, s);
	for (const b of nestedBlocks(s)) blockLocals(b, visit);
}

/** The locals a statement itself writes. */
function writtenLocals(s: Stmt): Local[] {
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
			return [s.target];
		case "scan":
			return [s.key, s.value];
		default:
			return [];
	}
}

function blockLocals(b: Block, f: Visit): void {
	for (const s of b.stmts) stmtLocals(s, f);
}

/** A deep copy of a statement with every local renamed. */
function renameStmt(s: Stmt, map: (l: Local) => Local): Stmt {
	const o = (x: Operand): Operand => ("local" in x ? { local: map(x.local) } : x);
	const b = (x: Block): Block => ({ stmts: x.stmts.map((y) => renameStmt(y, map)) });
	switch (s.op) {
		case "assign":
		case "assignOnce":
			return { ...s, target: map(s.target), source: o(s.source) };
		case "isDefined":
		case "isUndefined":
			return { ...s, source: map(s.source) };
		case "dot":
			return { ...s, source: o(s.source), key: o(s.key), target: map(s.target) };
		case "equal":
		case "notEqual":
			return { ...s, a: o(s.a), b: o(s.b) };
		case "notFalse":
		case "isType":
			return { ...s, source: o(s.source) };
		case "scan":
			return {
				...s,
				source: o(s.source),
				key: map(s.key),
				value: map(s.value),
				block: b(s.block),
			};
		case "not":
		case "memoScope":
			return { ...s, block: b(s.block) };
		case "blocks":
			return { ...s, blocks: s.blocks.map(b) };
		case "call":
			return { ...s, args: s.args.map(o), target: map(s.target) };
		case "makeNull":
		case "makeArray":
		case "makeObject":
		case "makeSet":
			return { ...s, target: map(s.target) };
		case "arrayAppend":
			return { ...s, array: map(s.array), value: o(s.value) };
		case "objectInsert":
		case "objectInsertOnce":
		case "objectMerge":
			return { ...s, object: map(s.object), key: o(s.key), value: o(s.value) };
		case "setAdd":
			return { ...s, set: map(s.set), value: o(s.value) };
		case "resultSetAdd":
			return { ...s, value: map(s.value) };
		case "upsert":
			return {
				...s,
				source: o(s.source),
				path: s.path.map(o),
				value: o(s.value),
				target: map(s.target),
			};
		case "break":
		case "abort":
			return s;
	}
}

function stmtSize(s: Stmt): number {
	switch (s.op) {
		case "scan":
		case "not":
		case "memoScope":
			return 1 + blockSize(s.block);
		case "blocks":
			return 1 + s.blocks.reduce((n, b) => n + blockSize(b), 0);
		default:
			return 1;
	}
}

function blockSize(b: Block): number {
	let n = 1;
	for (const s of b.stmts) n += stmtSize(s);
	return n;
}

/** Does a `break` inside the block leave it (so the block cannot become a function's own)? */
function breaksOut(b: Block, depth = 1): boolean {
	for (const s of b.stmts) {
		if (s.op === "break" && s.levels + 1 > depth) return true;
		switch (s.op) {
			case "scan":
			case "not":
			case "memoScope":
				if (breaksOut(s.block, depth + 1)) return true;
				break;
			case "blocks":
				if (s.blocks.some((x) => breaksOut(x, depth + 1))) return true;
				break;
			default:
		}
	}
	return false;
}

/** Statements that never end their block (so a run of them can move as a whole). */
function neverUndefined(s: Stmt): boolean {
	switch (s.op) {
		case "makeNull":
		case "makeArray":
		case "makeObject":
		case "makeSet":
		case "arrayAppend":
		case "objectInsert":
		case "setAdd":
			return true;
		default:
			return false;
	}
}

interface Body {
	name: string;
	/** input, data and declared params: never renamed. */
	params: number;
	result?: Local;
	blocks: Block[];
}

class Splitter {
	private counts = new Map<Local, number>();
	private nextLocal = 0;
	private parts = 0;
	/** Locals that receive a part's result (defined whenever the assign after the call runs). */
	private readonly handedBack = new Set<Local>();

	constructor(
		private readonly policy: Policy,
		private readonly body: Body,
		private readonly trueConst: () => number,
	) {
		for (const b of body.blocks) {
			blockLocals(b, (l) => {
				this.counts.set(l, (this.counts.get(l) ?? 0) + 1);
				if (l >= this.nextLocal) this.nextLocal = l + 1;
			});
		}
		this.nextLocal = Math.max(this.nextLocal, body.params, (body.result ?? 0) + 1);
	}

	run(): void {
		this.list(this.body.blocks);
	}

	/** Shrink a list of once-run blocks: oversized blocks first, then runs of blocks. */
	private list(blocks: Block[]): void {
		for (const b of blocks) if (blockSize(b) > MAX_STMTS) this.shrink(b);
		let total = blocks.reduce((n, b) => n + blockSize(b), 0);
		if (total <= MAX_STMTS) return;
		let start = 0;
		while (start < blocks.length && total > MAX_STMTS) {
			let end = start;
			let size = 0;
			while (end < blocks.length && (end === start || size + blockSize(blocks[end]) <= MAX_STMTS)) {
				size += blockSize(blocks[end]);
				end++;
			}
			const chunk = blocks.slice(start, end);
			// One block that is too large by itself gains nothing from moving as a whole.
			const call = size > MAX_STMTS ? undefined : this.outline(chunk, false);
			if (call) {
				blocks.splice(start, end - start, call);
				total -= size - blockSize(call);
				start++;
			} else start = end;
		}
	}

	/** Move out what can move inside one oversized block. */
	private shrink(b: Block): void {
		for (const s of b.stmts) if (s.op === "blocks") this.list(s.blocks);
		if (blockSize(b) <= MAX_STMTS) return;
		// Long straight-line runs (collection literals written out): move them in segments.
		const out: Stmt[] = [];
		let run: Stmt[] = [];
		const flush = () => {
			if (run.length < 2) {
				out.push(...run);
			} else {
				// A cut inside one entry leaves two of its locals shared; a few statements earlier
				// there is a cut between entries.
				let i = 0;
				while (i < run.length) {
					const end = Math.min(i + MAX_STMTS - 2, run.length);
					let moved = false;
					for (let e = end; e >= Math.max(i + 2, end - CUT_SEARCH); e--) {
						const call = this.outline([{ stmts: run.slice(i, e) }], true);
						if (!call) continue;
						out.push(...call.stmts);
						i = e;
						moved = true;
						break;
					}
					if (!moved) {
						out.push(...run.slice(i, end));
						i = end;
					}
				}
			}
			run = [];
		};
		for (const s of b.stmts) {
			if (neverUndefined(s)) run.push(s);
			else {
				flush();
				out.push(s);
			}
		}
		flush();
		b.stmts = out;
	}

	/**
	 * The block that calls a new helper doing what `chunk` did; undefined when the chunk shares
	 * more than one written local with the rest of the function, or breaks out of itself.
	 */
	private outline(chunk: Block[], straight: boolean): Block | undefined {
		if (!straight && chunk.some((b) => breaksOut(b))) return undefined;
		const inChunk = new Map<Local, number>();
		const written = new Set<Local>();
		const writesOnlyOnce = new Map<Local, boolean>();
		for (const b of chunk) {
			for (const top of b.stmts) {
				stmtLocals(top, (l, w, s) => {
					inChunk.set(l, (inChunk.get(l) ?? 0) + 1);
					if (!w) return;
					written.add(l);
					// A shared local the helper hands back must not go undefined once defined.
					const safe =
						s.op === "assignOnce" ||
						(straight && neverUndefined(s)) ||
						// What an earlier part handed back (its call was defined, so is this).
						(s.op === "assign" && "local" in s.source && this.handedBack.has(s.source.local));
					writesOnlyOnce.set(l, (writesOnlyOnce.get(l) ?? true) && safe);
				});
			}
		}
		const shared: Local[] = [];
		for (const [l, n] of inChunk) {
			if (l < 2) continue;
			const outside =
				(this.counts.get(l) ?? 0) > n || l < this.body.params || l === this.body.result;
			if (outside) shared.push(l);
		}
		shared.sort((a, b) => a - b);
		// Engines cap a function's params (V8: 1,000); a part sharing that much is not worth it.
		if (shared.length > MAX_SHARED) return undefined;
		const sharedWritten = shared.filter((l) => written.has(l));
		if (sharedWritten.length > 1) return undefined;
		const back = sharedWritten[0];
		if (back !== undefined && (back < this.body.params || !writesOnlyOnce.get(back)))
			return undefined;
		// Helper locals: input, data, shared (as params), then the chunk's own.
		const map = new Map<Local, Local>([
			[0, 0],
			[1, 1],
		]);
		for (const [i, l] of shared.entries()) map.set(l, 2 + i);
		let next = 2 + shared.length;
		for (const l of inChunk.keys()) if (!map.has(l)) map.set(l, next++);
		const rename = (l: Local) => map.get(l) as Local;
		const blocks = chunk.map((b) => ({ stmts: b.stmts.map((s) => renameStmt(s, rename)) }));
		let result: Local;
		if (back !== undefined) result = rename(back);
		else {
			// Nothing to hand back: return true so the call is defined.
			result = next++;
			blocks.push({
				stmts: [{ op: "assign", target: result, source: { const: this.trueConst() } }],
			});
		}
		const name = `${this.body.name}$part${this.parts++}`;
		const helper: Func = { name, arity: shared.length, result, locals: next, blocks, memo: false };
		this.policy.funcs.push(helper);
		const target = this.nextLocal++;
		this.handedBack.add(target);
		const args: Operand[] = [{ local: 0 }, { local: 1 }, ...shared.map((local) => ({ local }))];
		const stmts: Stmt[] = [{ op: "call", func: name, args, target, undefinedArgs: true }];
		if (back !== undefined) stmts.push({ op: "assign", target: back, source: { local: target } });
		const call: Block = { stmts };
		// Keep the use counts of the function in step with its new body.
		for (const [l, n] of inChunk) this.counts.set(l, (this.counts.get(l) ?? 0) - n);
		blockLocals(call, (l) => this.counts.set(l, (this.counts.get(l) ?? 0) + 1));
		return call;
	}

	/** Renumber the function's locals densely (moved-out parts left gaps); the new count. */
	compact(): { locals: number; result?: Local } {
		const map = new Map<Local, Local>();
		for (let i = 0; i < this.body.params; i++) map.set(i, i);
		let next = this.body.params;
		const see = (l: Local) => {
			if (!map.has(l)) map.set(l, next++);
		};
		if (this.body.result !== undefined) see(this.body.result);
		for (const b of this.body.blocks) blockLocals(b, see);
		const rename = (l: Local) => map.get(l) as Local;
		for (const b of this.body.blocks) b.stmts = b.stmts.map((s) => renameStmt(s, rename));
		return {
			locals: next,
			result: this.body.result === undefined ? undefined : rename(this.body.result),
		};
	}
}

function totalSize(blocks: Block[]): number {
	return blocks.reduce((n, b) => n + blockSize(b), 0);
}

/** Split every function and plan of the policy that is larger than MAX_STMTS. */
export function splitLargeFuncs(policy: Policy): void {
	let trueIndex: number | undefined;
	const trueConst = () => {
		if (trueIndex === undefined) {
			const i = policy.consts.findIndex((c: Const) => c.type === "boolean" && c.value);
			trueIndex = i >= 0 ? i : policy.consts.push({ type: "boolean", value: true }) - 1;
		}
		return trueIndex;
	};
	for (const f of [...policy.funcs]) {
		if (totalSize(f.blocks) <= MAX_STMTS) continue;
		const s = new Splitter(
			policy,
			{ name: f.name, params: 2 + f.arity, result: f.result, blocks: f.blocks },
			trueConst,
		);
		s.run();
		const c = s.compact();
		f.locals = c.locals;
		f.result = c.result as Local;
	}
	for (const p of policy.plans as Plan[]) {
		if (totalSize(p.blocks) <= MAX_STMTS) continue;
		const s = new Splitter(
			policy,
			{ name: `plan.${p.name}`, params: 2, blocks: p.blocks },
			trueConst,
		);
		s.run();
		p.locals = s.compact().locals;
	}
}
