import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { moduleArb, termArbs } from "../../test/rego/arbitraries.ts";
import {
	formatError,
	type Module,
	parseModule,
	parseQuery,
	parseTerm,
	printBody,
	printModule,
	printTerm,
	stripLocations,
} from "./index.ts";

/** What a round trip must preserve: the AST without locations, ordinary comments or file name. */
function comparable(m: Module) {
	return stripLocations({ ...m, comments: [], file: "" });
}

describe("printer", () => {
	it("prints readable Rego v1", () => {
		const src = [
			"package authz",
			"",
			"import data.roles",
			"",
			"default allow := false",
			"",
			"allow if {",
			"\tsome role in input.user.roles",
			"\troles[role].admin",
			"}",
			"",
			"deny contains msg if {",
			"\tnot input.user",
			'\tmsg := "no user"',
			"}",
			"",
			"f(x) := x * 2 if x > 0 else := 0",
			"",
		].join("\n");
		const r = parseModule(src, "authz.rego");
		expect(r.errors).toEqual([]);
		if (!r.module) throw new Error("no module");
		expect(printModule(r.module)).toBe(src);
	});

	it("prints keywords after a dot in dotted form, as OPA's formatter does", () => {
		const src = [
			"package a.in.if",
			"",
			"import future.keywords.in",
			"import data.x.every.y",
			"",
			"b.contains.c := 1",
			"",
			"r if data.x.not.some == 1",
			"",
		].join("\n");
		const r = parseModule(src.replace("data.x.every.y", 'data.x["every"].y'), "k.rego");
		expect(r.errors.map(formatError)).toEqual([]);
		if (!r.module) throw new Error("no module");
		const out = printModule(r.module);
		expect(out).toBe(src);
		const again = parseModule(out, "k.rego");
		expect(again.errors.map(formatError)).toEqual([]);
		if (!again.module) throw new Error("no module");
		expect(comparable(again.module)).toEqual(comparable(r.module));
	});

	it("adds parentheses only where the grammar needs them", () => {
		const show = (src: string) => {
			const r = parseTerm(src);
			expect(r.errors.map(formatError)).toEqual([]);
			if (!r.term) throw new Error("no term");
			return printTerm(r.term);
		};
		expect(show("(1 + 2) * 3")).toBe("(1 + 2) * 3");
		expect(show("1 + (2 * 3)")).toBe("1 + 2 * 3");
		expect(show("a - (b - c)")).toBe("a - (b - c)");
		expect(show("[(a | b)]")).toBe("[(a | b)]");
		expect(show("{(a | b): 1}")).toBe("{(a | b): 1}");
		expect(show("f((k, v in xs))")).toBe("f((k, v in xs))");
		expect(show('x["a-b"].c[0]')).toBe('x["a-b"].c[0]');
		expect(show('x["if"]')).toBe("x.if");
		expect(show("{1} | set()")).toBe("{1} | set()");
		const q = parseQuery("x\n(-1 == y)\n(a | b) = c");
		expect(q.errors).toEqual([]);
		expect(printBody(q.body ?? [])).toBe("x\n(-1 == y)\n(a | b) = c");
	});

	it("round-trips generated terms", () => {
		fc.assert(
			fc.property(termArbs().term, (t) => {
				const text = printTerm(t);
				const r = parseTerm(text);
				if (r.errors.length > 0)
					throw new Error(`${text}\n${r.errors.map(formatError).join("\n")}`);
				expect(stripLocations(r.term)).toEqual(stripLocations(t));
			}),
			{ numRuns: 400 },
		);
	});

	it("round-trips generated bodies", () => {
		fc.assert(
			fc.property(termArbs().body, (b) => {
				const text = printBody(b);
				const r = parseQuery(text);
				if (r.errors.length > 0)
					throw new Error(`${text}\n${r.errors.map(formatError).join("\n")}`);
				expect(stripLocations(r.body)).toEqual(stripLocations(b));
			}),
			{ numRuns: 300 },
		);
	});

	it("round-trips generated modules", () => {
		fc.assert(
			fc.property(moduleArb(), (m) => {
				const text = printModule(m);
				const r = parseModule(text, "gen.rego");
				if (!r.module) throw new Error(`${text}\n${r.errors.map(formatError).join("\n")}`);
				expect(comparable(r.module)).toEqual(comparable(m));
			}),
			{ numRuns: 200 },
		);
	});
});
