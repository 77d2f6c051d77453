// The catalogue of builtins: OPA 1.22.3's set (`opa capabilities --current`), each with its
// arity, its argument and result types, and how Gavel provides it. A call to a name that is
// neither a user function nor an available builtin here is a compile error, so a policy never
// meets an unknown or unimplemented function at run time. builtins.test.ts holds the
// catalogue to OPA's list (a committed snapshot, and OPA itself when installed), and
// docs/builtins.md is generated from it (`npm run docs:builtins`).

/** One of Rego's types; "any" is all of them. */
export type BasicType =
	| "any"
	| "null"
	| "boolean"
	| "number"
	| "string"
	| "array"
	| "object"
	| "set";

/** A basic type, or a union of basic types written `array|set`. */
export type BuiltinType = BasicType | `${BasicType}|${string}`;

/**
 * How a builtin is provided:
 * - native: compiled into the Wasm runtime (pure computation, no host call);
 * - host: declared in the module's builtins() and served by Gavel's host builtins (engine);
 * - sdk: declared in builtins() and answered by the opa-wasm SDK's own table;
 * - compiler: replaced by its value at compile time (rego.metadata.*, as OPA does);
 * - refused: a compile error (`undefined function`) saying why Gavel does not provide it.
 */
export type BuiltinImpl = "native" | "host" | "sdk" | "compiler" | "refused";

export interface BuiltinInfo {
	name: string;
	args: BuiltinType[];
	result: BuiltinType;
	impl: BuiltinImpl;
	/** Why a builtin is refused, or what to know about how it is provided. */
	note?: string;
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

const HOST = { impl: "host" } as const;
/** The compiler replaces the call with the rule's METADATA annotations (rego-metadata.ts). */
const COMPILER = {
	impl: "compiler",
	note: "replaced by the rule's METADATA annotations at compile time",
} as const;
/** Served by the host, not the SDK's own unbounded YAML (src/engine/builtins/yaml.ts). */
const YAML = {
	impl: "host",
	note: "limits: input 1 MiB, nesting 1,000 levels, 1,000,000 values after aliases",
} as const;
function refused(note: string): Partial<BuiltinInfo> {
	return { impl: "refused", note };
}
/** OPA fetches a schema's remote `$ref`s during the decision; Gavel refuses them. */
const SCHEMA_NOTE = "drafts 4, 6, 7; a $ref to another document is refused, not fetched";
/** graphql-js parses and validates; the AST objects and error texts are OPA's. */
const GRAPHQL_NOTE = "graphql-js, with OPA's AST objects and schema rules";
/** A decision must not wait on the network by surprise. */
const NETWORK = refused("reaches the network during a decision");
/** Names OPA's own compiler generates for language features. */
const INTERNAL = refused("internal to OPA's compiler");

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
	["minus", "number|set number|set", "number|set", { operator: "-" }],
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
	["rand.intn", "string number", "number", { nondeterministic: true, ...HOST }],
	["to_number", "boolean|null|number|string", "number"],
	["format_int", "number number", "string"],
	["bits.and", "number number", "number"],
	["bits.or", "number number", "number"],
	["bits.xor", "number number", "number"],
	["bits.negate", "number", "number"],
	["bits.lsh", "number number", "number"],
	["bits.rsh", "number number", "number"],
	// Aggregates.
	["count", "array|object|set|string", "number"],
	["sum", "array|set", "number"],
	["product", "array|set", "number"],
	["max", "array|set", "any"],
	["min", "array|set", "any"],
	["sort", "array|set", "array"],
	["all", "array|set", "boolean", { deprecated: true }],
	["any", "array|set", "boolean", { deprecated: true }],
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
	["object.remove", "object array|object|set", "object"],
	["object.union", "object object", "object"],
	["object.union_n", "array", "object"],
	["object.filter", "object array|object|set", "object"],
	["object.subset", "array|object|set array|object|set", "boolean"],
	["json.filter", "object array|set", "object"],
	["json.remove", "object array|set", "object"],
	["json.patch", "any array", "any"],
	// Strings.
	["concat", "string array|set", "string"],
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
	[
		"sprintf",
		"string array",
		"string",
		{
			note: "differs from OPA in three corners: a number inside a collection prints in canonical form, not as written (OPA: `[1e20]`); -0.0 prints 0; %x of a non-integer is a bad verb, not Go's hex float",
		},
	],
	["strings.reverse", "string", "string"],
	["strings.count", "string string", "number"],
	["strings.split_n", "string string number", "array"],
	["strings.any_prefix_match", "array|set|string array|set|string", "boolean"],
	["strings.any_suffix_match", "array|set|string array|set|string", "boolean"],
	[
		"strings.render_template",
		"string object",
		"string",
		{ ...refused("Go's text/template language is not reproduced") },
	],
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
	["yaml.marshal", "any", "string", { ...YAML }],
	["yaml.unmarshal", "string", "any", { ...YAML }],
	["yaml.is_valid", "string", "boolean", { ...YAML }],
	// Misc.
	["walk", "any", "array", { relation: true }],
	["units.parse_bytes", "string", "number"],
	["units.parse", "string", "number"],
	["net.cidr_contains", "string string", "boolean"],
	["net.cidr_intersects", "string string", "boolean"],
	["net.cidr_overlap", "string string", "boolean", { deprecated: true }],
	["net.cidr_expand", "string", "set"],
	["net.cidr_is_valid", "string", "boolean"],
	["net.cidr_merge", "array|set", "set"],
	["net.cidr_contains_matches", "array|object|set|string array|object|set|string", "set"],
	["glob.match", "string array|null string", "boolean"],
	["glob.quote_meta", "string", "string"],
	["semver.compare", "string string", "number"],
	["semver.is_valid", "any", "boolean"],
	["graph.reachable", "object array|set", "set"],
	["graph.reachable_paths", "object array|set", "set"],
	["opa.runtime", "-", "object", { nondeterministic: true, ...HOST }],
	["trace", "string", "boolean"],
	["print", "any", "boolean", { variadic: true }],
	// Regular expressions (served by the host).
	["regex.match", "string string", "boolean", { ...HOST }],
	["re_match", "string string", "boolean", { deprecated: true, ...HOST }],
	["regex.is_valid", "string", "boolean", { ...HOST }],
	["regex.split", "string string", "array", { ...HOST }],
	["regex.find_n", "string string number", "array", { ...HOST }],
	["regex.find_all_string_submatch_n", "string string number", "array", { ...HOST }],
	["regex.replace", "string string string", "string", { ...HOST }],
	["regex.template_match", "string string string string", "boolean", { ...HOST }],
	["regex.globs_match", "string string", "boolean", { ...HOST }],
	// Time (host).
	["time.now_ns", "-", "number", { nondeterministic: true, ...HOST }],
	["time.parse_ns", "string string", "number", { ...HOST }],
	["time.parse_rfc3339_ns", "string", "number", { ...HOST }],
	["time.parse_duration_ns", "string", "number", { ...HOST }],
	["time.format", "array|number", "string", { ...HOST }],
	["time.date", "array|number", "array", { ...HOST }],
	["time.clock", "array|number", "array", { ...HOST }],
	["time.weekday", "array|number", "string", { ...HOST }],
	["time.add_date", "number number number number", "number", { ...HOST }],
	["time.diff", "array|number array|number", "array", { ...HOST }],
	// Crypto and tokens (host).
	["crypto.md5", "string", "string", { ...HOST }],
	["crypto.sha1", "string", "string", { ...HOST }],
	["crypto.sha256", "string", "string", { ...HOST }],
	["crypto.hmac.md5", "string string", "string", { ...HOST }],
	["crypto.hmac.sha1", "string string", "string", { ...HOST }],
	["crypto.hmac.sha256", "string string", "string", { ...HOST }],
	["crypto.hmac.sha512", "string string", "string", { ...HOST }],
	["crypto.hmac.equal", "string string", "boolean", { ...HOST }],
	["crypto.x509.parse_certificates", "string", "array", { ...HOST }],
	["crypto.x509.parse_and_verify_certificates", "string", "array", { ...HOST }],
	["crypto.x509.parse_certificate_request", "string", "object", { ...HOST }],
	["crypto.x509.parse_rsa_private_key", "string", "object", { ...HOST }],
	["crypto.parse_private_keys", "string", "array", { ...HOST }],
	["io.jwt.decode", "string", "array"],
	["io.jwt.decode_verify", "string object", "array", { nondeterministic: true, ...HOST }],
	["io.jwt.verify_rs256", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_rs384", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_rs512", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_ps256", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_ps384", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_ps512", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_es256", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_es384", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_es512", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_hs256", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_hs384", "string string", "boolean", { ...HOST }],
	["io.jwt.verify_hs512", "string string", "boolean", { ...HOST }],
	["io.jwt.encode_sign", "object object object", "string", { nondeterministic: true, ...HOST }],
	["io.jwt.encode_sign_raw", "string string string", "string", { nondeterministic: true, ...HOST }],
	["uuid.rfc4122", "string", "string", { nondeterministic: true, ...HOST }],
	["uuid.parse", "string", "object", { ...HOST }],
	["http.send", "object", "object", { nondeterministic: true, ...NETWORK }],
	["rego.metadata.rule", "-", "any", { ...COMPILER }],
	["rego.metadata.chain", "-", "array", { ...COMPILER }],
	[
		"rego.parse_module",
		"string string",
		"object",
		{ ...refused("Gavel does not reproduce OPA's AST JSON") },
	],
	// Added with OPA 1.x, or not yet provided.
	["io.jwt.verify_eddsa", "string string", "boolean", { ...HOST }],
	["crypto.x509.parse_and_verify_certificates_with_options", "string object", "array", { ...HOST }],
	["crypto.x509.parse_keypair", "string string", "object", { ...HOST }],
	["providers.aws.sign_req", "object object number", "object", { ...HOST }],
	["graphql.is_valid", "object|string object|string", "boolean", { ...HOST, note: GRAPHQL_NOTE }],
	["graphql.parse", "object|string object|string", "array", { ...HOST, note: GRAPHQL_NOTE }],
	[
		"graphql.parse_and_verify",
		"object|string object|string",
		"array",
		{ ...HOST, note: GRAPHQL_NOTE },
	],
	["graphql.parse_query", "string", "object", { ...HOST, note: GRAPHQL_NOTE }],
	["graphql.parse_schema", "string", "object", { ...HOST, note: GRAPHQL_NOTE }],
	["graphql.schema_is_valid", "object|string", "boolean", { ...HOST, note: GRAPHQL_NOTE }],
	[
		"json.match_schema",
		"object|string object|string",
		"array",
		{ nondeterministic: true, ...HOST, note: SCHEMA_NOTE },
	],
	[
		"json.verify_schema",
		"object|string",
		"array",
		{ nondeterministic: true, ...HOST, note: SCHEMA_NOTE },
	],
	["uri.is_valid", "string", "boolean", { ...HOST }],
	["uri.parse", "string", "object", { ...HOST }],
	["net.lookup_ip_addr", "string", "set", { nondeterministic: true, ...NETWORK }],
	[
		"internal.print",
		"array",
		"boolean",
		{ ...INTERNAL, note: "the form OPA compiles print() to; print() itself is native" },
	],
	[
		"internal.template_string",
		"array",
		"string",
		{ ...INTERNAL, note: "the form OPA compiles template strings to" },
	],
	[
		"internal.test_case",
		"array",
		"boolean",
		{ ...INTERNAL, note: "used by `opa test` for parameterised test cases" },
	],
];

const CATALOG = new Map<string, BuiltinInfo>();
for (const [name, args, result, extra] of SPECS) {
	CATALOG.set(name, {
		name,
		args: args === "-" ? [] : (args.split(" ") as BuiltinType[]),
		result,
		impl: "native",
		...extra,
	});
}

/**
 * The builtin called `name`, if a policy may call it: refused builtins are not, and
 * `regoVersion` 1 hides the deprecated ones.
 */
export function lookupBuiltin(name: string, regoVersion: 0 | 1 = 1): BuiltinInfo | undefined {
	const b = CATALOG.get(name);
	if (!b || b.impl === "refused") return undefined;
	if (b.deprecated && regoVersion === 1) return undefined;
	return b;
}

/**
 * The builtin called `name` as a name: refused ones included, since a call to one may be
 * mocked (`with http.send as …`). The planner refuses a call that is planned unmocked.
 */
export function knownBuiltin(name: string, regoVersion: 0 | 1 = 1): BuiltinInfo | undefined {
	const b = CATALOG.get(name);
	if (!b || (b.deprecated && regoVersion === 1)) return undefined;
	return b;
}

/** The line a compile error adds under `undefined function NAME` for a refused builtin. */
export function refusalText(name: string): string | undefined {
	const b = CATALOG.get(name);
	if (b?.impl !== "refused") return undefined;
	return `Gavel does not provide ${name}: ${b.note}`;
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

/** Every builtin of the catalogue, refused ones included, sorted by name. */
export function allBuiltins(): BuiltinInfo[] {
	return [...CATALOG.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** OPA's wording for a call with the wrong number of arguments. */
export function arityMessage(name: string, want: number, got: number): string {
	return `${name}: arity mismatch\n\thave: (${Array(got).fill("any").join(", ")})\n\twant: (${Array(want).fill("any").join(", ")})`;
}
