// Differential part "programs": seeded random Rego v1 programs (program-gen.ts), each answered
// by OPA's server (opa-server.ts: PUT the module, POST /v1/data/t, DELETE) and by Gavel (parse,
// compile with entrypoint t, emit Wasm, evaluate with the official SDK and Gavel's host
// builtins). They agree on the same value of data.t, both undefined, or errors with the same
// codes. A disagreement is shrunk by fast-check and reported with the small program.
//
// Run alone: npx tsx test/differential/programs.ts [--programs N] [--seed S] [--json FILE]

import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { evaluateWasm, QueryEvalError } from "../../src/cli/query.ts";
import { compile } from "../../src/compiler/index.ts";
import { formatError, parseModule } from "../../src/rego/index.ts";
import { projection } from "../input-projection.ts";
import type { OpaError } from "./opa-cli.ts";
import { type OpaAnswer, OpaServer } from "./opa-server.ts";
import type { Disagreement, Part, PartOptions, PartResult } from "./part.ts";
import { type Program, programArb } from "./program-gen.ts";

export const DEFAULT_PROGRAMS = 2000;
export const DEFAULT_SEED = 20261202;
/**
 * Shrinking costs hundreds of evaluations: only the first disagreement of each kind, at most
 * this many, each within SHRINK_MS ($DIFF_SHRINK=0 turns it off).
 */
const MAX_SHRUNK = process.env.DIFF_SHRINK === "0" ? 0 : 6;
const SHRINK_MS = 20_000;

export type Answer =
	| { kind: "result"; defined: boolean; value?: unknown }
	| { kind: "error"; stage: "compile" | "eval"; codes: string[]; messages: string[] };

const codesOf = (errors: { code: string }[]) => [...new Set(errors.map((e) => e.code))].sort();

export async function gavelAnswer(p: Program, file = "prog.rego"): Promise<Answer> {
	const parsed = parseModule(p.source, file, { regoVersion: 1 });
	if (!parsed.module || parsed.errors.length > 0) {
		return {
			kind: "error",
			stage: "compile",
			codes: codesOf(parsed.errors),
			messages: parsed.errors.map(formatError),
		};
	}
	const { policy, errors } = compile({ modules: [parsed.module], entrypoints: ["t"] });
	if (!policy || errors.length > 0) {
		return {
			kind: "error",
			stage: "compile",
			codes: codesOf(errors),
			messages: errors.map(formatError),
		};
	}
	const { emitWasm } = await import("../../src/wasm/index.ts");
	const wasm = emitWasm(policy);
	const run = async (input: unknown): Promise<Answer> => {
		try {
			const rs = await evaluateWasm(wasm, p.data, input, { entrypoint: "t" });
			return rs.length === 0
				? { kind: "result", defined: false }
				: { kind: "result", defined: true, value: rs[0] };
		} catch (e) {
			if (e instanceof QueryEvalError)
				return { kind: "error", stage: "eval", codes: [e.code], messages: [e.message] };
			throw e;
		}
	};
	const answer = await run(p.input);
	// The server hands a module only the input it can observe: on the program's input with
	// unread keys added, that must answer as the whole does. If not, OPA disagrees with this.
	const projected = projection(wasm, p.input);
	if (projected) {
		const [whole, part] = [await run(projected.full), await run(projected.json)];
		if (!agree(whole, part)) {
			return {
				kind: "error",
				stage: "eval",
				codes: ["gavel_input_projection"],
				messages: [`input projection ${projected.text} changed the answer`],
			};
		}
	}
	return answer;
}

export function fromOpa(a: OpaAnswer): Answer {
	if (a.kind === "result") return a;
	return {
		kind: "error",
		stage: a.stage,
		codes: codesOf(a.errors),
		messages: a.errors.map(
			(e: OpaError) =>
				`${e.location ? `${e.location.row}:${e.location.col}: ` : ""}${e.code}: ${e.message}`,
		),
	};
}

/** Same value (sets come as sorted arrays from both), both undefined, or the same error codes. */
export function agree(o: Answer, g: Answer): boolean {
	if (o.kind === "result" && g.kind === "result") {
		return o.defined === g.defined && (!o.defined || isDeepStrictEqual(o.value, g.value));
	}
	if (o.kind === "error" && g.kind === "error")
		return o.stage === g.stage && isDeepStrictEqual(o.codes, g.codes);
	return false;
}

/** What kind of disagreement: shrinking keeps to the same kind. */
function signature(o: Answer, g: Answer): string {
	const side = (a: Answer) =>
		a.kind === "error" ? `${a.stage}:${a.codes.join(",")}` : a.defined ? "value" : "undefined";
	return `${side(o)} / ${side(g)}`;
}

export class ProgramOracle {
	private n = 0;
	constructor(private readonly opa: OpaServer) {}
	async ask(p: Program): Promise<{ opa: Answer; gavel: Answer }> {
		const id = `prog${this.n++}`;
		const [opa, gavel] = await Promise.all([
			this.opa.evaluate(id, p.source, p.data, p.input, ["t"]).then(fromOpa),
			gavelAnswer(p),
		]);
		return { opa, gavel };
	}
}

async function shrink(
	oracle: ProgramOracle,
	seed: number,
	index: number,
	sig: string,
): Promise<Program | undefined> {
	const out = await fc.check(
		fc.asyncProperty(programArb, async (p) => {
			const { opa, gavel } = await oracle.ask(p);
			return agree(opa, gavel) || signature(opa, gavel) !== sig;
		}),
		{
			seed,
			path: String(index),
			numRuns: 1,
			maxSkipsPerRun: 0,
			interruptAfterTimeLimit: SHRINK_MS,
		},
	);
	return out.counterexample?.[0];
}

export async function runPrograms(
	opts: Omit<PartOptions, "opa"> & { opa: string },
): Promise<PartResult> {
	const seed = opts.seed ?? DEFAULT_SEED;
	const count = opts.programs ?? DEFAULT_PROGRAMS;
	const programs = fc.sample(programArb, { seed, numRuns: count });
	const server = await OpaServer.start(opts.opa);
	const disagreements: Disagreement[] = [];
	const kinds = new Map<string, number>();
	let agreeN = 0;
	let shrunk = 0;
	const started = Date.now();
	try {
		const oracle = new ProgramOracle(server);
		for (let i = 0; i < programs.length; i++) {
			const p = programs[i];
			const { opa, gavel } = await oracle.ask(p);
			if (agree(opa, gavel)) {
				agreeN++;
				continue;
			}
			const sig = signature(opa, gavel);
			kinds.set(sig, (kinds.get(sig) ?? 0) + 1);
			let small: Program | undefined;
			if (shrunk < MAX_SHRUNK && kinds.get(sig) === 1) {
				shrunk++;
				small = await shrink(oracle, seed, i, sig);
			}
			const repro = small ?? p;
			const answers = small ? await oracle.ask(small) : { opa, gavel };
			disagreements.push({
				name: `seed ${seed} program ${i}`,
				repro: {
					module: repro.source,
					data: repro.data,
					input: repro.input,
					query: "data.t",
					shrunk: small !== undefined,
				},
				opa: answers.opa,
				gavel: answers.gavel,
			});
			if (opts.verbose) console.log(`program ${i}: ${sig}\n${repro.source}`);
		}
	} finally {
		await server.stop();
	}
	return {
		part: "programs",
		agree: agreeN,
		disagree: disagreements.length,
		skipped: 0,
		disagreements,
		extra: {
			seed,
			programs: count,
			seconds: Math.round((Date.now() - started) / 100) / 10,
			kinds: Object.fromEntries(kinds),
		},
	};
}

export const part: Part = (opts) => runPrograms(opts);

if (import.meta.url === `file://${process.argv[1]}`) {
	const { parseArgs } = await import("node:util");
	const { writeFileSync } = await import("node:fs");
	const { findOpa } = await import("../opa.ts");
	const { values } = parseArgs({
		options: {
			programs: { type: "string" },
			seed: { type: "string" },
			json: { type: "string" },
			verbose: { type: "boolean" },
		},
	});
	const opa = findOpa();
	if (!opa) {
		console.error("programs: OPA not found (npm run opa:install)");
		process.exit(process.env.CI ? 1 : 0);
	}
	const r = await runPrograms({
		opa,
		programs: values.programs ? Number(values.programs) : undefined,
		seed: values.seed ? Number(values.seed) : undefined,
		verbose: values.verbose,
	});
	console.log(
		`differential programs: ${r.agree} agree, ${r.disagree} disagree, ${r.skipped} skipped`,
	);
	console.log(JSON.stringify(r.extra));
	if (values.json) writeFileSync(values.json, `${JSON.stringify(r, null, 2)}\n`);
}
