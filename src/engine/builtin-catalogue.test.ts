// Walks the compiler's builtin catalogue: each builtin is provided where the catalogue says
// (the Wasm runtime, Gavel's host builtins, the SDK's own table) or refused at compile time,
// and none compiles and then fails for want of an implementation. Each one is compiled into a
// call, loaded by the official SDK with Gavel's host builtins and evaluated: it may answer or
// raise a builtin error for the sample arguments, never "not implemented".

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { allBuiltins, type BuiltinInfo, type BuiltinType } from "../compiler/builtins.ts";
import { compile } from "../compiler/index.ts";
import { formatError, parseModule } from "../rego/index.ts";
import { emitWasm, NATIVE_BUILTINS } from "../wasm/index.ts";
import { createHostBuiltins } from "./host-builtins.ts";

// The SDK answers these itself, before customBuiltins (node_modules/@open-policy-agent/opa-wasm).
const SDK_TABLE = new Set([
	"json.is_valid",
	"sprintf",
	"regex.split",
	"yaml.is_valid",
	"yaml.marshal",
	"yaml.unmarshal",
]);

const host = createHostBuiltins({ strictErrors: true });

/** A sample value of the first basic type a catalogue type admits, as JSON input. */
function sample(t: BuiltinType): unknown {
	const first = t.split("|")[0];
	switch (first) {
		case "null":
			return null;
		case "boolean":
			return true;
		case "number":
			return 1;
		case "array":
		case "set":
			return ["a"];
		case "object":
			return { a: "a" };
		default:
			return "a";
	}
}

/** The argument as Rego: read from input (so nothing is folded at compile time). */
function argText(t: BuiltinType, i: number): string {
	return t.split("|")[0] === "set" ? `{v | v := input.a${i}[_]}` : `input.a${i}`;
}

function callSource(b: BuiltinInfo): string {
	const args = b.args.map(argText).join(", ");
	if (b.relation) return `package t\n\np := [x | ${b.name}(${args}, x)]\n`;
	if (b.variadic) return `package t\n\np := ${b.name}(input.a0)\n`;
	return `package t\n\np := ${b.name}(${args})\n`;
}

async function evaluateCall(b: BuiltinInfo): Promise<{ result?: unknown; error?: string }> {
	const src = callSource(b);
	const { module, errors } = parseModule(src, "walk.rego", { regoVersion: b.deprecated ? 0 : 1 });
	if (!module) return { error: `parse: ${errors.map(formatError).join("; ")}` };
	const r = compile({ modules: [module], entrypoints: ["t/p"] });
	if (!r.policy) return { error: `compile: ${r.errors.map(formatError).join("; ")}` };
	const policy = await loadPolicy(emitWasm(r.policy), undefined, host.builtins);
	const input = Object.fromEntries(b.args.map((t, i) => [`a${i}`, sample(t)]));
	if (b.variadic) input.a0 = "a";
	host.beginEvaluation();
	try {
		return { result: policy.evaluate(input) };
	} catch (e) {
		return { error: `eval: ${(e as Error).message ?? JSON.stringify(e)}` };
	}
}

const builtins = allBuiltins();
// Operators are spelled as operators; `=`/`:=` are not calls at all.
const callable = builtins.filter((b) => b.impl !== "refused" && !["eq", "assign"].includes(b.name));

describe("every builtin of the catalogue is provided where it says, or refused", () => {
	it("native builtins are in the runtime; host ones are Gavel's; sdk ones the SDK's", () => {
		const wrong: string[] = [];
		for (const b of builtins) {
			const native = NATIVE_BUILTINS.has(b.name);
			const inHost = b.name in host.raw;
			// Compiled away: a call never reaches the module (checked below: it answers).
			const compiled = b.impl === "compiler" && !native && !inHost;
			const where = native
				? "native"
				: inHost
					? "host"
					: SDK_TABLE.has(b.name)
						? "sdk"
						: compiled
							? "compiler"
							: "refused";
			if (where !== b.impl) wrong.push(`${b.name}: catalogue ${b.impl}, provided ${where}`);
		}
		expect(wrong).toEqual([]);
	});

	it("has a provider or a reason for every one", () => {
		const counts = { native: 0, host: 0, sdk: 0, compiler: 0, refused: 0 };
		for (const b of builtins) counts[b.impl]++;
		const total = counts.native + counts.host + counts.sdk + counts.compiler + counts.refused;
		expect(total).toBe(builtins.length);
		expect(counts.native).toBeGreaterThan(100);
	});

	it.each(callable.map((b) => [b.name, b] as const))(
		"%s compiles, loads and answers or fails as a builtin",
		async (_name, b) => {
			const out = await evaluateCall(b);
			if (out.error !== undefined) {
				expect(out.error).not.toMatch(/^(parse|compile):/);
				expect(out.error).not.toMatch(/not implemented|is not a function|undefined function/);
			} else {
				expect(Array.isArray(out.result)).toBe(true);
			}
		},
	);

	it.each(builtins.filter((b) => b.impl === "refused").map((b) => [b.name, b] as const))(
		"%s is refused at compile time with the reason",
		async (_name, b) => {
			const out = await evaluateCall(b);
			expect(out.error).toContain(
				`undefined function ${b.name}\n\tGavel does not provide ${b.name}: ${b.note}`,
			);
		},
	);
});
