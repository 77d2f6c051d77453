// OPA's GraphQL AST objects: the JSON of its parser's Go structs (capitalised field names,
// empty lists and nil pointers left out, strings and booleans always present, positions not
// written). Three conversions meet here: graphql-js's AST to that shape (parse_query,
// parse_schema), a policy-supplied AST object back to the same shape (decoded as OPA's JSON
// decoding would: unknown keys dropped, missing ones defaulted, every selection read as a
// field), and the shape back to graphql-js nodes so graphql-js can validate it.

import {
	type ConstDirectiveNode,
	type DefinitionNode,
	type DirectiveNode,
	Kind,
	type Location,
	type SelectionNode,
	type Token,
	TokenKind,
	type TypeNode,
	type ValueNode,
} from "graphql";

export type Obj = Record<string, unknown>;

/** Where a node starts in the GraphQL source (1-based); absent for decoded AST objects. */
export const POS: unique symbol = Symbol("gql-pos");
export interface Pos {
	line: number;
	column: number;
}
export type Node = Obj & { [POS]?: Pos };

export class AstDecodeError extends Error {}

// --- graphql-js AST → OPA's shape -------------------------------------------------------

/** Sets `key` unless the value is one OPA's encoder omits (empty list, absent pointer). */
function put(o: Obj, key: string, v: unknown): void {
	if (v === undefined || v === null) return;
	if (Array.isArray(v) && v.length === 0) return;
	o[key] = v;
}

function pos(loc: Location | undefined): Pos | undefined {
	return loc ? { line: loc.startToken.line, column: loc.startToken.column } : undefined;
}

function withPos(o: Obj, loc: Location | undefined): Node {
	const p = pos(loc);
	if (p) Object.defineProperty(o, POS, { value: p, enumerable: false });
	return o as Node;
}

/** The comment group written right before `tok` (after the previous significant token). */
function commentsBefore(tok: Token | undefined | null): Obj | undefined {
	const list: Obj[] = [];
	for (let t = tok?.prev; t && t.kind === TokenKind.COMMENT; t = t.prev) {
		list.unshift({ Value: `#${t.value}` });
	}
	return list.length ? { List: list } : undefined;
}

function nextSignificant(tok: Token): Token | null {
	let t = tok.next;
	while (t && t.kind === TokenKind.COMMENT) t = t.next;
	return t;
}

/** Before/After description comments of a type-system node. */
function descComments(o: Obj, loc: Location | undefined, desc: { loc?: Location } | undefined) {
	if (!loc) return;
	if (desc?.loc) {
		put(o, "BeforeDescriptionComment", commentsBefore(desc.loc.startToken));
		put(o, "AfterDescriptionComment", commentsBefore(nextSignificant(desc.loc.endToken)));
	} else {
		put(o, "AfterDescriptionComment", commentsBefore(loc.startToken));
	}
}

function endComments(o: Obj, loc: Location | undefined): void {
	if (loc && loc.endToken.kind === TokenKind.BRACE_R) {
		put(o, "EndOfDefinitionComment", commentsBefore(loc.endToken));
	}
}

const VALUE_KIND: Record<string, number> = {
	[Kind.VARIABLE]: 0,
	[Kind.INT]: 1,
	[Kind.FLOAT]: 2,
	[Kind.STRING]: 3,
	[Kind.BOOLEAN]: 5,
	[Kind.NULL]: 6,
	[Kind.ENUM]: 7,
	[Kind.LIST]: 8,
	[Kind.OBJECT]: 9,
};

export function valueJson(v: ValueNode): Node {
	const o: Obj = {};
	let raw = "";
	let kind = VALUE_KIND[v.kind];
	let children: Obj[] = [];
	switch (v.kind) {
		case Kind.VARIABLE:
			raw = v.name.value;
			break;
		case Kind.INT:
		case Kind.FLOAT:
		case Kind.ENUM:
			raw = v.value;
			break;
		case Kind.STRING:
			raw = v.value;
			if (v.block) kind = 4;
			break;
		case Kind.BOOLEAN:
			raw = v.value ? "true" : "false";
			break;
		case Kind.NULL:
			raw = "null";
			break;
		case Kind.LIST:
			children = v.values.map((x) => ({ Name: "", Value: valueJson(x) }));
			break;
		case Kind.OBJECT:
			children = v.fields.map((f) => ({ Name: f.name.value, Value: valueJson(f.value) }));
			break;
	}
	o.Raw = raw;
	put(o, "Children", children);
	o.Kind = kind;
	o.ExpectedTypeHasDefault = false;
	return withPos(o, v.loc);
}

export function typeJson(t: TypeNode): Node {
	let nonNull = false;
	let inner = t;
	if (inner.kind === Kind.NON_NULL_TYPE) {
		nonNull = true;
		inner = inner.type;
	}
	const o: Obj = {};
	if (inner.kind === Kind.LIST_TYPE) {
		o.NamedType = "";
		o.Elem = typeJson(inner.type);
	} else {
		o.NamedType = inner.name.value;
	}
	o.NonNull = nonNull;
	return withPos(o, t.loc);
}

function argsJson(args: readonly { name: { value: string }; value: ValueNode }[] | undefined) {
	return (args ?? []).map((a) => ({ Name: a.name.value, Value: valueJson(a.value) }));
}

function directivesJson(ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Node[] {
	return (ds ?? []).map((d) => {
		const o: Obj = { Name: d.name.value };
		put(o, "Arguments", argsJson(d.arguments));
		o.Location = "";
		return withPos(o, d.name.loc);
	});
}

function selectionsJson(sel: { selections: readonly SelectionNode[] } | undefined): Node[] {
	return (sel?.selections ?? []).map((s) => {
		const o: Obj = {};
		switch (s.kind) {
			case Kind.FIELD:
				o.Alias = s.alias?.value ?? s.name.value;
				o.Name = s.name.value;
				put(o, "Arguments", argsJson(s.arguments));
				put(o, "Directives", directivesJson(s.directives));
				put(o, "SelectionSet", selectionsJson(s.selectionSet));
				break;
			case Kind.FRAGMENT_SPREAD:
				o.Name = s.name.value;
				put(o, "Directives", directivesJson(s.directives));
				break;
			case Kind.INLINE_FRAGMENT:
				o.TypeCondition = s.typeCondition?.name.value ?? "";
				put(o, "Directives", directivesJson(s.directives));
				put(o, "SelectionSet", selectionsJson(s.selectionSet));
				break;
		}
		put(o, "Comment", commentsBefore(s.loc?.startToken));
		return withPos(o, s.loc);
	});
}

function varDefsJson(vs: readonly import("graphql").VariableDefinitionNode[] | undefined): Node[] {
	return (vs ?? []).map((v) => {
		const o: Obj = { Variable: v.variable.name.value, Type: typeJson(v.type) };
		put(o, "DefaultValue", v.defaultValue && valueJson(v.defaultValue));
		put(o, "Directives", directivesJson(v.directives));
		o.Description = "";
		o.Used = false;
		put(o, "Comment", commentsBefore(v.loc?.startToken));
		return withPos(o, v.loc);
	});
}

/** An executable definition as OPA writes it; undefined for a type-system definition. */
export function executableJson(d: DefinitionNode): { op?: Node; frag?: Node } | undefined {
	if (d.kind === Kind.OPERATION_DEFINITION) {
		const o: Obj = { Operation: d.operation, Name: d.name?.value ?? "", Description: "" };
		put(o, "VariableDefinitions", varDefsJson(d.variableDefinitions));
		put(o, "Directives", directivesJson(d.directives));
		put(o, "SelectionSet", selectionsJson(d.selectionSet));
		put(o, "Comment", commentsBefore(d.loc?.startToken));
		return { op: withPos(o, d.loc) };
	}
	if (d.kind === Kind.FRAGMENT_DEFINITION) {
		const o: Obj = { Name: d.name.value };
		put(o, "VariableDefinition", varDefsJson(d.variableDefinitions));
		o.TypeCondition = d.typeCondition.name.value;
		put(o, "Directives", directivesJson(d.directives));
		put(o, "SelectionSet", selectionsJson(d.selectionSet));
		o.Description = "";
		put(o, "Comment", commentsBefore(d.loc?.startToken));
		return { frag: withPos(o, d.loc) };
	}
	return undefined;
}

type InputValueNode = import("graphql").InputValueDefinitionNode;

function inputValuesJson(vs: readonly InputValueNode[] | undefined): Node[] {
	return (vs ?? []).map((v) => {
		const o: Obj = { Description: v.description?.value ?? "", Name: v.name.value };
		put(o, "DefaultValue", v.defaultValue && valueJson(v.defaultValue));
		o.Type = typeJson(v.type);
		put(o, "Directives", directivesJson(v.directives));
		descComments(o, v.loc, v.description);
		return withPos(o, v.name.loc);
	});
}

function fieldDefsJson(fs: readonly import("graphql").FieldDefinitionNode[] | undefined): Node[] {
	return (fs ?? []).map((f) => {
		const o: Obj = { Description: f.description?.value ?? "", Name: f.name.value };
		put(o, "Arguments", inputValuesJson(f.arguments));
		o.Type = typeJson(f.type);
		put(o, "Directives", directivesJson(f.directives));
		descComments(o, f.loc, f.description);
		return withPos(o, f.name.loc);
	});
}

const DEF_KIND: Record<string, string> = {
	[Kind.OBJECT_TYPE_DEFINITION]: "OBJECT",
	[Kind.OBJECT_TYPE_EXTENSION]: "OBJECT",
	[Kind.INTERFACE_TYPE_DEFINITION]: "INTERFACE",
	[Kind.INTERFACE_TYPE_EXTENSION]: "INTERFACE",
	[Kind.UNION_TYPE_DEFINITION]: "UNION",
	[Kind.UNION_TYPE_EXTENSION]: "UNION",
	[Kind.ENUM_TYPE_DEFINITION]: "ENUM",
	[Kind.ENUM_TYPE_EXTENSION]: "ENUM",
	[Kind.INPUT_OBJECT_TYPE_DEFINITION]: "INPUT_OBJECT",
	[Kind.INPUT_OBJECT_TYPE_EXTENSION]: "INPUT_OBJECT",
	[Kind.SCALAR_TYPE_DEFINITION]: "SCALAR",
	[Kind.SCALAR_TYPE_EXTENSION]: "SCALAR",
};

/** Where a type-system definition goes in OPA's SchemaDocument, and its JSON. */
export function typeSystemJson(
	d: DefinitionNode,
):
	| { key: "Schema" | "SchemaExtension" | "Directives" | "Definitions" | "Extensions"; node: Node }
	| undefined {
	const desc = "description" in d ? d.description : undefined;
	if (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) {
		const o: Obj = { Description: desc?.value ?? "" };
		put(o, "Directives", directivesJson(d.directives));
		put(
			o,
			"OperationTypes",
			(d.operationTypes ?? []).map((t) =>
				withPos({ Operation: t.operation, Type: t.type.name.value }, t.loc),
			),
		);
		descComments(o, d.loc, desc);
		endComments(o, d.loc);
		const key = d.kind === Kind.SCHEMA_DEFINITION ? "Schema" : "SchemaExtension";
		// OPA's parser places a schema definition after its keyword(s).
		const after =
			d.loc &&
			nextSignificant(
				d.kind === Kind.SCHEMA_DEFINITION
					? d.loc.startToken
					: (nextSignificant(d.loc.startToken) ?? d.loc.startToken),
			);
		if (after) Object.defineProperty(o, POS, { value: { line: after.line, column: after.column } });
		return { key, node: o as Node };
	}
	if (d.kind === Kind.DIRECTIVE_DEFINITION) {
		const o: Obj = { Description: desc?.value ?? "", Name: d.name.value };
		put(o, "Arguments", inputValuesJson(d.arguments));
		put(
			o,
			"Locations",
			d.locations.map((l) => l.value),
		);
		o.IsRepeatable = d.repeatable;
		descComments(o, d.loc, desc);
		return { key: "Directives", node: withPos(o, d.name.loc) };
	}
	const kind = DEF_KIND[d.kind];
	if (!kind || !("name" in d) || !d.name) return undefined;
	const o: Obj = { Kind: kind, Description: desc?.value ?? "", Name: d.name.value };
	put(o, "Directives", "directives" in d ? directivesJson(d.directives) : []);
	if ("interfaces" in d)
		put(
			o,
			"Interfaces",
			(d.interfaces ?? []).map((i) => i.name.value),
		);
	if (d.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || d.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION) {
		put(o, "Fields", inputValuesJson(d.fields));
	} else if ("fields" in d) {
		put(o, "Fields", fieldDefsJson(d.fields as import("graphql").FieldDefinitionNode[]));
	}
	if ("types" in d)
		put(
			o,
			"Types",
			(d.types ?? []).map((t) => t.name.value),
		);
	if ("values" in d) {
		put(
			o,
			"EnumValues",
			(d.values ?? []).map((v) => {
				const e: Obj = { Description: v.description?.value ?? "", Name: v.name.value };
				put(e, "Directives", directivesJson(v.directives));
				descComments(e, v.loc, v.description);
				return withPos(e, v.name.loc);
			}),
		);
	}
	o.BuiltIn = false;
	descComments(o, d.loc, desc);
	endComments(o, d.loc);
	const ext = d.kind.endsWith("Extension");
	return { key: ext ? "Extensions" : "Definitions", node: withPos(o, d.name.loc) };
}

// --- a policy's AST object → OPA's shape (as OPA's JSON decoding reads it) ---------------

type FieldSpec =
	| "string"
	| "bool"
	| "int"
	| "strings"
	| { struct: string; list?: boolean; ptr?: boolean };

const L = (struct: string): FieldSpec => ({ struct, list: true });
const P = (struct: string): FieldSpec => ({ struct, ptr: true });

/** Each struct's fields in order; a true flag means omitted when empty. */
const STRUCTS: Record<string, [string, FieldSpec, boolean][]> = {
	QueryDocument: [
		["Operations", L("OperationDefinition"), true],
		["Fragments", L("FragmentDefinition"), true],
		["Comment", P("CommentGroup"), true],
	],
	SchemaDocument: [
		["Schema", L("SchemaDefinition"), true],
		["SchemaExtension", L("SchemaDefinition"), true],
		["Directives", L("DirectiveDefinition"), true],
		["Definitions", L("Definition"), true],
		["Extensions", L("Definition"), true],
		["Comment", P("CommentGroup"), true],
	],
	CommentGroup: [["List", L("Comment"), false]],
	Comment: [["Value", "string", false]],
	OperationDefinition: [
		["Operation", "string", false],
		["Name", "string", false],
		["Description", "string", false],
		["VariableDefinitions", L("VariableDefinition"), true],
		["Directives", L("Directive"), true],
		["SelectionSet", L("Field"), true],
		["Comment", P("CommentGroup"), true],
	],
	VariableDefinition: [
		["Variable", "string", false],
		["Type", P("Type"), false],
		["DefaultValue", P("Value"), true],
		["Directives", L("Directive"), true],
		["Description", "string", false],
		["Used", "bool", false],
		["Comment", P("CommentGroup"), true],
	],
	FragmentDefinition: [
		["Name", "string", false],
		["VariableDefinition", L("VariableDefinition"), true],
		["TypeCondition", "string", false],
		["Directives", L("Directive"), true],
		["SelectionSet", L("Field"), true],
		["Description", "string", false],
		["Comment", P("CommentGroup"), true],
	],
	// OPA decodes every member of a selection set as a field.
	Field: [
		["Alias", "string", false],
		["Name", "string", false],
		["Arguments", L("Argument"), true],
		["Directives", L("Directive"), true],
		["SelectionSet", L("Field"), true],
		["Comment", P("CommentGroup"), true],
	],
	Argument: [
		["Name", "string", false],
		["Value", P("Value"), false],
		["Comment", P("CommentGroup"), true],
	],
	Directive: [
		["Name", "string", false],
		["Arguments", L("Argument"), true],
		["Location", "string", false],
	],
	Value: [
		["Raw", "string", false],
		["Children", L("ChildValue"), true],
		["Kind", "int", false],
		["ExpectedTypeHasDefault", "bool", false],
		["Comment", P("CommentGroup"), true],
	],
	ChildValue: [
		["Name", "string", false],
		["Value", P("Value"), false],
		["Comment", P("CommentGroup"), true],
	],
	Type: [
		["NamedType", "string", false],
		["Elem", P("Type"), true],
		["NonNull", "bool", false],
	],
	SchemaDefinition: [
		["Description", "string", false],
		["Directives", L("Directive"), true],
		["OperationTypes", L("OperationTypeDefinition"), true],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
		["EndOfDefinitionComment", P("CommentGroup"), true],
	],
	OperationTypeDefinition: [
		["Operation", "string", false],
		["Type", "string", false],
		["Comment", P("CommentGroup"), true],
	],
	DirectiveDefinition: [
		["Description", "string", false],
		["Name", "string", false],
		["Arguments", L("ArgumentDefinition"), true],
		["Locations", "strings", true],
		["IsRepeatable", "bool", false],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
	],
	Definition: [
		["Kind", "string", false],
		["Description", "string", false],
		["Name", "string", false],
		["Directives", L("Directive"), true],
		["Interfaces", "strings", true],
		["Fields", L("FieldDefinition"), true],
		["Types", "strings", true],
		["EnumValues", L("EnumValueDefinition"), true],
		["BuiltIn", "bool", false],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
		["EndOfDefinitionComment", P("CommentGroup"), true],
	],
	FieldDefinition: [
		["Description", "string", false],
		["Name", "string", false],
		["Arguments", L("ArgumentDefinition"), true],
		["DefaultValue", P("Value"), true],
		["Type", P("Type"), false],
		["Directives", L("Directive"), true],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
	],
	ArgumentDefinition: [
		["Description", "string", false],
		["Name", "string", false],
		["DefaultValue", P("Value"), true],
		["Type", P("Type"), false],
		["Directives", L("Directive"), true],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
	],
	EnumValueDefinition: [
		["Description", "string", false],
		["Name", "string", false],
		["Directives", L("Directive"), true],
		["BeforeDescriptionComment", P("CommentGroup"), true],
		["AfterDescriptionComment", P("CommentGroup"), true],
	],
};

function jsonTypeName(v: unknown): string {
	if (v === null) return "null";
	if (Array.isArray(v)) return "array";
	if (typeof v === "object") return "object";
	return typeof v;
}

function mismatch(v: unknown, struct: string, field: string, goType: string): AstDecodeError {
	return new AstDecodeError(
		`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${struct}.${field} of type ${goType}`,
	);
}

/** The Go slice types OPA's error messages name. */
const GO_LISTS: Record<string, string> = {
	OperationDefinition: "ast.OperationList",
	Field: "ast.SelectionSet",
	FieldDefinition: "ast.FieldList",
	EnumValueDefinition: "ast.EnumValueList",
	Comment: "[]*ast.Comment",
};

function goTypeOf(spec: FieldSpec): string {
	if (spec === "string") return "string";
	if (spec === "bool") return "bool";
	if (spec === "int") return "ast.ValueKind";
	if (spec === "strings") return "[]string";
	if (spec.list) return GO_LISTS[spec.struct] ?? `ast.${spec.struct}List`;
	return `ast.${spec.struct}`;
}

/** A struct read from a policy's object; null when the JSON value is null (a nil pointer). */
function decodeStruct(name: string, v: unknown, outer: string, field: string): Node | null {
	if (v === null) return null;
	if (typeof v !== "object" || Array.isArray(v)) {
		throw mismatch(v, outer, field, `ast.${name}`);
	}
	const src = v as Obj;
	const o: Obj = {};
	for (const [key, spec, omitEmpty] of STRUCTS[name]) {
		// Go's decoder matches keys case-insensitively.
		const k =
			key in src ? key : Object.keys(src).find((x) => x.toLowerCase() === key.toLowerCase());
		const raw = k === undefined ? undefined : src[k];
		const val = decodeField(spec, raw, name, key);
		if (
			omitEmpty &&
			(val === undefined || val === null || (Array.isArray(val) && val.length === 0))
		)
			continue;
		o[key] = val ?? defaultOf(spec);
	}
	return o as Node;
}

function defaultOf(spec: FieldSpec): unknown {
	if (spec === "string") return "";
	if (spec === "bool") return false;
	if (spec === "int") return 0;
	if (spec === "strings") return [];
	return spec.list ? [] : null;
}

function decodeField(spec: FieldSpec, v: unknown, struct: string, field: string): unknown {
	if (v === undefined || v === null) return undefined;
	const goType = goTypeOf(spec);
	if (spec === "string") {
		if (typeof v !== "string") throw mismatch(v, struct, field, goType);
		return v;
	}
	if (spec === "bool") {
		if (typeof v !== "boolean") throw mismatch(v, struct, field, goType);
		return v;
	}
	if (spec === "int") {
		if (typeof v !== "number" || !Number.isInteger(v)) throw mismatch(v, struct, field, goType);
		return v;
	}
	if (spec === "strings") {
		if (!Array.isArray(v)) throw mismatch(v, struct, field, goType);
		return v.map((x) => {
			if (x === null) return "";
			if (typeof x !== "string") throw mismatch(x, struct, field, "string");
			return x;
		});
	}
	if (spec.list) {
		if (!Array.isArray(v)) throw mismatch(v, struct, field, goType);
		return v.map((x) => decodeStruct(spec.struct, x, struct, field)).filter((x) => x !== null);
	}
	return decodeStruct(spec.struct, v, struct, field) ?? undefined;
}

export function decodeQueryDocument(v: unknown): Node {
	return decodeStruct("QueryDocument", v, "QueryDocument", "") ?? {};
}

export function decodeSchemaDocument(v: unknown): Node {
	return decodeStruct("SchemaDocument", v, "SchemaDocument", "") ?? {};
}

// --- OPA's shape → graphql-js nodes (for validation) -------------------------------------

const arr = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const name = (v: unknown) => ({ kind: Kind.NAME, value: str(v) }) as const;

export function toValueNode(v: Node): ValueNode {
	const raw = str(v.Raw);
	switch (v.Kind) {
		case 0:
			return { kind: Kind.VARIABLE, name: name(raw) };
		case 1:
			return { kind: Kind.INT, value: raw };
		case 2:
			return { kind: Kind.FLOAT, value: raw };
		case 3:
			return { kind: Kind.STRING, value: raw };
		case 4:
			return { kind: Kind.STRING, value: raw, block: true };
		case 5:
			return { kind: Kind.BOOLEAN, value: raw === "true" };
		case 6:
			return { kind: Kind.NULL };
		case 7:
			return { kind: Kind.ENUM, value: raw };
		case 8:
			return { kind: Kind.LIST, values: arr(v.Children).map((c) => toValueNode(c.Value as Node)) };
		case 9:
			return {
				kind: Kind.OBJECT,
				fields: arr(v.Children).map((c) => ({
					kind: Kind.OBJECT_FIELD,
					name: name(c.Name),
					value: toValueNode(c.Value as Node),
				})),
			};
		default:
			throw new AstDecodeError(`unknown value kind ${String(v.Kind)}`);
	}
}

export function toTypeNode(t: Node | undefined): TypeNode {
	if (!t) return { kind: Kind.NAMED_TYPE, name: name("") };
	const inner: TypeNode = t.Elem
		? { kind: Kind.LIST_TYPE, type: toTypeNode(t.Elem as Node) }
		: { kind: Kind.NAMED_TYPE, name: name(t.NamedType) };
	return t.NonNull ? { kind: Kind.NON_NULL_TYPE, type: inner } : inner;
}

export function toDirectiveNodes(ds: unknown): ConstDirectiveNode[] {
	return arr(ds).map((d) => ({
		kind: Kind.DIRECTIVE,
		name: name(d.Name),
		arguments: arr(d.Arguments).map((a) => ({
			kind: Kind.ARGUMENT,
			name: name(a.Name),
			value: toValueNode(a.Value as Node) as never,
		})),
	}));
}

function toSelectionSet(sel: unknown) {
	const items = arr(sel);
	if (items.length === 0) return undefined;
	return {
		kind: Kind.SELECTION_SET,
		selections: items.map((s): SelectionNode => {
			if ("TypeCondition" in s) {
				const tc = str(s.TypeCondition);
				return {
					kind: Kind.INLINE_FRAGMENT,
					typeCondition: tc ? { kind: Kind.NAMED_TYPE, name: name(tc) } : undefined,
					directives: toDirectiveNodes(s.Directives),
					selectionSet: toSelectionSet(s.SelectionSet) ?? {
						kind: Kind.SELECTION_SET,
						selections: [],
					},
				};
			}
			if (!("Alias" in s)) {
				return {
					kind: Kind.FRAGMENT_SPREAD,
					name: name(s.Name),
					directives: toDirectiveNodes(s.Directives),
				};
			}
			const alias = str(s.Alias);
			return {
				kind: Kind.FIELD,
				alias: alias !== str(s.Name) ? name(alias) : undefined,
				name: name(s.Name),
				arguments: arr(s.Arguments).map((a) => ({
					kind: Kind.ARGUMENT,
					name: name(a.Name),
					value: toValueNode(a.Value as Node),
				})),
				directives: toDirectiveNodes(s.Directives),
				selectionSet: toSelectionSet(s.SelectionSet),
			};
		}),
	} as const;
}

function toVarDefs(vs: unknown) {
	return arr(vs).map((v) => ({
		kind: Kind.VARIABLE_DEFINITION,
		variable: { kind: Kind.VARIABLE, name: name(v.Variable) },
		type: toTypeNode(v.Type as Node),
		defaultValue: v.DefaultValue ? (toValueNode(v.DefaultValue as Node) as never) : undefined,
		directives: toDirectiveNodes(v.Directives),
	})) as import("graphql").VariableDefinitionNode[];
}

/** A decoded query document as graphql-js nodes (no locations). */
export function toQueryNode(doc: Node): import("graphql").DocumentNode {
	const defs: DefinitionNode[] = [];
	for (const op of arr(doc.Operations)) {
		const n = str(op.Name);
		defs.push({
			kind: Kind.OPERATION_DEFINITION,
			operation: str(op.Operation) as import("graphql").OperationTypeNode,
			name: n ? name(n) : undefined,
			variableDefinitions: toVarDefs(op.VariableDefinitions),
			directives: toDirectiveNodes(op.Directives),
			selectionSet: toSelectionSet(op.SelectionSet) ?? { kind: Kind.SELECTION_SET, selections: [] },
		});
	}
	for (const f of arr(doc.Fragments)) {
		defs.push({
			kind: Kind.FRAGMENT_DEFINITION,
			name: name(f.Name),
			variableDefinitions: toVarDefs(f.VariableDefinition),
			typeCondition: { kind: Kind.NAMED_TYPE, name: name(f.TypeCondition) },
			directives: toDirectiveNodes(f.Directives),
			selectionSet: toSelectionSet(f.SelectionSet) ?? { kind: Kind.SELECTION_SET, selections: [] },
		});
	}
	return { kind: Kind.DOCUMENT, definitions: defs };
}
