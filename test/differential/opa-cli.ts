// A thin wrapper over the reference `opa` binary for the differential parts: `opa eval --format
// json`, `opa check --format json`, `opa fmt`, `opa build`, each with a time limit. Every call
// returns what OPA said (never throws for OPA's own errors), so a part can compare answers.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface OpaRun {
	code: number;
	stdout: string;
	stderr: string;
	/** The time limit was hit (OPA was killed). */
	timedOut: boolean;
}

function opaEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
	if (process.env.HOME) env.HOME = process.env.HOME;
	if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
	return env;
}

/** Runs `opa ARGS…` in `cwd`; resolves with its exit code and output whatever happened. */
export function runOpa(
	opa: string,
	args: string[],
	opts: { cwd?: string; timeoutMs?: number; stdin?: string } = {},
): Promise<OpaRun> {
	return new Promise((done) => {
		const child = execFile(
			opa,
			args,
			{
				cwd: opts.cwd,
				timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
				maxBuffer: 64 * 1024 * 1024,
				encoding: "utf8",
				// OPA's opa.runtime() shows its environment: give it nothing worth showing.
				env: opaEnv(),
			},
			(err, stdout, stderr) => {
				const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
				const code = e ? (typeof e.code === "number" ? e.code : -1) : 0;
				done({ code, stdout, stderr, timedOut: e?.killed === true });
			},
		);
		if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
	});
}

/** One error as OPA's JSON output gives it. */
export interface OpaError {
	code: string;
	message: string;
	location?: { file: string; row: number; col: number };
}

export type EvalAnswer =
	| { kind: "result"; bindings: Record<string, unknown>[] }
	| { kind: "error"; errors: OpaError[] }
	/** OPA did not answer (crash, timeout, output that is not JSON). */
	| { kind: "broken"; why: string };

export interface EvalRequest {
	/** Module sources, written as test-0.rego, test-1.rego, … (or the given names). */
	modules: string[] | Record<string, string>;
	query: string;
	data?: unknown;
	/** JSON input (omit for none). */
	input?: unknown;
	hasInput?: boolean;
	strictBuiltinErrors?: boolean;
	v0Compatible?: boolean;
	timeoutMs?: number;
}

function writeModules(dir: string, modules: EvalRequest["modules"]): string[] {
	const named = Array.isArray(modules)
		? modules.map((m, i) => [`test-${i}.rego`, m] as const)
		: Object.entries(modules);
	for (const [name, text] of named) writeFileSync(join(dir, name), text);
	return named.map(([name]) => name);
}

/** The arguments and files of one `opa eval` in `dir`. */
function evalArgs(dir: string, req: EvalRequest): string[] {
	const args = ["eval", "--format", "json"];
	for (const name of writeModules(dir, req.modules)) args.push("-d", name);
	if (req.data !== undefined && req.data !== null) {
		// data.json at the root of a -d path: OPA loads it as the base document.
		writeFileSync(join(dir, "data.json"), JSON.stringify(req.data));
		args.push("-d", "data.json");
	}
	if (req.input !== undefined || req.hasInput) {
		writeFileSync(join(dir, "input.json"), JSON.stringify(req.input ?? null));
		args.push("-i", "input.json");
	}
	if (req.strictBuiltinErrors) args.push("--strict-builtin-errors");
	if (req.v0Compatible) args.push("--v0-compatible");
	args.push(req.query);
	return args;
}

/** `opa eval --format json`: the query's bindings per solution, or OPA's errors. */
export async function opaEval(opa: string, req: EvalRequest): Promise<EvalAnswer> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-opa-eval-"));
	try {
		const run = await runOpa(opa, evalArgs(dir, req), { cwd: dir, timeoutMs: req.timeoutMs });
		if (run.timedOut) return { kind: "broken", why: "timeout" };
		return parseEvalOutput(run);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export function parseEvalOutput(run: OpaRun): EvalAnswer {
	const text = run.stdout.trim() || run.stderr.trim();
	let out: { result?: { bindings?: Record<string, unknown> }[]; errors?: OpaError[] };
	try {
		out = JSON.parse(text);
	} catch {
		return { kind: "broken", why: `exit ${run.code}: ${text.slice(0, 500)}` };
	}
	if (Array.isArray(out.errors)) return { kind: "error", errors: out.errors.map(plainError) };
	return { kind: "result", bindings: (out.result ?? []).map((r) => r.bindings ?? {}) };
}

function plainError(e: OpaError): OpaError {
	const out: OpaError = { code: String(e.code), message: String(e.message) };
	if (e.location) out.location = { ...e.location };
	return out;
}

/** `opa check --format json` over files (paths relative to cwd). [] means no errors. */
export async function opaCheck(
	opa: string,
	files: string[],
	opts: { cwd?: string; v0Compatible?: boolean; maxErrors?: number; timeoutMs?: number } = {},
): Promise<OpaError[] | { broken: string }> {
	const args = ["check", "--format", "json"];
	if (opts.v0Compatible) args.push("--v0-compatible");
	if (opts.maxErrors !== undefined) args.push("--max-errors", String(opts.maxErrors));
	const run = await runOpa(opa, [...args, ...files], opts);
	if (run.timedOut) return { broken: "timeout" };
	if (run.code === 0) return [];
	const text = run.stdout.trim() || run.stderr.trim();
	try {
		const out = JSON.parse(text) as { errors?: OpaError[] };
		return (out.errors ?? []).map(plainError);
	} catch {
		return { broken: `exit ${run.code}: ${text.slice(0, 500)}` };
	}
}

/** `opa fmt` of one source (via a temp file): the formatted text, or OPA's error. */
export async function opaFmt(
	opa: string,
	source: string,
	opts: { v0Compatible?: boolean; timeoutMs?: number; fileName?: string } = {},
): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-opa-fmt-"));
	try {
		const name = opts.fileName ?? "policy.rego";
		writeFileSync(join(dir, name), source);
		const args = ["fmt"];
		if (opts.v0Compatible) args.push("--v0-compatible");
		const run = await runOpa(opa, [...args, name], { cwd: dir, timeoutMs: opts.timeoutMs });
		if (run.code !== 0 || run.timedOut)
			return { ok: false, error: (run.stderr || run.stdout || "timeout").trim() };
		return { ok: true, text: run.stdout };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** `opa build`: a bundle at `output` from `paths` (in `cwd`); the error text when it fails. */
export async function opaBuild(
	opa: string,
	paths: string[],
	opts: {
		output: string;
		cwd?: string;
		target?: "rego" | "wasm";
		entrypoints?: string[];
		revision?: string;
		v0Compatible?: boolean;
		bundleMode?: boolean;
		timeoutMs?: number;
	},
): Promise<{ ok: true } | { ok: false; error: string }> {
	const args = ["build", "-o", opts.output];
	if (opts.target) args.push("-t", opts.target);
	for (const e of opts.entrypoints ?? []) args.push("-e", e);
	if (opts.revision) args.push("-r", opts.revision);
	if (opts.v0Compatible) args.push("--v0-compatible");
	if (opts.bundleMode) args.push("-b");
	const run = await runOpa(opa, [...args, ...paths], {
		cwd: opts.cwd,
		timeoutMs: opts.timeoutMs ?? 120_000,
	});
	if (run.code !== 0 || run.timedOut)
		return { ok: false, error: (run.stderr || run.stdout || "timeout").trim() };
	return { ok: true };
}

/** `opa inspect --format json` of a bundle: its manifest, namespaces and Wasm entrypoints. */
export async function opaInspect(
	opa: string,
	bundle: string,
	opts: { timeoutMs?: number } = {},
): Promise<{ ok: true; info: Record<string, unknown> } | { ok: false; error: string }> {
	const run = await runOpa(opa, ["inspect", "--format", "json", bundle], opts);
	if (run.code !== 0 || run.timedOut)
		return { ok: false, error: (run.stderr || run.stdout || "timeout").trim() };
	try {
		return { ok: true, info: JSON.parse(run.stdout) };
	} catch {
		return { ok: false, error: `not JSON: ${run.stdout.slice(0, 300)}` };
	}
}

/** Runs `tasks` with at most `limit` at a time, keeping their order in the result. */
export async function pool<T, R>(
	items: T[],
	limit: number,
	task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await task(items[i], i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return out;
}
