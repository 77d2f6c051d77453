// Test harness for native builtins: many calls compiled into one module (one plan per call),
// arguments passed through input. An argument `{ $set: [...] }` stands for a set of those
// (JSON) elements.

import type { Const, Stmt } from "../compiler/ir.ts";
import { block, C, INPUT, L, load, plan, policy, resultRow } from "./test-helpers.ts";

export type Case = [name: string, args: unknown[], want: unknown];

function isSetMarker(x: unknown): x is { $set: unknown[] } {
	return typeof x === "object" && x !== null && !Array.isArray(x) && "$set" in x;
}

export async function runCases(
	cases: Case[],
	opts: { strict?: boolean } = {},
): Promise<{ got: unknown; error?: string }[]> {
	const consts: Const[] = [{ type: "string", value: "result" }];
	const constIndex = new Map<string, number>();
	const str = (s: string): number => {
		let i = constIndex.get(s);
		if (i === undefined) {
			consts.push({ type: "string", value: s });
			i = consts.length - 1;
			constIndex.set(s, i);
		}
		return i;
	};
	const plans = cases.map(([name, args], i) => {
		let n = 3;
		const stmts: Stmt[] = [];
		const argLocals = args.map((a, j) => {
			const local = n++;
			stmts.push({ op: "dot", source: L(INPUT), key: C(str(String(j))), target: local });
			if (!isSetMarker(a)) return local;
			const arr = n++;
			const set = n++;
			stmts.push(
				{ op: "dot", source: L(local), key: C(str("$set")), target: arr },
				{ op: "makeSet", target: set },
				{
					op: "scan",
					source: L(arr),
					key: n++,
					value: n,
					block: block({ op: "setAdd", set, value: L(n++) }),
				},
			);
			return set;
		});
		stmts.push({
			op: "call",
			func: name,
			args: argLocals.map((l) => L(l)),
			target: 2,
			loc: { file: "t.rego", row: 1, col: 1 },
		});
		const row = n++;
		return plan(`case/${i}`, n, block(...stmts, ...resultRow(0, 2, row)));
	});
	const refs = new Map(cases.map(([name, args]) => [name, { name, arity: args.length }]));
	const loaded = await load(
		policy({ consts, plans, builtins: [...refs.values()], strictBuiltinErrors: opts.strict }),
	);
	return cases.map(([, args], i) => {
		// Arguments travel as {"0": …, "1": …} so that null and false survive the SDK.
		const input = Object.fromEntries(args.map((a, j) => [String(j), a]));
		try {
			const rs = loaded.evaluate(input, i) as { result: unknown }[];
			return { got: rs.length === 0 ? undefined : rs[0].result };
		} catch (e) {
			return { got: undefined, error: String(e) };
		}
	});
}
