// graphql-js's validation errors as OPA reports them. OPA's validator walks a query its own
// way: a node's problems come after those of the arguments, directives and selections inside
// it (a fragment spread walks the fragment's selections at that point), and checks over a
// whole operation (unused or duplicate variables, anonymous operations) come after its
// selections. It also places each error on a different token than graphql-js (a directive's
// name, a string's first character inside the quotes, the field that has an unknown argument)
// and lists "did you mean" names in the order the schema declares them.

import {
	type ASTNode,
	type DocumentNode,
	type FragmentDefinitionNode,
	type GraphQLError,
	type GraphQLSchema,
	isInterfaceType,
	isObjectType,
	Kind,
	type Location,
	visit,
} from "graphql";

export interface Reported {
	message: string;
	line?: number;
	column?: number;
}

/** Errors reported over a whole operation, in the order OPA's rules run them. */
const OPERATION_LEVEL: [RegExp, number][] = [
	[/^Schema does not support operation type/, 0],
	[/^This anonymous operation must be the only defined operation/, 1],
	[/^Variable ".*" is never used/, 3],
	[/^Anonymous Subscription|^Subscription ".*" must select/, 4],
	[/^There can be only one operation named/, 5],
	[/^There can be only one variable named/, 6],
	[/^Variable ".*" cannot be non-input type/, 7],
];

interface Walk {
	parent: Map<ASTNode, ASTNode>;
	/** Post-order index of each node in OPA's walk. */
	order: Map<ASTNode, number>;
	operationOf: Map<ASTNode, ASTNode>;
}

function walkDocument(doc: DocumentNode): Walk {
	const parent = new Map<ASTNode, ASTNode>();
	visit(doc, {
		enter(node, _key, p, _path, ancestors) {
			// A node in a list has the list as its parent; the list's owner is an ancestor.
			let owner = p;
			for (let i = ancestors.length - 1; Array.isArray(owner) && i >= 0; i--) owner = ancestors[i];
			if (owner && !Array.isArray(owner)) parent.set(node, owner as ASTNode);
		},
	});
	const fragments = new Map<string, FragmentDefinitionNode>();
	for (const d of doc.definitions) {
		if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
	}
	const order = new Map<ASTNode, number>();
	const operationOf = new Map<ASTNode, ASTNode>();
	let n = 0;
	const mark = (node: ASTNode, op: ASTNode) => {
		if (!order.has(node)) order.set(node, n++);
		operationOf.set(node, op);
	};
	const expanded = new Set<string>();
	const all = (node: ASTNode | undefined, op: ASTNode): void => {
		if (!node) return;
		// Everything below a node, in document order, then the node.
		visit(node, {
			leave(x) {
				mark(x, op);
			},
		});
	};
	const selections = (set: { selections: readonly ASTNode[] } | undefined, op: ASTNode) => {
		for (const s of set?.selections ?? []) selection(s, op);
	};
	const selection = (s: ASTNode, op: ASTNode): void => {
		if (s.kind === Kind.FIELD) {
			for (const a of s.arguments ?? []) all(a, op);
			for (const d of s.directives ?? []) all(d, op);
			selections(s.selectionSet, op);
		} else if (s.kind === Kind.INLINE_FRAGMENT) {
			for (const d of s.directives ?? []) all(d, op);
			selections(s.selectionSet, op);
		} else if (s.kind === Kind.FRAGMENT_SPREAD) {
			for (const d of s.directives ?? []) all(d, op);
			const f = fragments.get(s.name.value);
			if (f && !expanded.has(f.name.value)) {
				expanded.add(f.name.value);
				for (const d of f.directives ?? []) all(d, op);
				selections(f.selectionSet, op);
			}
		}
		all(s, op);
	};
	for (const d of doc.definitions) {
		if (d.kind !== Kind.OPERATION_DEFINITION) continue;
		expanded.clear();
		for (const v of d.variableDefinitions ?? []) {
			all(v.defaultValue, d);
			for (const dir of v.directives ?? []) all(dir, d);
		}
		for (const dir of d.directives ?? []) all(dir, d);
		selections(d.selectionSet, d);
		all(d, d);
	}
	for (const d of doc.definitions) {
		if (d.kind === Kind.FRAGMENT_DEFINITION) all(d, d);
	}
	return { parent, order, operationOf };
}

function start(loc: Location | undefined, shift = 0) {
	return loc ? { line: loc.startToken.line, column: loc.startToken.column + shift } : {};
}

/** The token OPA's parser records as a node's position. */
function position(node: ASTNode): { line?: number; column?: number } {
	switch (node.kind) {
		case Kind.DIRECTIVE:
		case Kind.FRAGMENT_SPREAD:
			return start(node.name.loc);
		case Kind.INLINE_FRAGMENT: {
			const after = node.loc?.startToken.next;
			return after ? { line: after.line, column: after.column } : {};
		}
		case Kind.STRING:
			return start(node.loc, node.block ? 3 : 1);
		default:
			return start(node.loc);
	}
}

/** The node OPA would blame for a graphql-js error. */
function anchor(e: GraphQLError, w: Walk): ASTNode | undefined {
	const nodes = e.nodes ?? [];
	const up = (n: ASTNode | undefined, kinds: Kind[]): ASTNode | undefined => {
		let cur = n;
		while (cur && !kinds.includes(cur.kind)) cur = w.parent.get(cur);
		return cur ?? n;
	};
	const m = e.message;
	if (/^Unknown argument/.test(m)) return up(w.parent.get(nodes[0]), [Kind.FIELD, Kind.DIRECTIVE]);
	if (/^Unknown type|^Fragment cannot condition|^Variable ".*" cannot be non-input type/.test(m)) {
		return up(nodes[0], [Kind.INLINE_FRAGMENT, Kind.FRAGMENT_DEFINITION, Kind.VARIABLE_DEFINITION]);
	}
	if (/^Variable ".*" is not defined/.test(m)) return nodes[0];
	if (/^Field ".*" must not have a selection/.test(m)) return up(nodes[0], [Kind.FIELD]);
	if (/^Fields ".*" conflict/.test(m)) return nodes[1] ?? nodes[0];
	const last = nodes[nodes.length - 1];
	if (last?.kind === Kind.NAME) {
		const p = w.parent.get(last);
		return p?.kind === Kind.VARIABLE ? w.parent.get(p) : p;
	}
	return last;
}

/** OPA suggests names in the schema's declaration order, nearest first. */
function suggestionOrder(schema: GraphQLSchema, message: string): string {
	const m = /^Cannot query field "(.*)" on type "(.*)"\. Did you mean (.*)\?$/.exec(message);
	if (!m || m[3].startsWith("to use")) return message;
	const t = schema.getType(m[2]);
	if (!isObjectType(t) && !isInterfaceType(t)) return message;
	const names = suggest(m[1], Object.keys(t.getFields()));
	return names.length
		? `Cannot query field "${m[1]}" on type "${m[2]}". Did you mean ${orList(names)}?`
		: message;
}

function orList(names: string[]): string {
	const q = names.slice(0, 5).map((n) => `"${n}"`);
	if (q.length === 1) return q[0];
	if (q.length === 2) return `${q[0]} or ${q[1]}`;
	return `${q.slice(0, -1).join(", ")}, or ${q[q.length - 1]}`;
}

function suggest(input: string, options: string[]): string[] {
	const threshold = Math.floor(input.length * 0.4) + 1;
	const scored = options
		.map((o, i) => ({ o, i, d: distance(input, o) }))
		.filter((x) => x.d <= threshold);
	scored.sort((a, b) => a.d - b.d || a.i - b.i);
	return scored.map((x) => x.o);
}

/** Optimal string alignment distance, case-insensitive (a case change alone counts as 1). */
function distance(a: string, b: string): number {
	if (a === b) return 0;
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	if (x === y) return 1;
	const d: number[][] = [];
	for (let i = 0; i <= x.length; i++) d.push([i]);
	for (let j = 0; j <= y.length; j++) d[0][j] = j;
	for (let i = 1; i <= x.length; i++) {
		for (let j = 1; j <= y.length; j++) {
			const cost = x[i - 1] === y[j - 1] ? 0 : 1;
			d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
				d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
			}
		}
	}
	return d[x.length][y.length];
}

/** graphql-js's errors in OPA's order, words and places. */
export function reportErrors(
	errors: readonly GraphQLError[],
	doc: DocumentNode,
	schema: GraphQLSchema,
): Reported[] {
	const w = walkDocument(doc);
	const keyed = errors.map((e, i) => {
		let message = suggestionOrder(schema, e.message);
		const node = anchor(e, w);
		const opRank = OPERATION_LEVEL.find(([re]) => re.test(message))?.[1];
		const group = opRank !== undefined && node ? (w.operationOf.get(node) ?? node) : node;
		if (/^Unknown type/.test(message) && node?.kind !== Kind.FRAGMENT_DEFINITION) {
			message = message.replace(/ Did you mean .*\?$/, "");
		}
		const key = group ? (w.order.get(group) ?? Number.MAX_SAFE_INTEGER) : i;
		return { message, key, rank: opRank ?? -1, i, where: node ? position(node) : {} };
	});
	keyed.sort((a, b) => a.key - b.key || a.rank - b.rank || a.i - b.i);
	return keyed.map((k) => ({ message: k.message, ...k.where }));
}
