// bench:peers in process: `opa bench` (OPA's topdown evaluator, its own timing loop, JSON
// output) against Gavel's module evaluated through the official SDK, on the same Rego, data
// and input. Rounds alternate which runs first; medians over rounds, and the ratio of OPA's
// time to Gavel's as the median of per-round ratios.

import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile } from "../src/compiler/index.ts";
import { formatError, parseModule } from "../src/rego/index.ts";
import { emitWasm } from "../src/wasm/index.ts";
import { ruleSetSource } from "../test/scale/rule-sets.ts";
import { median } from "./measure.ts";
import {
	RBAC_ROLES_REGO,
	rbacData,
	rbacRolesInput,
	USERS_REGO,
	usersData,
	usersInput,
} from "./peers-policies.ts";
import { findOpa, OPA_INSTALL_HINT, opaBenchNsPerOp } from "./peers-targets.ts";

const run = promisify(execFile);

export interface InProcessCase {
	name: string;
	rego: string;
	/** Dotted query, as OPA takes it: data.rbac.allow. */
	query: string;
	data?: unknown;
	input: unknown;
}

/** The in-process cases; `scale` shrinks them for the harness's own test. */
export function inProcessCases(scale = 1): InProcessCase[] {
	const rules = (n: number) => Math.max(10, Math.round(n * scale));
	const last = (n: number) => ({
		method: "GET",
		path: `/api/v${n - 1}/items`,
		role: `r${(n - 1) % 7}`,
	});
	const users = Math.max(10, Math.round(100_000 * scale));
	return [
		{
			name: "RBAC, 1,000 roles",
			rego: RBAC_ROLES_REGO,
			query: "data.rbac.allow",
			data: rbacData(),
			input: rbacRolesInput(),
		},
		...[1000, 10_000].map((n) => ({
			name: `${rules(n).toLocaleString("en")} rules`,
			rego: ruleSetSource(rules(n)),
			query: "data.rules.allow",
			input: last(rules(n)),
		})),
		{
			name: `${users.toLocaleString("en")}-entry data`,
			rego: USERS_REGO,
			query: "data.directory.allow",
			data: usersData(users),
			input: usersInput(users),
		},
	];
}

export interface InProcessRow {
	name: string;
	skipped?: string;
	/** Gavel through the SDK, µs per evaluate(). */
	gavelUs?: number;
	/** opa bench, µs per evaluation (T / N of its result). */
	opaUs?: number;
	/** Median of per-round ratios, OPA's time over Gavel's: above 1, Gavel is faster. */
	speedup?: number;
}

export interface InProcessOptions {
	dir: string;
	rounds: number;
	/** Milliseconds of Gavel evaluations per round (the count is calibrated to it). */
	gavelMs: number;
	cases: InProcessCase[];
}

async function gavelEvaluator(c: InProcessCase): Promise<() => unknown> {
	const parsed = parseModule(c.rego, "policy.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error(parsed.errors.map(formatError).join("\n"));
	const entrypoint = c.query.replace(/^data\./, "").replaceAll(".", "/");
	const r = compile({ modules: [parsed.module], entrypoints: [entrypoint] });
	if (!r.policy) throw new Error(r.errors.map(formatError).join("\n"));
	const policy = await loadPolicy(emitWasm(r.policy));
	if (c.data !== undefined) policy.setData(c.data as object);
	const input = c.input;
	return () => (policy.evaluate(input) as { result: unknown }[])[0]?.result;
}

export async function runPeersInProcess(
	o: InProcessOptions,
	log: (line: string) => void = () => {},
): Promise<InProcessRow[]> {
	const opa = findOpa();
	const rows: InProcessRow[] = [];
	for (const [i, c] of o.cases.entries()) {
		const dir = join(o.dir, `inproc-${i}`);
		mkdirSync(dir, { recursive: true });
		const files = ["-d", join(dir, "policy.rego")];
		writeFileSync(join(dir, "policy.rego"), c.rego);
		if (c.data !== undefined) {
			writeFileSync(join(dir, "data.json"), JSON.stringify(c.data));
			files.push("-d", join(dir, "data.json"));
		}
		writeFileSync(join(dir, "input.json"), JSON.stringify(c.input));
		files.push("-i", join(dir, "input.json"));

		const evaluate = await gavelEvaluator(c);
		if (evaluate() !== true) throw new Error(`${c.name}: Gavel answered ${evaluate()}, want true`);
		if (!opa) {
			rows.push({ name: c.name, skipped: `OPA not found; ${OPA_INSTALL_HINT}` });
			continue;
		}
		const evaluated = await run(opa, ["eval", ...files, "--format", "json", c.query]);
		const value = (
			JSON.parse(evaluated.stdout) as { result?: { expressions: { value: unknown }[] }[] }
		).result?.[0]?.expressions[0]?.value;
		if (value !== true) throw new Error(`${c.name}: opa eval answered ${value}, want true`);

		// Calibrate: enough evaluations for gavelMs, after a warm-up of as many.
		let perRound = 100;
		for (;;) {
			const t = performance.now();
			for (let k = 0; k < perRound; k++) evaluate();
			const ms = performance.now() - t;
			if (ms >= o.gavelMs / 4) {
				perRound = Math.max(1, Math.round((perRound * o.gavelMs) / ms));
				break;
			}
			perRound *= 4;
		}
		const timeGavel = () => {
			const t = performance.now();
			for (let k = 0; k < perRound; k++) evaluate();
			return ((performance.now() - t) * 1000) / perRound;
		};
		// --metrics off: its timers would add to every evaluation OPA times.
		const opaArgs = ["bench", ...files, "--format", "json", "--metrics=false", "--benchmem=false"];
		const timeOpa = async () => {
			const { stdout } = await run(opa, [...opaArgs, c.query], { maxBuffer: 1 << 20 });
			return opaBenchNsPerOp(stdout).nsPerOp / 1000;
		};
		timeGavel();
		const g: number[] = [];
		const b: number[] = [];
		const ratios: number[] = [];
		for (let r = 0; r < o.rounds; r++) {
			let x: number;
			let y: number;
			if (r % 2 === 0) {
				x = timeGavel();
				y = await timeOpa();
			} else {
				y = await timeOpa();
				x = timeGavel();
			}
			g.push(x);
			b.push(y);
			ratios.push(y / x);
		}
		rows.push({ name: c.name, gavelUs: median(g), opaUs: median(b), speedup: median(ratios) });
		log(`in-process: ${c.name} done`);
	}
	return rows;
}

export function formatInProcessRows(rows: InProcessRow[], o: InProcessOptions): string {
	const lines = [
		`In process: ${o.rounds} rounds; Gavel = its module through @open-policy-agent/opa-wasm's evaluate() (~${o.gavelMs} ms per round); OPA = opa bench (topdown, --metrics=false); medians`,
		"case                      Gavel µs/eval   opa bench µs/eval   OPA ÷ Gavel",
	];
	for (const r of rows) {
		if (r.skipped) {
			lines.push(`${r.name.padEnd(25)} skipped: ${r.skipped}`);
			continue;
		}
		lines.push(
			`${r.name.padEnd(25)} ${(r.gavelUs ?? 0).toFixed(2).padStart(13)} ${(r.opaUs ?? 0).toFixed(2).padStart(19)} ${(r.speedup ?? 0).toFixed(1).padStart(12)}×`,
		);
	}
	return lines.join("\n");
}
