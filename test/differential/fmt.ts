// Part 4 of the differential harness: `opa fmt` vs `gavel fmt` on every .rego file the project
// holds, every conformance module and a seeded sample of generated modules. A file agrees when
// both refuse it (a parse error), or both format it to the same bytes and both say the same
// thing about whether it was already formatted (`opa fmt --list` vs `gavel fmt --check`).
// OPA and gavel each run once per batch over a temporary tree, not once per file.
//
// Run alone: npx tsx test/differential/fmt.ts [--json FILE] [--programs N] [--seed S] [--verbose]

import { spawnSync } from "node:child_process";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { Io } from "../../src/cli/command.ts";
import { fmtCommand } from "../../src/cli/fmt.ts";
import { parseModule } from "../../src/rego/index.ts";
import { printModule } from "../../src/rego/printer.ts";
import { findOpa, OPA_INSTALL_HINT } from "../opa.ts";
import { moduleArb } from "../rego/arbitraries.ts";
import { conformanceDir, loadCases } from "../rego/conformance-cases.ts";
import type { Disagreement, Part, PartOptions, PartResult } from "./part.ts";
import { programArb } from "./program-gen.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface FmtSource {
	/** Where it came from: a project path, a conformance case, a seed. */
	name: string;
	/** project | conformance | generated | policies (a user's folder). */
	group: string;
	text: string;
	/** Format in OPA 0.x mode on both sides (`--v0-compatible`). */
	v0?: boolean;
}

/** What one formatter said about one file. */
export interface FmtAnswer {
	/** The formatted text, or undefined when the formatter refused the file. */
	output?: string;
	/** Listed by `--list` / `--check` as not formatted. */
	listed?: boolean;
	/** The refusal (first line of the error), when refused. */
	error?: string;
}

function regoFilesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	const out: string[] = [];
	const walk = (d: string) => {
		for (const name of readdirSync(d).sort()) {
			if (name === "node_modules" || name.startsWith(".")) continue;
			const p = join(d, name);
			if (statSync(p).isDirectory()) walk(p);
			else if (name.endsWith(".rego")) out.push(p);
		}
	};
	walk(dir);
	return out;
}

/** Every .rego the project holds (policies, fixtures under test/ and src/, examples). */
export function projectSources(): FmtSource[] {
	const files = ["policies", "test", "src", "examples", "bench", "docs"].flatMap((d) =>
		regoFilesUnder(join(repo, d)),
	);
	return files.map((f) => ({ name: relative(repo, f), group: "project", text: readText(f) }));
}

export function policySources(dir: string): FmtSource[] {
	return regoFilesUnder(dir).map((f) => ({
		name: relative(dir, f),
		group: "policies",
		text: readText(f),
	}));
}

const readText = (p: string) => readFileSync(p, "utf8");

export function conformanceSources(): FmtSource[] {
	const dir = conformanceDir();
	if (!dir) return [];
	const out: FmtSource[] = [];
	for (const c of loadCases(dir)) {
		c.modules.forEach((text, i) => {
			out.push({ name: `${c.file} ${c.note} #${i}`, group: "conformance", text });
		});
	}
	return out;
}

/**
 * Well-formed v1 programs of the random-programs part (program-gen.ts), as the generator
 * writes them: closer to real policies than generatedSources' modules, which OPA often refuses.
 */
export function programSources(count: number, seed: number): FmtSource[] {
	return fc.sample(programArb, { numRuns: count, seed }).map((p, i) => ({
		name: `program seed=${seed} #${i}`,
		group: "programs",
		text: p.source,
	}));
}

/**
 * The programs again as v0 modules importing `future.keywords` (which v0 needs for `if`,
 * `contains`, `in` and `every`), formatted in --v0-compatible mode on both sides.
 */
export function v0ProgramSources(count: number, seed: number): FmtSource[] {
	return programSources(count, seed).map((s) => ({
		...s,
		name: `${s.name} (v0, future.keywords)`,
		group: "programs-v0",
		text: s.text.replace(/^(package [^\n]*\n)/, "$1\nimport future.keywords\n"),
		v0: true,
	}));
}

/**
 * The sources that only read as OPA 0.x syntax, again, to be formatted in --v0-compatible
 * mode on both sides (in v1 mode both refuse them, which says little).
 */
export function v0Copies(sources: FmtSource[]): FmtSource[] {
	const readsAs = (text: string, regoVersion: 0 | 1) =>
		parseModule(text, "x.rego", { regoVersion, annotations: false }).module !== undefined;
	return sources
		.filter((s) => !s.v0 && !readsAs(s.text, 1) && readsAs(s.text, 0))
		.map((s) => ({ ...s, name: `${s.name} (v0)`, group: `${s.group}-v0`, v0: true }));
}

/**
 * Generated modules, printed by gavel's printer and then roughened (spaces for tabs, extra
 * blank lines and spaces) so the formatters have layout to normalise, not only to keep.
 */
export function generatedSources(count: number, seed: number): FmtSource[] {
	const modules = fc.sample(moduleArb(), { numRuns: count, seed });
	return modules.map((m, i) => {
		const printed = printModule(m);
		const rough = i % 2 === 1;
		return {
			name: `generated seed=${seed} #${i}${rough ? " (roughened)" : ""}`,
			group: "generated",
			text: rough ? roughen(printed, seed + i) : printed,
		};
	});
}

function roughen(text: string, seed: number): string {
	let s = seed >>> 0 || 1;
	const rnd = () => {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		return (s >>> 0) / 2 ** 32;
	};
	const out: string[] = [];
	let inRaw = false;
	for (const line of text.split("\n")) {
		const ticks = (line.match(/`/g) ?? []).length;
		// Lines inside a multi-line raw string are data: leave them alone.
		if (!inRaw) {
			let l = line.replace(/^\t+/, (t) => "    ".repeat(t.length));
			if (rnd() < 0.2) l = `${l}  `;
			out.push(l);
			if (rnd() < 0.15) out.push("");
		} else out.push(line);
		if (ticks % 2 === 1) inRaw = !inRaw;
	}
	return out.join("\n");
}

interface Batch {
	dir: string;
	files: { path: string; source: FmtSource }[];
}

function writeBatch(root: string, sources: FmtSource[]): Batch {
	mkdirSync(root, { recursive: true });
	const files = sources.map((source, i) => {
		const path = join(root, `m${String(i).padStart(5, "0")}.rego`);
		writeFileSync(path, source.text);
		return { path, source };
	});
	return { dir: root, files };
}

function run(cmd: string, args: string[], cwd?: string) {
	const r = spawnSync(cmd, args, { encoding: "utf8", cwd, maxBuffer: 256 * 1024 * 1024 });
	return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Files named at the start of error lines (`path:row: …` or `path:row:col: …`). */
function filesInErrors(stderr: string, paths: Set<string>): Map<string, string> {
	const out = new Map<string, string>();
	for (const line of stderr.split("\n")) {
		const m =
			/(\/[^:\s]+\.rego)(?::\d+(?::\d+)?)?: (.*)$/.exec(line.trim()) ??
			/(\/[^:\s]+\.rego) (was successfully formatted, but the result is invalid)/.exec(line);
		if (m && paths.has(m[1]) && !out.has(m[1])) out.set(m[1], m[2]);
	}
	return out;
}

/**
 * `opa fmt` stops at the first file it cannot parse, so: format the files in order; when one is
 * refused, note it and go on with the files after it. Files before it were already written.
 */
function opaAnswers(opa: string, batch: Batch, v0: boolean): Map<string, FmtAnswer> {
	const answers = new Map<string, FmtAnswer>();
	const flags = v0 ? ["--v0-compatible"] : [];
	const work = `${batch.dir}-opa`;
	rmSync(work, { recursive: true, force: true });
	mkdirSync(work, { recursive: true });
	const copy = new Map<string, string>();
	for (const f of batch.files) {
		const p = join(work, relative(batch.dir, f.path));
		writeFileSync(p, f.source.text);
		copy.set(p, f.path);
	}
	let remaining = [...copy.keys()].sort();
	const refused = new Set<string>();
	while (remaining.length > 0) {
		const r = run(opa, ["fmt", "-w", ...flags, ...remaining]);
		if (r.code === 0) break;
		const bad = filesInErrors(r.stderr, new Set(remaining));
		if (bad.size === 0) throw new Error(`opa fmt failed without naming a file:\n${r.stderr}`);
		for (const [p, msg] of bad) {
			refused.add(p);
			answers.set(copy.get(p) as string, { error: msg });
		}
		const last = Math.max(...[...bad.keys()].map((p) => remaining.indexOf(p)));
		remaining = remaining.slice(last + 1);
	}
	// --list on the originals OPA can read (it would stop at a refused one).
	const readable = batch.files.map((f) => f.path).filter((p) => !answers.has(p));
	const listed = new Set<string>();
	for (let i = 0; i < readable.length; i += 2000) {
		const r = run(opa, ["fmt", "--list", ...flags, ...readable.slice(i, i + 2000)]);
		for (const l of r.stdout.split("\n")) if (l.trim()) listed.add(l.trim());
	}
	for (const [p, orig] of copy) {
		if (refused.has(p)) continue;
		answers.set(orig, { output: readText(p), listed: listed.has(orig) });
	}
	rmSync(work, { recursive: true, force: true });
	return answers;
}

/**
 * `gavel fmt ARGS` through the command's own code, in this process: the same code the binary
 * runs, without a child process per batch (and without depending on the bundled build).
 */
async function gavelFmt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	let stdout = "";
	let stderr = "";
	const io: Io = {
		readStdin: async () => "",
		out: (t: string) => {
			stdout += t.endsWith("\n") ? t : `${t}\n`;
		},
		err: (t: string) => {
			stderr += t.endsWith("\n") ? t : `${t}\n`;
		},
	};
	const code = await fmtCommand.run(args, io);
	return { code, stdout, stderr };
}

async function gavelAnswers(batch: Batch, v0: boolean): Promise<Map<string, FmtAnswer>> {
	const flags = v0 ? ["--v0-compatible"] : [];
	const work = `${batch.dir}-gavel`;
	rmSync(work, { recursive: true, force: true });
	mkdirSync(work, { recursive: true });
	const copy = new Map<string, string>();
	for (const f of batch.files) {
		const p = join(work, relative(batch.dir, f.path));
		writeFileSync(p, f.source.text);
		copy.set(p, f.path);
	}
	const w = await gavelFmt(["--write", ...flags, work]);
	const refused = filesInErrors(w.stderr, new Set(copy.keys()));
	if (w.code !== 0 && refused.size === 0)
		throw new Error(`gavel fmt failed without naming a file:\n${w.stderr}`);
	const c = await gavelFmt(["--check", ...flags, batch.dir]);
	const listed = new Set(
		c.stdout
			.split("\n")
			.map((l) => l.trim())
			.filter(Boolean),
	);
	const answers = new Map<string, FmtAnswer>();
	for (const [p, orig] of copy) {
		const err = refused.get(p);
		answers.set(orig, err ? { error: err } : { output: readText(p), listed: listed.has(orig) });
	}
	rmSync(work, { recursive: true, force: true });
	return answers;
}

export interface FmtComparison {
	source: FmtSource;
	opa: FmtAnswer;
	gavel: FmtAnswer;
	agree: boolean;
	/** OPA printed something its own parser refuses (an OPA bug): nothing to compare. */
	skipped?: boolean;
}

export const OPA_INVALID_OUTPUT = "was successfully formatted, but the result is invalid";

export async function compare(opa: string, sources: FmtSource[]): Promise<FmtComparison[]> {
	const root = mkdtempSync(join(tmpdir(), "gavel-difffmt-"));
	const out: FmtComparison[] = [];
	try {
		for (const v0 of [false, true]) {
			const group = sources.filter((s) => (s.v0 ?? false) === v0);
			if (group.length === 0) continue;
			const batch = writeBatch(join(root, v0 ? "v0" : "v1"), group);
			const o = opaAnswers(opa, batch, v0);
			const g = await gavelAnswers(batch, v0);
			for (const f of batch.files) {
				const a = o.get(f.path) as FmtAnswer;
				const b = g.get(f.path) as FmtAnswer;
				const agree =
					a.output === undefined
						? b.output === undefined
						: a.output === b.output && a.listed === b.listed;
				const skipped = a.error === OPA_INVALID_OUTPUT;
				out.push({ source: f.source, opa: a, gavel: b, agree: agree && !skipped, skipped });
			}
		}
	} finally {
		rmSync(root, { recursive: true, force: true });
	}
	return out;
}

function disagreement(c: FmtComparison): Disagreement {
	const flag = c.source.v0 ? " --v0-compatible" : "";
	return {
		name: c.source.name,
		repro: { module: c.source.text, command: `opa fmt${flag} FILE / gavel fmt${flag} FILE` },
		gavel: c.gavel,
		opa: c.opa,
	};
}

export const fmtPart: Part = async (opts: PartOptions): Promise<PartResult> => {
	const base: FmtSource[] = opts.policies
		? policySources(opts.policies)
		: [
				...projectSources(),
				...conformanceSources(),
				...generatedSources(opts.programs ?? 300, opts.seed ?? 1),
				...programSources(opts.programs ?? 300, opts.seed ?? 1),
				...v0ProgramSources(Math.ceil((opts.programs ?? 300) / 3), opts.seed ?? 1),
			];
	const sources = [...base, ...v0Copies(base)];
	const results = await compare(opts.opa, sources);
	// bothRefused: agreements where both refused the file (counted in agree too).
	const byGroup: Record<string, { agree: number; disagree: number; bothRefused: number }> = {};
	for (const r of results) {
		byGroup[r.source.group] ??= { agree: 0, disagree: 0, bothRefused: 0 };
		const g = byGroup[r.source.group];
		if (r.skipped) continue;
		if (r.opa.output === undefined && r.gavel.output === undefined) g.bothRefused++;
		if (r.agree) g.agree++;
		else g.disagree++;
	}
	const bad = results.filter((r) => !r.agree && !r.skipped);
	const skipped = results.filter((r) => r.skipped).length;
	return {
		part: "fmt",
		agree: results.length - bad.length - skipped,
		disagree: bad.length,
		skipped,
		disagreements: bad.map(disagreement),
		extra: {
			byGroup,
			bothRefused: results.filter((r) => r.opa.output === undefined && r.gavel.output === undefined)
				.length,
		},
	};
};

/** The registry's name for it (parts.ts). */
export const part: Part = fmtPart;

async function main() {
	const args = process.argv.slice(2);
	const opt = (name: string) => {
		const i = args.indexOf(name);
		return i >= 0 ? args[i + 1] : undefined;
	};
	const opa = findOpa();
	if (!opa) {
		console.log(`differential fmt: skipped, OPA not found; ${OPA_INSTALL_HINT}`);
		process.exit(process.env.CI ? 1 : 0);
	}
	const result = await fmtPart({
		opa,
		seed: opt("--seed") ? Number(opt("--seed")) : undefined,
		programs: opt("--programs") ? Number(opt("--programs")) : undefined,
		policies: opt("--policies"),
		verbose: args.includes("--verbose"),
	});
	console.log(
		`differential fmt: ${result.agree} agree, ${result.disagree} disagree, ${result.skipped} skipped`,
	);
	console.log(`  by source: ${JSON.stringify(result.extra?.byGroup)}`);
	const json = opt("--json");
	if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main().catch((e) => {
		console.error(e);
		process.exit(1);
	});
}
