// A seeded generator of well-formed Rego v1 programs (one module of package `t`, its data and
// input) for the random-programs part of the differential harness. Drawn through fc.gen(), so
// fast-check can shrink a program OPA and Gavel disagree on down to a few lines.
//
// The programs cover the language rather than realistic policies: complete, partial set and
// object, ref-head and function rules (zero-argument ones and bare heads included), default,
// else chains, several bodies, some/in/every, not with nested refs and calls, with on input,
// data, functions and builtins, comprehensions, unification, arithmetic on ints, floats and
// big numbers, and builtins called with arguments of the wrong type now and then, so errors
// are compared as well as values. A rule only refers to rules written before it: no recursion.

import fc from "fast-check";

export interface Program {
	source: string;
	data: Record<string, unknown>;
	input: Record<string, unknown>;
}

type Gen = fc.GeneratorValue;
type Ty = "num" | "str" | "bool" | "arr" | "set" | "obj" | "any";

/** What a rule defined so far gives a later rule to use. */
interface Sym {
	ref: string;
	ty: Ty;
	/** Functions: how many arguments. */
	arity?: number;
}

class Draw {
	constructor(private readonly g: Gen) {}
	int(min: number, max: number): number {
		return this.g(fc.integer, { min, max });
	}
	chance(p: number): boolean {
		// A whole-number draw shrinks towards 0, i.e. towards "no".
		return this.g(fc.integer, { min: 0, max: 999 }) >= 1000 - Math.round(p * 1000);
	}
	pick<T>(xs: readonly T[]): T {
		return xs[this.int(0, xs.length - 1)];
	}
}

const STRS = ["", "a", "b", "ab", "foo", "Bar", "a,b,c", "x-y", "ünï", "10", "1.5", " pad "];
const KEYS = ["a", "b", "c", "k"];

function jsonValue(d: Draw, depth: number): unknown {
	const k = d.int(0, depth > 0 ? 7 : 4);
	switch (k) {
		case 0:
			return d.int(-3, 12);
		case 1:
			return d.pick(STRS);
		case 2:
			return d.chance(0.5);
		case 3:
			return d.pick([null, 2.5, -0.5, 1e3, 12345678901]);
		case 4:
			return d.pick([0, 1, 7]);
		case 5:
			return Array.from({ length: d.int(0, 3) }, () => jsonValue(d, depth - 1));
		default: {
			const o: Record<string, unknown> = {};
			for (let i = d.int(0, 3); i > 0; i--) o[d.pick(KEYS)] = jsonValue(d, depth - 1);
			return o;
		}
	}
}

/** The input every program sees; each key may be missing (undefined refs). */
function genInput(d: Draw): Record<string, unknown> {
	const full: Record<string, () => unknown> = {
		n: () => d.pick([0, 1, 2, 3, -4, 2.5, 10, 1e20]),
		m: () => d.int(-2, 5),
		s: () => d.pick(STRS),
		b: () => d.chance(0.5),
		arr: () => Array.from({ length: d.int(0, 4) }, () => d.int(-2, 6)),
		strs: () => Array.from({ length: d.int(0, 3) }, () => d.pick(STRS)),
		obj: () => {
			const o: Record<string, unknown> = {};
			for (const k of KEYS) if (d.chance(0.7)) o[k] = jsonValue(d, 1);
			return o;
		},
		foos: () => ({ a: "a", b: d.pick(["b", "c"]), c: "c" }),
		mixed: () => jsonValue(d, 2),
		user: () => ({ name: d.pick(["alice", "bob", "eve"]), role: d.pick(["admin", "viewer", 1]) }),
	};
	const input: Record<string, unknown> = {};
	for (const [k, f] of Object.entries(full)) if (!d.chance(0.12)) input[k] = f();
	return input;
}

function genData(d: Draw): Record<string, unknown> {
	const dd: Record<string, unknown> = {
		n: d.pick([1, 2, 5, 0.5]),
		s: d.pick(STRS),
		arr: Array.from({ length: d.int(0, 4) }, () => d.int(0, 5)),
		obj: { a: d.int(0, 3), b: d.pick(STRS), c: [1, 2] },
		roles: { admin: ["read", "write"], viewer: ["read"] },
		users: { alice: ["admin"], bob: ["viewer"] },
	};
	if (d.chance(0.15)) delete dd[d.pick(Object.keys(dd))];
	return { d: dd };
}

const LIT: Record<Exclude<Ty, "any">, string[]> = {
	num: [
		"0",
		"1",
		"2",
		"3",
		"-1",
		"10",
		"2.5",
		"0.5",
		"-0.25",
		"1e3",
		"9223372036854775807",
		"18446744073709551616",
		"1.5e300",
		"100000000000000000000",
	],
	str: ['""', '"a"', '"b"', '"foo"', '"A,b"', '"ünï"', '"1"', '"2.5"', "`raw`", '"a,b"'],
	bool: ["true", "false"],
	arr: ["[]", "[1, 2, 3]", '["a", "b"]', "[1, [2]]", '[null, true, "x"]'],
	set: ["set()", "{1, 2}", '{"a", "b"}', '{1, "a"}'],
	obj: ["{}", '{"a": 1}', '{"a": 1, "b": "x"}', '{"k": [1]}', "{1: 2}"],
};

const INPUT_REFS: Record<Exclude<Ty, "any">, string[]> = {
	num: ["input.n", "input.m", "data.d.n", "input.arr[0]", "data.d.obj.a", "input.obj.a"],
	str: ["input.s", "data.d.s", "input.strs[0]", "input.user.name", "data.d.obj.b", "input.obj.b"],
	bool: ["input.b", "input.obj.c"],
	arr: ["input.arr", "input.strs", "data.d.arr", "data.d.obj.c", "data.d.roles.admin"],
	set: [],
	obj: ["input.obj", "input.foos", "data.d.obj", "input.user", "data.d.roles", "data.d.users"],
};

const ANY_REFS = [
	"input.mixed",
	"input.missing",
	"input.obj.k",
	"input.user.role",
	"data.d.missing",
	"input",
];

export class ProgramGen {
	private readonly d: Draw;
	private syms: Sym[] = [];
	private fresh = 0;

	constructor(g: Gen) {
		this.d = new Draw(g);
	}

	private v(): string {
		return `v${this.fresh++}`;
	}

	/** A type to ask for, wrong on purpose now and then. */
	private maybeWrong(ty: Ty): Ty {
		return this.d.chance(0.025) ? "any" : ty;
	}

	term(ty: Ty, scope: Map<string, Ty>, depth: number): string {
		const d = this.d;
		if (ty === "any")
			ty = d.pick(["num", "str", "bool", "arr", "set", "obj", "num", "str"] as const);
		if (d.chance(0.02)) return d.pick(ANY_REFS);
		const vars = [...scope].filter(([, t]) => t === ty || t === "any").map(([n]) => n);
		const syms = this.syms.filter((s) => s.arity === undefined && s.ty === ty).map((s) => s.ref);
		const fns = this.syms.filter((s) => s.arity !== undefined && (s.ty === ty || s.ty === "any"));
		const choice = d.int(0, depth <= 0 ? 3 : 9);
		if (choice === 0 || (choice === 1 && vars.length === 0 && syms.length === 0))
			return d.pick(LIT[ty]);
		if (choice === 1) return d.pick([...vars, ...syms]);
		if (choice === 2 && INPUT_REFS[ty].length > 0) return d.pick(INPUT_REFS[ty]);
		if (choice === 3) return vars.length > 0 ? d.pick(vars) : d.pick(LIT[ty]);
		if (choice === 4 && fns.length > 0) {
			const f = d.pick(fns);
			const args = Array.from({ length: f.arity ?? 0 }, () => this.term("any", scope, depth - 1));
			return `${f.ref}(${args.join(", ")})`;
		}
		return this.compound(ty, scope, depth - 1);
	}

	private compound(ty: Exclude<Ty, "any">, scope: Map<string, Ty>, depth: number): string {
		const d = this.d;
		const t = (x: Ty) => this.term(this.maybeWrong(x), scope, depth);
		switch (ty) {
			case "num":
				return d.pick([
					() => `${t("num")} ${d.pick(["+", "-", "*", "/", "%"])} ${t("num")}`,
					() => `count(${t(d.pick(["arr", "set", "obj", "str"] as const))})`,
					() =>
						`${d.pick(["sum", "max", "min", "product"])}(${t(d.pick(["arr", "set"] as const))})`,
					() => `${d.pick(["abs", "round", "ceil", "floor"])}(${t("num")})`,
					() => `to_number(${t(d.pick(["str", "num", "bool"] as const))})`,
					() => `indexof(${t("str")}, ${t("str")})`,
					() =>
						`bits.${d.pick(["and", "or", "xor", "lsh", "rsh"])}(${t("num")}, ${d.pick(["0", "1", "3", "-1", "64", "2.5", '"a"'])})`,
					() => `(${t("num")})`,
					() => `numbers.range(${d.int(-2, 3)}, ${d.pick(["0", "4", "2.5", '"a"'])})[${t("num")}]`,
					() => `object.get(${t("obj")}, ${t("str")}, ${t("num")})`,
				])();
			case "str":
				return d.pick([
					() => `concat(${t("str")}, ${t(d.pick(["arr", "set"] as const))})`,
					() => `${d.pick(["lower", "upper", "strings.reverse", "trim_space"])}(${t("str")})`,
					() =>
						`${d.pick(["trim", "trim_left", "trim_prefix", "trim_suffix"])}(${t("str")}, ${t("str")})`,
					() => `replace(${t("str")}, ${t("str")}, ${t("str")})`,
					() => `substring(${t("str")}, ${t("num")}, ${t("num")})`,
					() =>
						`sprintf(${d.pick(['"%v"', '"%d-%s"', '"%v %v"', '"%.2f"'])}, [${t("any")}, ${t("any")}])`,
					() => `format_int(${t("num")}, ${d.pick(["2", "10", "16"])})`,
					() => `json.marshal(${t("any")})`,
					() => `type_name(${t("any")})`,
					() => `${t("str")}`,
					() => `split(${t("str")}, ",")[${t("num")}]`,
				])();
			case "bool":
				return d.pick([
					() => `${t("num")} ${d.pick(["<", "<=", ">", ">=", "==", "!="])} ${t("num")}`,
					() => `${t("any")} ${d.pick(["==", "!="])} ${t("any")}`,
					() => `${t("str")} ${d.pick(["<", ">"])} ${t("str")}`,
					() => `${d.pick(["startswith", "endswith", "contains"])}(${t("str")}, ${t("str")})`,
					() =>
						`${d.pick(["is_number", "is_string", "is_array", "is_set", "is_object", "is_boolean", "is_null"])}(${t("any")})`,
					() => `${t("any")} in ${t(d.pick(["arr", "set", "obj"] as const))}`,
					() => `regex.match(${d.pick(['"^a"', '"b+"', '"[0-9]+"', '"("'])}, ${t("str")})`,
					() => `object.get(${t("obj")}, ${t("str")}, false)`,
				])();
			case "arr":
				return d.pick([
					() => `[${t("any")}, ${t("any")}]`,
					() => `sort(${t(d.pick(["arr", "set"] as const))})`,
					() => `array.concat(${t("arr")}, ${t("arr")})`,
					() => `array.slice(${t("arr")}, ${t("num")}, ${t("num")})`,
					() => `array.reverse(${t("arr")})`,
					() => `split(${t("str")}, ${d.pick(['","', '""', '"a"'])})`,
					() => `numbers.range(${d.int(-2, 3)}, ${d.int(-2, 4)})`,
					() => this.comprehension("arr", scope, depth),
					() => `[${t("num")} | true]`,
				])();
			case "set":
				return d.pick([
					() => `{${t("any")}, ${t("any")}}`,
					() => `${t("set")} ${d.pick(["|", "&", "-"])} ${t("set")}`,
					() => `object.keys(${t("obj")})`,
					() => `union({${t("set")}, ${t("set")}})`,
					() => `intersection({${t("set")}, ${t("set")}})`,
					() => this.comprehension("set", scope, depth),
				])();
			case "obj":
				return d.pick([
					() => `{${t("str")}: ${t("any")}, "z": ${t("any")}}`,
					() => `object.union(${t("obj")}, ${t("obj")})`,
					() => `object.remove(${t("obj")}, ${t(d.pick(["arr", "set"] as const))})`,
					() => `object.filter(${t("obj")}, ${t(d.pick(["arr", "set"] as const))})`,
					() => `json.unmarshal(${d.pick(['"{\\"a\\": 1}"', '"[1]"', '"{"'])})`,
					() => this.comprehension("obj", scope, depth),
				])();
		}
	}

	private comprehension(ty: "arr" | "set" | "obj", scope: Map<string, Ty>, depth: number): string {
		const inner = new Map(scope);
		const body = this.body(inner, depth, 1, 2);
		if (ty === "obj") {
			const k = this.term("str", inner, depth);
			return `{${k}: ${this.term("any", inner, depth)} | ${body.join("; ")}}`;
		}
		const head = this.term("any", inner, depth);
		return ty === "arr" ? `[${head} | ${body.join("; ")}]` : `{${head} | ${body.join("; ")}}`;
	}

	/** A body of `min`…`max` expressions; vars they bind are added to `scope`. */
	body(scope: Map<string, Ty>, depth: number, min: number, max: number): string[] {
		const out: string[] = [];
		for (let n = this.d.int(min, max); n > 0; n--) out.push(this.expr(scope, depth));
		return out;
	}

	private expr(scope: Map<string, Ty>, depth: number): string {
		const d = this.d;
		const t = (x: Ty) => this.term(x, scope, depth);
		const bind = (ty: Ty) => {
			const v = this.v();
			scope.set(v, ty);
			return v;
		};
		const kind = d.int(0, 15);
		let e: string;
		switch (kind) {
			case 0:
			case 1: {
				const ty = d.pick(["num", "str", "arr", "set", "obj", "bool"] as const);
				const rhs = t(ty);
				e = `${bind(ty)} := ${rhs}`;
				break;
			}
			case 2: {
				const c = t(d.pick(["arr", "set", "obj"] as const));
				if (d.chance(0.4)) {
					const k = bind("any");
					e = `some ${k}, ${bind("any")} in ${c}`;
				} else e = `some ${bind("any")} in ${c}`;
				break;
			}
			case 3: {
				// Iteration by a ref with a fresh var: `x := input.arr[i]`.
				const coll = d.pick(["input.arr", "input.obj", "data.d.arr", "input.strs", "data.d.users"]);
				const i = this.v();
				const rhs = `${coll}[${i}]`;
				scope.set(i, "any");
				e = `${bind("any")} := ${rhs}`;
				break;
			}
			case 4:
			case 5:
				e = t("bool");
				break;
			case 6:
			case 7:
				e = `not ${this.negatable(scope, depth)}`;
				break;
			case 8: {
				if (depth <= 0) {
					e = t("bool");
					break;
				}
				const coll = t(d.pick(["arr", "set", "obj"] as const));
				const inner = new Map(scope);
				const x = `v${this.fresh++}`;
				inner.set(x, "any");
				const key = d.chance(0.3) ? `v${this.fresh++}` : undefined;
				if (key) inner.set(key, "any");
				const body = this.body(inner, depth - 1, 1, 2);
				e = `every ${key ? `${key}, ` : ""}${x} in ${coll} { ${body.join("; ")} }`;
				break;
			}
			case 9: {
				// Unification: an array pattern against a value, or a var bound by `=`.
				const rhs = t("arr");
				if (d.chance(0.5)) e = `[${bind("any")}, ${bind("any")}] = ${rhs}`;
				else e = `${bind("arr")} = ${rhs}`;
				break;
			}
			case 10: {
				const k = this.v();
				scope.set(k, "str");
				e = `some ${k}; ${k} == input.foos[${k}]`;
				break;
			}
			case 11:
				e = `${t("any")} == ${t("any")}`;
				break;
			default:
				e = t("bool");
		}
		if (d.chance(0.12) && kind !== 10 && !e.startsWith("some ")) e += this.withClause(scope, depth);
		return e;
	}

	/** What follows a `not`: a ref, a call with nested refs, a comparison. */
	private negatable(scope: Map<string, Ty>, depth: number): string {
		const d = this.d;
		const t = (x: Ty) => this.term(x, scope, depth);
		const bools = this.syms
			.filter((s) => s.arity === undefined && s.ty === "bool")
			.map((s) => s.ref);
		const fns = this.syms.filter((s) => s.arity !== undefined);
		return d.pick([
			() => d.pick(["input.b", "input.missing", "input.obj.a", "data.d.missing", ...bools]),
			() => `input.obj[${t("str")}]`,
			() => `input.arr[${t("num")}]`,
			() => {
				if (fns.length === 0) return t("bool");
				const f = d.pick(fns);
				return `${f.ref}(${Array.from({ length: f.arity ?? 0 }, () => t("any")).join(", ")})`;
			},
			() => t("bool"),
			() =>
				`${d.pick(["startswith", "endswith"])}(${d.pick(["input.missing", "input.s", "input.obj.b"])}, ${t("str")})`,
			() =>
				`${d.pick(["input.missing", "input.n", "input.obj[input.s]"])} ${d.pick(["==", "!=", ">"])} ${t("num")}`,
		])();
	}

	private withClause(scope: Map<string, Ty>, depth: number): string {
		const d = this.d;
		const fns = this.syms.filter((s) => s.arity === 1);
		const choice = d.int(0, 4);
		if (choice === 0)
			return ` with input.${d.pick(["n", "s", "arr", "obj", "missing"])} as ${this.term("any", scope, depth - 1)}`;
		if (choice === 1)
			return ` with data.d.${d.pick(["n", "s", "arr", "obj"])} as ${this.term("any", scope, depth - 1)}`;
		if (choice === 2) return ` with input as ${this.term("obj", scope, depth - 1)}`;
		if (choice === 3 && fns.length > 1) return ` with ${d.pick(fns).ref} as ${d.pick(fns).ref}`;
		if (choice === 3 && fns.length > 0)
			return ` with ${d.pick(fns).ref} as ${this.term("any", scope, depth - 1)}`;
		return ` with ${d.pick(["count", "upper", "abs"])} as ${fns.length > 0 && d.chance(0.5) ? d.pick(fns).ref : this.term("any", scope, depth - 1)}`;
	}

	private ifBody(scope: Map<string, Ty>, depth: number, min = 1): string {
		const body = this.body(scope, depth, min, 3);
		if (body.length === 0) return "";
		if (body.length === 1 && this.d.chance(0.5)) return ` if ${body[0]}`;
		return ` if {\n\t${body.join("\n\t")}\n}`;
	}

	/** One rule (sometimes several definitions of it); registers what later rules may use. */
	private rule(i: number, depth: number): string {
		const d = this.d;
		const kind = d.int(0, 11);
		const lines: string[] = [];
		switch (kind) {
			case 0:
			case 1:
			case 2: {
				// Complete rule: value, maybe default, maybe else chain, maybe a second body.
				const name = `r${i}`;
				const ty = d.pick(["num", "str", "bool", "arr", "set", "obj", "bool"] as const);
				if (d.chance(0.25)) lines.push(`default ${name} := ${d.pick(LIT[ty])}`);
				const scope = new Map<string, Ty>();
				const body = this.ifBody(scope, depth);
				const value = ty === "bool" && d.chance(0.5) ? "" : ` := ${this.term(ty, scope, depth)}`;
				let rule = `${name}${value}${body}`;
				if (d.chance(0.25) && body !== "") {
					for (let n = d.int(1, 2); n > 0; n--) {
						const s2 = new Map<string, Ty>();
						const b2 = this.ifBody(s2, depth, 0);
						rule += ` else := ${this.term(ty, s2, depth)}${b2}`;
					}
				}
				lines.push(rule);
				if (d.chance(0.2) && body !== "") {
					const s2 = new Map<string, Ty>();
					const b2 = this.ifBody(s2, depth);
					lines.push(`${name}${value === "" ? "" : ` := ${this.term(ty, s2, depth)}`}${b2}`);
				}
				this.syms.push({ ref: name, ty });
				break;
			}
			case 3:
			case 4: {
				const name = `s${i}`;
				for (let n = d.int(1, 2); n > 0; n--) {
					const scope = new Map<string, Ty>();
					const body = this.ifBody(scope, depth);
					lines.push(`${name} contains ${this.term("any", scope, depth)}${body}`);
				}
				this.syms.push({ ref: name, ty: "set" });
				break;
			}
			case 5: {
				const name = `o${i}`;
				for (let n = d.int(1, 2); n > 0; n--) {
					const scope = new Map<string, Ty>();
					const body = this.ifBody(scope, depth);
					lines.push(
						`${name}[${this.term("str", scope, depth)}] := ${this.term("any", scope, depth)}${body}`,
					);
				}
				this.syms.push({ ref: name, ty: "obj" });
				break;
			}
			case 6: {
				// Ref heads: a ground path, or a dynamic key in the middle.
				const scope = new Map<string, Ty>();
				const body = this.ifBody(scope, depth);
				if (d.chance(0.5)) {
					lines.push(`h${i}.a.${d.pick(["b", "c"])} := ${this.term("any", scope, depth)}${body}`);
				} else {
					lines.push(
						`h${i}[${this.term("str", scope, depth)}].x := ${this.term("any", scope, depth)}${body}`,
					);
				}
				this.syms.push({ ref: `h${i}`, ty: "obj" });
				break;
			}
			case 7:
			case 8:
			case 9: {
				// A function of one or two parameters, maybe several definitions.
				const name = `f${i}`;
				const arity = d.int(1, 2);
				const ty = d.pick(["num", "str", "bool", "any"] as const);
				for (let n = d.int(1, 3); n > 0; n--) {
					const scope = new Map<string, Ty>();
					const params: string[] = [];
					for (let a = 0; a < arity; a++) {
						if (d.chance(0.25))
							params.push(d.pick(LIT.num.slice(0, 4).concat(LIT.str.slice(0, 3))));
						else {
							const p = `p${a}`;
							params.push(p);
							scope.set(p, "any");
						}
					}
					const body = this.ifBody(scope, depth, 0);
					const value = ty === "bool" && d.chance(0.4) ? "" : ` := ${this.term(ty, scope, depth)}`;
					if (value === "" && body === "" && !d.chance(0.5))
						lines.push(`${name}(${params.join(", ")}) := true`);
					else lines.push(`${name}(${params.join(", ")})${value}${body}`);
				}
				this.syms.push({ ref: name, ty, arity });
				break;
			}
			case 10: {
				// Zero-argument function: a rule by another name.
				const name = `z${i}`;
				const ty = d.pick(["num", "str", "bool"] as const);
				const scope = new Map<string, Ty>();
				const body = this.ifBody(scope, depth);
				lines.push(`${name}() := ${this.term(ty, scope, depth)}${body === "" ? " if true" : body}`);
				this.syms.push({ ref: name, ty });
				break;
			}
			default: {
				// Rules reading earlier ones under `with`, and a bare function head.
				const name = `b${i}`;
				lines.push(`${name}(${d.pick(['"a"', "1", '"foo"'])})`);
				lines.push(`${name}(${d.pick(['"b"', "2"])})`);
				this.syms.push({ ref: name, ty: "bool", arity: 1 });
			}
		}
		return lines.join("\n");
	}

	program(): Program {
		const d = this.d;
		const input = genInput(d);
		const data = genData(d);
		const rules: string[] = [];
		const n = d.int(1, 6);
		for (let i = 0; i < n; i++) rules.push(this.rule(i, 2));
		return { source: `package t\n\n${rules.join("\n\n")}\n`, data, input };
	}
}

/** Programs as a fast-check arbitrary (shrinkable). */
export const programArb: fc.Arbitrary<Program> = fc.gen().map((g) => new ProgramGen(g).program());
