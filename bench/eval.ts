// Back-end benchmark: evaluate() through the official SDK for an RBAC policy (user → roles →
// permissions, 1,000 roles in data) against the SDK's floor (an entrypoint that is just
// `true`), side by side in one run; emitWasm compile time (fast path and -O); module sizes;
// memory pages over 1,000,000 evaluations. Run: npx tsx bench/eval.ts
//
// The policy is hand-written IR (what the planner produces for the Rego below), so the
// benchmark measures the back end alone:
//
//   allow if {
//     some r in data.user_roles[input.user]
//     some p in data.roles[r].permissions
//     p.action == input.action
//     p.resource == input.resource
//   }
//   default allow := false

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import type { Policy, Stmt } from "../src/compiler/ir.ts";
import { emitOptimizedWasm, emitWasm } from "../src/wasm/index.ts";
import { median, PERMS_PER_ROLE, ROLES, rbacData, sideBySide } from "./measure.ts";

const c = {
	result: 0,
	user: 1,
	user_roles: 2,
	roles: 3,
	permissions: 4,
	action: 5,
	resource: 6,
	true: 7,
	false: 8,
};

const loc = { file: "rbac.rego", row: 1, col: 1 };

function rbacPolicy(): Policy {
	// Locals: 0 input, 1 data, 2 result, then temporaries.
	const body: Stmt[] = [
		{ op: "dot", source: { local: 0 }, key: { const: c.user }, target: 3 },
		{ op: "dot", source: { local: 1 }, key: { const: c.user_roles }, target: 4 },
		{ op: "dot", source: { local: 4 }, key: { local: 3 }, target: 5 },
		{
			op: "scan",
			source: { local: 5 },
			key: 6,
			value: 7,
			block: {
				stmts: [
					{ op: "dot", source: { local: 1 }, key: { const: c.roles }, target: 8 },
					{ op: "dot", source: { local: 8 }, key: { local: 7 }, target: 9 },
					{ op: "dot", source: { local: 9 }, key: { const: c.permissions }, target: 10 },
					{
						op: "scan",
						source: { local: 10 },
						key: 11,
						value: 12,
						block: {
							stmts: [
								{ op: "dot", source: { local: 12 }, key: { const: c.action }, target: 13 },
								{ op: "dot", source: { local: 0 }, key: { const: c.action }, target: 14 },
								{ op: "equal", a: { local: 13 }, b: { local: 14 } },
								{ op: "dot", source: { local: 12 }, key: { const: c.resource }, target: 15 },
								{ op: "dot", source: { local: 0 }, key: { const: c.resource }, target: 16 },
								{ op: "equal", a: { local: 15 }, b: { local: 16 } },
								{ op: "assignOnce", target: 2, source: { const: c.true }, loc },
							],
						},
					},
				],
			},
		},
	];
	return {
		consts: [
			{ type: "string", value: "result" },
			{ type: "string", value: "user" },
			{ type: "string", value: "user_roles" },
			{ type: "string", value: "roles" },
			{ type: "string", value: "permissions" },
			{ type: "string", value: "action" },
			{ type: "string", value: "resource" },
			{ type: "boolean", value: true },
			{ type: "boolean", value: false },
		],
		funcs: [
			{
				name: "data.rbac.allow",
				arity: 0,
				result: 2,
				locals: 17,
				memo: true,
				blocks: [
					{ stmts: body },
					{
						stmts: [
							{ op: "isUndefined", source: 2 },
							{ op: "assign", target: 2, source: { const: c.false } },
						],
					},
				],
			},
		],
		plans: [
			{
				name: "rbac/allow",
				locals: 4,
				blocks: [
					{
						stmts: [
							{
								op: "call",
								func: "data.rbac.allow",
								args: [{ local: 0 }, { local: 1 }],
								target: 2,
							},
							{ op: "makeObject", target: 3 },
							{ op: "objectInsert", object: 3, key: { const: c.result }, value: { local: 2 } },
							{ op: "resultSetAdd", value: 3 },
						],
					},
				],
			},
		],
		builtins: [],
	};
}

function truePolicy(): Policy {
	return {
		consts: [
			{ type: "string", value: "result" },
			{ type: "boolean", value: true },
		],
		funcs: [],
		plans: [
			{
				name: "floor/allow",
				locals: 4,
				blocks: [
					{
						stmts: [
							{ op: "assign", target: 2, source: { const: 1 } },
							{ op: "makeObject", target: 3 },
							{ op: "objectInsert", object: 3, key: { const: 0 }, value: { local: 2 } },
							{ op: "resultSetAdd", value: 3 },
						],
					},
				],
			},
		],
		builtins: [],
	};
}

async function timeEmit(
	p: Policy,
	optimize: boolean,
	n: number,
): Promise<{ ms: number; bytes: number }> {
	let bytes = 0;
	const times: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = performance.now();
		bytes = (optimize ? await emitOptimizedWasm(p) : emitWasm(p)).length;
		times.push(performance.now() - t);
	}
	return { ms: median(times), bytes };
}

async function main() {
	const rbac = rbacPolicy();
	const floor = truePolicy();
	const data = rbacData();

	const fast = await timeEmit(rbac, false, 15);
	const opt = await timeEmit(rbac, true, 5);
	console.log(
		`emitWasm (RBAC): fast ${fast.ms.toFixed(1)} ms, ${fast.bytes} bytes; -O ${opt.ms.toFixed(1)} ms, ${opt.bytes} bytes`,
	);

	const input = {
		user: "user42",
		action: "write",
		resource: `doc${(((42 * 13) % ROLES) * PERMS_PER_ROLE + 9) % 5000}`,
	};
	for (const optimize of [false, true]) {
		const emit = optimize ? emitOptimizedWasm : async (q: Policy) => emitWasm(q);
		const p: LoadedPolicy = await loadPolicy(await emit(rbac));
		const f: LoadedPolicy = await loadPolicy(await emit(floor));
		p.setData(data);
		f.setData(data);
		const allow = p.evaluate(input);
		const deny = p.evaluate({ ...input, action: "delete" });
		if (
			JSON.stringify(allow) !== '[{"result":true}]' ||
			JSON.stringify(deny) !== '[{"result":false}]'
		) {
			throw new Error(`unexpected results ${JSON.stringify(allow)} ${JSON.stringify(deny)}`);
		}
		for (let i = 0; i < 20000; i++) {
			p.evaluate(input);
			f.evaluate(input);
		}
		const { a, b } = sideBySide(
			() => p.evaluate(input),
			() => f.evaluate(input),
			21,
			5000,
		);
		console.log(
			`evaluate() ${optimize ? "-O  " : "fast"}: RBAC ${a.toFixed(2)} µs, floor (true) ${b.toFixed(2)} µs, ratio ${(a / b).toFixed(2)}x`,
		);
	}

	const p = await loadPolicy(emitWasm(rbac));
	p.setData(data);
	const before = p.mem.buffer.byteLength;
	const t = performance.now();
	for (let i = 0; i < 1_000_000; i++) p.evaluate(input);
	const secs = (performance.now() - t) / 1000;
	console.log(
		`1,000,000 evaluations in ${secs.toFixed(1)} s: memory ${before / 65536} pages before, ${p.mem.buffer.byteLength / 65536} after`,
	);
}

await main();
