// Inputs for the parser's fuzz test and benchmark: mutated real modules and random token soup.

import fc from "fast-check";

const VOCAB = [
	"package",
	"import",
	"as",
	"default",
	"else",
	"not",
	"some",
	"every",
	"with",
	"in",
	"if",
	"contains",
	"null",
	"true",
	"false",
	"rego.v1",
	"future.keywords",
	"data",
	"input",
	"x",
	"p",
	"f",
	"count",
	"_",
	"0",
	"1.5e3",
	"-7",
	'"s"',
	'"\\u00e9"',
	"`raw`",
	":=",
	"=",
	"==",
	"!=",
	"<",
	"<=",
	">",
	">=",
	"+",
	"-",
	"*",
	"/",
	"%",
	"&",
	"|",
	"(",
	")",
	"[",
	"]",
	"{",
	"}",
	",",
	".",
	";",
	":",
	"\n",
	"# c\n",
	"# METADATA\n# title: t\n",
	"@",
	'"unterminated',
];

/** A sequence of Rego-ish tokens with random spacing; often after a package line. */
export const tokenSoup: fc.Arbitrary<string> = fc
	.tuple(
		fc.boolean(),
		fc.array(fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom("", " ", "\n", "\t")), {
			maxLength: 60,
		}),
	)
	.map(([pkg, toks]) => (pkg ? "package p\n" : "") + toks.map(([t, ws]) => t + ws).join(""));

type Mutation = (src: string, rnd: () => number) => string;

const pick = (n: number, rnd: () => number) => Math.floor(rnd() * n);

const MUTATIONS: Mutation[] = [
	// delete a span
	(s, r) => {
		const a = pick(s.length + 1, r);
		return s.slice(0, a) + s.slice(a + pick(20, r));
	},
	// insert a token
	(s, r) => {
		const a = pick(s.length + 1, r);
		return s.slice(0, a) + VOCAB[pick(VOCAB.length, r)] + s.slice(a);
	},
	// duplicate a span
	(s, r) => {
		const a = pick(s.length + 1, r);
		const b = a + pick(40, r);
		return s.slice(0, b) + s.slice(a, b) + s.slice(b);
	},
	// truncate
	(s, r) => s.slice(0, pick(s.length + 1, r)),
	// replace one character by a bracket or quote
	(s, r) => {
		const a = pick(s.length, r);
		return s.slice(0, a) + '{}[]()"`#|'[pick(10, r)] + s.slice(a + 1);
	},
	// nest a span deeply
	(s, r) => {
		const a = pick(s.length + 1, r);
		const n = 1 + pick(300, r);
		return `${s.slice(0, a)}${"[".repeat(n)}${s.slice(a)}`;
	},
];

/** Applies 1–4 random mutations to `src`, driven by a seed so failures replay. */
export function mutate(src: string, seed: number): string {
	let x = seed >>> 0 || 1;
	const rnd = () => {
		// xorshift32: small, deterministic, good enough to pick positions.
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return (x >>> 0) / 2 ** 32;
	};
	let out = src;
	const times = 1 + pick(4, rnd);
	for (let i = 0; i < times; i++) out = MUTATIONS[pick(MUTATIONS.length, rnd)](out, rnd);
	return out;
}
