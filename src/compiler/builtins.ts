// The catalog of builtins the compiler knows: name, arity and simple types. A call to a name
// that is neither a user function nor listed here is a compile error, so a policy never meets
// an unknown function at run time.

/** Coarse types, enough for arity checks and for documentation in `gavel build --ir`. */
export type BuiltinType =
	| "any"
	| "null"
	| "boolean"
	| "number"
	| "string"
	| "array"
	| "object"
	| "set"
	| "collection";

export interface BuiltinInfo {
	name: string;
	args: BuiltinType[];
	result: BuiltinType;
	/** Written as an operator (`+`, `==`, `in`); the AST names it by its builtin name. */
	operator?: string;
	/** Removed from Rego v1; still accepted in v0-compatible modules. */
	deprecated?: boolean;
	/**
	 * A relation: the output argument takes each of several values (`walk(x, [path, value])`).
	 * The runtime returns them all in an array, which the planner iterates.
	 */
	relation?: boolean;
	/**
	 * Takes any number of arguments (`print`): the runtime receives them in one array, and an
	 * undefined argument prints as `<undefined>` instead of failing the expression.
	 */
	variadic?: boolean;
	/** Yields a value that changes between evaluations (time, uuid, rand): never constant-folded. */
	nondeterministic?: boolean;
}

type Spec = [name: string, args: string, result: BuiltinType, extra?: Partial<BuiltinInfo>];

// "args" is a space-separated type list; "-" means no arguments.
const SPECS: Spec[] = [
	// Operators (the AST calls them by these names).
	["eq", "any any", "boolean", { operator: "=" }],
	["assign", "any any", "boolean", { operator: ":=" }],
	["equal", "any any", "boolean", { operator: "==" }],
	["neq", "any any", "boolean", { operator: "!=" }],
	["lt", "any any", "boolean", { operator: "<" }],
	["lte", "any any", "boolean", { operator: "<=" }],
	["gt", "any any", "boolean", { operator: ">" }],
	["gte", "any any", "boolean", { operator: ">=" }],
	["plus", "number number", "number", { operator: "+" }],
	["minus", "any any", "any", { operator: "-" }],
	["mul", "number number", "number", { operator: "*" }],
	["div", "number number", "number", { operator: "/" }],
	["rem", "number number", "number", { operator: "%" }],
	["and", "set set", "set", { operator: "&" }],
	["or", "set set", "set", { operator: "|" }],
	["internal.member_2", "any any", "boolean", { operator: "in" }],
	["internal.member_3", "any any any", "boolean", { operator: "in" }],
	// Numbers.
	["abs", "number", "number"],
	["round", "number", "number"],
	["ceil", "number", "number"],
	["floor", "number", "number"],
	["numbers.range", "number number", "array"],
	["numbers.range_step", "number number number", "array"],
	["rand.intn", "string number", "number", { nondeterministic: true }],
	["to_number", "any", "number"],
	["format_int", "number number", "string"],
	["bits.and", "number number", "number"],
	["bits.or", "number number", "number"],
	["bits.xor", "number number", "number"],
	["bits.negate", "number", "number"],
	["bits.lsh", "number number", "number"],
	["bits.rsh", "number number", "number"],
	// Aggregates.
	["count", "collection", "number"],
	["sum", "collection", "number"],
	["product", "collection", "number"],
	["max", "collection", "any"],
	["min", "collection", "any"],
	["sort", "collection", "array"],
	["all", "collection", "boolean", { deprecated: true }],
	["any", "collection", "boolean", { deprecated: true }],
	// Arrays.
	["array.concat", "array array", "array"],
	["array.slice", "array number number", "array"],
	["array.reverse", "array", "array"],
	["array.flatten", "array", "array"],
	// Sets.
	["intersection", "set", "set"],
	["union", "set", "set"],
	["set_diff", "set set", "set", { deprecated: true }],
	// Objects.
	["object.get", "object any any", "any"],
	["object.keys", "object", "set"],
	["object.remove", "object collection", "object"],
	["object.union", "object object", "object"],
	["object.union_n", "array", "object"],
	["object.filter", "object collection", "object"],
	["object.subset", "any any", "boolean"],
	["json.filter", "object collection", "object"],
	["json.remove", "object collection", "object"],
	["json.patch", "any array", "any"],
	// Strings.
	["concat", "string collection", "string"],
	["contains", "string string", "boolean"],
	["startswith", "string string", "boolean"],
	["endswith", "string string", "boolean"],
	["lower", "string", "string"],
	["upper", "string", "string"],
	["split", "string string", "array"],
	["replace", "string string string", "string"],
	["strings.replace_n", "object string", "string"],
	["trim", "string string", "string"],
	["trim_left", "string string", "string"],
	["trim_prefix", "string string", "string"],
	["trim_right", "string string", "string"],
	["trim_suffix", "string string", "string"],
	["trim_space", "string", "string"],
	["indexof", "string string", "number"],
	["indexof_n", "string string", "array"],
	["substring", "string number number", "string"],
	["sprintf", "string array", "string"],
	["strings.reverse", "string", "string"],
	["strings.count", "string string", "number"],
	["strings.split_n", "string string number", "array"],
	["strings.any_prefix_match", "any any", "boolean"],
	["strings.any_suffix_match", "any any", "boolean"],
	["strings.render_template", "string object", "string"],
	["format_int", "number number", "string"],
	// Types.
	["is_number", "any", "boolean"],
	["is_string", "any", "boolean"],
	["is_boolean", "any", "boolean"],
	["is_array", "any", "boolean"],
	["is_set", "any", "boolean"],
	["is_object", "any", "boolean"],
	["is_null", "any", "boolean"],
	["type_name", "any", "string"],
	["cast_array", "any", "array", { deprecated: true }],
	["cast_set", "any", "set", { deprecated: true }],
	["cast_string", "any", "string", { deprecated: true }],
	["cast_boolean", "any", "boolean", { deprecated: true }],
	["cast_null", "any", "null", { deprecated: true }],
	["cast_object", "any", "object", { deprecated: true }],
	// Encoding.
	["base64.encode", "string", "string"],
	["base64.decode", "string", "string"],
	["base64.is_valid", "string", "boolean"],
	["base64url.encode", "string", "string"],
	["base64url.encode_no_pad", "string", "string"],
	["base64url.decode", "string", "string"],
	["hex.encode", "string", "string"],
	["hex.decode", "string", "string"],
	["urlquery.encode", "string", "string"],
	["urlquery.decode", "string", "string"],
	["urlquery.encode_object", "object", "string"],
	["urlquery.decode_object", "string", "object"],
	["json.marshal", "any", "string"],
	["json.marshal_with_options", "any object", "string"],
	["json.unmarshal", "string", "any"],
	["json.is_valid", "string", "boolean"],
	["yaml.marshal", "any", "string"],
	["yaml.unmarshal", "string", "any"],
	["yaml.is_valid", "string", "boolean"],
	// Misc.
	["walk", "any", "array", { relation: true }],
	["units.parse_bytes", "string", "number"],
	["units.parse", "string", "number"],
	["net.cidr_contains", "string string", "boolean"],
	["net.cidr_intersects", "string string", "boolean"],
	["net.cidr_overlap", "string string", "boolean", { deprecated: true }],
	["net.cidr_expand", "string", "set"],
	["net.cidr_is_valid", "string", "boolean"],
	["net.cidr_merge", "collection", "set"],
	["net.cidr_contains_matches", "any any", "set"],
	["glob.match", "string any string", "boolean"],
	["glob.quote_meta", "string", "string"],
	["semver.compare", "string string", "number"],
	["semver.is_valid", "any", "boolean"],
	["graph.reachable", "object collection", "set"],
	["graph.reachable_paths", "object collection", "set"],
	["to_array", "any", "array", { deprecated: true }],
	["to_set", "any", "set", { deprecated: true }],
	["opa.runtime", "-", "object", { nondeterministic: true }],
	["trace", "string", "boolean"],
	["print", "any", "boolean", { variadic: true }],
	// Regular expressions (served by the host).
	["regex.match", "string string", "boolean"],
	["re_match", "string string", "boolean", { deprecated: true }],
	["regex.is_valid", "any", "boolean"],
	["regex.split", "string string", "array"],
	["regex.find_n", "string string number", "array"],
	["regex.find_all_string_submatch_n", "string string number", "array"],
	["regex.replace", "string string string", "string"],
	["regex.template_match", "string string string string", "boolean"],
	["regex.globs_match", "string string", "boolean"],
	// Time (host).
	["time.now_ns", "-", "number", { nondeterministic: true }],
	["time.parse_ns", "string string", "number"],
	["time.parse_rfc3339_ns", "string", "number"],
	["time.parse_duration_ns", "string", "number"],
	["time.format", "any", "string"],
	["time.date", "any", "array"],
	["time.clock", "any", "array"],
	["time.weekday", "any", "string"],
	["time.add_date", "number number number number", "number"],
	["time.diff", "any any", "array"],
	// Crypto and tokens (host).
	["crypto.md5", "string", "string"],
	["crypto.sha1", "string", "string"],
	["crypto.sha256", "string", "string"],
	["crypto.hmac.md5", "string string", "string"],
	["crypto.hmac.sha1", "string string", "string"],
	["crypto.hmac.sha256", "string string", "string"],
	["crypto.hmac.sha512", "string string", "string"],
	["crypto.hmac.equal", "string string", "boolean"],
	["crypto.x509.parse_certificates", "string", "array"],
	["crypto.x509.parse_and_verify_certificates", "string", "array"],
	["crypto.x509.parse_certificate_request", "string", "object"],
	["crypto.x509.parse_rsa_private_key", "string", "object"],
	["crypto.parse_private_keys", "string", "array"],
	["io.jwt.decode", "string", "array"],
	["io.jwt.decode_verify", "string object", "array"],
	["io.jwt.verify_rs256", "string string", "boolean"],
	["io.jwt.verify_rs384", "string string", "boolean"],
	["io.jwt.verify_rs512", "string string", "boolean"],
	["io.jwt.verify_ps256", "string string", "boolean"],
	["io.jwt.verify_ps384", "string string", "boolean"],
	["io.jwt.verify_ps512", "string string", "boolean"],
	["io.jwt.verify_es256", "string string", "boolean"],
	["io.jwt.verify_es384", "string string", "boolean"],
	["io.jwt.verify_es512", "string string", "boolean"],
	["io.jwt.verify_hs256", "string string", "boolean"],
	["io.jwt.verify_hs384", "string string", "boolean"],
	["io.jwt.verify_hs512", "string string", "boolean"],
	["io.jwt.encode_sign", "object object object", "string"],
	["io.jwt.encode_sign_raw", "string string string", "string"],
	["uuid.rfc4122", "string", "string", { nondeterministic: true }],
	["uuid.parse", "string", "object"],
	["http.send", "object", "object", { nondeterministic: true }],
	["rego.metadata.rule", "-", "any"],
	["rego.metadata.chain", "-", "array"],
	["rego.parse_module", "string string", "object"],
	["object.union_n", "array", "object"],
];

const CATALOG = new Map<string, BuiltinInfo>();
for (const [name, args, result, extra] of SPECS) {
	CATALOG.set(name, {
		name,
		args: args === "-" ? [] : (args.split(" ") as BuiltinType[]),
		result,
		...extra,
	});
}

/** The builtin called `name`, if Gavel knows it. `regoVersion` 1 hides the deprecated ones. */
export function lookupBuiltin(name: string, regoVersion: 0 | 1 = 1): BuiltinInfo | undefined {
	const b = CATALOG.get(name);
	if (!b) return undefined;
	if (b.deprecated && regoVersion === 1) return undefined;
	return b;
}

export function isVariadic(name: string): boolean {
	return CATALOG.get(name)?.variadic === true;
}

export function isRelation(name: string): boolean {
	return CATALOG.get(name)?.relation === true;
}

/** Fixed arity; undefined for unknown and variadic builtins. */
export function builtinArity(name: string): number | undefined {
	const b = CATALOG.get(name);
	return b && !b.variadic ? b.args.length : undefined;
}

export function allBuiltins(): BuiltinInfo[] {
	return [...CATALOG.values()];
}

/** OPA's wording for a call with the wrong number of arguments. */
export function arityMessage(name: string, want: number, got: number): string {
	return `${name}: arity mismatch\n\thave: (${Array(got).fill("any").join(", ")})\n\twant: (${Array(want).fill("any").join(", ")})`;
}
