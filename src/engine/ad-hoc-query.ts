// Ad-hoc queries (OPA's Query API, /v1/query): the query is parsed and compiled with the
// active bundle's .rego sources and the uploaded modules by Gavel's compiler, then evaluated
// through the SDK like any policy. Compiled queries are kept in a bounded LRU for the running
// policy; a new policy (bundle, upload) starts an empty one. Node only (the back end).

import { compile } from "../compiler/index.ts";
import { type Module, parseModule, parseQuery, type RegoError, sortErrors } from "../rego/index.ts";
import { EmitError, emitWasm } from "../wasm/index.ts";
import { type ActivePolicy, loadActivePolicy } from "./active-policy.ts";
import type { Engine } from "./engine.ts";
import { QUERY_PLAN, VALUE_VAR, valueQuery } from "./query-eval.ts";

/** A query refused before evaluation: OPA's 400 invalid_parameter, with Rego errors if any. */
export class AdHocQueryError extends Error {
	constructor(
		message: string,
		readonly errors: RegoError[] = [],
	) {
		super(message);
		this.name = "AdHocQueryError";
	}
}

/** Longer queries are refused unparsed: compile time grows with the text, so it is bounded. */
export const MAX_QUERY_BYTES = 16 * 1024;

export interface AdHocResult {
	/** One object of bindings per solution (empty: undefined). */
	results: Record<string, unknown>[];
	compileNs: number;
	evalNs: number;
}

/**
 * One data path segment as a Rego key: a segment spelled as a number is the number, as OPA's
 * Data API reads it (`/v1/data/a/0` is data.a[0], so `01` and `1.0` are 1 too); else a string.
 */
const pathKey = (segment: string) =>
	`[${/^-?\d+(\.\d+)?$/.test(segment) ? String(Number(segment)) : JSON.stringify(segment)}]`;

const ns = (since: number) => Math.round((performance.now() - since) * 1e6);

export class AdHocQueries {
	/** The running policy the cache belongs to, and its parsed sources. */
	private owner: ActivePolicy | undefined;
	private modules: Module[] = [];
	private readonly cache = new Map<string, { policy: ActivePolicy; asValue: boolean }>();

	constructor(
		private readonly engine: Engine,
		private readonly maxEntries = 256,
	) {}

	/** Entries cached for the running policy (for tests and metrics). */
	get size(): number {
		return this.cache.size;
	}

	/**
	 * Compile (or reuse) and evaluate. Throws AdHocQueryError for a query the caller got
	 * wrong; evaluation errors are the engine's PolicyEvalError; undefined: no active policy.
	 */
	async run(text: string, input: unknown): Promise<AdHocResult | undefined> {
		const compileStarted = performance.now();
		const entry = await this.entry(text);
		if (!entry) return undefined;
		const compileNs = ns(compileStarted);
		const evalStarted = performance.now();
		const raw = entry.policy.evaluateAll(QUERY_PLAN, input);
		const results = raw.map((r) => {
			const b = { ...(r as Record<string, unknown>) };
			// The captured value of a one-expression query is Gavel's, not a binding to show.
			if (entry.asValue) delete b[VALUE_VAR];
			return b;
		});
		return { results, compileNs, evalNs: ns(evalStarted) };
	}

	/**
	 * An evaluator of the document at a data path (`["test", "p", "b"]` is `data.test.p.b`),
	 * compiled like a query: how the Data API answers a path inside a rule document whose keys
	 * are computed, which has no entrypoint of its own. Undefined when the running policy has no
	 * sources to compile with; a path the type checker refuses throws AdHocQueryError.
	 */
	async documentAt(path: readonly string[]): Promise<((input: unknown) => unknown) | undefined> {
		const sources = this.engine.querySources();
		if (!sources || (sources.bundle && !sources.bundle.rego)) return undefined;
		const entry = await this.entry(`data${path.map(pathKey).join("")}`);
		if (!entry) return undefined;
		return (input) => {
			const [first] = entry.policy.evaluateAll(QUERY_PLAN, input) as Record<string, unknown>[];
			return first?.[VALUE_VAR];
		};
	}

	/** The compiled query for the running policy, from the cache or compiled now. */
	private async entry(
		text: string,
	): Promise<{ policy: ActivePolicy; asValue: boolean } | undefined> {
		const sources = this.engine.querySources();
		if (!sources) return undefined;
		if (new TextEncoder().encode(text).length > MAX_QUERY_BYTES)
			throw new AdHocQueryError(`the query exceeds ${MAX_QUERY_BYTES} bytes`);
		if (text.trim() === "") throw new AdHocQueryError("cannot evaluate empty query");
		if (sources.bundle && !sources.bundle.rego) {
			throw new AdHocQueryError(
				"the active bundle carries policy.wasm without its .rego sources: ad-hoc queries cannot be compiled against it (build the bundle with its sources, as gavel build and opa build do)",
			);
		}
		if (this.owner !== sources.active) {
			this.owner = sources.active;
			this.cache.clear();
			this.modules = this.parseSources(sources.bundle?.rego, sources.regoVersion);
			this.modules.push(...sources.uploaded);
		}
		let entry = this.cache.get(text);
		if (entry) {
			// Most recently used last: Map keeps insertion order.
			this.cache.delete(text);
			this.cache.set(text, entry);
		} else {
			entry = await this.compile(text, sources.regoVersion, sources.active, sources.loadOptions);
			// The policy may have changed while this compiled: keep it only for its own policy.
			if (this.owner === sources.active) {
				this.cache.set(text, entry);
				while (this.cache.size > this.maxEntries) {
					const oldest = this.cache.keys().next().value as string;
					this.cache.delete(oldest);
				}
			}
		}
		return entry;
	}

	private parseSources(rego: ReadonlyMap<string, string> | undefined, v: 0 | 1): Module[] {
		const modules: Module[] = [];
		const errors: RegoError[] = [];
		for (const [file, source] of rego ?? []) {
			const r = parseModule(source, file, { regoVersion: v });
			if (r.module) modules.push(r.module);
			errors.push(...r.errors);
		}
		// The bundle was compiled from these when it was built; failing now is not the caller's.
		if (errors.length > 0)
			throw new Error(`the active bundle's sources do not parse: ${errors[0].message}`);
		return modules;
	}

	private async compile(
		text: string,
		regoVersion: 0 | 1,
		active: ActivePolicy,
		loadOptions: Parameters<typeof loadActivePolicy>[1],
	): Promise<{ policy: ActivePolicy; asValue: boolean }> {
		// OPA locates a query's errors in the file "".
		const parsed = parseQuery(text, { regoVersion, file: "" });
		if (!parsed.body || parsed.errors.length > 0)
			throw new AdHocQueryError("error(s) occurred while parsing query", parsed.errors);
		// One expression without variables: OPA keeps its value (even false) and answers [{}].
		const asValue = valueQuery(parsed.body);
		const { policy, errors } = compile({
			modules: this.modules,
			queries: [{ name: QUERY_PLAN, body: asValue ?? parsed.body }],
		});
		if (!policy || errors.length > 0)
			throw new AdHocQueryError("error(s) occurred while compiling query", sortErrors(errors));
		let wasm: Uint8Array;
		try {
			wasm = emitWasm(policy);
		} catch (e) {
			if (e instanceof EmitError)
				throw new AdHocQueryError(`the query cannot be compiled to Wasm: ${e.message}`);
			throw e;
		}
		const loaded = await loadActivePolicy(
			{
				manifest: { revision: active.revision, wasm: [{ entrypoint: QUERY_PLAN, module: "" }] },
				wasm,
				data: active.data ?? {},
			},
			loadOptions,
		);
		return { policy: loaded, asValue: asValue !== undefined };
	}
}
