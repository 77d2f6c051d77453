// The catalogue's contract with OPA 1.22.3: the same builtin names, arities, types and flags
// as `opa capabilities --current` (the committed snapshot, and OPA itself when installed);
// refused builtins fail at compile time with OPA's error and Gavel's reason; a capabilities
// file narrows the set as OPA's --capabilities does.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { opaRequirement } from "../../test/opa.ts";
import { formatError } from "../rego/index.ts";
import { allBuiltins, knownBuiltin, lookupBuiltin, refusalText } from "./builtins.ts";
import {
	basicTypes,
	type Capabilities,
	parseCapabilities,
	stripCapabilities,
} from "./capabilities.ts";
import { checkModules, compile } from "./index.ts";
import { compileSource, parse } from "./test-helpers.ts";

const SNAPSHOT_FILE = new URL("./opa-capabilities.json", import.meta.url);
const snapshot = parseCapabilities(readFileSync(SNAPSHOT_FILE, "utf8"), "opa-capabilities.json");

function catalogueDiffs(caps: Capabilities): string[] {
	const ours = new Map(allBuiltins().map((b) => [b.name, b]));
	const diffs: string[] = [];
	for (const c of caps.builtins) {
		const b = ours.get(c.name);
		if (!b) {
			diffs.push(`${c.name}: missing from the catalogue`);
			continue;
		}
		ours.delete(c.name);
		if (Boolean(c.deprecated) !== Boolean(b.deprecated)) diffs.push(`${c.name}: deprecated`);
		if (Boolean(c.nondeterministic) !== Boolean(b.nondeterministic)) {
			diffs.push(`${c.name}: nondeterministic`);
		}
		if ((c.infix ?? "") !== (b.operator && b.operator !== "in" ? b.operator : (c.infix ?? ""))) {
			diffs.push(`${c.name}: infix ${c.infix} vs ${b.operator}`);
		}
		if (c.decl.variadic) {
			if (!b.variadic) diffs.push(`${c.name}: variadic`);
			continue;
		}
		const args = c.decl.args ?? [];
		// A relation (walk) lists its output as the result; the catalogue does too.
		if (args.length !== b.args.length) {
			diffs.push(`${c.name}: arity ${b.args.length}, OPA ${args.length}`);
			continue;
		}
		args.forEach((a, i) => {
			if (basicTypes(a) !== b.args[i]) {
				diffs.push(`${c.name}: argument ${i + 1} ${b.args[i]}, OPA ${basicTypes(a)}`);
			}
		});
		// OPA declares no result for a few internal builtins (internal.print).
		if (c.decl.result && basicTypes(c.decl.result) !== b.result) {
			diffs.push(`${c.name}: result ${b.result}, OPA ${basicTypes(c.decl.result)}`);
		}
	}
	for (const name of ours.keys()) diffs.push(`${name}: not an OPA builtin`);
	return diffs;
}

describe("the catalogue is OPA 1.22.3's set of builtins", () => {
	it("matches the committed capabilities snapshot: names, arities, types, flags", () => {
		expect(snapshot.builtins.length).toBeGreaterThan(200);
		expect(catalogueDiffs(snapshot)).toEqual([]);
	});

	it("says how each builtin is provided, and why when it is refused", () => {
		for (const b of allBuiltins()) {
			expect(["native", "host", "sdk", "compiler", "refused"]).toContain(b.impl);
			if (b.impl === "refused") {
				expect(b.note, b.name).toBeTruthy();
				expect(lookupBuiltin(b.name, 0)).toBeUndefined();
				expect(knownBuiltin(b.name, 0)).toBe(b);
				expect(refusalText(b.name)).toBe(`Gavel does not provide ${b.name}: ${b.note}`);
			} else {
				expect(refusalText(b.name)).toBeUndefined();
			}
		}
	});

	const { opa, missing } = opaRequirement("catalogue vs opa capabilities");
	it.skipIf(missing === "skip")("the snapshot is what OPA 1.22.3 reports", () => {
		if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
		const live = parseCapabilities(
			execFileSync(opa, ["capabilities", "--current"], { encoding: "utf8" }),
			"opa capabilities --current",
		);
		expect(stripCapabilities(live)).toEqual(snapshot);
		expect(catalogueDiffs(live)).toEqual([]);
	});
});

describe("refused builtins fail at compile time", () => {
	it("a call planned without a mock is OPA's undefined function plus Gavel's reason", () => {
		const r = compileSource(["package t\n\np := http.send({})\n"], { entrypoints: ["t/p"] });
		expect(r.errors).toEqual([
			"policy.rego:3:6: rego_type_error: undefined function http.send\n\tGavel does not provide http.send: reaches the network during a decision",
		]);
	});

	it("every refused builtin is refused, whatever its arguments", () => {
		for (const b of allBuiltins().filter((x) => x.impl === "refused")) {
			const args = b.args.map(() => "input.x").join(", ");
			const src = `package t\n\np := ${b.name}(${args})\n`;
			const r = compileSource([src], { entrypoints: ["t/p"] });
			expect(r.errors[0], b.name).toContain(
				`undefined function ${b.name}\n\tGavel does not provide`,
			);
		}
	});

	it("a mocked call compiles: `with http.send as f` replaces it, as in OPA's tests", () => {
		const src = `package t

mock(_) := {"body": {"ok": true}}

allow if http.send({"url": "x"}).body.ok

test_allow if allow with http.send as mock
`;
		expect(compileSource([src], { entrypoints: ["t/test_allow"] }).errors).toEqual([]);
		// The rule itself, planned unmocked, is refused.
		expect(compileSource([src], { entrypoints: ["t/allow"] }).errors[0]).toContain(
			"undefined function http.send",
		);
	});
});

describe("a capabilities file narrows the builtins, as opa build --capabilities", () => {
	const caps = new Set(["count", "eq", "assign", "equal"]);
	const src = 'package t\n\np if count([1]) == 1\n\nq := sum([1])\n\nr := upper("a")\n';

	it("compile: every call outside the file is an undefined function (OPA's words)", () => {
		const r = compile({ modules: [parse(src)], entrypoints: ["t/p"], capabilities: caps });
		expect(r.errors.map(formatError)).toEqual([
			"policy.rego:5:6: rego_type_error: undefined function sum",
			"policy.rego:7:6: rego_type_error: undefined function upper",
		]);
	});

	it("check: the same errors; without the file the policy is fine", () => {
		expect(checkModules([parse(src)], caps).map(formatError)).toHaveLength(2);
		expect(checkModules([parse(src)])).toEqual([]);
	});
});
