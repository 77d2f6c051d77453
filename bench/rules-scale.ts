// Evaluation cost against rule count, through the official SDK: issue 12's policy of N rules
// `allow if { input.method == "GET"; input.path == "/api/vN/items"; input.role == "rK" }` at
// 10, 100, 1,000, 10,000 and 50,000 rules, evaluated side by side in one run (rounds rotate
// over the sizes so load that drifts hits them alike); median µs per evaluation and the ratio to
// the 10-rule policy. Inputs cycle over a matching request (the last rule), a request whose
// path matches but role does not, and one that matches no rule.
// Then other indexed shapes at 10 and 10,000 rules: a partial set keyed on input.kind, a function
// keyed on its argument, complete rules with different integer values keyed on input.code.
// Then the same for a policy with 1 MB of literal data (`users := {…}`, 10,000 users), beside a
// 10-rule policy: per-evaluation cost and the time to load the module (instantiate).
// Run: npm run bench:scale [-- --sizes 10,100,1000] [--rounds 15] [--literal-only]

import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile } from "../src/compiler/index.ts";
import { parseModule } from "../src/rego/index.ts";
import { emitWasm } from "../src/wasm/index.ts";
import { literalSource, ruleSetSource } from "../test/scale/rule-sets.ts";
import { median } from "./measure.ts";

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : undefined;
};
const literalOnly = process.argv.includes("--literal-only");
const sizes = (arg("sizes") ?? (literalOnly ? "10" : "10,100,1000,10000,50000"))
	.split(",")
	.map(Number);
const rounds = Number(arg("rounds") ?? 15);
const perRound = Number(arg("per-round") ?? 2000);

interface Entry {
	n: number;
	label?: string;
	loadMs?: number;
	buildMs: number;
	wasmBytes: number;
	evaluate: () => void;
	times: number[];
}

async function prepare(n: number): Promise<Entry> {
	const t0 = performance.now();
	const parsed = parseModule(ruleSetSource(n), "rules.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error("parse failed");
	const r = compile({ modules: [parsed.module], entrypoints: ["rules/allow"] });
	if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("\n"));
	const wasm = emitWasm(r.policy);
	const buildMs = performance.now() - t0;
	const policy = await loadPolicy(wasm);
	const last = n - 1;
	const inputs = [
		{ method: "GET", path: `/api/v${last}/items`, role: `r${last % 7}` },
		{ method: "GET", path: `/api/v${last}/items`, role: `r${(last + 1) % 7}` },
		{ method: "GET", path: "/api/none", role: "r0" },
	];
	const want = [true, false, false];
	inputs.forEach((input, i) => {
		const got = (policy.evaluate(input, "rules/allow") as { result: boolean }[])[0]?.result;
		if (got !== want[i]) throw new Error(`${n} rules: input ${i} gave ${got}, want ${want[i]}`);
	});
	let k = 0;
	const evaluate = () => {
		policy.evaluate(inputs[k], "rules/allow");
		k = (k + 1) % inputs.length;
	};
	return { n, buildMs, wasmBytes: wasm.length, evaluate, times: [] };
}

interface Shape {
	name: string;
	source: (n: number) => string;
	entrypoint: string;
	/** Inputs for n rules and the result sets they must give. */
	cases: (n: number) => [unknown, unknown[]][];
}

const SHAPES: Shape[] = [
	{
		name: "set",
		source: (n) =>
			`package s\n\n${Array.from({ length: n }, (_, i) => `kinds contains "k${i}" if { input.kind == "K${i}"; input.ns == "n${i % 5}" }`).join("\n")}\n`,
		entrypoint: "s/kinds",
		cases: (n) => [
			[{ kind: `K${n - 1}`, ns: `n${(n - 1) % 5}` }, [{ result: [`k${n - 1}`] }]],
			[{ kind: `K${n - 1}`, ns: "x" }, [{ result: [] }]],
			[{ kind: "none" }, [{ result: [] }]],
		],
	},
	{
		name: "fn",
		source: (n) =>
			`package f\n\n${Array.from({ length: n }, (_, i) => `f(x) := ${i} if x == "u${i}"`).join("\n")}\nr := f(input.user)\n`,
		entrypoint: "f/r",
		cases: (n) => [
			[{ user: `u${n - 1}` }, [{ result: n - 1 }]],
			[{ user: "none" }, []],
		],
	},
	{
		name: "int",
		source: (n) =>
			`package i\n\n${Array.from({ length: n }, (_, i) => `level := ${i} if input.code == ${i}`).join("\n")}\n`,
		entrypoint: "i/level",
		cases: (n) => [
			[{ code: n - 1 }, [{ result: n - 1 }]],
			[{ code: -1 }, []],
		],
	},
];

async function prepareShape(shape: Shape, n: number): Promise<Entry> {
	const t0 = performance.now();
	const parsed = parseModule(shape.source(n), `${shape.name}.rego`, { regoVersion: 1 });
	if (!parsed.module) throw new Error("parse failed");
	const r = compile({ modules: [parsed.module], entrypoints: [shape.entrypoint] });
	if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("\n"));
	const wasm = emitWasm(r.policy);
	const buildMs = performance.now() - t0;
	const policy = await loadPolicy(wasm);
	const cases = shape.cases(n);
	for (const [input, want] of cases) {
		const got = JSON.stringify(policy.evaluate(input, shape.entrypoint));
		if (got !== JSON.stringify(want)) throw new Error(`${shape.name} ${n}: ${got}`);
	}
	let k = 0;
	const evaluate = () => {
		policy.evaluate(cases[k][0], shape.entrypoint);
		k = (k + 1) % cases.length;
	};
	const label = `${shape.name} ${n >= 1000 ? `${n / 1000}k` : n}`;
	return { n, label, buildMs, wasmBytes: wasm.length, evaluate, times: [] };
}

async function prepareLiteral(): Promise<Entry> {
	const { source, count } = literalSource();
	const t0 = performance.now();
	const parsed = parseModule(source, "big.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error("parse failed");
	const r = compile({ modules: [parsed.module], entrypoints: ["big/allow"] });
	if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("\n"));
	const wasm = emitWasm(r.policy);
	const buildMs = performance.now() - t0;
	const t1 = performance.now();
	const policy = await loadPolicy(wasm);
	const loadMs = performance.now() - t1;
	const inputs = [{ user: "user100" }, { user: "user101" }, { user: `user${count}` }];
	const want = [[{ result: true }], [], []];
	inputs.forEach((input, i) => {
		const got = JSON.stringify(policy.evaluate(input, "big/allow"));
		if (got !== JSON.stringify(want[i])) throw new Error(`1 MB literal: input ${i} gave ${got}`);
	});
	let k = 0;
	const evaluate = () => {
		policy.evaluate(inputs[k], "big/allow");
		k = (k + 1) % inputs.length;
	};
	return { n: 0, label: "1MB lit", loadMs, buildMs, wasmBytes: wasm.length, evaluate, times: [] };
}

const { execSync } = await import("node:child_process");
const uptime = () => execSync("uptime").toString().trim();
console.log(`load before: ${uptime()}`);
const entries: Entry[] = [];
for (const n of sizes) entries.push(await prepare(n));
const shapes: Entry[] = [];
if (!literalOnly) {
	for (const shape of SHAPES)
		for (const n of [10, 10_000]) shapes.push(await prepareShape(shape, n));
}
const literal = await prepareLiteral();
const run = (list: Entry[], per: (e: Entry) => number) => {
	for (const e of list) for (let i = 0; i < per(e); i++) e.evaluate();
	for (let r = 0; r < rounds; r++) {
		const order = list.map((_, i) => list[(i + r) % list.length]);
		for (const e of order) {
			const n = per(e);
			const t = performance.now();
			for (let i = 0; i < n; i++) e.evaluate();
			e.times.push(((performance.now() - t) * 1000) / n);
		}
	}
};
run(entries, () => perRound);
run(shapes, () => perRound);
// The literal's rounds are shorter when each evaluation rebuilds it (milliseconds apiece).
const t = performance.now();
literal.evaluate();
const literalPer = performance.now() - t > 1 ? 20 : perRound;
run([literal], () => literalPer);
const base = entries.find((e) => e.n === 10) ?? entries[0];
const baseUs = median(base.times);
console.log("rules        build ms   wasm KB   µs/eval   × 10 rules");
for (const e of [...entries, ...shapes, literal]) {
	const us = median(e.times);
	// Shapes compare with their own 10-rule policy.
	const ten =
		e.label && shapes.includes(e)
			? shapes.find((x) => x.label === `${e.label?.split(" ")[0]} 10`)
			: base;
	const tenUs = ten ? median(ten.times) : baseUs;
	console.log(
		`${(e.label ?? String(e.n)).padStart(9)}  ${e.buildMs.toFixed(0).padStart(9)}  ${(e.wasmBytes / 1024).toFixed(0).padStart(8)}  ${us.toFixed(2).padStart(8)}  ${(us / tenUs).toFixed(2).padStart(11)}`,
	);
}
console.log(`1 MB literal: module load (instantiate) ${literal.loadMs?.toFixed(1)} ms`);
console.log(`load after: ${uptime()}`);
