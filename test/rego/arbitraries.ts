// fast-check generators of location-free Rego ASTs in the shapes the parser produces, for the
// printer's round-trip property: parse(print(ast)) == ast.

import fc from "fast-check";
import type { Annotation, Body, Expr, Module, Rule, Term } from "../../src/rego/ast.ts";

const L = { file: "gen.rego", row: 1, col: 1, endRow: 1, endCol: 1 };

const NAMES = ["x", "y", "z", "foo", "bar_2", "_", "k", "v", "allow", "contains_x"];
const FUNCS = ["count", "f", "io.jwt.decode", "lib.g", "startswith", "contains"];
const INFIX = [
	"equal",
	"neq",
	"lt",
	"lte",
	"gt",
	"gte",
	"or",
	"and",
	"plus",
	"minus",
	"mul",
	"div",
	"rem",
];

const v = (name: string): Term => ({ type: "var", name, loc: L });
const fnRef = (name: string) => {
	const [h, ...p] = name.split(".");
	return {
		type: "ref" as const,
		head: v(h),
		path: p.map((value): Term => ({ type: "string", value, loc: L })),
		loc: L,
	};
};
const call = (name: string, args: Term[], infix = false): Term =>
	infix
		? { type: "call", fn: fnRef(name), args, infix: true, loc: L }
		: { type: "call", fn: fnRef(name), args, loc: L };

const varArb = fc.constantFrom(...NAMES).map(v);

const numberArb: fc.Arbitrary<Term> = fc
	.oneof(
		fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
		fc.bigInt({ min: 10n ** 20n, max: 10n ** 30n }).map(String),
		fc.tuple(fc.nat(999), fc.nat(999)).map(([a, b]) => `${a}.${b}5`),
		fc
			.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: -20, max: 20 }))
			.map(([a, e]) => `${a}e${e}`),
	)
	.map((text) => ({ type: "number", text, loc: L }));

const stringArb: fc.Arbitrary<Term> = fc.oneof(
	fc
		.string({ unit: "grapheme", maxLength: 8 })
		.map((value): Term => ({ type: "string", value, loc: L })),
	fc
		.constantFrom("a", "b_c", "if", "with-dash", "")
		.map((value): Term => ({ type: "string", value, loc: L })),
	fc
		.string({ unit: "grapheme", maxLength: 8 })
		.filter((s) => !s.includes("`"))
		.map((value): Term => ({ type: "string", value, raw: true, loc: L })),
);

const scalarArb: fc.Arbitrary<Term> = fc.oneof(
	fc.constant<Term>({ type: "null", loc: L }),
	fc.boolean().map((value): Term => ({ type: "boolean", value, loc: L })),
	numberArb,
	stringArb,
);

export interface Arbs {
	term: fc.Arbitrary<Term>;
	body: fc.Arbitrary<Body>;
	expr: fc.Arbitrary<Expr>;
}

/** Terms up to a nesting depth (each level picks leaves more often). */
export function termArbs(): Arbs {
	const { term, body, expr } = fc.letrec<{ term: Term; body: Body; expr: Expr }>((tie) => {
		const t = tie("term");
		const b = tie("body");
		const small = (min: number, max: number) => fc.array(t, { minLength: min, maxLength: max });
		const refArb: fc.Arbitrary<Term> = fc
			.tuple(
				fc.oneof(
					{ weight: 4, arbitrary: fc.constantFrom("input", "data", "x", "foo").map(v) },
					{
						weight: 1,
						arbitrary: small(0, 2).map((items): Term => ({ type: "array", items, loc: L })),
					},
					{
						weight: 1,
						arbitrary: fc
							.tuple(fc.constantFrom("f", "lib.g"), small(0, 2))
							.map(([n, a]) => call(n, a)),
					},
				),
				fc.array(fc.oneof(stringArb, varArb, numberArb, t), { minLength: 0, maxLength: 3 }),
			)
			.filter(
				([head, path]) =>
					path.length > 0 ||
					(head.type === "var" && (head.name === "input" || head.name === "data")),
			)
			.map(([head, path]): Term => ({ type: "ref", head, path, loc: L }));
		const termArb = fc.oneof(
			{ depthSize: "small", withCrossShrink: true },
			{ weight: 6, arbitrary: scalarArb },
			{ weight: 4, arbitrary: varArb },
			{ weight: 3, arbitrary: refArb },
			{
				weight: 2,
				arbitrary: small(0, 3).map((items): Term => ({ type: "array", items, loc: L })),
			},
			{ weight: 1, arbitrary: small(0, 3).map((items): Term => ({ type: "set", items, loc: L })) },
			{
				weight: 1,
				arbitrary: fc
					.array(fc.tuple(t, t), { maxLength: 3 })
					.map((entries): Term => ({ type: "object", entries, loc: L })),
			},
			{
				weight: 2,
				arbitrary: fc
					.tuple(fc.constantFrom(...FUNCS), small(0, 3))
					.map(([n, args]) => call(n, args)),
			},
			{
				weight: 4,
				arbitrary: fc
					.tuple(fc.constantFrom(...INFIX), t, t)
					.map(([n, a, c]) => call(n, [a, c], true)),
			},
			{
				weight: 1,
				arbitrary: fc.tuple(t, t).map(([a, c]) => call("internal.member_2", [a, c], true)),
			},
			{
				weight: 1,
				arbitrary: fc.tuple(t, t, t).map(([a, c, d]) => call("internal.member_3", [a, c, d], true)),
			},
			{
				weight: 1,
				arbitrary: fc
					.tuple(t, b)
					.map(([term, body]): Term => ({ type: "arrayCompr", term, body, loc: L })),
			},
			{
				weight: 1,
				arbitrary: fc
					.tuple(t, b)
					.map(([term, body]): Term => ({ type: "setCompr", term, body, loc: L })),
			},
			{
				weight: 1,
				arbitrary: fc
					.tuple(t, t, b)
					.map(([key, value, body]): Term => ({ type: "objectCompr", key, value, body, loc: L })),
			},
		);
		const withArb = fc
			.tuple(fc.constantFrom("input", "input.a", "data.lib.x", "count"), t)
			.map(([target, value]) => ({ target: fnRef(target), value, loc: L }));
		const exprTerms = fc.oneof(
			{ weight: 5, arbitrary: t },
			{
				weight: 3,
				arbitrary: fc
					.tuple(fc.constantFrom("eq", "assign"), t, t)
					// v1 refuses `input := …` and `data := …` (they would shadow the roots).
					.filter(([n, a]) => n !== "assign" || !(a.type === "ref" && a.path.length === 0))
					.map(([n, a, c]) => call(n, [a, c], true)),
			},
			{
				weight: 1,
				arbitrary: fc
					.array(varArb, { minLength: 1, maxLength: 3 })
					.map((vars) => ({ type: "some" as const, vars, loc: L })),
			},
			{
				weight: 1,
				arbitrary: fc
					.tuple(fc.option(t, { nil: undefined }), t, t)
					.map(([key, value, collection]) =>
						key
							? { type: "someIn" as const, key, value, collection, loc: L }
							: { type: "someIn" as const, value, collection, loc: L },
					),
			},
			{
				weight: 1,
				arbitrary: fc
					.tuple(fc.option(varArb, { nil: undefined }), varArb, t, b)
					.map(([key, value, domain, body]) =>
						key
							? { type: "every" as const, key, value, domain, body, loc: L }
							: { type: "every" as const, value, domain, body, loc: L },
					),
			},
		);
		const exprArb = fc.tuple(exprTerms, fc.boolean(), fc.array(withArb, { maxLength: 2 })).map(
			([terms, negated, withs]): Expr => ({
				type: "expr",
				negated:
					negated && terms.type !== "some" && terms.type !== "someIn" && terms.type !== "every",
				terms: terms as Expr["terms"],
				// A bare `some x` declaration takes no `with` (a parse error in OPA, and now here).
				with: terms.type === "some" ? [] : withs,
				loc: L,
			}),
		);
		return {
			term: termArb,
			body: fc.array(tie("expr") as fc.Arbitrary<Expr>, { minLength: 1, maxLength: 3 }),
			expr: exprArb,
		};
	});
	return { term, body, expr } as Arbs;
}

const groundArb: fc.Arbitrary<Term> = fc.oneof(
	scalarArb,
	fc.array(scalarArb, { maxLength: 3 }).map((items): Term => ({ type: "array", items, loc: L })),
);

const ruleName = fc.constantFrom("p", "allow", "deny", "q_1", "in_x");
const trueTerm: Term = { type: "boolean", value: true, loc: L };

export function moduleArb(): fc.Arbitrary<Module> {
	const { term, body } = termArbs();
	const optBody = fc.oneof(fc.constant<Body>([]), body);
	const oneAnnotation = (scopes: Annotation["scope"][]) =>
		fc
			.record({
				scope: fc.constantFrom(...scopes),
				title: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
				description: fc.option(fc.string({ unit: "grapheme", maxLength: 20 }), { nil: undefined }),
				entrypoint: fc.option(fc.boolean(), { nil: undefined }),
				custom: fc.option(
					fc.dictionary(fc.constantFrom("a", "b"), fc.oneof(fc.integer(), fc.string())),
					{
						nil: undefined,
					},
				),
			})
			.map((a) => {
				const out: Annotation = { scope: a.scope, loc: L };
				if (a.title !== undefined) out.title = a.title;
				if (a.description !== undefined) out.description = a.description;
				if (a.entrypoint !== undefined) out.entrypoint = a.entrypoint;
				if (a.custom && Object.keys(a.custom).length > 0) out.custom = a.custom;
				return out;
			});
	const annotation: fc.Arbitrary<Annotation[] | undefined> = fc.option(
		fc.array(oneAnnotation(["rule", "document"]), { minLength: 1, maxLength: 2 }),
		{ nil: undefined, freq: 3 },
	);
	const withAnnotations = (r: Rule, a: Annotation[] | undefined): Rule =>
		a ? { ...r, annotations: a } : r;

	/** `else` links for a head with the given args; an else without a body ends the chain. */
	const elseArb = (args: Term[] | undefined, kind: Rule["kind"]): fc.Arbitrary<Rule | undefined> =>
		fc
			.array(fc.tuple(fc.option(term, { nil: undefined }), fc.boolean(), optBody), { maxLength: 2 })
			.map((links) => {
				let next: Rule | undefined;
				for (let i = links.length - 1; i >= 0; i--) {
					const [value, assign, b] = links[i];
					const bodyHere = i < links.length - 1 && b.length === 0 ? [] : b;
					if (bodyHere.length === 0 && i < links.length - 1) continue;
					const r: Rule = {
						type: "rule",
						default: false,
						kind,
						head: {
							ref: fnRef("p"),
							assign: value ? assign : false,
							value: value ?? trueTerm,
							loc: L,
							...(args ? { args } : {}),
						},
						body: bodyHere,
						loc: L,
					};
					if (next) r.else = next;
					next = r;
				}
				return next;
			});

	const complete = fc
		.tuple(
			ruleName,
			fc.array(fc.constantFrom("a", "b", "if"), { maxLength: 2 }),
			fc.option(term, { nil: undefined }),
			fc.boolean(),
			optBody,
			annotation,
		)
		.chain(([name, path, value, assign, b, ann]) => {
			const ref = {
				type: "ref" as const,
				head: v(name),
				path: path.map((p): Term => ({ type: "string", value: p, loc: L })),
				loc: L,
			};
			const hasValue = value !== undefined || b.length === 0;
			const head = {
				ref,
				assign: hasValue ? assign : false,
				value: value ?? trueTerm,
				loc: L,
			};
			return (b.length > 0 ? elseArb(undefined, "complete") : fc.constant(undefined)).map((els) => {
				const r: Rule = { type: "rule", default: false, kind: "complete", head, body: b, loc: L };
				if (els) {
					// else links share the head's ref
					for (let e: Rule | undefined = els; e; e = e.else) e.head.ref = ref;
					r.else = els;
				}
				return withAnnotations(r, ann);
			});
		});
	const defaults = fc.tuple(ruleName, groundArb, fc.boolean()).map(
		([name, value, assign]): Rule => ({
			type: "rule",
			default: true,
			kind: "complete",
			head: { ref: fnRef(name), value, assign, loc: L },
			body: [],
			loc: L,
		}),
	);
	const partialSet = fc.tuple(ruleName, term, optBody).map(
		([name, key, b]): Rule => ({
			type: "rule",
			default: false,
			kind: "partialSet",
			head: { ref: fnRef(name), key, assign: false, loc: L },
			body: b,
			loc: L,
		}),
	);
	const partialObject = fc
		.tuple(ruleName, fc.constantFrom("k", "x"), term, fc.boolean(), optBody)
		.map(
			([name, key, value, assign, b]): Rule => ({
				type: "rule",
				default: false,
				kind: "partialObject",
				head: {
					ref: { type: "ref", head: v(name), path: [v(key)], loc: L },
					value,
					assign,
					loc: L,
				},
				body: b,
				loc: L,
			}),
		);
	const fn = fc
		.tuple(
			fc.constantFrom("f", "g", "lib.h"),
			// `f(input)` would shadow the root document, which v1 refuses.
			fc.array(
				term.filter((a) => !(a.type === "ref" && a.path.length === 0)),
				{ minLength: 1, maxLength: 3 },
			),
			term,
			fc.boolean(),
			body,
		)
		.chain(([name, args, value, assign, b]) =>
			elseArb(args, "function").map((els) => {
				const r: Rule = {
					type: "rule",
					default: false,
					kind: "function",
					head: { ref: fnRef(name), args, value, assign, loc: L },
					body: b,
					loc: L,
				};
				if (els) {
					for (let e: Rule | undefined = els; e; e = e.else) e.head.ref = r.head.ref;
					r.else = els;
				}
				return r;
			}),
		);
	return fc
		.tuple(
			fc.array(fc.constantFrom("a", "b", "if", "x-y"), { minLength: 0, maxLength: 2 }),
			fc.uniqueArray(fc.constantFrom("lib", "util", "roles"), { maxLength: 2 }),
			fc.array(fc.oneof(complete, defaults, partialSet, partialObject, fn), {
				minLength: 1,
				maxLength: 4,
			}),
			fc.array(oneAnnotation(["package", "subpackages"]), { maxLength: 2 }),
		)
		.map(
			([pkgRest, imports, rules, pkgAnnotations]): Module => ({
				type: "module",
				file: "gen.rego",
				regoVersion: 1,
				package: {
					type: "package",
					path: {
						type: "ref",
						head: v("data"),
						path: ["pkg", ...pkgRest].map((value): Term => ({ type: "string", value, loc: L })),
						loc: L,
					},
					loc: L,
				},
				imports: imports.map((name) => ({
					type: "import" as const,
					path: fnRef(`data.${name}`),
					loc: L,
				})),
				rules,
				annotations: pkgAnnotations,
				comments: [],
				loc: L,
			}),
		);
}
