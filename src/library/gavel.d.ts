// The public types of `import … from "gavel"`, shipped as the package's index.d.ts. Written by
// hand so the package's surface is exactly this file; src/library/api-check.ts makes tsc prove
// that src/library/index.ts implements it, in both directions.

/** OPA's error codes for an evaluation that failed. */
export type EvalErrorCode =
	| "eval_conflict_error"
	| "eval_builtin_error"
	| "eval_type_error"
	| "eval_internal_error"
	| "eval_cancel_error"
	| "eval_memory_limit_error"
	| "undefined_entrypoint";

/** Thrown by Policy.evaluate when an evaluation fails; `code` is OPA's error code. */
export declare class PolicyEvalError extends Error {
	readonly code: EvalErrorCode;
	constructor(code: EvalErrorCode, message: string);
}

/** One problem in Rego sources, in OPA's shape (`file:row:col: code: message`). */
export interface RegoProblem {
	code: string;
	message: string;
	location?: { file: string; row: number; col: number };
}

/** Thrown by compile() and loadBundle() when Rego sources do not parse or compile. */
export declare class RegoCompileError extends Error {
	/** Sorted by location; the message holds them formatted as `opa check` prints them. */
	readonly errors: readonly RegoProblem[];
	constructor(errors: readonly RegoProblem[]);
}

/** A key that may have signed a bundle (OPA's `.signatures.json`). */
export interface VerificationKey {
	/** The name the signature refers to (payload `keyid` or header `kid`). */
	id: string;
	/** RS256, PS256, ES256, HS256, … */
	algorithm: string;
	/** PEM public key file (RS*, PS*, ES*). */
	keyFile?: string;
	/** PEM text, instead of keyFile. */
	key?: string;
	/** Shared secret (HS*). */
	secret?: string;
}

export interface SigningOptions {
	keys: VerificationKey[];
	/** Key used when the signature names none. */
	defaultKeyId?: string;
	scope?: string;
	/** Files that need not be listed in the signature (OPA's exclude_files). */
	excludeFiles?: string[];
}

export interface PolicyOptions {
	/** Steps one evaluation may take before it fails with eval_cancel_error (0: unlimited). */
	maxEvalSteps?: number;
	/** Bytes one evaluation may allocate before it fails with eval_memory_limit_error. */
	maxEvalMemoryBytes?: number;
	/**
	 * OPA's strict builtin errors: a failing builtin fails the evaluation (default false). For
	 * a bundle compiled elsewhere it covers the builtins Gavel's host serves; the ones the
	 * module runs natively keep the setting the bundle was built with.
	 */
	strictBuiltinErrors?: boolean;
	/** Source of "now" in nanoseconds since the epoch (time.now_ns); read once per evaluation. */
	now?: () => bigint;
}

export interface BundleOptions extends PolicyOptions {
	/** Verify the bundle's `.signatures.json` with these keys; unsigned bundles are refused. */
	signing?: SigningOptions;
}

export interface Sources {
	/** File name → Rego text. The names appear in error locations. */
	modules: Record<string, string>;
	/** The base document, `data`. */
	data?: unknown;
	/**
	 * Rules to compile as entrypoints ("example/allow" or "data.example.allow"); rules whose
	 * METADATA says `entrypoint: true` are added. Default: every plain rule of every module.
	 */
	entrypoints?: string[];
	/** 0 for OPA 0.x syntax (`allow { … }`); default 1. */
	regoVersion?: 0 | 1;
	/** The revision the policy reports (default: a hash of the sources and data). */
	revision?: string;
}

/** What Gavel's HTTP API would answer: fail closed, never thrown. */
export interface Decision {
	/** True only when the result is `true` or an object whose `allow` is `true`. */
	allow: boolean;
	reasons?: unknown;
	obligations?: unknown;
	/** Why the decision is a deny without the policy saying so. */
	error?: { code: string; message: string };
}

/** A loaded policy. Evaluation is synchronous and runs in this thread. */
export interface Policy {
	readonly revision: string;
	/** Entrypoints, slash-separated ("example/allow"), sorted. */
	readonly entrypoints: readonly string[];
	/** The base document the policy was loaded with. */
	readonly data: unknown;
	hasEntrypoint(entrypoint: string): boolean;
	/**
	 * The entrypoint's value for this input, or undefined when it is undefined. Throws
	 * PolicyEvalError when evaluation fails (unknown entrypoint, conflict, limits, …).
	 */
	evaluate(entrypoint: string, input?: unknown): unknown;
	/**
	 * Gavel's decision: allow only when the value is `true` or `{allow: true, …}`; an error, an
	 * undefined value or any other shape is a deny carrying `error`.
	 */
	decide(entrypoint: string, input?: unknown): Decision;
}

/**
 * Load an OPA bundle: its bytes (.tar.gz), or a path to a .tar.gz file, an unpacked bundle
 * folder (with .manifest), or a folder of .rego sources (compiled here, data.json files at
 * their folders' paths, *_test.rego skipped). Bundles from `gavel build` and `opa build -t
 * wasm` both load; a bundle of .rego sources only is compiled.
 */
export declare function loadBundle(
	source: string | Uint8Array,
	options?: BundleOptions,
): Promise<Policy>;

/** Compile Rego sources with Gavel's compiler and load the result. */
export declare function compile(sources: Sources, options?: PolicyOptions): Promise<Policy>;

/** The same sources as an OPA bundle (.tar.gz bytes with policy.wasm), as `gavel build` writes. */
export declare function buildBundle(sources: Sources): Uint8Array;
