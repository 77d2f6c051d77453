// The expression-building surface the function emitter uses, and a small implementation of it
// that encodes Wasm instructions directly (no binaryen). binaryen.Module satisfies the same
// interface, so one emitter serves both the spliced build (splice.ts) and the binaryen build
// (emit.ts, used for --optimize).

import { Writer } from "./binary.ts";

export type Ref = number;
/** binaryen's type ids, which this builder shares so emitter code reads the same for both. */
export const NONE = 0;
export const I32 = 2;

export interface ExprBuilder {
	local: { get(index: number, type: number): Ref; set(index: number, value: Ref): Ref };
	global: { get(name: string, type: number): Ref; set(name: string, value: Ref): Ref };
	i32: {
		const(value: number): Ref;
		eqz(value: Ref): Ref;
		eq(left: Ref, right: Ref): Ref;
		ne(left: Ref, right: Ref): Ref;
		ge_s(left: Ref, right: Ref): Ref;
		gt_s(left: Ref, right: Ref): Ref;
		lt_s(left: Ref, right: Ref): Ref;
		add(left: Ref, right: Ref): Ref;
		sub(left: Ref, right: Ref): Ref;
		/** i32.load at ptr + offset (align is log2 of the alignment, as in binaryen). */
		load(offset: number, align: number, ptr: Ref): Ref;
		store(offset: number, align: number, ptr: Ref, value: Ref): Ref;
	};
	block(label: string | null, children: Ref[], resultType?: number): Ref;
	loop(label: string | null, body: Ref): Ref;
	if(condition: Ref, ifTrue: Ref, ifFalse?: Ref): Ref;
	br(label: string, condition?: Ref, value?: Ref): Ref;
	call(name: string, operands: Ref[], returnType: number): Ref;
	return(value?: Ref): Ref;
	select(condition: Ref, ifTrue: Ref, ifFalse: Ref): Ref;
	unreachable(): Ref;
	nop(): Ref;
}

type Ty = "none" | "i32" | "unreachable";

type Node =
	| { k: "get"; i: number }
	| { k: "set"; i: number; v: Ref }
	| { k: "gget"; name: string }
	| { k: "gset"; name: string; v: Ref }
	| { k: "const"; n: number }
	| { k: "op"; code: number; args: Ref[]; ty: Ty; mem?: [number, number] }
	| { k: "block"; label: string | null; kids: Ref[]; ty: Ty }
	| { k: "loop"; label: string | null; body: Ref }
	| { k: "if"; c: Ref; t: Ref; e?: Ref; ty: Ty }
	| { k: "br"; label: string; c?: Ref }
	| { k: "call"; name: string; args: Ref[]; ty: Ty }
	| { k: "return"; v?: Ref }
	| { k: "select"; c: Ref; a: Ref; b: Ref }
	| { k: "unreachable" }
	| { k: "nop" };

const tyOf = (t: number | undefined): Ty => (t === I32 ? "i32" : "none");

/** Builds expression trees as numbered nodes; encodes a function body on demand. */
export class WasmExprs implements ExprBuilder {
	private nodes: Node[] = [];

	private add(n: Node): Ref {
		this.nodes.push(n);
		return this.nodes.length - 1;
	}

	private op(code: number, args: Ref[], ty: Ty = "i32", mem?: [number, number]): Ref {
		return this.add({ k: "op", code, args, ty, mem });
	}

	typeOf(r: Ref): Ty {
		const n = this.nodes[r];
		switch (n.k) {
			case "get":
			case "gget":
			case "const":
			case "select":
				return "i32";
			case "op":
			case "block":
			case "if":
			case "call":
				return n.ty;
			case "loop":
				return this.typeOf(n.body) === "i32" ? "i32" : "none";
			case "br":
				return n.c === undefined ? "unreachable" : "none";
			case "return":
			case "unreachable":
				return "unreachable";
			default:
				return "none";
		}
	}

	local = {
		get: (i: number, _type: number): Ref => this.add({ k: "get", i }),
		set: (i: number, v: Ref): Ref => this.add({ k: "set", i, v }),
	};

	global = {
		get: (name: string, _type: number): Ref => this.add({ k: "gget", name }),
		set: (name: string, v: Ref): Ref => this.add({ k: "gset", name, v }),
	};

	i32 = {
		const: (n: number): Ref => this.add({ k: "const", n }),
		eqz: (a: Ref): Ref => this.op(0x45, [a]),
		eq: (a: Ref, b: Ref): Ref => this.op(0x46, [a, b]),
		ne: (a: Ref, b: Ref): Ref => this.op(0x47, [a, b]),
		lt_s: (a: Ref, b: Ref): Ref => this.op(0x48, [a, b]),
		gt_s: (a: Ref, b: Ref): Ref => this.op(0x4a, [a, b]),
		ge_s: (a: Ref, b: Ref): Ref => this.op(0x4e, [a, b]),
		add: (a: Ref, b: Ref): Ref => this.op(0x6a, [a, b]),
		sub: (a: Ref, b: Ref): Ref => this.op(0x6b, [a, b]),
		load: (offset: number, align: number, ptr: Ref): Ref =>
			this.op(0x28, [ptr], "i32", [align, offset]),
		store: (offset: number, align: number, ptr: Ref, v: Ref): Ref =>
			this.op(0x36, [ptr, v], "none", [align, offset]),
	};

	block(label: string | null, kids: Ref[], resultType?: number): Ref {
		// Like binaryen: without a given type, a block has its last child's value type.
		let ty: Ty = resultType === undefined ? "none" : tyOf(resultType);
		if (
			resultType === undefined &&
			kids.length > 0 &&
			this.typeOf(kids[kids.length - 1]) === "i32"
		) {
			ty = "i32";
		}
		return this.add({ k: "block", label, kids, ty });
	}

	loop(label: string | null, body: Ref): Ref {
		return this.add({ k: "loop", label, body });
	}

	if(c: Ref, t: Ref, e?: Ref): Ref {
		const ty: Ty =
			e !== undefined && this.typeOf(t) === "i32" && this.typeOf(e) === "i32" ? "i32" : "none";
		return this.add({ k: "if", c, t, e, ty });
	}

	br(label: string, c?: Ref, value?: Ref): Ref {
		if (value !== undefined) throw new Error("br with a value is not supported");
		return this.add({ k: "br", label, c });
	}

	call(name: string, args: Ref[], returnType: number): Ref {
		return this.add({ k: "call", name, args, ty: tyOf(returnType) });
	}

	return(v?: Ref): Ref {
		return this.add({ k: "return", v });
	}

	select(c: Ref, a: Ref, b: Ref): Ref {
		return this.add({ k: "select", c, a, b });
	}

	unreachable(): Ref {
		return this.add({ k: "unreachable" });
	}

	nop(): Ref {
		return this.add({ k: "nop" });
	}

	/**
	 * A function body: `vars` i32 locals beyond the parameters, then the code. Calls name
	 * functions; `index` gives their function index, `globalIndex` a global's.
	 */
	encodeBody(
		body: Ref,
		vars: number,
		index: (name: string) => number,
		hasResult: boolean,
		globalIndex: (name: string) => number = (name) => {
			throw new Error(`no global ${name}`);
		},
	): Uint8Array {
		const w = new Writer();
		if (vars > 0) w.u32(1).u32(vars).byte(0x7f);
		else w.u32(0);
		const labels: (string | null)[] = [];
		const depth = (label: string): number => {
			for (let i = labels.length - 1; i >= 0; i--)
				if (labels[i] === label) return labels.length - 1 - i;
			throw new Error(`br to unknown label ${label}`);
		};
		const blockType = (ty: Ty) => (ty === "i32" ? 0x7f : 0x40);
		// Statements in a block whose value is unused are dropped, as binaryen's writer would
		// require of a valid tree; a value-typed last child is the block's own value.
		const emitSeq = (kids: Ref[], ty: Ty) => {
			kids.forEach((k, i) => {
				emit(k);
				const last = i === kids.length - 1;
				if (this.typeOf(k) === "i32" && !(last && ty === "i32")) w.byte(0x1a);
			});
		};
		const emit = (r: Ref): void => {
			const n = this.nodes[r];
			switch (n.k) {
				case "get":
					w.byte(0x20).u32(n.i);
					return;
				case "set":
					emit(n.v);
					w.byte(0x21).u32(n.i);
					return;
				case "gget":
					w.byte(0x23).u32(globalIndex(n.name));
					return;
				case "gset":
					emit(n.v);
					w.byte(0x24).u32(globalIndex(n.name));
					return;
				case "const":
					w.byte(0x41).s32(n.n);
					return;
				case "op":
					for (const a of n.args) emit(a);
					w.byte(n.code);
					if (n.mem) w.u32(n.mem[0]).u32(n.mem[1]);
					return;
				case "block":
					w.byte(0x02).byte(blockType(n.ty));
					labels.push(n.label);
					emitSeq(n.kids, n.ty);
					labels.pop();
					w.byte(0x0b);
					return;
				case "loop":
					w.byte(0x03).byte(0x40);
					labels.push(n.label);
					emitSeq([n.body], "none");
					labels.pop();
					w.byte(0x0b);
					return;
				case "if":
					emit(n.c);
					w.byte(0x04).byte(blockType(n.ty));
					labels.push(null);
					emitSeq([n.t], n.ty);
					if (n.e !== undefined) {
						w.byte(0x05);
						emitSeq([n.e], n.ty);
					}
					labels.pop();
					w.byte(0x0b);
					return;
				case "br":
					if (n.c !== undefined) {
						emit(n.c);
						w.byte(0x0d).u32(depth(n.label));
					} else {
						w.byte(0x0c).u32(depth(n.label));
					}
					return;
				case "call":
					for (const a of n.args) emit(a);
					w.byte(0x10).u32(index(n.name));
					return;
				case "return":
					if (n.v !== undefined) emit(n.v);
					w.byte(0x0f);
					return;
				case "select":
					emit(n.a);
					emit(n.b);
					emit(n.c);
					w.byte(0x1b);
					return;
				case "unreachable":
					w.byte(0x00);
					return;
				case "nop":
					w.byte(0x01);
					return;
			}
		};
		emitSeq([body], "none");
		// A function with a result ends in `return`; the trap after it only satisfies validation.
		if (hasResult) w.byte(0x00);
		w.byte(0x0b);
		return w.done().slice();
	}
}
