// A GraphQL schema document made into a schema as OPA does it: its parser's rules, not
// graphql-js's. Extensions may extend types that were never defined (they define them, as
// federated schemas need), the built-in scalars cannot be redeclared but the built-in
// directives can, and the first problem found is the error, in OPA's words with the position
// of the offending name. The merged schema is then handed to graphql-js (buildASTSchema,
// trusted as valid) so its validation rules can check queries against it.

import {
	buildASTSchema,
	type DefinitionNode,
	type DocumentNode,
	type GraphQLSchema,
	Kind,
	parse,
} from "graphql";
import { type Node, POS, type Pos, toDirectiveNodes, toTypeNode, toValueNode } from "./ast.ts";

export class SchemaError extends Error {
	constructor(
		message: string,
		readonly pos: Pos | undefined,
	) {
		super(message);
	}
}

const BUILTIN_SCALARS = ["Int", "Float", "String", "Boolean", "ID"];
const INTROSPECTION_TYPES = [
	"__Schema",
	"__Type",
	"__TypeKind",
	"__Field",
	"__InputValue",
	"__EnumValue",
	"__Directive",
	"__DirectiveLocation",
];

interface DirectiveDef {
	name: string;
	locations: string[];
	args: Node[];
	node?: Node;
	builtin: boolean;
}

const PRELUDE_DIRECTIVES: DirectiveDef[] = [
	{ name: "include", locations: ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"] },
	{ name: "skip", locations: ["FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"] },
	{
		name: "deprecated",
		locations: ["FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE"],
	},
	{ name: "specifiedBy", locations: ["SCALAR"] },
	{ name: "defer", locations: ["FRAGMENT_SPREAD", "INLINE_FRAGMENT"] },
	{ name: "oneOf", locations: ["INPUT_OBJECT"] },
].map((d) => ({ ...d, args: [], builtin: true }));

/** The prelude directives graphql-js does not declare itself. */
const EXTRA_DIRECTIVES_SDL: Record<string, string> = {
	defer: "directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT",
};

export interface LoadedSchema {
	types: Map<string, Node>;
	directives: Map<string, DirectiveDef>;
	roots: Map<string, { type: string; pos?: Pos }>;
}

const arr = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const at = (n: Node | undefined): Pos | undefined => n?.[POS];

function fail(message: string, n: Node | undefined): never {
	throw new SchemaError(message, at(n));
}

function namedType(t: Node | undefined): Node | undefined {
	let cur = t;
	while (cur?.Elem) cur = cur.Elem as Node;
	return cur;
}

function checkName(name: string, n: Node | undefined): void {
	if (name.startsWith("__")) {
		fail(`Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`, n);
	}
}

/** Merges and checks a schema document; throws SchemaError with OPA's first complaint. */
export function loadSchema(doc: Node): LoadedSchema {
	const types = new Map<string, Node>();
	for (const s of BUILTIN_SCALARS) types.set(s, { Kind: "SCALAR", Name: s, BuiltIn: true });
	for (const s of INTROSPECTION_TYPES) types.set(s, { Kind: "OBJECT", Name: s, BuiltIn: true });
	const directives = new Map<string, DirectiveDef>();
	for (const d of PRELUDE_DIRECTIVES) directives.set(d.name, d);

	for (const d of arr(doc.Directives)) {
		const name = String(d.Name);
		const prev = directives.get(name);
		if (prev && !prev.builtin) fail(`Cannot redeclare directive ${name}.`, d);
		directives.set(name, {
			name,
			locations: strs(d.Locations),
			args: arr(d.Arguments),
			node: d,
			builtin: false,
		});
	}
	const order: string[] = [];
	for (const d of arr(doc.Definitions)) {
		const name = String(d.Name);
		if (types.has(name)) fail(`Cannot redeclare type ${name}.`, d);
		types.set(name, { ...d, Fields: [...arr(d.Fields)], EnumValues: [...arr(d.EnumValues)] });
		Object.defineProperty(types.get(name), POS, { value: at(d) });
		order.push(name);
	}
	for (const e of arr(doc.Extensions)) {
		const name = String(e.Name);
		let def = types.get(name);
		if (!def) {
			def = { Kind: e.Kind, Name: name, Description: "", Fields: [], EnumValues: [] };
			Object.defineProperty(def, POS, { value: at(e) });
			types.set(name, def);
			order.push(name);
		}
		if (def.Kind !== e.Kind) {
			fail(
				`Cannot extend type ${name} because the base type is a ${String(def.Kind)}, not ${String(e.Kind)}.`,
				e,
			);
		}
		def.Directives = [...arr(def.Directives), ...arr(e.Directives)];
		def.Interfaces = [...strs(def.Interfaces), ...strs(e.Interfaces)];
		def.Fields = [...arr(def.Fields), ...arr(e.Fields)];
		def.Types = [...strs(def.Types), ...strs(e.Types)];
		def.EnumValues = [...arr(def.EnumValues), ...arr(e.EnumValues)];
	}

	// The schema's entry points are checked before the types.
	const roots = new Map<string, { type: string; pos?: Pos }>();
	const schemaDefs = arr(doc.Schema);
	if (schemaDefs.length > 1) {
		fail(
			"Cannot have multiple schema entry points, consider schema extensions instead.",
			schemaDefs[1],
		);
	}
	for (const s of [...schemaDefs, ...arr(doc.SchemaExtension)]) {
		for (const ot of arr(s.OperationTypes)) {
			const op = String(ot.Operation);
			if (roots.has(op)) fail(`There can be only one ${op} type in schema.`, ot);
			const t = types.get(String(ot.Type));
			if (!t)
				fail(`Schema root ${op} refers to a type ${String(ot.Type)} that does not exist.`, ot);
			if (t.Kind !== "OBJECT") {
				const opName = op[0].toUpperCase() + op.slice(1);
				fail(`${opName} root type must be Object type, it cannot be ${String(ot.Type)}.`, ot);
			}
			roots.set(op, { type: String(ot.Type), pos: at(ot) });
		}
	}
	if (schemaDefs.length === 0) {
		for (const [op, name] of [
			["query", "Query"],
			["mutation", "Mutation"],
			["subscription", "Subscription"],
		]) {
			if (!roots.has(op) && types.get(name)?.Kind === "OBJECT") roots.set(op, { type: name });
		}
	}
	for (const d of directives.values()) {
		if (d.builtin || !d.node) continue;
		checkName(d.name, d.node);
		checkArgs(d.args, types, directives, `@${d.name}`);
	}
	for (const name of order) validateDefinition(types.get(name) as Node, types, directives);

	for (const s of [...schemaDefs, ...arr(doc.SchemaExtension)]) {
		checkDirectives(s.Directives, "SCHEMA", directives);
	}
	return { types, directives, roots };
}

function checkDirectives(ds: unknown, location: string, directives: Map<string, DirectiveDef>) {
	for (const d of arr(ds)) {
		const def = directives.get(String(d.Name));
		if (!def) fail(`Undefined directive ${String(d.Name)}.`, d);
		if (!def.locations.includes(location)) {
			fail(`Directive ${String(d.Name)} is not applicable on ${location}.`, d);
		}
	}
}

function checkTypeRef(t: Node | undefined, types: Map<string, Node>): Node {
	const named = namedType(t);
	const def = types.get(String(named?.NamedType ?? ""));
	if (!def) fail(`Undefined type ${String(named?.NamedType ?? "")}.`, named);
	return def;
}

const INPUT_KINDS = ["SCALAR", "ENUM", "INPUT_OBJECT"];
const OUTPUT_KINDS = ["SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM"];

function checkArgs(
	args: Node[],
	types: Map<string, Node>,
	directives: Map<string, DirectiveDef>,
	owner: string,
): void {
	const seen = new Set<string>();
	for (const a of args) {
		const name = String(a.Name);
		checkName(name, a);
		if (seen.has(name)) fail(`Argument ${owner}(${name}:) can only be defined once.`, a);
		seen.add(name);
		const t = checkTypeRef(a.Type as Node, types);
		if (!INPUT_KINDS.includes(String(t.Kind))) {
			fail(
				`cannot use ${String(t.Name)} as argument ${name} because ${String(t.Kind)} is not a valid input type`,
				a,
			);
		}
		checkDirectives(a.Directives, "ARGUMENT_DEFINITION", directives);
	}
}

function validateDefinition(
	def: Node,
	types: Map<string, Node>,
	directives: Map<string, DirectiveDef>,
): void {
	const name = String(def.Name);
	const kind = String(def.Kind);
	checkName(name, def);
	checkDirectives(def.Directives, kind, directives);
	const fields = arr(def.Fields);
	const seen = new Set<string>();
	for (const f of fields) {
		const fname = String(f.Name);
		checkName(fname, f);
		if (seen.has(fname)) fail(`Field ${name}.${fname} can only be defined once.`, f);
		seen.add(fname);
		const t = checkTypeRef(f.Type as Node, types);
		if (kind === "INPUT_OBJECT") {
			if (!INPUT_KINDS.includes(String(t.Kind))) {
				fail(`${String(t.Kind)} ${fname}: field must be one of ${INPUT_KINDS.join(", ")}.`, f);
			}
			checkDirectives(f.Directives, "INPUT_FIELD_DEFINITION", directives);
		} else {
			if (!OUTPUT_KINDS.includes(String(t.Kind))) {
				fail(`${kind} ${name}: field must be one of ${OUTPUT_KINDS.join(", ")}.`, f);
			}
			checkArgs(arr(f.Arguments), types, directives, `${name}.${fname}`);
			checkDirectives(f.Directives, "FIELD_DEFINITION", directives);
		}
	}
	switch (kind) {
		case "OBJECT":
		case "INTERFACE":
		case "INPUT_OBJECT":
			if (fields.length === 0) fail(`${kind} ${name}: must define one or more fields.`, def);
			break;
		case "ENUM": {
			const values = arr(def.EnumValues);
			if (values.length === 0)
				fail(`ENUM ${name}: must define one or more unique enum values.`, def);
			const seenValues = new Set<string>();
			for (const v of values) {
				const vname = String(v.Name);
				if (vname === "true" || vname === "false" || vname === "null") {
					fail(`ENUM ${name}: non-enum value ${vname}.`, v);
				}
				if (seenValues.has(vname)) fail(`Enum value ${name}.${vname} can only be defined once.`, v);
				seenValues.add(vname);
				checkDirectives(v.Directives, "ENUM_VALUE", directives);
			}
			break;
		}
		case "UNION":
			for (const m of strs(def.Types)) {
				const t = types.get(m);
				if (!t) fail(`Undefined type "${m}".`, def);
				if (t.Kind !== "OBJECT") fail(`UNION type "${m}" must be OBJECT.`, def);
			}
			break;
	}
	if (kind === "OBJECT" || kind === "INTERFACE") checkInterfaces(def, types);
}

function checkInterfaces(def: Node, types: Map<string, Node>): void {
	const name = String(def.Name);
	const seen = new Set<string>();
	const own = strs(def.Interfaces);
	for (const iname of own) {
		if (iname === name) {
			fail(
				`Type ${name} cannot implement itself because it would create a circular reference.`,
				def,
			);
		}
		if (seen.has(iname)) fail(`Type ${name} can only implement ${iname} once.`, def);
		seen.add(iname);
		const iface = types.get(iname);
		if (!iface) fail(`Undefined type "${iname}".`, def);
		if (iface.Kind !== "INTERFACE")
			fail(`"${iname}" is a non interface type ${String(iface.Kind)}.`, def);
		for (const trans of strs(iface.Interfaces)) {
			if (!own.includes(trans)) {
				fail(`Type ${name} must implement ${trans} because it is implemented by ${iname}.`, def);
			}
		}
		for (const f of arr(iface.Fields)) {
			const mine = arr(def.Fields).find((x) => x.Name === f.Name);
			if (!mine)
				fail(
					`For ${name} to implement ${iname} it must have a field called ${String(f.Name)}.`,
					def,
				);
			const want = typeString(f.Type as Node);
			if (typeString(mine.Type as Node) !== want) {
				fail(
					`For ${name} to implement ${iname} the field ${String(f.Name)} must have type ${want}.`,
					mine,
				);
			}
		}
	}
}

function typeString(t: Node | undefined): string {
	if (!t) return "";
	const inner = t.Elem ? `[${typeString(t.Elem as Node)}]` : String(t.NamedType);
	return t.NonNull ? `${inner}!` : inner;
}

// --- graphql-js schema --------------------------------------------------------------------

const name = (v: unknown) => ({ kind: Kind.NAME, value: String(v ?? "") }) as const;

function inputValues(args: Node[]) {
	return args.map((a) => ({
		kind: Kind.INPUT_VALUE_DEFINITION,
		name: name(a.Name),
		type: toTypeNode(a.Type as Node),
		defaultValue: a.DefaultValue ? (toValueNode(a.DefaultValue as Node) as never) : undefined,
	})) as import("graphql").InputValueDefinitionNode[];
}

/**
 * Directive uses on schema elements do not change which queries are valid (OPA does not check
 * their arguments, graphql-js would); only @oneOf on an input type does.
 */
function usedDirectives(ds: unknown) {
	return toDirectiveNodes(
		arr(ds).filter((d) => d.Name === "oneOf" && arr(d.Arguments).length === 0),
	);
}

function definitionNode(def: Node): DefinitionNode {
	const common = { name: name(def.Name), directives: usedDirectives(def.Directives) };
	const named = (n: string) => ({ kind: Kind.NAMED_TYPE, name: name(n) }) as const;
	switch (def.Kind) {
		case "OBJECT":
		case "INTERFACE":
			return {
				kind: def.Kind === "OBJECT" ? Kind.OBJECT_TYPE_DEFINITION : Kind.INTERFACE_TYPE_DEFINITION,
				...common,
				interfaces: strs(def.Interfaces).map(named),
				fields: arr(def.Fields).map((f) => ({
					kind: Kind.FIELD_DEFINITION,
					name: name(f.Name),
					arguments: inputValues(arr(f.Arguments)),
					type: toTypeNode(f.Type as Node),
				})),
			};
		case "UNION":
			return { kind: Kind.UNION_TYPE_DEFINITION, ...common, types: strs(def.Types).map(named) };
		case "ENUM":
			return {
				kind: Kind.ENUM_TYPE_DEFINITION,
				...common,
				values: arr(def.EnumValues).map((v) => ({
					kind: Kind.ENUM_VALUE_DEFINITION,
					name: name(v.Name),
				})),
			};
		case "INPUT_OBJECT":
			return {
				kind: Kind.INPUT_OBJECT_TYPE_DEFINITION,
				...common,
				fields: inputValues(arr(def.Fields)),
			};
		default:
			return { kind: Kind.SCALAR_TYPE_DEFINITION, ...common };
	}
}

export function toGraphQLSchema(s: LoadedSchema): GraphQLSchema {
	const defs: DefinitionNode[] = [];
	for (const def of s.types.values()) {
		if (def.BuiltIn === true) continue;
		defs.push(definitionNode(def));
	}
	for (const d of s.directives.values()) {
		if (d.builtin) continue;
		defs.push({
			kind: Kind.DIRECTIVE_DEFINITION,
			name: name(d.name),
			arguments: inputValues(d.args),
			repeatable: d.node?.IsRepeatable === true,
			locations: d.locations.map((l) => name(l)),
		});
	}
	const extra = Object.entries(EXTRA_DIRECTIVES_SDL)
		.filter(([n]) => !s.directives.get(n) || s.directives.get(n)?.builtin)
		.map(([, sdl]) => sdl);
	const operationTypes = [...s.roots].map(
		([op, r]): import("graphql").OperationTypeDefinitionNode => ({
			kind: Kind.OPERATION_TYPE_DEFINITION,
			operation: op as import("graphql").OperationTypeNode,
			type: { kind: Kind.NAMED_TYPE, name: name(r.type) },
		}),
	);
	defs.push({ kind: Kind.SCHEMA_DEFINITION, operationTypes });
	const doc: DocumentNode = { kind: Kind.DOCUMENT, definitions: defs };
	const schema = buildASTSchema(extra.length ? concatSdl(doc, extra) : doc, {
		assumeValid: true,
		assumeValidSDL: true,
	});
	return schema;
}

function concatSdl(doc: DocumentNode, sdl: string[]): DocumentNode {
	return { ...doc, definitions: [...doc.definitions, ...sdl.map(directiveNode)] };
}

const parsedExtras = new Map<string, DefinitionNode>();
function directiveNode(text: string): DefinitionNode {
	let d = parsedExtras.get(text);
	if (!d) {
		d = parse(text).definitions[0];
		parsedExtras.set(text, d);
	}
	return d;
}
