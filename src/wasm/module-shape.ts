// What every emitted module looks like from outside, whichever way it is assembled.

/** The exports OPA's ABI defines; everything else the runtime exports is removed. */
export const ABI_EXPORTS: ReadonlySet<string> = new Set([
	"opa_wasm_abi_version",
	"opa_wasm_abi_minor_version",
	"builtins",
	"entrypoints",
	"opa_malloc",
	"opa_free",
	"opa_json_parse",
	"opa_value_parse",
	"opa_json_dump",
	"opa_value_dump",
	"opa_heap_ptr_get",
	"opa_heap_ptr_set",
	"opa_eval_ctx_new",
	"opa_eval_ctx_set_input",
	"opa_eval_ctx_set_data",
	"opa_eval_ctx_set_entrypoint",
	"opa_eval_ctx_get_result",
	"eval",
	"opa_eval",
	"opa_value_add_path",
	"opa_value_remove_path",
]);

/**
 * Gavel's own exports beside the ABI: mutable globals the host may set before an evaluation
 * (src/wasm/limits.ts). Other SDKs ignore them; the runtime's defaults apply there.
 */
export const LIMIT_EXPORTS = {
	/** Steps one evaluation may take (i32; 0 = unlimited). */
	budget: "gavel_budget",
	/** Bytes one evaluation may allocate (u32; 0 = no limit beyond memory itself). */
	memoryLimit: "gavel_memory_limit",
} as const;

/** Every export an emitted module keeps. */
export const KEPT_EXPORTS: ReadonlySet<string> = new Set([
	...ABI_EXPORTS,
	...Object.values(LIMIT_EXPORTS),
]);

/**
 * Pages of memory the official SDK gives a module by default (`loadPolicy(wasm)` creates
 * `new WebAssembly.Memory({ initial: 5 })`). A module whose imported memory asks for more
 * does not instantiate there, so no module may declare a larger minimum.
 */
export const SDK_DEFAULT_PAGES = 5;

export const PAGE = 65536;
