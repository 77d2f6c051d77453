// graphql.parse, parse_query, parse_schema, parse_and_verify, is_valid and schema_is_valid
// with graphql-js doing the parsing and the query validation rules. OPA's answers come from a
// different GraphQL library, so this module reproduces what a policy can see of it: the AST
// objects (ast.ts), the schema rules (schema.ts), the wording and positions of its errors, and
// which builtin errors and which answers false or [false, {}, {}].

import {
	type ASTVisitor,
	type DocumentNode,
	GraphQLError,
	type GraphQLNamedType,
	type GraphQLSchema,
	getNamedType,
	isLeafType,
	Lexer,
	parse,
	Source,
	specifiedRules,
	TokenKind,
	type ValidationContext,
	validate,
} from "graphql";
import { BuiltinError, typeError, typeName } from "../builtin-error.ts";
import {
	AstDecodeError,
	decodeQueryDocument,
	decodeSchemaDocument,
	executableJson,
	type Node,
	type Obj,
	toQueryNode,
	typeSystemJson,
} from "./ast.ts";
import { type Reported, reportErrors } from "./report.ts";
import { loadSchema, SchemaError, toGraphQLSchema } from "./schema.ts";

/** A failure in OPA's words; the builtin decides whether it errors or answers false. */
class GqlFailure extends Error {}
/** An operand of the wrong type: a type error where the builtin raises errors. */
class OperandFailure extends GqlFailure {}

interface Parsed {
	node: Node;
	/** graphql-js's document, with locations; absent for AST objects. */
	doc?: DocumentNode;
}

const PUNCT = /"([!$&()[\]{}|:=@]|\.\.\.)"/g;

function located(message: string, line: number, column: number): GqlFailure {
	return new GqlFailure(`${message} in GraphQL string at location ${line}:${column}`);
}

/** graphql-js's syntax error as OPA's parser words and places it. */
function syntaxFailure(e: GraphQLError, src: string): GqlFailure {
	const loc = e.locations?.[0] ?? { line: 1, column: 1 };
	const msg = e.message.replace(/^Syntax Error: /, "").replace(/\.$/, "");
	if (/^(Expected|Unexpected) /.test(msg) && !msg.startsWith("Unexpected character")) {
		return located(msg.replaceAll(PUNCT, "$1"), loc.line, loc.column);
	}
	// A lexer error: OPA's parser meets an invalid token and says what it expected there.
	const start = badTokenStart(src);
	let wording = "Unexpected <Invalid>";
	try {
		parse(src.slice(0, start), { allowLegacyFragmentVariables: true });
	} catch (e2) {
		if (e2 instanceof GraphQLError) {
			const m = e2.message.replace(/^Syntax Error: /, "").replace(/\.$/, "");
			if (m.endsWith("<EOF>")) wording = m.replaceAll(PUNCT, "$1").replace(/<EOF>$/, "<Invalid>");
		}
	}
	// OPA points at the character after a string's backslash.
	const column = /escape sequence/.test(msg) ? loc.column + 1 : loc.column;
	return located(wording, loc.line, column);
}

/** The offset where the first token graphql-js's lexer refuses begins. */
function badTokenStart(src: string): number {
	const lexer = new Lexer(new Source(src));
	let end = 0;
	try {
		for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) end = t.end;
	} catch {
		// the refused token follows `end`
	}
	const rest = src.slice(end);
	const skip = /^(?:[\s,\uFEFF]|#[^\n\r]*)*/.exec(rest)?.[0].length ?? 0;
	return end + skip;
}

function isBlank(src: string): boolean {
	try {
		return new Lexer(new Source(src)).advance().kind === TokenKind.EOF;
	} catch {
		return false;
	}
}

function parseGraphQL(src: string): DocumentNode | undefined {
	if (isBlank(src)) return undefined;
	// OPA's parser takes true, false and null as enum value names; graphql-js does not, so
	// they are parsed under a stand-in spelling of the same length and renamed back.
	const renamed = new Map<number, string>();
	let text = src;
	for (;;) {
		try {
			const doc = parse(text, { allowLegacyFragmentVariables: true });
			if (renamed.size > 0) restoreEnumNames(doc, renamed);
			return doc;
		} catch (e) {
			if (!(e instanceof GraphQLError)) throw e;
			const reserved = /^Syntax Error: Name "(true|false|null)" is reserved/.exec(e.message);
			const at = e.positions?.[0];
			if (!reserved || at === undefined || renamed.has(at)) throw syntaxFailure(e, src);
			renamed.set(at, reserved[1]);
			text = text.slice(0, at) + reserved[1].toUpperCase() + text.slice(at + reserved[1].length);
		}
	}
}

function restoreEnumNames(doc: DocumentNode, renamed: Map<number, string>): void {
	for (const d of doc.definitions) {
		if (d.kind !== "EnumTypeDefinition" && d.kind !== "EnumTypeExtension") continue;
		for (const v of d.values ?? []) {
			const original = v.name.loc && renamed.get(v.name.loc.start);
			if (original) (v.name as { value: string }).value = original;
		}
	}
}

function unexpected(d: { loc?: import("graphql").Location }): GqlFailure {
	let t = d.loc?.startToken;
	if (t?.kind === TokenKind.STRING || t?.kind === TokenKind.BLOCK_STRING) t = t.next ?? undefined;
	if (!t) return new GqlFailure("Unexpected definition");
	const desc = t.kind === TokenKind.NAME ? `Name "${t.value}"` : t.kind;
	return located(`Unexpected ${desc}`, t.line, t.column);
}

function parseQueryString(src: string): Parsed {
	const doc = parseGraphQL(src);
	const node: Obj = {};
	const ops: Node[] = [];
	const frags: Node[] = [];
	for (const d of doc?.definitions ?? []) {
		const j = executableJson(d);
		if (!j) throw unexpected(d);
		if (j.op) ops.push(j.op);
		if (j.frag) frags.push(j.frag);
	}
	if (ops.length) node.Operations = ops;
	if (frags.length) node.Fragments = frags;
	return { node, doc };
}

function parseSchemaString(src: string): Parsed {
	const doc = parseGraphQL(src);
	const node: Record<string, Node[]> = {};
	for (const d of doc?.definitions ?? []) {
		const j = typeSystemJson(d);
		if (!j) throw unexpected(d);
		node[j.key] ??= [];
		node[j.key].push(j.node);
	}
	return { node };
}

function decoded(decode: (v: unknown) => Node, v: unknown): Parsed {
	try {
		return { node: decode(v) };
	} catch (e) {
		if (e instanceof AstDecodeError) throw new GqlFailure(e.message);
		throw e;
	}
}

function operand(v: unknown, pos: number, kind: "query" | "schema", objects: boolean): Parsed {
	if (typeof v === "string") return kind === "query" ? parseQueryString(v) : parseSchemaString(v);
	if (objects && v !== null && typeof v === "object" && !Array.isArray(v)) {
		return decoded(kind === "query" ? decodeQueryDocument : decodeSchemaDocument, v);
	}
	// OPA counts graphql.parse's operands from 0.
	const [want, n] = objects ? ["one of {string, object}", pos - 1] : ["string", pos];
	throw new OperandFailure(`operand ${n} must be ${want} but got ${typeName(v)}`);
}

function schemaOf(s: Parsed): GraphQLSchema {
	try {
		return toGraphQLSchema(loadSchema(s.node));
	} catch (e) {
		if (e instanceof SchemaError) {
			const where = e.pos ? `${e.pos.line}:${e.pos.column}` : "-1:-1";
			throw new GqlFailure(
				`Error in gqlparser SchemaDocument to Schema conversion: input:${where}: ${e.message}`,
			);
		}
		throw e;
	}
}

/** OPA's parser names every operation, so two anonymous ones also share a name. */
function anonymousOperationNames(context: ValidationContext): ASTVisitor {
	let anonymous = 0;
	return {
		OperationDefinition(node) {
			if (!node.name && ++anonymous === 2) {
				context.reportError(
					new GraphQLError('There can be only one operation named "".', { nodes: node }),
				);
			}
		},
	};
}

/** An operation whose root type the schema lacks (graphql-js leaves this to execution). */
function knownRootType(context: ValidationContext): ASTVisitor {
	return {
		OperationDefinition(node) {
			if (!context.getSchema().getRootType(node.operation)) {
				context.reportError(
					new GraphQLError(`Schema does not support operation type "${node.operation}"`, {
						nodes: node,
					}),
				);
			}
		},
	};
}

/** A field selected on a scalar or enum (graphql-js reports only the selection). */
function fieldsOnLeafTypes(context: ValidationContext): ASTVisitor {
	const schema = context.getSchema();
	const owners: (GraphQLNamedType | undefined)[] = [];
	const named = (n: string | undefined) => (n ? (schema.getType(n) ?? undefined) : undefined);
	const pop = () => {
		owners.pop();
	};
	return {
		OperationDefinition: {
			enter: (node) => {
				owners.push(schema.getRootType(node.operation) ?? undefined);
			},
			leave: pop,
		},
		FragmentDefinition: {
			enter: (node) => {
				owners.push(named(node.typeCondition.name.value));
			},
			leave: pop,
		},
		InlineFragment: {
			enter: (node) => {
				owners.push(node.typeCondition ? named(node.typeCondition.name.value) : owners.at(-1));
			},
			leave: pop,
		},
		Field: {
			enter: (node) => {
				const owner = owners.at(-1);
				if (owner && isLeafType(owner)) {
					context.reportError(
						new GraphQLError(`Cannot query field "${node.name.value}" on type "${owner.name}".`, {
							nodes: node,
						}),
					);
				}
				const t = context.getType();
				owners.push(t ? getNamedType(t) : undefined);
			},
			leave: pop,
		},
	};
}

const RULES = [...specifiedRules, anonymousOperationNames, knownRootType, fieldsOnLeafTypes];

function validationErrors(schema: GraphQLSchema, q: Parsed): Reported[] {
	const doc = q.doc ?? toQueryNode(q.node);
	if (doc.definitions.length === 0) return [];
	const errors = validate(schema, doc, RULES).filter(
		// OPA's parser takes Int literals of any size.
		(e) => !e.message.startsWith("Int cannot represent non 32-bit signed integer value"),
	);
	return reportErrors(errors, doc, schema);
}

function validationFailure(errors: Reported[]): GqlFailure {
	const first = errors[0];
	if (first.line === undefined) {
		return new GqlFailure(
			`GraphQL parse error: ${errors.map((e) => `input: ${e.message}\n`).join("")}`,
		);
	}
	let text = errors
		.map((e, i) =>
			i === 0 || e.line === undefined
				? `${e.message}\n`
				: `input:${e.line}:${e.column}: ${e.message}\n`,
		)
		.join("");
	if (text.endsWith(".\n")) text = text.slice(0, -2);
	return located(text, first.line, first.column ?? 0);
}

/** Parses both operands and validates the query; a GqlFailure says what is wrong. */
function parseAndValidate(query: unknown, schema: unknown): [Node, Node] {
	const q = operand(query, 1, "query", true);
	const s = operand(schema, 2, "schema", true);
	const errors = validationErrors(schemaOf(s), q);
	if (errors.length > 0) throw validationFailure(errors);
	return [q.node, s.node];
}

function raising<T>(builtin: string, f: () => T): T {
	try {
		return f();
	} catch (e) {
		if (e instanceof OperandFailure) throw typeError(builtin, e.message);
		if (e instanceof GqlFailure) throw new BuiltinError(builtin, e.message);
		throw e;
	}
}

function answering<T>(f: () => T, otherwise: T): T {
	try {
		return f();
	} catch (e) {
		if (e instanceof GqlFailure) return otherwise;
		throw e;
	}
}

export const graphqlBuiltins = {
	"graphql.parse"(query: unknown, schema: unknown): unknown[] {
		return raising("graphql.parse", () => parseAndValidate(query, schema));
	},
	"graphql.parse_and_verify"(query: unknown, schema: unknown): unknown[] {
		return answering(() => [true, ...parseAndValidate(query, schema)], [false, {}, {}]);
	},
	"graphql.is_valid"(query: unknown, schema: unknown): boolean {
		return answering(() => {
			parseAndValidate(query, schema);
			return true;
		}, false);
	},
	"graphql.parse_query"(query: unknown): unknown {
		const name = "graphql.parse_query";
		return raising(name, () => operand(query, 1, "query", false).node);
	},
	"graphql.parse_schema"(schema: unknown): unknown {
		const name = "graphql.parse_schema";
		return raising(name, () => operand(schema, 1, "schema", false).node);
	},
	"graphql.schema_is_valid"(schema: unknown): boolean {
		return answering(() => {
			schemaOf(operand(schema, 1, "schema", true));
			return true;
		}, false);
	},
};
