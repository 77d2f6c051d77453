// Property tests: any JSON document survives the module (parse → value → dump), and sets
// order values exactly as Rego's total order does.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Stmt } from "../compiler/ir.ts";
import {
	block,
	INPUT,
	L,
	type Loaded,
	load,
	plan,
	policy,
	resultRow,
	str,
} from "./test-helpers.ts";

let echo: Loaded;
let sorter: Loaded;

beforeAll(async () => {
	echo = await load(
		policy({
			consts: [str("result")],
			plans: [
				plan(
					"t/echo",
					4,
					block({ op: "assign", target: 2, source: L(INPUT) }, ...resultRow(0, 2, 3)),
				),
			],
		}),
	);
	const toSet: Stmt[] = [
		{ op: "makeSet", target: 2 },
		{
			op: "scan",
			source: L(INPUT),
			key: 3,
			value: 4,
			block: block({ op: "setAdd", set: 2, value: L(4) }),
		},
	];
	sorter = await load(
		policy({
			consts: [str("result")],
			plans: [plan("t/sort", 8, block(...toSet, ...resultRow(0, 2, 7)))],
		}),
	);
});

/** JSON values without -0 (JSON.stringify writes it as 0 anyway). */
const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)));

const rank = (v: unknown): number =>
	v === null
		? 0
		: typeof v === "boolean"
			? 1
			: typeof v === "number"
				? 2
				: typeof v === "string"
					? 3
					: Array.isArray(v)
						? 4
						: 5;

const utf8 = new TextEncoder();

/** Rego's order on JSON values (objects compare by sorted keys, then values). */
function regoCompare(a: unknown, b: unknown): number {
	const ra = rank(a);
	const rb = rank(b);
	if (ra !== rb) return ra - rb;
	if (a === null) return 0;
	if (typeof a === "boolean") return Number(a) - Number(b);
	if (typeof a === "number") return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
	if (typeof a === "string") {
		const x = utf8.encode(a);
		const y = utf8.encode(b as string);
		for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
		return x.length - y.length;
	}
	if (Array.isArray(a)) {
		const bb = b as unknown[];
		for (let i = 0; i < Math.min(a.length, bb.length); i++) {
			const c = regoCompare(a[i], bb[i]);
			if (c !== 0) return c;
		}
		return a.length - bb.length;
	}
	const ao = a as Record<string, unknown>;
	const bo = b as Record<string, unknown>;
	const ka = Object.keys(ao).sort(regoCompare);
	const kb = Object.keys(bo).sort(regoCompare);
	for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
		const c = regoCompare(ka[i], kb[i]) || regoCompare(ao[ka[i]], bo[kb[i]]);
		if (c !== 0) return c;
	}
	return ka.length - kb.length;
}

describe("properties", () => {
	it("JSON documents round-trip through the module", () => {
		fc.assert(
			fc.property(json, (v) => {
				// Wrapped in an object: the SDK sends no input for falsy values.
				expect(echo.evaluate({ v })).toEqual([{ result: { v } }]);
			}),
			{ numRuns: 300 },
		);
	});

	it("sets are sorted by Rego's total order and hold no duplicates", () => {
		fc.assert(
			fc.property(fc.array(json, { maxLength: 12 }), (xs) => {
				const want: unknown[] = [];
				for (const x of [...xs].sort(regoCompare)) {
					if (want.length === 0 || regoCompare(want[want.length - 1], x) !== 0) want.push(x);
				}
				expect(sorter.evaluate(xs)).toEqual([{ result: want }]);
			}),
			{ numRuns: 300 },
		);
	});
});
