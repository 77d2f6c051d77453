// The official SDK serves regex.split itself (a JavaScript RegExp split) before the host's
// builtins; compiled modules list it under an alias so Gavel's RE2 implementation answers.
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/index.ts";
import { parseModule } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import { createHostBuiltins } from "./host-builtins.ts";

async function evaluate(rego: string, input: unknown) {
	const { module, errors } = parseModule(rego, "split.rego");
	expect(errors).toEqual([]);
	const { policy } = compile({ modules: module ? [module] : [], entrypoints: ["t/p"] });
	if (!policy) throw new Error("compile failed");
	const wasm = emitWasm(policy);
	const loaded = await loadPolicy(wasm, undefined, createHostBuiltins().builtins);
	return loaded.evaluate(input);
}

describe("regex.split through the official SDK", () => {
	it("follows Go's RE2: capture groups are not spliced into the result", async () => {
		// A JavaScript split would give ["x", "b", "y", "b", "z"].
		const rs = await evaluate('package t\n\np := regex.split("a(b)", input)\n', "xabyabz");
		expect(rs).toEqual([{ result: ["x", "y", "z"] }]);
	});

	it("answers in linear time for a pattern a backtracking engine explodes on", async () => {
		const rs = await evaluate(
			'package t\n\np := regex.split("(a+)+$", input)\n',
			`${"a".repeat(50_000)}!`,
		);
		expect(rs).toEqual([{ result: [`${"a".repeat(50_000)}!`] }]);
	});
});
