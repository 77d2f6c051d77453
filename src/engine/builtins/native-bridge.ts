// Host versions of builtins Gavel implements natively in its Wasm runtime. A module built by
// `opa build -t wasm` implements fewer builtins itself than Gavel's does and imports the rest
// from the host (numbers.range_step, object.subset, units.parse, …). Rather than write each a
// second time in TypeScript, the host calls the same AssemblyScript code: Gavel's prebuilt
// runtime (src/wasm/runtime/build/runtime.wasm) exports every native builtin as `b_<name>`,
// and one instance of it, made on first use, answers these calls. Same code, same results,
// same error messages as a Gavel-built policy.
//
// Arguments arrive as the SDK gives them, parsed JSON: a set the calling module passed is an
// array by then, and a set result goes back as an array (the SDK's ABI moves JSON only).

import { BuiltinError } from "./builtin-error.ts";

/**
 * The builtins OPA 1.22.3's Wasm compiler leaves to the host that Gavel's runtime implements.
 * native-bridge.test.ts checks each is native here, and (with OPA installed) that every name
 * an OPA-built module declares is answered by the host, the SDK, or refused by design.
 */
export const BRIDGED_BUILTINS: readonly string[] = [
	"base64url.encode_no_pad",
	"cast_array",
	"cast_boolean",
	"cast_null",
	"cast_object",
	"cast_set",
	"cast_string",
	"glob.quote_meta",
	"graph.reachable_paths",
	"hex.decode",
	"hex.encode",
	"indexof_n",
	"json.marshal_with_options",
	"json.patch",
	"net.cidr_contains_matches",
	"net.cidr_expand",
	"net.cidr_is_valid",
	"net.cidr_merge",
	"numbers.range_step",
	"object.subset",
	"semver.compare",
	"semver.is_valid",
	"strings.any_prefix_match",
	"strings.any_suffix_match",
	"strings.count",
	"strings.split_n",
	"trace",
	"units.parse",
	"units.parse_bytes",
	"urlquery.decode",
	"urlquery.decode_object",
	"urlquery.encode",
	"urlquery.encode_object",
];

/** A compiled runtime module, or its bytes (compiled on first use). */
export type RuntimeSource = () => WebAssembly.Module | Uint8Array;

/** JSON text of a result, written into the SDK's memory as-is (exact int64s survive). */
export class JsonText {
	constructor(readonly text: string) {}
}

interface Exports {
	cfg_strict: { value: number };
	opa_malloc(n: number): number;
	opa_json_parse(p: number, n: number): number;
	opa_json_dump(v: number): number;
	opa_heap_ptr_get(): number;
	opa_heap_ptr_set(p: number): void;
	[name: string]: unknown;
}

/** The global WebAssembly object, typed for what is used here (the lib has no DOM typings). */
interface WasmApi {
	Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
	Module: new (bytes: Uint8Array) => WebAssembly.Module;
	Instance: new (m: WebAssembly.Module, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

class Aborted extends Error {}

class Bridge {
	private readonly memory = new wasm.Memory({ initial: 4 });
	private readonly exports: Exports;
	private readonly base: number;

	constructor(source: WebAssembly.Module | Uint8Array) {
		const module = source instanceof Uint8Array ? new wasm.Module(source) : source;
		const text = (addr: number) => this.cString(addr);
		const refuse = () => {
			throw new Aborted("the native runtime called a host builtin");
		};
		const instance = new wasm.Instance(module, {
			env: {
				memory: this.memory,
				opa_abort: (addr: number) => {
					throw new Aborted(text(addr));
				},
				opa_println: () => {},
				opa_builtin0: refuse,
				opa_builtin1: refuse,
				opa_builtin2: refuse,
				opa_builtin3: refuse,
				opa_builtin4: refuse,
			},
		});
		this.exports = instance.exports as unknown as Exports;
		// Errors abort with OPA's message; the host adapter decides strict or undefined.
		this.exports.cfg_strict.value = 1;
		this.base = this.exports.opa_heap_ptr_get();
	}

	call(name: string, args: unknown[]): JsonText | undefined {
		const fn = this.exports[`b_${name.replaceAll(".", "__")}`];
		if (typeof fn !== "function") throw new BuiltinError(name, "not in Gavel's runtime");
		const e = this.exports;
		e.opa_heap_ptr_set(this.base);
		try {
			const addrs = args.map((a) => this.load(jsonText(a)));
			const result = (fn as (...a: number[]) => number)(...addrs);
			if (result === 0) return undefined;
			return new JsonText(this.cString(e.opa_json_dump(result)));
		} catch (err) {
			if (err instanceof Aborted) throw abortToError(name, err.message);
			throw err;
		} finally {
			e.opa_heap_ptr_set(this.base);
		}
	}

	private load(text: string): number {
		const bytes = new TextEncoder().encode(text);
		const p = this.exports.opa_malloc(bytes.length);
		new Uint8Array(this.memory.buffer).set(bytes, p);
		const v = this.exports.opa_json_parse(p, bytes.length);
		if (v === 0) throw new Error("native bridge: argument is not JSON");
		return v;
	}

	private cString(addr: number): string {
		const mem = new Uint8Array(this.memory.buffer);
		let end = addr;
		while (mem[end] !== 0) end++;
		return new TextDecoder().decode(mem.subarray(addr, end));
	}
}

/** `eval_type_error: name: detail` (no location: none is set) → BuiltinError. */
function abortToError(name: string, message: string): BuiltinError {
	const m = /^(eval_[a-z_]+): (.*)$/s.exec(message);
	const code = m?.[1] === "eval_type_error" ? "eval_type_error" : "eval_builtin_error";
	let detail = m ? m[2] : message;
	if (detail.startsWith(`${name}: `)) detail = detail.slice(name.length + 2);
	return new BuiltinError(name, detail, code);
}

/** JSON with bigints as exact integers (the host's own int64 convention). */
function jsonText(v: unknown): string {
	if (v === undefined) return "null";
	if (typeof v === "bigint") return v.toString();
	if (Array.isArray(v)) return `[${v.map(jsonText).join(",")}]`;
	if (v !== null && typeof v === "object") {
		const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`);
		return `{${entries.join(",")}}`;
	}
	return JSON.stringify(v);
}

/**
 * The runtime beside the sources, read when first needed (Node; the CLI's single-file build
 * keeps each module's own URL). A Worker cannot read files or compile Wasm at run time: the
 * edge build passes the module it imported instead (src/edge).
 */
export const runtimeFromFile: RuntimeSource = () => {
	const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
	const fs = proc?.getBuiltinModule?.("node:fs") as
		| { readFileSync(p: URL): Uint8Array }
		| undefined;
	if (!fs) throw new Error("Gavel's Wasm runtime is not available to the host here");
	return fs.readFileSync(new URL("../../wasm/runtime/build/runtime.wasm", import.meta.url));
};

/**
 * Any native builtin's answer as exact JSON text (undefined when undefined), from a fresh
 * runtime instance: for tests that must see integers past 2^53 as they are.
 */
export function nativeJson(
	source: RuntimeSource,
	name: string,
	args: unknown[],
): string | undefined {
	return new Bridge(source()).call(name, args)?.text;
}

/** One function per bridged builtin, sharing one runtime instance made on the first call. */
export function nativeBridgeBuiltins(
	source: RuntimeSource,
): Record<string, (...a: unknown[]) => unknown> {
	let bridge: Bridge | undefined;
	const get = () => {
		bridge ??= new Bridge(source());
		return bridge;
	};
	const out: Record<string, (...a: unknown[]) => unknown> = {};
	for (const name of BRIDGED_BUILTINS) out[name] = (...args) => get().call(name, args);
	return out;
}
