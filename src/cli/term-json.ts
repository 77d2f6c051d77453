// A constant Rego term (from `parseTerm`) as the JSON value the Wasm SDK can pass as input.
// Sets become sorted arrays and non-string object keys their JSON text: the Wasm ABI takes
// input as JSON, which has neither.

import type { Term } from "../rego/ast.ts";

export class NotConstantError extends Error {
	override name = "NotConstantError";
}

function order(a: unknown, b: unknown): number {
	const x = JSON.stringify(a);
	const y = JSON.stringify(b);
	return x < y ? -1 : x > y ? 1 : 0;
}

export function termToJson(t: Term): unknown {
	switch (t.type) {
		case "null":
			return null;
		case "boolean":
			return t.value;
		case "number":
			return Number(t.text);
		case "string":
			return t.value;
		case "array":
			return t.items.map(termToJson);
		case "set": {
			const items = t.items.map(termToJson).sort(order);
			return items.filter((v, i) => i === 0 || order(items[i - 1], v) !== 0);
		}
		case "object": {
			const out: Record<string, unknown> = {};
			for (const [k, v] of t.entries) {
				const key = termToJson(k);
				out[typeof key === "string" ? key : JSON.stringify(key)] = termToJson(v);
			}
			return out;
		}
		case "call":
			// `set()` is the empty set.
			if (
				t.fn.head.type === "var" &&
				t.fn.head.name === "set" &&
				t.fn.path.length === 0 &&
				t.args.length === 0
			) {
				return [];
			}
			throw new NotConstantError("not a constant: a function call");
		default:
			throw new NotConstantError(`not a constant: a ${t.type}`);
	}
}
