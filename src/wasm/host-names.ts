// The names a module lists in builtins() for the builtins its host serves.
//
// The official SDK answers a few builtins from its own table before it looks at the host's
// customBuiltins, with JavaScript semantics: its regex.split runs a backtracking RegExp (Go's
// RE2 never backtracks, and an attacker-chosen string can stall a backtracking engine), and its
// yaml.* has no bound on aliases, nesting or time. Listing such a builtin under another name
// makes the SDK hand the call to Gavel's host builtins (RE2 in linear time; bounded YAML). A
// leaf module with no imports, so the engine can share it without loading the back end.

const SDK_SHADOWED: ReadonlyMap<string, string> = new Map([
	["regex.split", "gavel.regex.split"],
	// The SDK's YAML (an old `yaml` package) ran 93 s and exhausted the heap on a 200 KB input.
	["yaml.unmarshal", "gavel.yaml.unmarshal"],
	["yaml.is_valid", "gavel.yaml.is_valid"],
	["yaml.marshal", "gavel.yaml.marshal"],
]);

/** The builtins() name for a host builtin: its Rego name, unless the SDK would shadow it. */
export function hostBuiltinName(name: string): string {
	return SDK_SHADOWED.get(name) ?? name;
}

/** Every alias in use, as [alias, Rego name]: the host registers each implementation twice. */
export const HOST_BUILTIN_ALIASES: ReadonlyArray<readonly [string, string]> = [...SDK_SHADOWED].map(
	([name, alias]) => [alias, name] as const,
);
