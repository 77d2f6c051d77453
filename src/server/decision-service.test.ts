import { describe, expect, it } from "vitest";
import { interpret } from "./decision-service.ts";

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
