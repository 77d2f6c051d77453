// The runtime's entry: everything exported here is visible to the back end. ABI exports stay
// in the final module; `rt_*`, `b_*` and `cfg_*` exports are for the back end, which calls or
// rewrites them by export name and then removes the exports.
//
// Native builtins: each family lives in builtins/<family>.ts and exports `b_<name>` functions
// (Rego name with "." as "__"). Re-exporting the family here is the whole registration.

export * from "./abi";
export * from "./builtins/aggregates";
export * from "./builtins/arrays";
export * from "./builtins/encoding";
export * from "./builtins/glob";
export * from "./builtins/graph";
export * from "./builtins/jsonpatch";
export * from "./builtins/jsonpath";
export * from "./builtins/jwt";
export * from "./builtins/misc";
export * from "./builtins/net";
export * from "./builtins/objects";
export * from "./builtins/operators";
export * from "./builtins/semver";
export * from "./builtins/strings";
export * from "./builtins/types";
export * from "./builtins/units";
export { cfg_strict } from "./errors";
export * from "./eval";
export { cfg_heap_start, gavel_memory_limit } from "./memory";
export { gavel_budget, gavel_fuel, rt_out_of_fuel } from "./meter";
