// Part 5 of the differential harness: real OPA bundles. For each subject (the project's
// policies/ and a sample of conformance policies, or with --policies a user's own folder):
//   - `gavel build` makes Gavel's own bundle; `opa build -t wasm -e …` and `opa build` (Rego
//     only, compiled by Gavel on activation) make OPA's;
//   - each bundle is loaded as the engine loads it (bundle reader → official SDK) and every
//     entrypoint is evaluated for every input; OPA's two bundles must give the decisions
//     Gavel's own bundle gives, and Gavel's bundle must give what `opa eval` gives;
//   - for policies/ (and a user's folder) the same decisions are also asked of a real Gavel
//     server over the Data API, serving OPA's bundles from a file and from an HTTP bundle
//     server on 127.0.0.1;
//   - `opa inspect` must read Gavel's bundle and list the entrypoints it was built with.
// One comparison (a decision, or an inspect) is one agree/disagree.

import {
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCommand } from "../../src/cli/build.ts";
import { loadActivePolicy, policyBundleFromArchive } from "../../src/engine/index.ts";
import { parseModule } from "../../src/rego/index.ts";
import { loadCases, suiteDir } from "../conformance/cases.ts";
import { compareValues, valuesEqual } from "../conformance/compare.ts";
import { startTestServer } from "../server/helpers.ts";
import { opaBuild, opaInspect, parseEvalOutput, runOpa } from "./opa-cli.ts";
import type { Disagreement, Part, PartResult } from "./part.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What one policy folder is compared on. */
export interface Subject {
	name: string;
	/** A folder of .rego (and data.json) files. */
	dir: string;
	entrypoints: string[];
	inputs: unknown[];
	/** Also through a real server (file and HTTP bundle sources). */
	serve: boolean;
}

/** A decision, as comparable: the value, undefined, or an error (its message). */
type Decision = { value: unknown } | { undefined: true } | { error: string };

const show = (d: Decision) =>
	"value" in d ? d.value : "undefined" in d ? "(undefined)" : `(error: ${d.error})`;

/** Arrays sorted at every depth: OPA's own Wasm dumps sets unsorted, everything else sorts them. */
function sortedDeep(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(sortedDeep).sort(compareValues);
	if (v && typeof v === "object")
		return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortedDeep(x)]));
	return v;
}

/** Equal only once arrays are sorted: a set in another order (counted apart, as agreeing). */
function sameButOrder(a: Decision, b: Decision): boolean {
	return "value" in a && "value" in b && valuesEqual(sortedDeep(a.value), sortedDeep(b.value));
}

function sameDecision(a: Decision, b: Decision): boolean {
	if ("value" in a && "value" in b) return valuesEqual(a.value, b.value);
	if ("undefined" in a && "undefined" in b) return true;
	// Any error is a deny for the service; two errors agree whatever their wording.
	return "error" in a && "error" in b;
}

/** Inputs for the example policies: roles, owners, routes, service identities, AuthZEN. */
export const PROJECT_INPUTS: unknown[] = [
	{},
	{ subject: { sub: "root", roles: ["admin"] }, action: "delete", resource: { id: "doc-1" } },
	{ subject: { sub: "alice", roles: "admin" }, action: "read" },
	{ subject: { sub: "bob", roles: ["viewer"] }, action: "read", resource: { id: "handbook" } },
	{ subject: { sub: "bob" }, action: "write", resource: { owner: "bob", id: "n-1" } },
	{ subject: { sub: "eve" }, action: "write", resource: { owner: "bob" } },
	{
		subject: { sub: "carol", roles: ["viewer"], tenant: "acme" },
		resource: { method: "GET", path: "/orders/42" },
	},
	{
		subject: { sub: "dave", roles: ["manager"], tenant: "acme", amr: ["pwd"] },
		request: { method: "DELETE", path: "/invoices/acme/7" },
	},
	{
		subject: { sub: "root", roles: ["admin"], tenant: "acme", amr: ["mfa"] },
		request: { method: "delete", path: "/admin/users" },
	},
	{
		peer: { uris: ["spiffe://example.org/ns/shop/sa/frontend"] },
		resource: { service: "orders" },
		action: "read",
		request: { method: "GET", path: "/orders/1" },
	},
	{
		peer: { uris: ["spiffe://evil.org/frontend"] },
		resource: { service: "payments" },
		action: "create",
	},
	{
		subject: { type: "user", id: "alice", properties: { role: "owner" } },
		action: { name: "can_read" },
		resource: { type: "doc", id: "1", properties: { status: "archived" } },
	},
	{
		subject: { type: "user", id: "bob", properties: { role: "editor" } },
		action: { name: "can_delete", properties: { soft: true } },
		resource: { type: "doc", id: "2", properties: { owner: "bob" } },
	},
	{
		subject: { sub: "frank", tenant: "t1", roles: ["member"] },
		action: "update",
		resource: { tenant: "t1", owner: "frank" },
	},
	{ subject: { sub: "grace", tenant: "t2" }, action: "read", resource: { tenant: "t1" } },
];

/** The entrypoints of package.json's build script, and the other decisions policies/ holds. */
export const PROJECT_ENTRYPOINTS = [
	"example/allow",
	"authzen/allow",
	"routes/allow",
	"routes/decision",
	"services/allow",
	"services/decision",
	"tenancy/allow",
	"tenancy/decision",
];

function copyPolicies(from: string, to: string) {
	for (const n of readdirSync(from).sort()) {
		if (n.startsWith(".") || n === "node_modules") continue;
		const src = join(from, n);
		const dst = join(to, n);
		if (statSync(src).isDirectory()) {
			mkdirSync(dst, { recursive: true });
			copyPolicies(src, dst);
		} else if (n.endsWith(".rego") || n === "data.json") {
			writeFileSync(dst, readFileSync(src));
		}
	}
}

/** A sample of conformance cases that are plain `data.pkg.rule = x` decisions over input/data. */
export function conformanceSubjects(root: string, limit: number, work: string): Subject[] {
	const eligible = loadCases(root).filter(
		(c) =>
			/^data\.[A-Za-z_][\w.]*\s*=\s*x$/.test(c.query.trim()) &&
			c.wantResult !== undefined &&
			c.wantErrorCode === undefined &&
			c.wantError === undefined &&
			c.inputTerm === undefined &&
			!c.strictError &&
			c.modules.every((m) => {
				const p = parseModule(m, "x.rego", { regoVersion: 1 });
				return p.module !== undefined && p.errors.length === 0;
			}),
	);
	// Evenly spread over the suite (its files are sorted by category).
	const step = Math.max(1, Math.floor(eligible.length / limit));
	const picked = eligible.filter((_, i) => i % step === 0).slice(0, limit);
	return picked.map((c, i) => {
		const dir = join(work, `conformance-${i}`);
		mkdirSync(dir, { recursive: true });
		c.modules.forEach((m, j) => {
			writeFileSync(join(dir, `test-${j}.rego`), m);
		});
		if (c.data !== undefined && c.data !== null)
			writeFileSync(join(dir, "data.json"), JSON.stringify(c.data));
		const ep = c.query
			.trim()
			.replace(/\s*=\s*x$/, "")
			.replace(/^data\./, "")
			.replaceAll(".", "/");
		return {
			name: `${c.file}: ${c.note}`,
			dir,
			entrypoints: [ep],
			inputs: [c.input ?? {}],
			serve: false,
		};
	});
}

/** The rules named allow/deny/decision in a folder's packages: the default entrypoints. */
export function defaultEntrypoints(dir: string): string[] {
	const out = new Set<string>();
	const walk = (d: string) => {
		for (const n of readdirSync(d).sort()) {
			const full = join(d, n);
			if (n.startsWith(".") || n === "node_modules") continue;
			if (statSync(full).isDirectory()) walk(full);
			else if (n.endsWith(".rego") && !n.endsWith("_test.rego")) {
				const p = parseModule(readFileSync(full, "utf8"), full, { regoVersion: 1 });
				if (!p.module) continue;
				const pkg = p.module.package.path.path
					.map((t) => (t.type === "string" ? t.value : ""))
					.join("/");
				for (const r of p.module.rules) {
					const h = r.head.ref.head;
					if (
						h.type === "var" &&
						r.head.ref.path.length === 0 &&
						["allow", "deny", "decision"].includes(h.name)
					)
						out.add(`${pkg}/${h.name}`);
				}
			}
		}
	};
	walk(dir);
	return [...out].sort();
}

async function gavelBuild(
	dir: string,
	entrypoints: string[],
	output: string,
): Promise<string | undefined> {
	let err = "";
	const io = {
		out: () => {},
		err: (t: string) => {
			err += t;
		},
		readStdin: async () => "",
	};
	const args = [dir, ...entrypoints.flatMap((e) => ["-e", e]), "-o", output, "-r", "gavel"];
	const code = await buildCommand.run(args, io);
	return code === 0 ? undefined : err.trim() || `gavel build exit ${code}`;
}

/** Every entrypoint × input through a bundle as the engine loads it. */
async function decideAll(bundle: string, s: Subject): Promise<Decision[] | { error: string }> {
	let policy: Awaited<ReturnType<typeof loadActivePolicy>>;
	try {
		policy = await loadActivePolicy(await policyBundleFromArchive(readFileSync(bundle)));
	} catch (e) {
		return { error: (e as Error).message };
	}
	const out: Decision[] = [];
	for (const ep of s.entrypoints) {
		for (const input of s.inputs) {
			try {
				const v = policy.evaluate(ep, input);
				out.push(v === undefined ? { undefined: true } : { value: v });
			} catch (e) {
				out.push({ error: (e as Error).message });
			}
		}
	}
	return out;
}

/** The oracle's own decisions: `opa eval` of data.<entrypoint> on the folder. */
async function opaDecisions(opa: string, s: Subject): Promise<Decision[]> {
	const out: Decision[] = [];
	for (const ep of s.entrypoints) {
		for (const input of s.inputs) {
			const a = await opaEvalFolder(opa, s.dir, `x = data.${ep.replaceAll("/", ".")}`, input);
			out.push(a);
		}
	}
	return out;
}

/** `opa eval` on the folder as OPA reads it (-d DIR: its .rego files, data.json by path). */
async function opaEvalFolder(
	opa: string,
	dir: string,
	query: string,
	input: unknown,
): Promise<Decision> {
	const tmp = mkdtempSync(join(tmpdir(), "gavel-opa-input-"));
	try {
		writeFileSync(join(tmp, "input.json"), JSON.stringify(input));
		const run = await runOpa(opa, [
			"eval",
			"--format",
			"json",
			"-d",
			dir,
			"-i",
			join(tmp, "input.json"),
			query,
		]);
		const a = parseEvalOutput(run);
		if (a.kind === "broken") return { error: `OPA: ${a.why}` };
		if (a.kind === "error")
			return { error: a.errors.map((e) => `${e.code}: ${e.message}`).join("; ") };
		return a.bindings.length === 0 ? { undefined: true } : { value: a.bindings[0].x };
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
}

/** Every entrypoint × input asked of a real Gavel server over the Data API. */
async function serverDecisions(
	config: Record<string, unknown>,
	s: Subject,
): Promise<Decision[] | { error: string }> {
	let t: Awaited<ReturnType<typeof startTestServer>>;
	try {
		t = await startTestServer(config);
	} catch (e) {
		return { error: `server did not start: ${(e as Error).message}` };
	}
	try {
		const out: Decision[] = [];
		for (const ep of s.entrypoints) {
			for (const input of s.inputs) {
				const res = await t.post(`/v1/data/${ep}`, { input });
				const body = (await res.json()) as { result?: unknown; message?: string; code?: string };
				if (res.status !== 200)
					out.push({ error: `${res.status} ${body.code ?? ""} ${body.message ?? ""}` });
				else out.push("result" in body ? { value: body.result } : { undefined: true });
			}
		}
		return out;
	} finally {
		await t.close();
	}
}

/** A bundle served over HTTP on 127.0.0.1 (OPA's bundle protocol: a GET of the .tar.gz). */
async function serveFile(file: string): Promise<{ url: string; close(): Promise<void> }> {
	const body = readFileSync(file);
	const server = createServer((_req, res) => {
		res.writeHead(200, { "content-type": "application/gzip", etag: '"1"' });
		res.end(body);
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/b.tar.gz`;
	return {
		url,
		close: () =>
			new Promise<void>((r) => {
				server.closeAllConnections();
				server.close(() => r());
			}),
	};
}

interface Tally {
	result: PartResult;
	opaBuildFailed: string[];
	kinds: Record<string, number>;
	orderOnly: string[];
	byWay: Record<string, { agree: number; disagree: number }>;
}

function compare(
	t: Tally,
	s: Subject,
	way: string,
	/** The oracle's decisions (opa eval). */
	want: Decision[],
	/** The decisions through one way of serving a bundle in Gavel. */
	got: Decision[] | { error: string },
	repro: Record<string, unknown>,
) {
	t.byWay[way] ??= { agree: 0, disagree: 0 };
	const n = s.entrypoints.length * s.inputs.length;
	if (!Array.isArray(got)) {
		// A bundle that does not build or load: every decision it should have given disagrees.
		t.result.disagree += n;
		t.byWay[way].disagree += n;
		t.result.disagreements.push({
			name: `${s.name}: ${way}`,
			repro,
			gavel: Array.isArray(got) ? "(loaded)" : got,
			opa: "(answered)",
			note: "a bundle did not build or load",
		});
		return;
	}
	let i = 0;
	for (const ep of s.entrypoints) {
		for (const input of s.inputs) {
			const [w, g] = [want[i], got[i]];
			i++;
			const orderOnly = !sameDecision(w, g) && sameButOrder(w, g);
			if (orderOnly) t.orderOnly.push(`${s.name}: ${way}: ${ep}`);
			if (orderOnly || sameDecision(w, g)) {
				t.result.agree++;
				t.byWay[way].agree++;
				continue;
			}
			t.result.disagree++;
			t.byWay[way].disagree++;
			const d: Disagreement = {
				name: `${s.name}: ${way}: ${ep}`,
				repro: { ...repro, entrypoint: ep, input },
				gavel: show(g),
				opa: show(w),
			};
			t.result.disagreements.push(d);
		}
	}
}

async function runSubject(opa: string, s: Subject, work: string, t: Tally) {
	const out = join(
		work,
		`${s.name.replace(/[^\w.-]+/g, "_").slice(0, 60)}-${Math.random().toString(36).slice(2, 8)}`,
	);
	mkdirSync(out, { recursive: true });
	const gavelTar = join(out, "gavel.tar.gz");
	const wasmTar = join(out, "opa-wasm.tar.gz");
	const regoTar = join(out, "opa-rego.tar.gz");
	const repro = { dir: s.dir, entrypoints: s.entrypoints };
	const gErr = await gavelBuild(s.dir, s.entrypoints, gavelTar);
	const wBuilt = await opaBuild(opa, [s.dir], {
		output: wasmTar,
		target: "wasm",
		entrypoints: s.entrypoints,
	});
	const rBuilt = await opaBuild(opa, [s.dir], { output: regoTar });
	if (!wBuilt.ok || !rBuilt.ok) {
		// OPA refuses the folder: nothing to compare against.
		t.result.skipped += s.entrypoints.length * s.inputs.length;
		t.opaBuildFailed.push(
			`${s.name}: ${(!wBuilt.ok ? wBuilt.error : !rBuilt.ok ? rBuilt.error : "").slice(0, 300)}`,
		);
		return;
	}
	const own = gErr ? { error: `gavel build: ${gErr}` } : await decideAll(gavelTar, s);
	const fromOpaWasm = await decideAll(wasmTar, s);
	const fromOpaRego = await decideAll(regoTar, s);
	const oracle = await opaDecisions(opa, s);
	// What the decisions were, so an all-errors or all-undefined run cannot pass unseen.
	if (Array.isArray(own))
		for (const d of own) {
			const k =
				"value" in d
					? d.value === false
						? "false"
						: "value"
					: "undefined" in d
						? "undefined"
						: "error";
			t.kinds[k] = (t.kinds[k] ?? 0) + 1;
		}
	// Every way is held to the oracle (opa eval); Gavel's own bundle is one of them, so the
	// others agreeing means they also decide as Gavel's own bundle does.
	compare(t, s, "gavel build bundle", oracle, own, { ...repro, bundle: "gavel build" });
	compare(t, s, "opa build -t wasm bundle in Gavel", oracle, fromOpaWasm, {
		...repro,
		bundle: "opa build -t wasm",
	});
	compare(t, s, "opa build (rego) bundle in Gavel", oracle, fromOpaRego, {
		...repro,
		bundle: "opa build",
	});
	if (s.serve) {
		compare(
			t,
			s,
			"server, file source, opa build -t wasm",
			oracle,
			await serverDecisions({ bundle: { path: wasmTar, watch: false } }, s),
			{ ...repro, bundle: "opa build -t wasm", source: "file" },
		);
		const http = await serveFile(wasmTar);
		try {
			compare(
				t,
				s,
				"server, HTTP source, opa build -t wasm",
				oracle,
				await serverDecisions({ bundle: { url: http.url } }, s),
				{ ...repro, bundle: "opa build -t wasm", source: "http" },
			);
		} finally {
			await http.close();
		}
		compare(
			t,
			s,
			"server, file source, opa build (rego)",
			oracle,
			await serverDecisions({ bundle: { path: regoTar, watch: false } }, s),
			{ ...repro, bundle: "opa build", source: "file" },
		);
	}
	// OPA's tooling reads Gavel's bundle and sees the entrypoints it was built with.
	if (!gErr) {
		t.byWay["opa inspect of Gavel's bundle"] ??= { agree: 0, disagree: 0 };
		const info = await opaInspect(opa, gavelTar);
		const listed = info.ok
			? ((info.info.manifest as { wasm?: { entrypoint: string }[] } | undefined)?.wasm ?? [])
					.map((w) => w.entrypoint)
					.sort()
			: [];
		const want = [...s.entrypoints].sort();
		// Rules marked `entrypoint: true` in METADATA are entrypoints too, as with opa build.
		if (info.ok && want.every((e) => listed.includes(e))) {
			t.result.agree++;
			t.byWay["opa inspect of Gavel's bundle"].agree++;
		} else {
			t.result.disagree++;
			t.byWay["opa inspect of Gavel's bundle"].disagree++;
			t.result.disagreements.push({
				name: `${s.name}: opa inspect of Gavel's bundle`,
				repro,
				gavel: want,
				opa: info.ok ? listed : info.error,
			});
		}
	}
}

export const DEFAULT_CONFORMANCE_SAMPLE = 30;

export const part: Part = async (opts) => {
	const work = mkdtempSync(join(tmpdir(), "gavel-diff-bundles-"));
	const t: Tally = {
		result: {
			part: "bundles",
			agree: 0,
			disagree: 0,
			skipped: 0,
			disagreements: [],
		},
		opaBuildFailed: [],
		kinds: {},
		orderOnly: [],
		byWay: {},
	};
	try {
		const subjects: Subject[] = [];
		if (opts.policies) {
			subjects.push({
				name: relative(process.cwd(), opts.policies) || ".",
				dir: opts.policies,
				entrypoints: opts.entrypoints?.length
					? opts.entrypoints
					: defaultEntrypoints(opts.policies),
				inputs: opts.inputs?.length ? opts.inputs : [{}],
				serve: true,
			});
		} else {
			// A copy without READMEs and such: both builds see exactly the policy files.
			const dir = join(work, "policies");
			mkdirSync(dir);
			copyPolicies(join(repo, "policies"), dir);
			subjects.push({
				name: "policies/",
				dir,
				entrypoints: PROJECT_ENTRYPOINTS,
				inputs: PROJECT_INPUTS,
				serve: true,
			});
			const root = suiteDir();
			if (root)
				subjects.push(
					...conformanceSubjects(root, opts.programs ?? DEFAULT_CONFORMANCE_SAMPLE, work),
				);
		}
		if (subjects[0].entrypoints.length === 0)
			throw new Error("no entrypoints: give them with -e (e.g. -e authz/allow)");
		for (const s of subjects) await runSubject(opts.opa, s, work, t);
		t.result.extra = {
			subjects: subjects.length,
			byWay: t.byWay,
			gavelDecisions: t.kinds,
			/** Same set, another order (OPA's Wasm does not sort sets when it dumps them). */
			orderOnly: t.orderOnly,
			opaBuildFailed: t.opaBuildFailed,
		};
		return t.result;
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
};
