// Placeholders for the per-policy code. They compile to imports of module "policy"; the back
// end (src/wasm/emit.ts) removes each import and defines a function of the same internal name.

/** Run plan `plan` (entrypoint id) with input and data, adding rows to the result set. */
export declare function eval_plan(plan: i32, input: usize, data: usize): void;
/** Address of the constant object {entrypoint name: id}. */
export declare function entrypoints_value(): usize;
/** Address of the constant object {host builtin name: id}. */
export declare function builtins_value(): usize;
