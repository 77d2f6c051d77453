// Just enough of the Wasm binary format to read the prebuilt runtime's sections and write a
// module back out: LEB128, section framing, and the entries the splicer (splice.ts) rewrites.
// Function bodies are kept as opaque bytes; nothing here decodes instructions.

export const SEC = {
	custom: 0,
	type: 1,
	import: 2,
	function: 3,
	table: 4,
	memory: 5,
	global: 6,
	export: 7,
	start: 8,
	element: 9,
	code: 10,
	data: 11,
	dataCount: 12,
} as const;

export const KIND = { func: 0, table: 1, memory: 2, global: 3 } as const;
export const VAL = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c } as const;

export class Reader {
	pos: number;

	constructor(
		readonly b: Uint8Array,
		pos = 0,
	) {
		this.pos = pos;
	}

	byte(): number {
		if (this.pos >= this.b.length) throw new Error("wasm: unexpected end");
		return this.b[this.pos++];
	}

	u32(): number {
		let r = 0;
		let shift = 0;
		for (;;) {
			const x = this.byte();
			r += (x & 0x7f) * 2 ** shift;
			if ((x & 0x80) === 0) return r;
			shift += 7;
		}
	}

	bytes(n: number): Uint8Array {
		const out = this.b.subarray(this.pos, this.pos + n);
		this.pos += n;
		return out;
	}

	name(): string {
		return new TextDecoder().decode(this.bytes(this.u32()));
	}

	/** Skip a constant expression (up to and including its `end`). */
	skipConstExpr(): void {
		for (;;) {
			const op = this.byte();
			if (op === 0x0b) return;
			if (op === 0x41 || op === 0x42) this.s64();
			else if (op === 0x43) this.pos += 4;
			else if (op === 0x44) this.pos += 8;
			else if (op === 0x23 || op === 0xd2) this.u32();
			else if (op === 0xd0) this.byte();
			else throw new Error(`wasm: unsupported constant expression opcode 0x${op.toString(16)}`);
		}
	}

	s64(): bigint {
		let r = 0n;
		let shift = 0n;
		for (;;) {
			const x = this.byte();
			r |= BigInt(x & 0x7f) << shift;
			shift += 7n;
			if ((x & 0x80) === 0) {
				if (x & 0x40) r -= 1n << shift;
				return r;
			}
		}
	}
}

/** A growable byte buffer with the encodings modules need. */
export class Writer {
	private buf = new Uint8Array(256);
	length = 0;

	private room(n: number): void {
		if (this.length + n <= this.buf.length) return;
		let size = this.buf.length * 2;
		while (size < this.length + n) size *= 2;
		const grown = new Uint8Array(size);
		grown.set(this.buf.subarray(0, this.length));
		this.buf = grown;
	}

	byte(x: number): this {
		this.room(1);
		this.buf[this.length++] = x;
		return this;
	}

	bytes(b: Uint8Array): this {
		this.room(b.length);
		this.buf.set(b, this.length);
		this.length += b.length;
		return this;
	}

	u32(x: number): this {
		let v = x >>> 0;
		do {
			let b = v & 0x7f;
			v >>>= 7;
			if (v !== 0) b |= 0x80;
			this.byte(b);
		} while (v !== 0);
		return this;
	}

	s32(x: number): this {
		let v = x | 0;
		for (;;) {
			const b = v & 0x7f;
			v >>= 7;
			const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
			this.byte(done ? b : b | 0x80);
			if (done) return this;
		}
	}

	name(s: string): this {
		const b = new TextEncoder().encode(s);
		return this.u32(b.length).bytes(b);
	}

	/** A length-prefixed copy of another writer's bytes. */
	sized(w: Writer): this {
		return this.u32(w.length).bytes(w.done());
	}

	done(): Uint8Array {
		return this.buf.subarray(0, this.length);
	}
}

export interface FuncType {
	params: number[];
	results: number[];
}

export const typeKey = (t: FuncType) => `${t.params.join(",")}>${t.results.join(",")}`;

export interface Import {
	module: string;
	name: string;
	kind: number;
	/** Type index (functions), or the raw descriptor bytes (other kinds). */
	typeIndex?: number;
	desc?: Uint8Array;
	/** Memory limits, for a memory import. */
	limits?: { flags: number; min: number; max?: number };
}

export interface Export {
	name: string;
	kind: number;
	index: number;
}

export interface Global {
	/** Value type and mutability bytes. */
	head: Uint8Array;
	/** The initialiser expression, including its `end`. */
	init: Uint8Array;
}

/** A module's sections, parsed as far as rewriting them needs. */
export interface ParsedModule {
	types: FuncType[];
	imports: Import[];
	funcImports: number;
	funcTypes: number[];
	/** Raw table, element and memory sections, passed through unchanged (absent: undefined). */
	table?: Uint8Array;
	element?: Uint8Array;
	memory?: Uint8Array;
	globals: Global[];
	exports: Export[];
	start?: number;
	/** Function bodies (locals and code), without their size prefix. */
	code: Uint8Array[];
	/** Data segments, each entry's raw bytes. */
	data: Uint8Array[];
	/** Where each active segment (i32.const offset) ends, for placing more data after it. */
	dataEnd: number;
}

function readValTypes(r: Reader): number[] {
	const n = r.u32();
	const out: number[] = [];
	for (let i = 0; i < n; i++) out.push(r.byte());
	return out;
}

export function parseModule(b: Uint8Array): ParsedModule {
	const r = new Reader(b);
	const magic = r.bytes(8);
	if (
		magic[0] !== 0 ||
		magic[1] !== 0x61 ||
		magic[2] !== 0x73 ||
		magic[3] !== 0x6d ||
		magic[4] !== 1
	) {
		throw new Error("wasm: not a version 1 module");
	}
	const m: ParsedModule = {
		types: [],
		imports: [],
		funcImports: 0,
		funcTypes: [],
		globals: [],
		exports: [],
		code: [],
		data: [],
		dataEnd: 0,
	};
	while (r.pos < b.length) {
		const id = r.byte();
		const size = r.u32();
		const end = r.pos + size;
		const s = new Reader(b, r.pos);
		switch (id) {
			case SEC.type:
				for (let n = s.u32(), i = 0; i < n; i++) {
					if (s.byte() !== 0x60) throw new Error("wasm: only function types are supported");
					m.types.push({ params: readValTypes(s), results: readValTypes(s) });
				}
				break;
			case SEC.import:
				for (let n = s.u32(), i = 0; i < n; i++) {
					const module = s.name();
					const name = s.name();
					const kind = s.byte();
					if (kind === KIND.func) {
						m.imports.push({ module, name, kind, typeIndex: s.u32() });
						m.funcImports++;
					} else if (kind === KIND.memory) {
						const flags = s.byte();
						const min = s.u32();
						const max = flags & 1 ? s.u32() : undefined;
						m.imports.push({ module, name, kind, limits: { flags, min, max } });
					} else if (kind === KIND.global) {
						const at = s.pos;
						s.pos += 2;
						m.imports.push({ module, name, kind, desc: b.slice(at, s.pos) });
					} else {
						throw new Error(`wasm: unsupported import kind ${kind}`);
					}
				}
				break;
			case SEC.function:
				for (let n = s.u32(), i = 0; i < n; i++) m.funcTypes.push(s.u32());
				break;
			case SEC.table:
				m.table = b.slice(s.pos, end);
				break;
			case SEC.memory:
				m.memory = b.slice(s.pos, end);
				break;
			case SEC.global:
				for (let n = s.u32(), i = 0; i < n; i++) {
					const head = b.slice(s.pos, s.pos + 2);
					s.pos += 2;
					const at = s.pos;
					s.skipConstExpr();
					m.globals.push({ head, init: b.slice(at, s.pos) });
				}
				break;
			case SEC.export:
				for (let n = s.u32(), i = 0; i < n; i++) {
					const name = s.name();
					const kind = s.byte();
					m.exports.push({ name, kind, index: s.u32() });
				}
				break;
			case SEC.start:
				m.start = s.u32();
				break;
			case SEC.element:
				m.element = b.slice(s.pos, end);
				break;
			case SEC.code:
				for (let n = s.u32(), i = 0; i < n; i++) {
					const len = s.u32();
					m.code.push(b.slice(s.pos, s.pos + len));
					s.pos += len;
				}
				break;
			case SEC.data:
				for (let n = s.u32(), i = 0; i < n; i++) {
					const at = s.pos;
					const flags = s.u32();
					let offset: number | undefined;
					if (flags === 0) {
						const op = s.byte();
						if (op !== 0x41) throw new Error("wasm: data offset must be i32.const");
						offset = Number(s.s64());
						if (s.byte() !== 0x0b) throw new Error("wasm: data offset must be i32.const");
					} else if (flags === 2) {
						s.u32();
						s.skipConstExpr();
					}
					const len = s.u32();
					s.pos += len;
					if (offset !== undefined) m.dataEnd = Math.max(m.dataEnd, offset + len);
					m.data.push(b.slice(at, s.pos));
				}
				break;
			case SEC.dataCount:
			case SEC.custom:
				break;
			default:
				throw new Error(`wasm: unsupported section ${id}`);
		}
		r.pos = end;
	}
	return m;
}

const BLOCK_VALTYPES = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

function skipLeb(r: Reader): void {
	while (r.byte() & 0x80) {
		// continuation bytes
	}
}

/**
 * The functions a body calls directly (and takes references to), read by walking its
 * instructions; undefined when the body uses an instruction this walker does not know, or does
 * not end exactly where its size says (callers then keep every function).
 */
export function calledFunctions(body: Uint8Array): number[] | undefined {
	const r = new Reader(body);
	const out: number[] = [];
	try {
		for (let n = r.u32(), i = 0; i < n; i++) {
			r.u32();
			r.byte();
		}
		let depth = 1;
		while (depth > 0) {
			const op = r.byte();
			if (op === 0x02 || op === 0x03 || op === 0x04) {
				const t = r.b[r.pos];
				if (BLOCK_VALTYPES.has(t)) r.pos++;
				else r.s64();
				depth++;
			} else if (op === 0x0b) depth--;
			else if (
				op <= 0x01 ||
				op === 0x05 ||
				op === 0x0f ||
				op === 0x1a ||
				op === 0x1b ||
				op === 0xd1
			) {
				// no immediates
			} else if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x26)) skipLeb(r);
			else if (op === 0x0e) {
				for (let n = r.u32(), i = 0; i <= n; i++) skipLeb(r);
			} else if (op === 0x10 || op === 0xd2) out.push(r.u32());
			else if (op === 0x11) {
				skipLeb(r);
				skipLeb(r);
			} else if (op === 0x1c) {
				for (let n = r.u32(), i = 0; i < n; i++) r.byte();
			} else if (op >= 0x28 && op <= 0x3e) {
				skipLeb(r);
				skipLeb(r);
			} else if (op === 0x3f || op === 0x40) skipLeb(r);
			else if (op === 0x41 || op === 0x42) r.s64();
			else if (op === 0x43) r.pos += 4;
			else if (op === 0x44) r.pos += 8;
			else if (op >= 0x45 && op <= 0xc4) {
				// numeric: no immediates
			} else if (op === 0xd0) r.byte();
			else if (op === 0xfc) {
				const sub = r.u32();
				if (sub <= 7) {
					// saturating truncations
				} else if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
					skipLeb(r);
					skipLeb(r);
				} else if (sub <= 17) skipLeb(r);
				else return undefined;
			} else return undefined;
		}
		return r.pos === body.length ? out : undefined;
	} catch {
		return undefined;
	}
}
