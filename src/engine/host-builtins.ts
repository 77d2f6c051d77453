// The one set of host builtins Gavel gives the OPA Wasm SDK (`loadPolicy(wasm, mem,
// customBuiltins)`): regex, time, crypto, uuid, rand, YAML, JWT and GraphQL functions a
// compiled policy declares in its builtins() map instead of implementing in the Wasm runtime. The server, the
// CLI and the conformance runner all use this module, so a builtin behaves the same everywhere.
//
// Two things the SDK does not do for us:
// - Per-evaluation state. OPA fixes time.now_ns for a whole query and returns the same
//   uuid.rfc4122 / rand.intn for the same key within it; the SDK has no evaluation context, so callers
//   call `beginEvaluation()` before each `evaluate` (ActivePolicy does).
// - Exact int64 results. The SDK JSON.stringify()s a builtin's return value; nanosecond
//   timestamps exceed 2^53, so results holding bigints are written as JSON text into an
//   ArrayBuffer, which the SDK loads as-is.

import { HOST_BUILTIN_ALIASES } from "../wasm/host-names.ts";
import { awsBuiltins } from "./builtins/aws.ts";
import { BuiltinError } from "./builtins/builtin-error.ts";
import { cryptoBuiltins } from "./builtins/crypto.ts";
import { graphqlBuiltins } from "./builtins/graphql/index.ts";
import { jsonSchemaBuiltins } from "./builtins/jsonschema.ts";
import { jwtBuiltins } from "./builtins/jwt.ts";
import { jwtEncodeBuiltins } from "./builtins/jwt-encode.ts";
import {
	JsonText,
	nativeBridgeBuiltins,
	type RuntimeSource,
	runtimeFromFile,
} from "./builtins/native-bridge.ts";
import { randBuiltins } from "./builtins/rand.ts";
import { regexBuiltins } from "./builtins/regex.ts";
import { runtimeBuiltins } from "./builtins/runtime.ts";
import { timeBuiltins } from "./builtins/time.ts";
import { uriBuiltins } from "./builtins/uri.ts";
import { uuidBuiltins } from "./builtins/uuid.ts";
import { x509Builtins } from "./builtins/x509.ts";
import { yamlBuiltins } from "./builtins/yaml.ts";

export { BuiltinError } from "./builtins/builtin-error.ts";

export type HostBuiltin = (...args: unknown[]) => unknown;

export interface HostBuiltinOptions {
	/**
	 * OPA's strict built-in errors: a failing builtin aborts evaluation (the thrown
	 * BuiltinError carries `eval_builtin_error`). Off by default, as in OPA: the call is then
	 * undefined, which the SDK sees as address 0.
	 */
	strictErrors?: boolean;
	/** Source of "now" in nanoseconds; read once per evaluation. */
	now?: () => bigint;
	/**
	 * Gavel's Wasm runtime, for the builtins an OPA-built module imports that Gavel implements
	 * natively (builtins/native-bridge.ts). Default: read from beside the sources on first use.
	 */
	nativeRuntime?: RuntimeSource;
}

export interface HostBuiltins {
	/** Pass to loadPolicy() as customBuiltins. */
	readonly builtins: Record<string, HostBuiltin>;
	/** The raw implementations: plain values, bigint for int64, BuiltinError on failure. */
	readonly raw: Record<string, HostBuiltin>;
	/** Reset per-evaluation state (fixed clock, uuid cache). Call before each evaluation. */
	beginEvaluation(): void;
}

export function systemNowNs(): bigint {
	// Date.now() has millisecond resolution; performance.timeOrigin + now() adds the rest.
	return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function createHostBuiltins(options: HostBuiltinOptions = {}): HostBuiltins {
	const now = options.now ?? systemNowNs;
	let fixedNow: bigint | undefined;
	const uuidScope = { uuids: new Map<string, string>() };
	const randScope = { ints: new Map<string, bigint>() };
	const clock = {
		nowNs(): bigint {
			fixedNow ??= now();
			return fixedNow;
		},
	};
	const raw: Record<string, HostBuiltin> = {
		// First, so a builtin the host also implements in TypeScript keeps that version.
		...nativeBridgeBuiltins(options.nativeRuntime ?? runtimeFromFile),
		...(regexBuiltins as Record<string, HostBuiltin>),
		...(timeBuiltins(clock) as Record<string, HostBuiltin>),
		...(cryptoBuiltins(uuidScope) as Record<string, HostBuiltin>),
		...(uuidBuiltins as Record<string, HostBuiltin>),
		...(awsBuiltins as Record<string, HostBuiltin>),
		...(x509Builtins(() => clock.nowNs()) as Record<string, HostBuiltin>),
		...(randBuiltins(randScope) as Record<string, HostBuiltin>),
		...(jsonSchemaBuiltins as Record<string, HostBuiltin>),
		...(graphqlBuiltins as Record<string, HostBuiltin>),
		...(uriBuiltins as Record<string, HostBuiltin>),
		...(yamlBuiltins as Record<string, HostBuiltin>),
		...jwtBuiltins(() => clock.nowNs()),
		...jwtEncodeBuiltins(),
		...runtimeBuiltins(),
	};
	// Builtins the SDK would shadow are listed under an alias by the back end.
	for (const [alias, name] of HOST_BUILTIN_ALIASES) raw[alias] = raw[name];
	const builtins: Record<string, HostBuiltin> = {};
	for (const [name, fn] of Object.entries(raw)) {
		builtins[name] = (...args: unknown[]) => {
			let result: unknown;
			try {
				result = fn(...args);
			} catch (e) {
				if (e instanceof BuiltinError && !options.strictErrors) return undefined;
				throw e;
			}
			return toSdkValue(result);
		};
	}
	return {
		builtins,
		raw,
		beginEvaluation() {
			fixedNow = undefined;
			// Clearing allocates a fresh table even when empty; most evaluations use no uuid.
			if (uuidScope.uuids.size > 0) uuidScope.uuids.clear();
			if (randScope.ints.size > 0) randScope.ints.clear();
		},
	};
}

function hasBigint(v: unknown): boolean {
	if (typeof v === "bigint") return true;
	if (Array.isArray(v)) return v.some(hasBigint);
	if (v !== null && typeof v === "object") return Object.values(v).some(hasBigint);
	return false;
}

/** JSON text with bigints written as exact integers. */
export function jsonWithBigints(v: unknown): string {
	if (typeof v === "bigint") return v.toString();
	if (Array.isArray(v)) return `[${v.map(jsonWithBigints).join(",")}]`;
	if (v !== null && typeof v === "object") {
		const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonWithBigints(x)}`);
		return `{${entries.join(",")}}`;
	}
	return JSON.stringify(v);
}

function toSdkValue(v: unknown): unknown {
	if (v instanceof JsonText) return jsonBytes(v.text);
	if (!hasBigint(v)) return v;
	return jsonBytes(jsonWithBigints(v));
}

function jsonBytes(text: string): ArrayBuffer {
	const bytes = new TextEncoder().encode(text);
	// The SDK loads an ArrayBuffer as ready-made JSON text.
	return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
