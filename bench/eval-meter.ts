// What the evaluation budget costs: the same Rego policies emitted with metering (a step
// decremented on every scan iteration and call, the default budget set) and without it (no
// emitted steps, budget 0 = unlimited), evaluated side by side in one run through the official
// SDK, timed in CPU time. The runtime's own charges (allocator, heavy builtins) are in both: they are compiled
// into the prebuilt runtime. Goal: metered within 5 % of unmetered. Run: npx tsx bench/eval-meter.ts

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile, type Policy } from "../src/compiler/index.ts";
import { formatError, parseModule } from "../src/rego/index.ts";
import { emitWasm } from "../src/wasm/index.ts";
import { applyEvalLimits, DEFAULT_EVAL_LIMITS } from "../src/wasm/limits.ts";
import { median, PERMS_PER_ROLE, ROLES, rbacData } from "./measure.ts";

interface Case {
	name: string;
	source: string;
	entrypoint: string;
	data: object;
	input: object;
}

const data = rbacData();
const resource = `doc${(((42 * 13) % ROLES) * PERMS_PER_ROLE + 9) % 5000}`;

const CASES: Case[] = [
	{
		name: "RBAC, one rule (nested scans)",
		entrypoint: "rbac/allow",
		data,
		input: { user: "user42", action: "write", resource },
		source: `package rbac
default allow := false
allow if {
	some role in data.user_roles[input.user]
	some perm in data.roles[role].permissions
	perm.action == input.action
	perm.resource == input.resource
}
`,
	},
	{
		name: "RBAC, helper rules",
		entrypoint: "rbac/allow",
		data,
		input: { user: "user42", action: "write", resource },
		source: `package rbac
default allow := false
user_roles contains role if some role in data.user_roles[input.user]
allow if {
	some role in user_roles
	some perm in data.roles[role].permissions
	perm == {"action": input.action, "resource": input.resource}
}
`,
	},
	{
		name: "scan of 1,000 roles (every loop iteration metered)",
		entrypoint: "scan/n",
		data,
		input: { action: "read" },
		source: `package scan
n := count([r | some r, role in data.roles; role.permissions[0].action == input.action])
`,
	},
	{
		name: "function calls (2,047 calls, no loop)",
		entrypoint: "calls/v",
		data: {},
		input: { x: 1 },
		source: `package calls
f0(x) := f1(x) + f1(x + 1)
f1(x) := f2(x) + f2(x + 1)
f2(x) := f3(x) + f3(x + 1)
f3(x) := f4(x) + f4(x + 1)
f4(x) := f5(x) + f5(x + 1)
f5(x) := f6(x) + f6(x + 1)
f6(x) := f7(x) + f7(x + 1)
f7(x) := f8(x) + f8(x + 1)
f8(x) := f9(x) + f9(x + 1)
f9(x) := f10(x) + f10(x + 1)
f10(x) := x
v := f0(input.x)
`,
	},
];

const ROUNDS = 41;

/** This process's CPU time in µs: less disturbed than wall time by other processes' load. */
function cpuMicros(): number {
	const u = process.cpuUsage();
	return u.user + u.system;
}

/**
 * Median CPU µs per call of each function over alternating rounds, and the median of the
 * per-round ratios (paired rounds cancel out drift during the run).
 */
function pairedCpu(a: () => void, b: () => void, rounds: number, perRound: number) {
	const ta: number[] = [];
	const tb: number[] = [];
	const ratios: number[] = [];
	const time = (f: () => void) => {
		const t = cpuMicros();
		for (let i = 0; i < perRound; i++) f();
		return (cpuMicros() - t) / perRound;
	};
	for (let r = 0; r < rounds; r++) {
		const first = r % 2 === 0;
		const x = first ? time(a) : 0;
		const y = time(b);
		const x2 = first ? x : time(a);
		ta.push(x2);
		tb.push(y);
		ratios.push(x2 / y);
	}
	return { a: median(ta), b: median(tb), ratio: median(ratios) };
}

function compileRego(source: string, entrypoint: string): Policy {
	const parsed = parseModule(source, "bench.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error(parsed.errors.map(formatError).join("\n"));
	const r = compile({ modules: [parsed.module], entrypoints: [entrypoint] });
	if (!r.policy) throw new Error(r.errors.map(formatError).join("\n"));
	return r.policy;
}

async function measure(c: Case): Promise<number> {
	const policy = compileRego(c.source, c.entrypoint);
	const metered: LoadedPolicy = await loadPolicy(emitWasm(policy, { meter: true }));
	const plain: LoadedPolicy = await loadPolicy(emitWasm(policy, { meter: false }));
	applyEvalLimits(metered.wasmInstance, DEFAULT_EVAL_LIMITS);
	applyEvalLimits(plain.wasmInstance, { steps: 0, memoryBytes: 0 });
	metered.setData(c.data);
	plain.setData(c.data);
	const a = JSON.stringify(metered.evaluate(c.input, c.entrypoint));
	const b = JSON.stringify(plain.evaluate(c.input, c.entrypoint));
	if (a !== b) throw new Error(`${c.name}: metered ${a} but unmetered ${b}`);
	// Warm both up so the JIT has tiered them, and size a round to ~30 ms: short rounds on a
	// shared machine are mostly scheduling noise.
	let per = 1;
	for (;;) {
		const t = performance.now();
		for (let i = 0; i < per; i++) {
			metered.evaluate(c.input, c.entrypoint);
			plain.evaluate(c.input, c.entrypoint);
		}
		if (performance.now() - t >= 60) break;
		per *= 2;
	}
	const r = pairedCpu(
		() => metered.evaluate(c.input, c.entrypoint),
		() => plain.evaluate(c.input, c.entrypoint),
		ROUNDS,
		per,
	);
	const pct = (r.ratio - 1) * 100;
	console.log(
		`metering: ${c.name}: metered ${r.a.toFixed(2)} µs, unmetered ${r.b.toFixed(2)} µs, ` +
			`${pct >= 0 ? "+" : ""}${pct.toFixed(1)} % (median of ${ROUNDS} paired rounds)`,
	);
	return pct;
}

async function main() {
	const costs: number[] = [];
	for (const c of CASES) costs.push(await measure(c));
	const worst = Math.max(...costs);
	console.log(
		`metering: worst case ${worst >= 0 ? "+" : ""}${worst.toFixed(1)} % (goal: at most +5 %)`,
	);
}

await main();
