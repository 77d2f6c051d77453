// json.verify_schema and json.match_schema: JSON Schema (drafts 4, 6 and 7, as OPA's validator
// reads them) with OPA's answers: a schema defect is `[false, "jsonschema: <reason>"]` from
// verify_schema and an error from match_schema; a document's violations are OPA's error
// objects ({error, type, field, desc}) in the order OPA reports them. Pure TypeScript on RE2
// (re2js) for `pattern`, so it runs in Workers too. Unlike OPA, a `$ref` to another document
// is refused rather than fetched: a decision must not wait on the network.

import { BuiltinError, typeName } from "./builtin-error.ts";
import { compileRe2 } from "./re2.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface SchemaViolation {
	error: string;
	type: string;
	field: string;
	desc: string;
}

class SchemaDefect extends Error {}

const TYPES = ["array", "boolean", "integer", "number", "null", "object", "string"];

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** A document or schema operand: an object, or JSON text. */
function operand(builtin: string, v: unknown, pos: number): Json {
	if (typeof v === "string") {
		try {
			return JSON.parse(v) as Json;
		} catch {
			throw new SchemaDefect("invalid JSON string");
		}
	}
	if (isObj(v) || Array.isArray(v) || typeof v === "boolean") return v as Json;
	throw new BuiltinError(
		builtin,
		`operand ${pos} must be one of {object, string} but got ${typeName(v)}`,
		"eval_type_error",
	);
}

// --- Checking a schema, as OPA's validator does when it loads one. ---

function checkSchema(s: Json, root: Json): void {
	if (typeof s === "boolean") return;
	if (!isObj(s)) throw new SchemaDefect("Invalid type. Expected: Valid Schema, given: schema");
	if ("$ref" in s && typeof s.$ref === "string") resolveRef(root, s.$ref);
	if ("type" in s) {
		const t = s.type;
		const names = typeof t === "string" ? [t] : Array.isArray(t) ? t : undefined;
		if (!names || names.some((n) => typeof n !== "string"))
			// (OPA's words, with the two halves the other way round from its other messages.)
			throw new SchemaDefect("Invalid type. Expected: type, given: string/Array Of Strings");
		for (const n of names as string[]) {
			if (!TYPES.includes(n)) {
				throw new SchemaDefect(
					`has a primitive type that is NOT VALID -- given: /${n}/ Expected valid values are:[${TYPES.join(" ")}]`,
				);
			}
		}
	}
	const schemaMap = (key: string, message: string) => {
		if (!(key in s)) return;
		const v = s[key];
		if (!isObj(v)) throw new SchemaDefect(message);
		for (const k of Object.keys(v).sort()) checkSchema(v[k], root);
	};
	schemaMap("definitions", "Definitions must be of type object");
	schemaMap("properties", "Properties must be of type object");
	if ("patternProperties" in s) {
		const pp = s.patternProperties;
		if (!isObj(pp)) throw new SchemaDefect("patternProperties must be of type object");
		for (const k of Object.keys(pp).sort()) {
			validRegex(k, "patternProperties");
			checkSchema(pp[k], root);
		}
	}
	for (const key of ["additionalProperties", "additionalItems"]) {
		if (!(key in s)) continue;
		const v = s[key];
		if (typeof v !== "boolean" && !isObj(v))
			throw new SchemaDefect(`Invalid type. Expected: boolean/Valid Schema, given: ${key}`);
		checkSchema(v, root);
	}
	if ("items" in s) {
		const v = s.items;
		if (Array.isArray(v)) for (const x of v) checkSchema(x, root);
		else if (isObj(v) || typeof v === "boolean") checkSchema(v, root);
		else
			throw new SchemaDefect("Invalid type. Expected: Valid Schema/Array Of Schemas, given: items");
	}
	for (const key of ["not", "contains", "propertyNames", "if", "then", "else"]) {
		if (!(key in s)) continue;
		const v = s[key];
		if (!isObj(v) && typeof v !== "boolean") throw new SchemaDefect(`${key} must be of an object`);
		checkSchema(v, root);
	}
	for (const key of ["anyOf", "allOf", "oneOf"]) {
		if (!(key in s)) continue;
		const v = s[key];
		if (!Array.isArray(v)) throw new SchemaDefect(`${key} must be of an array`);
		for (const x of v) checkSchema(x, root);
	}
	if ("required" in s) {
		const r = s.required;
		if (!Array.isArray(r)) throw new SchemaDefect("required must be of an array");
		for (const x of r)
			if (typeof x !== "string")
				throw new SchemaDefect("Invalid type. Expected: string, given: required");
		if (new Set(r).size !== r.length) throw new SchemaDefect("required items must be unique");
	}
	for (const [min, max] of [
		["minLength", "maxLength"],
		["minItems", "maxItems"],
		["minProperties", "maxProperties"],
	]) {
		for (const key of [min, max]) {
			if (!(key in s)) continue;
			if (!isInt(s[key])) throw new SchemaDefect(`${key} must be of an integer`);
			if ((s[key] as number) < 0)
				throw new SchemaDefect(`${key} must be greater than or equal to 0`);
		}
		// OPA does not compare minItems with maxItems.
		if (min !== "minItems" && isInt(s[min]) && isInt(s[max]) && s[min] > s[max])
			throw new SchemaDefect(`${min} cannot be greater than ${max}`);
	}
	for (const key of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
		if (!(key in s)) continue;
		const v = s[key];
		const draft4Flag = key.startsWith("exclusive") && typeof v === "boolean";
		if (typeof v !== "number" && !draft4Flag) throw new SchemaDefect(`${key} must be of a Number`);
	}
	if ("multipleOf" in s) {
		if (typeof s.multipleOf !== "number") throw new SchemaDefect("multipleOf must be of a Number");
		if (s.multipleOf <= 0) throw new SchemaDefect("multipleOf must be strictly greater than 0");
	}
	if ("pattern" in s) {
		if (typeof s.pattern !== "string") throw new SchemaDefect("pattern must be of a string");
		validRegex(s.pattern, "pattern");
	}
	if ("format" in s && typeof s.format !== "string")
		throw new SchemaDefect("Invalid type. Expected: string, given: format");
	if ("uniqueItems" in s && typeof s.uniqueItems !== "boolean")
		throw new SchemaDefect("uniqueItems must be of a boolean");
	if ("enum" in s && !Array.isArray(s.enum)) throw new SchemaDefect("enum must be of an array");
	if ("dependencies" in s) {
		const d = s.dependencies;
		if (!isObj(d)) throw new SchemaDefect("dependencies must be of an object");
		for (const k of Object.keys(d).sort()) {
			const v = d[k];
			if (Array.isArray(v) && v.every((x) => typeof x === "string")) continue;
			if (isObj(v) || typeof v === "boolean") checkSchema(v, root);
			else throw new SchemaDefect("Dependency must be of type Schema Or Array Of Strings");
		}
	}
}

function validRegex(p: string, key: string): void {
	try {
		compileRe2(p);
	} catch {
		throw new SchemaDefect(`${key} must be a valid regex`);
	}
}

/** A `#/a/b` pointer into the root schema; other documents are not fetched. */
function resolveRef(root: Json, ref: string): Json {
	if (ref === "#" || ref === "") return root;
	if (!ref.startsWith("#/")) {
		throw new SchemaDefect(`$ref ${ref}: Gavel does not load other schema documents`);
	}
	let cur: Json = root;
	for (const raw of ref.slice(2).split("/")) {
		const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
		if (Array.isArray(cur) && /^\d+$/.test(key) && Number(key) < cur.length) {
			cur = cur[Number(key)];
		} else if (isObj(cur) && key in cur) {
			cur = cur[key];
		} else {
			throw new SchemaDefect(`Object has no key '${key}'`);
		}
	}
	return cur;
}

// --- Validating a document. ---

function goJson(v: Json): string {
	// Go's encoder escapes <, > and & inside strings.
	return JSON.stringify(v)
		.replaceAll("<", "\\u003c")
		.replaceAll(">", "\\u003e")
		.replaceAll("&", "\\u0026");
}

function jsonType(v: Json): string {
	if (v === null) return "null";
	if (Array.isArray(v)) return "array";
	if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
	return typeof v === "object" ? "object" : typeof v;
}

function typeMatches(t: string, v: Json): boolean {
	const actual = jsonType(v);
	return t === actual || (t === "number" && actual === "integer");
}

function equalJson(a: Json, b: Json): boolean {
	if (a === b) return true;
	if (Array.isArray(a) && Array.isArray(b))
		return a.length === b.length && a.every((x, i) => equalJson(x, b[i]));
	if (isObj(a) && isObj(b)) {
		const ka = Object.keys(a);
		return ka.length === Object.keys(b).length && ka.every((k) => k in b && equalJson(a[k], b[k]));
	}
	return false;
}

/** Exact `v` multiple of `m` for decimal numbers (0.3 is a multiple of 0.1). */
function isMultiple(v: number, m: number): boolean {
	const decimals = (x: number) => {
		const s = String(x);
		const e = /e-(\d+)$/.exec(s);
		if (e) return Number(e[1]) + (s.split("e")[0].split(".")[1]?.length ?? 0);
		return s.split(".")[1]?.length ?? 0;
	};
	const k = Math.max(decimals(v), decimals(m));
	if (k > 15) return Number.isInteger(v / m);
	const scale = 10 ** k;
	const a = Math.round(v * scale);
	const b = Math.round(m * scale);
	return b !== 0 && a % b === 0;
}

const FORMATS: Record<string, (s: string) => boolean> = {
	email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
	ipv4: (s) =>
		/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s),
	ipv6: (s) => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s) && validIpv6(s),
	"date-time": (s) =>
		/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?$/.test(s),
	date: (s) => /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(s),
	time: (s) => /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s),
	uri: (s) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s),
	uuid: (s) =>
		/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
	regex: (s) => {
		try {
			compileRe2(s);
			return true;
		} catch {
			return false;
		}
	},
};

function validIpv6(s: string): boolean {
	const parts = s.split("::");
	if (parts.length > 2) return false;
	const groups = parts.flatMap((p) => (p === "" ? [] : p.split(":")));
	if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g) && !FORMATS.ipv4(g))) return false;
	const n = groups.reduce((acc, g) => acc + (g.includes(".") ? 2 : 1), 0);
	return parts.length === 2 ? n < 8 : n === 8;
}

class Validator {
	constructor(private readonly root: Json) {}

	validate(s: Json, v: Json, path: string[], out: SchemaViolation[]): void {
		const field = path.length === 0 ? "(Root)" : path.join(".");
		const fail = (type: string, desc: string): void => {
			out.push({ error: `${field}: ${desc}`, type, field, desc });
		};
		if (s === true) return;
		if (s === false) {
			fail("false", "False always fails validation");
			return;
		}
		if (!isObj(s)) return;
		if (typeof s.$ref === "string") {
			this.validate(resolveRef(this.root, s.$ref), v, path, out);
			return;
		}
		if ("type" in s) {
			const names = (typeof s.type === "string" ? [s.type] : s.type) as string[];
			if (!names.some((t) => typeMatches(t, v))) {
				const expected = names.length === 1 ? names[0] : `[${names.join(",")}]`;
				fail("invalid_type", `Invalid type. Expected: ${expected}, given: ${jsonType(v)}`);
				return;
			}
		}
		this.combinators(s, v, path, out, fail);
		if ("const" in s && !equalJson(s.const, v))
			fail("const", `${field} does not match: ${goJson(s.const)}`);
		if (Array.isArray(s.enum) && !s.enum.some((e) => equalJson(e, v))) {
			fail("enum", `${field} must be one of the following: ${s.enum.map(goJson).join(", ")}`);
		}
		if (isObj(v)) this.object(s, v, path, out, fail);
		else if (Array.isArray(v)) this.array(s, v, path, out, fail);
		else if (typeof v === "string") this.string(s, v, fail);
		else if (typeof v === "number") this.number(s, v, fail);
	}

	private valid(s: Json, v: Json, path: string[]): SchemaViolation[] {
		const out: SchemaViolation[] = [];
		this.validate(s, v, path, out);
		return out;
	}

	private combinators(
		s: Obj,
		v: Json,
		path: string[],
		out: SchemaViolation[],
		fail: (type: string, desc: string) => void,
	): void {
		if (Array.isArray(s.anyOf)) {
			const results = s.anyOf.map((x) => this.valid(x, v, path));
			if (!results.some((r) => r.length === 0)) {
				fail("number_any_of", "Must validate at least one schema (anyOf)");
				if (results.length > 0) out.push(...results[0]);
			}
		}
		if (Array.isArray(s.oneOf)) {
			const results = s.oneOf.map((x) => this.valid(x, v, path));
			const ok = results.filter((r) => r.length === 0).length;
			if (ok !== 1) {
				fail("number_one_of", "Must validate one and only one schema (oneOf)");
				if (ok === 0 && results.length > 0) out.push(...results[0]);
			}
		}
		if (Array.isArray(s.allOf)) {
			let failed = false;
			for (const x of s.allOf) {
				const r = this.valid(x, v, path);
				if (r.length > 0) {
					failed = true;
					out.push(...r);
				}
			}
			if (failed) fail("number_all_of", "Must validate all the schemas (allOf)");
		}
		if ("not" in s && this.valid(s.not, v, path).length === 0) {
			fail("number_not", "Must not validate the schema (not)");
		}
		if (isObj(s.dependencies) && isObj(v)) {
			for (const k of Object.keys(s.dependencies).sort()) {
				if (!(k in v)) continue;
				const d = s.dependencies[k];
				if (Array.isArray(d)) {
					for (const need of d)
						if (typeof need === "string" && !(need in v))
							fail("missing_dependency", `Has a dependency on ${need}`);
				} else out.push(...this.valid(d, v, path));
			}
		}
		if ("if" in s) {
			const ifOk = this.valid(s.if, v, path).length === 0;
			const branch = ifOk ? "then" : "else";
			if (branch in s) {
				const r = this.valid(s[branch], v, path);
				if (r.length > 0) {
					fail(
						`condition_${branch}`,
						`Must validate "${branch}" as "if" was ${ifOk ? "valid" : "not valid"}`,
					);
					out.push(...r);
				}
			}
		}
	}

	private object(
		s: Obj,
		v: Obj,
		path: string[],
		out: SchemaViolation[],
		fail: (type: string, desc: string) => void,
	): void {
		const n = Object.keys(v).length;
		if (isInt(s.maxProperties) && n > s.maxProperties)
			fail("array_max_properties", `Must have at most ${s.maxProperties} properties`);
		if (isInt(s.minProperties) && n < s.minProperties)
			fail("array_min_properties", `Must have at least ${s.minProperties} properties`);
		if (Array.isArray(s.required)) {
			for (const r of s.required)
				if (typeof r === "string" && !(r in v)) fail("required", `${r} is required`);
		}
		const props = isObj(s.properties) ? s.properties : {};
		for (const k of Object.keys(props).sort()) {
			if (k in v) this.validate(props[k], v[k], [...path, k], out);
		}
		const patterns = isObj(s.patternProperties) ? Object.keys(s.patternProperties).sort() : [];
		for (const k of Object.keys(v).sort()) {
			let matched = k in props;
			for (const p of patterns) {
				if (compileRe2(p).test(k)) {
					matched = true;
					this.validate((s.patternProperties as Obj)[p], v[k], [...path, k], out);
				}
			}
			if (matched || !("additionalProperties" in s)) continue;
			if (s.additionalProperties === false) {
				fail("additional_property_not_allowed", `Additional property ${k} is not allowed`);
			} else this.validate(s.additionalProperties, v[k], [...path, k], out);
		}
		if ("propertyNames" in s) {
			for (const k of Object.keys(v).sort()) {
				const r = this.valid(s.propertyNames, k, path);
				if (r.length > 0) {
					fail("invalid_property_name", `Property name of ${goJson(k)} does not match`);
					out.push(...r);
				}
			}
		}
	}

	private array(
		s: Obj,
		v: Json[],
		path: string[],
		out: SchemaViolation[],
		fail: (type: string, desc: string) => void,
	): void {
		if (Array.isArray(s.items)) {
			const tuple = s.items;
			v.forEach((x, i) => {
				if (i < tuple.length) this.validate(tuple[i], x, [...path, String(i)], out);
				else if (s.additionalItems === false) {
					if (i === tuple.length)
						fail("array_no_additional_items", "No additional items allowed on array");
				} else if ("additionalItems" in s) {
					this.validate(s.additionalItems, x, [...path, String(i)], out);
				}
			});
		} else if ("items" in s) {
			v.forEach((x, i) => {
				this.validate(s.items, x, [...path, String(i)], out);
			});
		}
		if (isInt(s.minItems) && v.length < s.minItems)
			fail("array_min_items", `Array must have at least ${s.minItems} items`);
		if (isInt(s.maxItems) && v.length > s.maxItems)
			fail("array_max_items", `Array must have at most ${s.maxItems} items`);
		if (s.uniqueItems === true) {
			outer: for (let i = 0; i < v.length; i++) {
				for (let j = i + 1; j < v.length; j++) {
					if (equalJson(v[i], v[j])) {
						fail("unique", `array items[${i},${j}] must be unique`);
						break outer;
					}
				}
			}
		}
		if ("contains" in s) {
			const results = v.map((x, i) => this.valid(s.contains, x, [...path, String(i)]));
			if (!results.some((r) => r.length === 0)) {
				fail("contains", "At least one of the items must match");
				for (const r of results) out.push(...r);
			}
		}
	}

	private string(s: Obj, v: string, fail: (type: string, desc: string) => void): void {
		const len = Array.from(v).length;
		if (isInt(s.minLength) && len < s.minLength)
			fail("string_gte", `String length must be greater than or equal to ${s.minLength}`);
		if (isInt(s.maxLength) && len > s.maxLength)
			fail("string_lte", `String length must be less than or equal to ${s.maxLength}`);
		if (typeof s.pattern === "string" && !compileRe2(s.pattern).test(v))
			fail("pattern", `Does not match pattern '${s.pattern}'`);
		if (typeof s.format === "string") {
			const check = FORMATS[s.format];
			if (check && !check(v)) fail("format", `Does not match format '${s.format}'`);
		}
	}

	private number(s: Obj, v: number, fail: (type: string, desc: string) => void): void {
		if (typeof s.multipleOf === "number" && !isMultiple(v, s.multipleOf))
			fail("multiple_of", `Must be a multiple of ${s.multipleOf}`);
		if (typeof s.maximum === "number") {
			if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum) {
				if (s.exclusiveMaximum === true) fail("number_lt", `Must be less than ${s.maximum}`);
				else fail("number_lte", `Must be less than or equal to ${s.maximum}`);
			}
		}
		if (typeof s.exclusiveMaximum === "number" && v >= s.exclusiveMaximum)
			fail("number_lt", `Must be less than ${s.exclusiveMaximum}`);
		if (typeof s.minimum === "number") {
			if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum) {
				if (s.exclusiveMinimum === true) fail("number_gt", `Must be greater than ${s.minimum}`);
				else fail("number_gte", `Must be greater than or equal to ${s.minimum}`);
			}
		}
		if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum)
			fail("number_gt", `Must be greater than ${s.exclusiveMinimum}`);
	}
}

export const jsonSchemaBuiltins = {
	"json.verify_schema"(schema: unknown): unknown[] {
		try {
			const s = operand("json.verify_schema", schema, 1);
			checkSchema(s, s);
			return [true, null];
		} catch (e) {
			if (e instanceof SchemaDefect) return [false, `jsonschema: ${e.message}`];
			throw e;
		}
	},
	"json.match_schema"(document: unknown, schema: unknown): unknown[] {
		const name = "json.match_schema";
		try {
			const doc = operand(name, document, 1);
			const s = operand(name, schema, 2);
			checkSchema(s, s);
			const out: SchemaViolation[] = [];
			new Validator(s).validate(s, doc, [], out);
			return [out.length === 0, out];
		} catch (e) {
			if (e instanceof SchemaDefect) throw new BuiltinError(name, e.message);
			throw e;
		}
	},
};
