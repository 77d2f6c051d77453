import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Decision, decisionJson, interpret } from "./decision-service.ts";

describe("interpreting a policy result", () => {
	it("a boolean or an object with a boolean allow; anything else is an error (deny)", () => {
		expect(interpret(true)).toEqual({ allow: true });
		expect(interpret(false)).toEqual({ allow: false });
		expect(interpret({ allow: true, reasons: ["admin"], obligations: { log: true } })).toEqual({
			allow: true,
			reasons: ["admin"],
			obligations: { log: true },
		});
		expect(interpret(undefined)).toHaveProperty("error");
		expect(interpret({ allow: "yes" })).toHaveProperty("error");
		expect(interpret([true])).toHaveProperty("error");
		expect(interpret(null)).toHaveProperty("error");
	});
});

describe("cache key of an input", () => {
	const request = { method: "POST", path: "/v1/decide", host: "h", headers: {} };
	it("ignores the key order the client wrote; changes with anything the policy sees", async () => {
		const { inputKey } = await import("./decision-service.ts");
		const a = inputKey(
			{ subject: { sub: "x" }, action: "read", resource: { id: 1, owner: "b" }, request },
			"tok-1",
		);
		const b = inputKey(
			{ resource: { owner: "b", id: 1 }, action: "read", subject: { sub: "x" }, request },
			"tok-1",
		);
		expect(a).toBe(b);
		expect(
			inputKey({ action: "read", resource: { id: 1, owner: "b" }, request }, "tok-2"),
		).not.toBe(a);
		expect(
			inputKey({ action: "write", resource: { id: 1, owner: "b" }, request }, "tok-1"),
		).not.toBe(a);
		expect(
			inputKey(
				{ action: "read", resource: { id: 1, owner: "b" }, request: { ...request, path: "/x" } },
				"tok-1",
			),
		).not.toBe(a);
		// Without a subject key the whole input is canonicalised.
		expect(inputKey({ b: 1, a: { d: 2, c: 3 } }, undefined)).toBe('{"a":{"c":3,"d":2},"b":1}');
	});
});

describe("decisionJson", () => {
	it("is the same text as JSON.stringify of the decision", () => {
		const base = {
			decision_id: crypto.randomUUID(),
			allow: true,
			policy: "example/allow",
			revision: "rev-1",
			cached: false,
		};
		const cases: Decision[] = [
			base,
			{ ...base, allow: false, cached: true },
			{ ...base, revision: null },
			{ ...base, policy: 'p/"quoted"\u2028' },
			{ ...base, revision: "é" },
			{ ...base, reasons: ["r"], obligations: { log: true } },
			{ ...base, allow: false, error: { code: "eval_conflict_error", message: "x" } },
			base,
		];
		for (const d of cases) expect(decisionJson(d)).toBe(JSON.stringify(d));
	});

	// The text after the id is kept for the last policy and revision: any sequence of decisions,
	// repeating or switching them, must still read as JSON.stringify does.
	it("stays the same text over any sequence of policies, revisions and outcomes", () => {
		const name = fc.constantFrom("a/allow", "b/allow", 'q/"x"', "");
		const decision = fc.record({
			decision_id: fc.uuid(),
			allow: fc.boolean(),
			policy: name,
			revision: fc.oneof(fc.constant(null), name),
			cached: fc.boolean(),
		});
		fc.assert(
			fc.property(fc.array(decision, { minLength: 1, maxLength: 12 }), (ds) => {
				for (const d of ds) expect(decisionJson(d)).toBe(JSON.stringify(d));
			}),
		);
	});
});
