// evaluateJson must answer exactly as the SDK's own evaluate does on the same instance: same
// result sets, same errors, for inputs small and large (memory grown mid-way), absent, falsy
// and non-ASCII, alternating with the SDK's evaluate so either sees the other's leftovers.
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/index.ts";
import { parseModule } from "../rego/index.ts";
import { emitWasm } from "../wasm/index.ts";
import { createHostBuiltins } from "./host-builtins.ts";
import { directEvaluation, evaluateJson, type SdkInstance } from "./sdk-eval.ts";

const POLICY = `package t

default allow := false

allow if input.user == "alice"

echo := input

keys := {k | some k, _ in input}

size := count(input.items) if input.items

loud := upper(input.name) if input.name

conflict := 1 if input.clash
conflict := 2 if input.clash

shout := concat("", [input.user, "!"]) if input.user
`;

async function load() {
	const { module, errors } = parseModule(POLICY, "t.rego");
	expect(errors).toEqual([]);
	const entrypoints = ["t/allow", "t/echo", "t/keys", "t/size", "t/loud", "t/conflict", "t/shout"];
	const { policy, errors: compileErrors } = compile({
		modules: module ? [module] : [],
		entrypoints,
	});
	if (!policy) throw new Error(`compile failed: ${JSON.stringify(compileErrors)}`);
	if (!policy) throw new Error("compile failed");
	const sdk = (await loadPolicy(
		emitWasm(policy),
		undefined,
		createHostBuiltins().builtins,
	)) as unknown as SdkInstance & {
		entrypoints: Record<string, number>;
		setData(d: unknown): void;
	};
	sdk.setData({ d: [1, 2, 3] });
	return sdk;
}

function outcome(f: () => unknown): unknown {
	try {
		return { ok: f() };
	} catch (e) {
		return { error: e instanceof Error ? e.message : String(e) };
	}
}

const INPUTS: unknown[] = [
	{ user: "alice" },
	{ user: "bob", items: [1, 2, 3] },
	undefined,
	null,
	false,
	0,
	"",
	{ name: "é€😀 \u2028 <>&" },
	{ items: Array.from({ length: 5000 }, (_, i) => ({ i, s: "x".repeat(i % 50) })) },
	{ user: "alice", name: "ß" },
	{ clash: true },
	[1, 2, 3],
	"a string input",
	{ name: "y".repeat(3_000_000) },
	{ user: "alice" },
];

describe("evaluateJson on an SDK instance", () => {
	it("is used for modules of ABI 1.2 and later (Gavel's are)", async () => {
		const sdk = await load();
		expect(sdk.minorVersion).toBeGreaterThanOrEqual(2);
		expect(directEvaluation(sdk)).toBe(true);
		expect(directEvaluation({ ...sdk, minorVersion: 1 } as SdkInstance)).toBe(false);
	});

	it("answers as the SDK's evaluate, result for result and error for error", async () => {
		const sdk = await load();
		let compared = 0;
		for (let round = 0; round < 2; round++) {
			for (const input of INPUTS) {
				for (const [name, id] of Object.entries(sdk.entrypoints)) {
					const json = input ? JSON.stringify(input) : undefined;
					const ours = outcome(() => evaluateJson(sdk, id, json));
					const theirs = outcome(() => sdk.evaluate(input, id));
					expect(ours, `${name} on ${String(json).slice(0, 60)}`).toEqual(theirs);
					compared++;
				}
			}
		}
		expect(compared).toBe(2 * INPUTS.length * 7);
	});

	it("keeps instances apart and hands out a fresh result set each time", async () => {
		// The input window and the recognised result sets are kept between calls: two
		// instances in turn must each read their own memory, and a caller that changes a result
		// must not change the next one.
		const [a, b] = [await load(), await load()];
		const allow = a.entrypoints["t/allow"];
		for (let i = 0; i < 4; i++) {
			const who = i % 2 === 0 ? "alice" : "bob";
			const rs = evaluateJson(a, allow, JSON.stringify({ user: who }));
			expect(rs).toEqual([{ result: who === "alice" }]);
			(rs[0] as { result: unknown }).result = "changed";
			rs.push({ result: 0 });
			expect(evaluateJson(b, allow, JSON.stringify({ user: who }))).toEqual([
				{ result: who === "alice" },
			]);
			expect(evaluateJson(b, b.entrypoints["t/size"], '{"user":"x"}')).toEqual([]);
		}
	});

	it("grows the module's memory for an input larger than it, then keeps answering", async () => {
		const sdk = await load();
		const before = sdk.mem.buffer.byteLength;
		const big = JSON.stringify({ name: "z".repeat(2 * before) });
		const [r] = evaluateJson(sdk, sdk.entrypoints["t/loud"], big);
		expect(r.result).toBe("Z".repeat(2 * before));
		expect(sdk.mem.buffer.byteLength).toBeGreaterThan(before);
		expect(evaluateJson(sdk, sdk.entrypoints["t/allow"], '{"user":"alice"}')).toEqual([
			{ result: true },
		]);
	});
});
