// Constants laid out as runtime values in a data segment, in the exact shapes of
// src/wasm/runtime/as/values.ts (keep the two in step).

import type { Const } from "../compiler/ir.ts";

const K_NULL = 1;
const K_BOOL = 2;
const K_NUM = 3;
const K_STR = 4;
const K_OBJ = 6;
const R_INT = 0;
const R_TEXT = 2;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const encoder = new TextEncoder();

/** Static bytes placed at absolute addresses from `base` on. */
export class StaticData {
	private bytes = new Uint8Array(1024);
	private size = 0;

	constructor(readonly base: number) {}

	get end(): number {
		return this.base + this.size;
	}

	/** Reserve `n` bytes aligned to 8; returns the absolute address. */
	reserve(n: number): number {
		const at = (this.size + 7) & ~7;
		const need = at + n;
		if (need > this.bytes.length) {
			const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
			grown.set(this.bytes);
			this.bytes = grown;
		}
		this.size = need;
		return this.base + at;
	}

	private view(addr: number, n: number): DataView {
		return new DataView(this.bytes.buffer, addr - this.base, n);
	}

	raw(data: Uint8Array): number {
		const at = this.reserve(data.length);
		this.bytes.set(data, at - this.base);
		return at;
	}

	/** A NUL-terminated UTF-8 string (abort messages, locations). */
	cString(s: string): number {
		const b = encoder.encode(s);
		const at = this.reserve(b.length + 1);
		this.bytes.set(b, at - this.base);
		return at;
	}

	null(): number {
		const at = this.reserve(8);
		this.view(at, 8).setUint8(0, K_NULL);
		return at;
	}

	boolean(b: boolean): number {
		const at = this.reserve(8);
		const v = this.view(at, 8);
		v.setUint8(0, K_BOOL);
		v.setUint32(4, b ? 1 : 0, true);
		return at;
	}

	number(text: string): number {
		if (/^-?\d+$/.test(text)) {
			const i = BigInt(text);
			if (i >= INT64_MIN && i <= INT64_MAX) {
				const at = this.reserve(24);
				const v = this.view(at, 24);
				v.setUint8(0, K_NUM);
				v.setUint8(1, R_INT);
				v.setBigInt64(8, i, true);
				return at;
			}
		}
		const t = this.raw(encoder.encode(text));
		const at = this.reserve(24);
		const v = this.view(at, 24);
		v.setUint8(0, K_NUM);
		v.setUint8(1, R_TEXT);
		v.setUint32(4, encoder.encode(text).length, true);
		v.setFloat64(8, Number(text), true);
		v.setUint32(16, t, true);
		return at;
	}

	string(s: string): number {
		const b = encoder.encode(s);
		const p = b.length > 0 ? this.raw(b) : 0;
		const at = this.reserve(16);
		const v = this.view(at, 16);
		v.setUint8(0, K_STR);
		v.setUint32(4, b.length, true);
		v.setUint32(8, p, true);
		return at;
	}

	/** An object with string keys and integer values: entrypoints() and builtins(). */
	nameIds(entries: [string, number][]): number {
		const sorted = [...entries].sort((a, b) => compareUtf8(a[0], b[0]));
		// Build keys and values first: reserving may move the buffer under a DataView.
		const addrs = sorted.map(([name, id]) => [this.string(name), this.number(String(id))]);
		const pairs = this.reserve(sorted.length * 8);
		const pv = this.view(pairs, sorted.length * 8);
		addrs.forEach(([k, v], i) => {
			pv.setUint32(i * 8, k, true);
			pv.setUint32(i * 8 + 4, v, true);
		});
		const at = this.reserve(16);
		const v = this.view(at, 16);
		v.setUint8(0, K_OBJ);
		v.setUint32(4, sorted.length, true);
		v.setUint32(8, sorted.length, true);
		v.setUint32(12, pairs, true);
		return at;
	}

	constant(c: Const): number {
		switch (c.type) {
			case "null":
				return this.null();
			case "boolean":
				return this.boolean(c.value);
			case "number":
				return this.number(c.text);
			case "string":
				return this.string(c.value);
		}
	}

	data(): Uint8Array {
		return this.bytes.slice(0, this.size);
	}
}

/** Byte order of UTF-8 encodings, which is the runtime's string order. */
export function compareUtf8(a: string, b: string): number {
	const x = encoder.encode(a);
	const y = encoder.encode(b);
	const n = Math.min(x.length, y.length);
	for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
	return x.length - y.length;
}
