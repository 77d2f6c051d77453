// Compiles the AssemblyScript runtime (src/wasm/runtime/as) once into
// src/wasm/runtime/build/runtime.wasm. The back end (src/wasm/emit.ts) merges per-policy code
// into a copy of it. Run by `npm run build:runtime` and by `prepare` on `npm ci`.

import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src/wasm/runtime/as/index.ts");
const out = join(root, "src/wasm/runtime/build/runtime.wasm");
mkdirSync(dirname(out), { recursive: true });

// `--case-tables` regenerates the committed Unicode case-mapping tables first.
if (process.argv.includes("--case-tables")) {
	const { caseTablesSource } = await import("../src/wasm/runtime/case-tables.mjs");
	writeFileSync(join(root, "src/wasm/runtime/as/casemap-data.ts"), caseTablesSource());
}

const args = [
	entry,
	"--outFile",
	out,
	"--textFile",
	out.replace(/\.wasm$/, ".wat"),
	// The SDK creates the memory and passes it in as env.memory.
	"--importMemory",
	"--initialMemory",
	"2",
	// No GC: the runtime never calls `new`; it has its own bump allocator reset per evaluation.
	"--runtime",
	"stub",
	// AssemblyScript would import env.abort for assertions; we have none to report that way.
	"--use",
	"abort=",
	"--noAssert",
	// Optimised once, here. No --debug: the back end finds everything by export name, and a
	// module without a names section is about twice as fast to read (once per policy).
	"-O3",
];

const started = Date.now();
const { error, stderr } = await asc.main(args);
if (error) {
	console.error(stderr.toString());
	console.error(`build-runtime: ${error.message}`);
	process.exit(1);
}
// The back end rewrites the cfg_* globals' initialisers; a start function could undo that,
// and the runtime must never allocate through AssemblyScript's own allocator (its heap would
// overlap ours).
const wat = readFileSync(out.replace(/\.wasm$/, ".wat"), "utf8");
for (const forbidden of ["(start ", "/rt/stub/__alloc", "/rt/stub/__new"]) {
	if (wat.includes(forbidden)) {
		console.error(`build-runtime: runtime.wasm must not contain ${forbidden.trim()}`);
		process.exit(1);
	}
}
// gavel_*: the evaluation limits the host writes and the fuel emitted code decrements.
for (const g of [
	"cfg_heap_start",
	"cfg_memo_slots",
	"cfg_strict",
	"gavel_budget",
	"gavel_fuel",
	"gavel_memory_limit",
]) {
	if (!new RegExp(`\\(global \\$[^ ]*/${g} \\(mut i32\\)`).test(wat)) {
		console.error(`build-runtime: ${g} must be a mutable global (the back end or host sets it)`);
		process.exit(1);
	}
}

// The `policy.*` imports are placeholders the back end fills per policy. Turn them into defined
// functions (body: unreachable) exported as `gavel_placeholder:<name>`: a policy's code can then
// be spliced in by replacing those bodies, without renumbering the runtime's functions (removing
// an import would shift every function index after it). The back end removes these exports.
{
	const binaryen = (await import("binaryen")).default;
	const m = binaryen.readBinary(readFileSync(out));
	// The features AssemblyScript's output uses (as src/wasm/emit.ts): no newer encodings.
	const F = binaryen.Features;
	m.setFeatures(
		F.MVP |
			F.SignExt |
			F.MutableGlobals |
			F.NontrappingFPToInt |
			F.BulkMemory |
			F.BulkMemoryOpt |
			F.Multivalue,
	);
	const placeholders = [];
	for (let i = 0; i < m.getNumFunctions(); i++) {
		const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
		if (f.module === "policy") placeholders.push(f);
	}
	for (const f of placeholders) {
		m.removeFunction(f.name);
		m.addFunction(f.name, f.params, f.results, [], m.unreachable());
		m.addFunctionExport(f.name, `gavel_placeholder:${f.base}`);
	}
	if (!m.validate()) {
		console.error("build-runtime: runtime does not validate after defining placeholders");
		process.exit(1);
	}
	writeFileSync(out, m.emitBinary());
	m.dispose();
}

const size = statSync(out).size;
console.log(`build-runtime: ${out} (${size} bytes) in ${Date.now() - started} ms`);
