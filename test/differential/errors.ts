// Part 3 of the differential harness: broken and mutated modules through `opa check --format
// json` and `gavel check --format json` (run in process, the same command a user runs). A case
// agrees when both report the same errors: the same codes on the same files and rows, all of
// them (OPA's cap of 10 and its closing "error limit reached" entry included). Columns are
// compared too but only counted (extra.columnDiffers): a row is what a reader acts on.
//
// Cases: a hand-written list (every kind of error the checks know), then seeded mutations of
// valid modules (the project's policies/ and conformance modules, or with --policies the user's
// own files, which are also checked as one folder, as they are).

import {
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
import { checkCommand } from "../../src/cli/check.ts";
import { parseModule } from "../../src/rego/index.ts";
import { loadCases, suiteDir } from "../conformance/cases.ts";
import { type OpaError, opaCheck, pool } from "./opa-cli.ts";
import type { Disagreement, Part, PartResult } from "./part.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ErrorCase {
	name: string;
	/** File name → source. */
	files: Record<string, string>;
	v0?: boolean;
}

const mod = (name: string, source: string, v0?: boolean): ErrorCase => ({
	name,
	files: { "policy.rego": source },
	v0,
});

/** One of each kind of error, written by hand. */
export const HAND_WRITTEN: ErrorCase[] = [
	mod("parse: missing closing brace", "package p\n\nallow if {\n\tinput.x == 1\n"),
	mod("parse: stray token", "package p\n\nallow if {\n\tinput.x == == 1\n}\n"),
	mod("parse: no package", "allow if true\n"),
	mod("parse: bad package path", "package 1p\n\nallow := true\n"),
	mod("parse: unterminated string", 'package p\n\nx := "abc\n'),
	mod("parse: v1 needs if", "package p\n\nallow {\n\tinput.x == 1\n}\n"),
	mod("parse: v1 needs contains", 'package p\n\ndeny[msg] {\n\tmsg := "no"\n}\n'),
	mod("parse: v1 keywords in v0 mode", "package p\n\nallow if {\n\tinput.x == 1\n}\n", true),
	mod("parse: v0 accepts the old form", "package p\n\nallow {\n\tinput.x == 1\n}\n", true),
	mod("parse: v0 contains without import", "package p\n\ndeny contains 1 if { true }\n", true),
	mod("parse: keyword as rule name", "package p\n\nif := 1\n"),
	mod("parse: every without in", "package p\n\nok if {\n\tevery x {\n\t\tx > 1\n\t}\n}\n"),
	mod("parse: else without body", "package p\n\nx := 1 if { false } else\n"),
	mod("parse: two errors in one file", "package p\n\na if {\n\t1 +\n}\n\nb if {\n\t) \n}\n"),
	mod("unsafe: var in body", "package p\n\nallow if {\n\tx == 1\n}\n"),
	mod("unsafe: var in head", "package p\n\nr contains y if {\n\tinput.x == 1\n}\n"),
	mod("unsafe: negated var", "package p\n\nallow if {\n\tnot x\n\tinput.y == 1\n}\n"),
	mod("unsafe: in function body", "package p\n\nf(a) := b if {\n\ta == c\n}\n"),
	mod("unsafe: in comprehension", "package p\n\nxs := [y | z == 1]\n"),
	mod("recursion: direct", "package p\n\na if b\nb if a\n"),
	mod("recursion: self", "package p\n\na contains x if {\n\tsome x in a\n}\n"),
	mod("recursion: function", "package p\n\nf(x) := y if {\n\ty := f(x)\n}\n"),
	mod("type: plus on a string", 'package p\n\nx := 1 + "a"\n'),
	mod("type: count of a number", "package p\n\nx := count(1)\n"),
	mod("type: arity too many", "package p\n\nx := count([1], [2], [3])\n"),
	mod("type: arity too few", 'package p\n\nx := concat(",")\n'),
	mod("type: undefined function", "package p\n\nx := nosuch.fn(1)\n"),
	mod("type: undefined function local", "package p\n\nx := g(1)\n"),
	mod("type: function arity mismatch", "package p\n\nf(a) := a\n\nx := f(1, 2)\n"),
	mod("conflict: := twice", "package p\n\nx := 1\n\nx := 2\n"),
	mod("conflict: complete and partial", "package p\n\nx := 1\n\nx contains 2 if true\n"),
	mod("conflict: function and rule", "package p\n\nf(a) := a\n\nf := 1\n"),
	mod("conflict: two defaults", "package p\n\ndefault x := 1\n\ndefault x := 2\n"),
	mod("conflict: default of function arity", "package p\n\ndefault f(_) := 1\n\nf(a, b) := 2\n"),
	mod("compile: assign twice", "package p\n\nallow if {\n\tx := 1\n\tx := 2\n}\n"),
	mod("compile: assign to input", "package p\n\nallow if {\n\tinput := 1\n}\n"),
	mod("compile: with on a non-ref", "package p\n\nallow if {\n\ttrue with 1 as 2\n}\n"),
	mod("compile: import shadows", "package p\n\nimport data.foo as input\n\nallow := true\n"),
	mod("compile: duplicate import", "package p\n\nimport data.a\nimport data.a\n\nx := 1\n"),
	mod("compile: rego.v1 import ok", "package p\n\nimport rego.v1\n\nx := 1\n"),
	mod("compile: future.keywords in v1", "package p\n\nimport future.keywords.if\n\nx if true\n"),
	mod("compile: ref head with var", 'package p\n\na[x].b := 1 if { x := "k" }\n'),
	mod("compile: deprecated builtin", "package p\n\nx := any([true])\n"),
	mod(
		"cap: twelve unsafe rules",
		`package p\n\n${Array.from({ length: 12 }, (_, i) => `r${i} if { x${i} }`).join("\n")}\n`,
	),
	mod(
		"cap: eleven type errors",
		`package p\n\n${Array.from({ length: 11 }, (_, i) => `t${i} := ${i} + "s"`).join("\n")}\n`,
	),
	mod(
		"cap: parse errors in many rules",
		`package p\n\n${Array.from({ length: 12 }, (_, i) => `r${i} if { 1 + }`).join("\n")}\n`,
	),
	{
		name: "files: parse errors in two files",
		files: { "a.rego": "package a\n\nx if {\n", "b.rego": "package b\n\ny {\n\ttrue\n}\n" },
	},
	{
		name: "files: conflict across files",
		files: { "a.rego": "package q\n\nx := 1\n", "b.rego": "package q\n\nx := 2\n" },
	},
	{
		name: "files: unsafe in one, fine in the other",
		files: { "a.rego": "package a\n\nx := data.b.y\n", "b.rego": "package b\n\ny if { z }\n" },
	},
	{
		name: "files: recursion across packages",
		files: {
			"a.rego": "package a\n\nx if data.b.y\n",
			"b.rego": "package b\n\ny if data.a.x\n",
		},
	},
];

/** mulberry32: a small seeded generator, so a seed names the same mutations on every machine. */
function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type Mutation = (source: string, rand: () => number) => string | undefined;

const pick = <T>(xs: T[], rand: () => number): T | undefined =>
	xs.length === 0 ? undefined : xs[Math.floor(rand() * xs.length)];

const lines = (s: string) => s.split("\n");

/** Line numbers (0-based) of lines inside some rule body: indented and not a comment. */
const bodyLines = (s: string) =>
	lines(s)
		.map((l, i) => ({ l, i }))
		.filter(({ l }) => /^\s+\S/.test(l) && !/^\s*#/.test(l))
		.map(({ i }) => i);

const MUTATIONS: Record<string, Mutation> = {
	"delete a closing bracket": (s, rand) => {
		const at = [...s.matchAll(/[})\]]/g)].map((m) => m.index ?? 0);
		const i = pick(at, rand);
		return i === undefined ? undefined : s.slice(0, i) + s.slice(i + 1);
	},
	"insert a stray token": (s, rand) => {
		const ls = lines(s);
		const i = pick(bodyLines(s), rand);
		if (i === undefined) return undefined;
		ls[i] = `${ls[i]} ${pick([":=", "==", "if", "{", "else", "contains", ",", "some"], rand)}`;
		return ls.join("\n");
	},
	"use an unbound variable": (s, rand) => {
		const ls = lines(s);
		const i = pick(bodyLines(s), rand);
		if (i === undefined) return undefined;
		ls.splice(
			i + 1,
			0,
			`${ls[i].match(/^\s*/)?.[0] ?? "\t"}__unbound_${Math.floor(rand() * 100)} == 1`,
		);
		return ls.join("\n");
	},
	"drop if": (s) => (/\bif\s*\{/.test(s) ? s.replace(/\bif\s*\{/, "{") : undefined),
	"drop contains": (s) =>
		/\bcontains\b/.test(s) ? s.replace(/(\w+) contains (\w+)/, "$1[$2]") : undefined,
	"add a conflicting rule": (s) => `${s}\n__dup := 1\n\n__dup := 2\n`,
	"add recursion": (s) => `${s}\n__rec_a if __rec_b\n\n__rec_b if __rec_a\n`,
	"add a type error": (s, rand) =>
		`${s}\n__typed := ${pick(['1 + "a"', "count(1)", "upper(1)", "[1] - 1", 'startswith(1, "a")'], rand)}\n`,
	"add a call of wrong arity": (s, rand) =>
		`${s}\n__arity := ${pick(["count([1], [2])", "concat()", "sum()", 'lower("A", "B")'], rand)}\n`,
	"add an undefined function": (s) => `${s}\n__undef := no.such_function(1)\n`,
	"add twelve unsafe rules": (s) =>
		`${s}\n${Array.from({ length: 12 }, (_, i) => `__u${i} if { __v${i} }`).join("\n")}\n`,
	"remove the package line": (s) =>
		/^package .*$/m.test(s) ? s.replace(/^package .*$/m, "") : undefined,
	"duplicate a line": (s, rand) => {
		const ls = lines(s);
		const i = pick(bodyLines(s), rand);
		if (i === undefined) return undefined;
		ls.splice(i, 0, ls[i]);
		return ls.join("\n");
	},
	"delete a line": (s, rand) => {
		const ls = lines(s);
		const i = pick(
			ls.map((_, j) => j).filter((j) => ls[j].trim() !== "" && !ls[j].startsWith("package")),
			rand,
		);
		if (i === undefined) return undefined;
		ls.splice(i, 1);
		return ls.join("\n");
	},
};

/** Valid v1 modules to mutate: the project's policies and the conformance suite's modules. */
function projectSources(): { name: string; source: string }[] {
	const out: { name: string; source: string }[] = [];
	for (const f of regoFiles(join(repo, "policies")))
		out.push({ name: relative(repo, f), source: readFileSync(f, "utf8") });
	const root = suiteDir();
	if (root) {
		for (const c of loadCases(root)) {
			c.modules.forEach((m, i) => {
				const p = parseModule(m, "x.rego", { regoVersion: 1 });
				if (p.module && p.errors.length === 0 && m.length < 4000)
					out.push({ name: `${c.file}#${i}`, source: m });
			});
		}
	}
	return out;
}

function regoFiles(dir: string): string[] {
	const out: string[] = [];
	let names: string[];
	try {
		names = readdirSync(dir).sort();
	} catch {
		return out;
	}
	for (const n of names) {
		if (n.startsWith(".") || n === "node_modules") continue;
		const full = join(dir, n);
		if (statSync(full).isDirectory()) out.push(...regoFiles(full));
		else if (n.endsWith(".rego")) out.push(full);
	}
	return out;
}

/** `count` seeded mutations of the sources (each: one source, one mutation; v0 for a few). */
export function mutatedCases(
	sources: { name: string; source: string }[],
	count: number,
	seed: number,
): ErrorCase[] {
	const rand = rng(seed);
	const names = Object.keys(MUTATIONS);
	const out: ErrorCase[] = [];
	for (let tries = 0; out.length < count && sources.length > 0 && tries < count * 5; tries++) {
		const src = pick(sources, rand) as { name: string; source: string };
		const m = pick(names, rand) as string;
		const mutated = MUTATIONS[m](src.source, rand);
		if (mutated === undefined || mutated === src.source) continue;
		// Every tenth case is read as OPA 0.x (mostly keyword errors then).
		const v0 = out.length % 10 === 9;
		out.push({
			name: `mutation ${out.length} (seed ${seed}): ${m} in ${src.name}${v0 ? " [v0]" : ""}`,
			files: { "policy.rego": mutated },
			v0,
		});
	}
	return out;
}

interface Listed {
	key: string;
	col?: number;
}

/** The comparable form: "code file:row" per error, sorted; the cap entry has no location. */
function listed(errors: OpaError[], dir: string): Listed[] {
	return errors
		.map((e) => {
			if (!e.location) return { key: `${e.code} (no location: ${e.message})` };
			const file = relative(dir, resolve(dir, e.location.file));
			return { key: `${e.code} ${file}:${e.location.row}`, col: e.location.col };
		})
		.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : (a.col ?? 0) - (b.col ?? 0)));
}

/** `gavel check --format json` in process, on absolute paths. */
export async function gavelCheck(
	files: string[],
	v0: boolean,
): Promise<OpaError[] | { broken: string }> {
	let err = "";
	let out = "";
	const io = {
		out: (t: string) => {
			out += t;
		},
		err: (t: string) => {
			err += t;
		},
		readStdin: async () => "",
	};
	const args = ["--format", "json", ...(v0 ? ["--v0-compatible"] : []), ...files];
	let code: number;
	try {
		code = await checkCommand.run(args, io);
	} catch (e) {
		return { broken: `gavel check threw: ${(e as Error).message}` };
	}
	if (code === 0) return [];
	try {
		return (JSON.parse(err) as { errors: OpaError[] }).errors;
	} catch {
		return { broken: `exit ${code}: ${(err || out).slice(0, 500)}` };
	}
}

/** One case through opa check and gavel check, compared. */
export async function checkBoth(
	opa: string,
	c: ErrorCase,
): Promise<
	| { agree: true; columns: boolean }
	| { agree: false; gavel: unknown; opa: unknown; note: string }
	| { skip: string }
> {
	const dir = mkdtempSync(join(tmpdir(), "gavel-diff-errors-"));
	try {
		const files = Object.entries(c.files).map(([name, text]) => {
			const path = join(dir, name);
			mkdirSync(dirname(path), { recursive: true });
			writeFileSync(path, text);
			return path;
		});
		const o = await opaCheck(opa, files, { v0Compatible: c.v0 });
		if ("broken" in o) return { skip: `OPA: ${o.broken}` };
		const g = await gavelCheck(files, c.v0 === true);
		if ("broken" in g) return { agree: false, gavel: g, opa: listed(o, dir), note: g.broken };
		const lo = listed(o, dir);
		const lg = listed(g, dir);
		const same = lo.length === lg.length && lo.every((e, i) => e.key === lg[i].key);
		if (same) return { agree: true, columns: lo.every((e, i) => e.col === lg[i].col) };
		return {
			agree: false,
			gavel: g.map((e) => relativeError(e, dir)),
			opa: o.map((e) => relativeError(e, dir)),
			note: `${lo.length} OPA errors, ${lg.length} Gavel errors; first difference: OPA ${
				lo.find((e, i) => e.key !== lg[i]?.key)?.key ?? "(none)"
			}, Gavel ${lg.find((e, i) => e.key !== lo[i]?.key)?.key ?? "(none)"}`,
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function relativeError(e: OpaError, dir: string): OpaError {
	if (!e.location) return e;
	return { ...e, location: { ...e.location, file: relative(dir, resolve(dir, e.location.file)) } };
}

/** A user's folder checked as a whole, as it is (the files keep their relative paths). */
function folderCase(dir: string): ErrorCase {
	const files: Record<string, string> = {};
	for (const f of regoFiles(dir)) files[relative(dir, f)] = readFileSync(f, "utf8");
	return { name: `folder ${dir}`, files };
}

export const DEFAULT_MUTATIONS = 300;

export const part: Part = async (opts) => {
	const seed = opts.seed ?? 1;
	const count = opts.programs ?? DEFAULT_MUTATIONS;
	let cases: ErrorCase[];
	if (opts.policies) {
		const folder = folderCase(opts.policies);
		const sources = Object.entries(folder.files).map(([name, source]) => ({ name, source }));
		cases = [folder, ...mutatedCases(sources, count, seed)];
	} else {
		cases = [...HAND_WRITTEN, ...mutatedCases(projectSources(), count, seed)];
	}
	const result: PartResult = {
		part: "errors",
		agree: 0,
		disagree: 0,
		skipped: 0,
		disagreements: [],
	};
	let columnDiffers = 0;
	// Gavel's check runs in this thread between OPA processes: at most `concurrency` OPAs.
	const outcomes = await pool(cases, opts.concurrency ?? 2, (c) => checkBoth(opts.opa, c));
	const byKind: Record<string, { agree: number; disagree: number }> = {};
	cases.forEach((c, i) => {
		const o = outcomes[i];
		const kind = c.name.startsWith("mutation")
			? (c.name.match(/\): (.+?) in /)?.[1] ?? "mutation")
			: c.name.split(":")[0];
		byKind[kind] ??= { agree: 0, disagree: 0 };
		if ("skip" in o) {
			result.skipped++;
			return;
		}
		if (o.agree) {
			result.agree++;
			byKind[kind].agree++;
			if (!o.columns) columnDiffers++;
			return;
		}
		result.disagree++;
		byKind[kind].disagree++;
		const d: Disagreement = {
			name: c.name,
			repro: {
				files: c.files,
				command: `opa check --format json${c.v0 ? " --v0-compatible" : ""}`,
			},
			gavel: o.gavel,
			opa: o.opa,
			note: o.note,
		};
		result.disagreements.push(d);
	});
	result.extra = { cases: cases.length, seed, mutations: count, columnDiffers, byKind };
	return result;
};
