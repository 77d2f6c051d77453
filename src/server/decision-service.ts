// The decision itself, shared by every route: evaluate (or answer from cache), interpret the
// policy's result, count it and log it. Fail closed: no bundle, an evaluation error, an
// undefined result or a result of the wrong shape are all a deny with `error` set, never a
// thrown exception reaching HTTP.

import type { InputShape } from "../compiler/input-shape.ts";
import type { Engine } from "../engine/index.ts";
import { jsonText } from "../engine/input-projection.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { DecisionCache } from "./decision-cache.ts";
import { idJson, newId } from "./decision-id.ts";
import { type DecisionLogEntry, type DecisionLogger, nullLogger } from "./decision-log.ts";
import type { PolicyInput } from "./input.ts";
import type { DecisionOutcome, Metrics } from "./metrics.ts";
import type { DecisionTrace, Tracing } from "./tracing.ts";

export interface Decision {
	decision_id: string;
	allow: boolean;
	reasons?: unknown;
	obligations?: unknown;
	policy: string;
	revision: string | null;
	cached: boolean;
	error?: { code: string; message: string };
}

export interface DecideOptions {
	bypassCache?: boolean;
	/**
	 * Stands for input.subject in the cache key when the subject is fully determined by it
	 * (the bearer token it was verified from): cheaper than canonicalising every claim.
	 */
	subjectKey?: string;
	/** The subject token's exp (seconds): cache entries never outlive it. */
	expiresAt?: number;
	requestedBy?: string;
	/**
	 * A key that alone determines the policy and the input (e.g. the exact body text with the
	 * token and request fields), used instead of the input's canonical JSON. Entries stored
	 * under it are found by cachedDecision before the body is even parsed.
	 */
	requestKey?: string;
	/** JSON.stringify(input), or JSON of the same meaning, when the caller already has it. */
	inputJson?: string;
}

export interface RawResult {
	/** Only when decisions are logged, as OPA's server answers (an id no log holds names nothing). */
	decision_id?: string;
	/** Time spent, for the Data API's ?metrics. */
	timer_server_handler_ns: number;
	/** undefined when the document is undefined. */
	result: unknown;
	revision: string;
}

export type NoBundle = { error: "no_bundle" };
export type UnknownPolicy = { error: "unknown_policy" };

/**
 * The input as the cache key sees it. With a subject key (the bearer token the claims were
 * verified from) the claims are not serialised at all; `request` and `peer` are built by the
 * server in a fixed key order, so plain JSON is already canonical for them; only the parts
 * the client wrote need sorting. Any other input is canonicalised whole.
 */
export function inputKey(input: unknown, subjectKey: string | undefined): string {
	if (subjectKey === undefined || input === null || typeof input !== "object")
		return canonicalJson(input);
	const i = input as PolicyInput;
	return `${subjectKey}\u0000${JSON.stringify(i.request)}\u0000${JSON.stringify(i.peer ?? null)}\u0000${canonicalJson(i.action)}\u0000${canonicalJson(i.resource)}\u0000${canonicalJson(i.context)}`;
}

let quotedFor = "";
let quoted = '""';
/** JSON.stringify(s), remembered for the last string (a policy name or revision repeats). */
function quote(s: string): string {
	if (s !== quotedFor) {
		quotedFor = s;
		quoted = JSON.stringify(s);
	}
	return quoted;
}

/**
 * JSON.stringify(d), the same text: the common decision (no reasons, obligations or error) is
 * written from its five fields directly.
 */
export function decisionJson(d: Decision): string {
	if (d.reasons !== undefined || d.obligations !== undefined || d.error !== undefined)
		return JSON.stringify(d);
	return `{"decision_id":${idJson(d.decision_id)}${after(d.policy, d.revision)[(d.allow ? 2 : 0) + (d.cached ? 1 : 0)]}`;
}

// What follows the id in a common decision, for the last policy and revision (consecutive
// decisions mostly share them): the four texts of allow × cached, each made once.
let afterFor: { policy: string; revision: string | null } = { policy: "", revision: "" };
let afterTexts: string[] = [];
function after(policy: string, revision: string | null): string[] {
	if (afterTexts.length === 0 || afterFor.policy !== policy || afterFor.revision !== revision) {
		const head = `,"policy":${quote(policy)},"revision":${revision === null ? "null" : jsonText(revision)},"cached":`;
		afterTexts = [
			`,"allow":false${head}false}`,
			`,"allow":false${head}true}`,
			`,"allow":true${head}false}`,
			`,"allow":true${head}true}`,
		];
		afterFor = { policy, revision };
	}
	return afterTexts;
}

/** A boolean, or an object with a boolean `allow` (and optional reasons / obligations). */
export function interpret(
	result: unknown,
): { allow: boolean; reasons?: unknown; obligations?: unknown } | { error: string } {
	if (typeof result === "boolean") return { allow: result };
	if (result === undefined) return { error: "policy result is undefined" };
	if (result !== null && typeof result === "object" && !Array.isArray(result)) {
		const r = result as Record<string, unknown>;
		if (typeof r.allow === "boolean") {
			const out: { allow: boolean; reasons?: unknown; obligations?: unknown } = { allow: r.allow };
			if (r.reasons !== undefined) out.reasons = r.reasons;
			if (r.obligations !== undefined) out.obligations = r.obligations;
			return out;
		}
	}
	return { error: "policy result is neither a boolean nor an object with a boolean allow" };
}

export class DecisionService {
	constructor(
		private readonly engine: Engine,
		private readonly metrics: Metrics,
		private readonly logger: DecisionLogger,
		private readonly cache: DecisionCache | undefined,
		private readonly now: () => number = () => performance.now(),
		/** Unset (tracing off): no span, no trace object, nothing but `undefined?.` checks. */
		private readonly tracing?: Tracing,
	) {}

	/** Whether there is a decision cache: callers skip making keys for none. */
	get caching(): boolean {
		return this.cache !== undefined;
	}

	/** Whether decisions are logged: callers skip gathering what only the log reads. */
	get logs(): boolean {
		return this.logger !== nullLogger;
	}

	/**
	 * What of `input` the active policy's entrypoint can observe (see ActivePolicy.inputShape):
	 * a caller serialising the input itself may leave the rest out of DecideOptions.inputJson.
	 */
	inputShape(policy: string): InputShape | undefined {
		return this.engine.current()?.inputShape(policy);
	}

	/** Gavel's decision (allow + reasons + obligations); always returns, never throws. */
	decide(policy: string, input: unknown, options: DecideOptions = {}): Decision {
		const started = this.now();
		const id = newId();
		const t = this.tracing?.decision();
		const active = this.engine.current();
		if (!active) {
			return this.deny(
				id,
				policy,
				input,
				options,
				started,
				"no_bundle",
				"no policy bundle is active",
				null,
				t,
			);
		}
		if (!active.hasEntrypoint(policy)) {
			const message = `no entrypoint ${policy} in the active bundle`;
			return this.deny(
				id,
				policy,
				input,
				options,
				started,
				"unknown_policy",
				message,
				active.revision,
				t,
			);
		}
		const useCache = this.cache !== undefined && !options.bypassCache;
		const lookup = useCache ? t?.step("gavel.cache.lookup") : undefined;
		const key = useCache
			? this.cache?.keyOf(active.revision, policy, inputKey(input, options.subjectKey))
			: undefined;
		const hit = key !== undefined ? this.cache?.get(key) : undefined;
		lookup?.end({ "gavel.cache.key": "input", "gavel.cache.hit": hit !== undefined });
		let result: unknown;
		if (hit) {
			result = hit.result;
		} else {
			const evaluation = t?.step("gavel.evaluate");
			try {
				result = active.evaluate(policy, input, options.inputJson);
				evaluation?.end();
			} catch (e) {
				const err = e as { code?: string; message?: string };
				const code = err.code ?? "eval_internal_error";
				evaluation?.end(undefined, code);
				return this.deny(
					id,
					policy,
					input,
					options,
					started,
					code,
					err.message ?? String(e),
					active.revision,
					t,
				);
			}
		}
		if (useCache) this.metrics.cache(hit !== undefined);
		const meaning = interpret(result);
		if ("error" in meaning) {
			const code = result === undefined ? "undefined_result" : "unexpected_result";
			return this.deny(
				id,
				policy,
				input,
				options,
				started,
				code,
				meaning.error,
				active.revision,
				t,
			);
		}
		// Only well-formed results are cached: an error should be retried, not remembered.
		if (!hit && key !== undefined) {
			this.cache?.set(key, { result, revision: active.revision }, options.expiresAt);
		}
		// The same result under the request key too, so the identical request is answered
		// before its body is parsed (a reordered body still meets the canonical entry above).
		// A request key names the policy itself: its entries live under the empty entrypoint
		// (no real entrypoint is empty) and keep the policy in the value.
		if (key !== undefined && options.requestKey !== undefined) {
			this.cache?.set(
				this.cache.keyOf(active.revision, "", options.requestKey),
				{ result, revision: active.revision, policy },
				options.expiresAt,
			);
		}
		const d: Decision = {
			decision_id: id,
			allow: meaning.allow,
			policy,
			revision: active.revision,
			cached: hit !== undefined,
		};
		if (meaning.reasons !== undefined) d.reasons = meaning.reasons;
		if (meaning.obligations !== undefined) d.obligations = meaning.obligations;
		return this.finish(d, meaning.allow ? "allow" : "deny", input, options, started, result, t);
	}

	/**
	 * The decision for a request key (see DecideOptions.requestKey) when it is cached, else
	 * undefined and nothing is counted: the caller then builds the input and calls decide.
	 * The input is only built (inputOf; callers pass none while `logs` is false) when the
	 * decision log needs it. `json` is the
	 * decision serialised, from a per-entry serialisation of everything but the id.
	 */
	cachedDecision(
		requestKey: string,
		inputOf: (() => unknown) | undefined,
		options: DecideOptions = {},
	): { decision: Decision; json: string } | undefined {
		if (this.cache === undefined || options.bypassCache) return undefined;
		const active = this.engine.current();
		if (!active) return undefined;
		const started = this.now();
		// On a miss the same trace goes on into decide(), the request's one decision.
		const t = this.tracing?.decision();
		const lookup = t?.step("gavel.cache.lookup");
		const hit = this.cache.get(this.cache.keyOf(active.revision, "", requestKey));
		lookup?.end({ "gavel.cache.key": "request", "gavel.cache.hit": hit?.policy !== undefined });
		if (hit?.policy === undefined) return undefined;
		const meaning = interpret(hit.result);
		if ("error" in meaning) return undefined;
		this.metrics.cache(true);
		const d: Decision = {
			decision_id: newId(),
			allow: meaning.allow,
			policy: hit.policy,
			revision: active.revision,
			cached: true,
		};
		if (meaning.reasons !== undefined) d.reasons = meaning.reasons;
		if (meaning.obligations !== undefined) d.obligations = meaning.obligations;
		// Key order as JSON.stringify(d) gives it: decision_id first, then the rest.
		hit.hitJsonTail ??= JSON.stringify({ ...d, decision_id: undefined }).slice(1);
		const json = `{"decision_id":"${d.decision_id}",${hit.hitJsonTail}`;
		const input = this.logger === nullLogger ? undefined : inputOf?.();
		this.finish(d, meaning.allow ? "allow" : "deny", input, options, started, hit.result, t);
		return { decision: d, json };
	}

	private deny(
		id: string,
		policy: string,
		input: unknown,
		options: DecideOptions,
		started: number,
		code: string,
		message: string,
		revision: string | null,
		t: DecisionTrace | undefined,
	): Decision {
		const d: Decision = {
			decision_id: id,
			allow: false,
			policy,
			revision,
			cached: false,
			error: { code, message },
		};
		return this.finish(d, "error", input, options, started, undefined, t);
	}

	/** Count and log a decision. */
	private finish(
		d: Decision,
		outcome: DecisionOutcome,
		input: unknown,
		options: DecideOptions,
		started: number,
		result: unknown,
		t: DecisionTrace | undefined,
	): Decision {
		const seconds = (this.now() - started) / 1000;
		this.metrics.decision(d.policy, outcome, seconds);
		if (this.logger === nullLogger) {
			t?.end(traceAttributes(d, outcome), d.error?.code);
			return d;
		}
		const logging = t?.step("gavel.decision_log");
		const entry: DecisionLogEntry = {
			decision_id: d.decision_id,
			timestamp: new Date().toISOString(),
			path: d.policy,
			input,
			result,
			bundles: d.revision !== null ? { gavel: { revision: d.revision } } : undefined,
			requested_by: options.requestedBy,
			error: d.error,
			cached: d.cached,
			metrics: { timer_server_handler_ns: Math.round(seconds * 1e9) },
		};
		if (t) {
			entry.trace_id = t.traceId;
			entry.span_id = t.spanId;
		}
		this.logger.log(entry);
		logging?.end();
		t?.end(traceAttributes(d, outcome), d.error?.code);
		return d;
	}

	/**
	 * OPA Data API semantics: the document at a path. An entrypoint is evaluated; a path into
	 * the base data is looked up; a prefix of entrypoints is assembled from those below it.
	 */
	query(
		path: string,
		input: unknown,
		requestedBy?: string,
		reqId?: number,
		/** The document's own evaluator, for a path inside a rule document (see insideRuleDocument). */
		evaluateDocument?: (input: unknown) => unknown,
	): RawResult | NoBundle | UnknownPolicy {
		const started = this.now();
		const active = this.engine.current();
		if (!active) return { error: "no_bundle" };
		const t = this.tracing?.decision();
		const logs = this.logger !== nullLogger;
		// The id names the log entry (and the trace span); with neither there is nothing to name.
		const id = logs || t !== undefined ? newId() : "";
		const norm = path.startsWith("/") || path.endsWith("/") ? path.replace(/^\/+|\/+$/g, "") : path;
		let result: unknown;
		let outcome: DecisionOutcome = "allow";
		let error: { code: string; message: string } | undefined;
		const evaluation = t?.step("gavel.evaluate");
		try {
			result = evaluateDocument ? evaluateDocument(input) : this.document(norm, input);
		} catch (e) {
			const err = e as { code?: string; message?: string };
			error = { code: err.code ?? "eval_internal_error", message: err.message ?? String(e) };
			outcome = "error";
		}
		evaluation?.end(undefined, error?.code);
		if (!error) {
			const m = interpret(result);
			outcome =
				"error" in m ? (result === undefined ? "deny" : "allow") : m.allow ? "allow" : "deny";
		}
		const seconds = (this.now() - started) / 1000;
		// Only paths the bundle defines name a series; any other path (base data, or nothing)
		// counts as "data", so request paths cannot multiply the metric's series.
		const defined =
			norm !== "" && active.entrypoints.some((e) => e === norm || e.startsWith(`${norm}/`));
		this.metrics.decision(defined ? norm : "data", outcome, seconds);
		if (logs) {
			const logging = t?.step("gavel.decision_log");
			const entry: DecisionLogEntry = {
				decision_id: id,
				timestamp: new Date().toISOString(),
				path: norm,
				input,
				result,
				bundles: { gavel: { revision: active.revision } },
				requested_by: requestedBy,
				req_id: reqId,
				error,
				metrics: { timer_server_handler_ns: Math.round(seconds * 1e9) },
			};
			if (t) {
				entry.trace_id = t.traceId;
				entry.span_id = t.spanId;
			}
			this.logger.log(entry);
			logging?.end();
		}
		t?.end(
			{
				"gavel.decision_id": id,
				"gavel.policy": norm,
				"gavel.revision": active.revision,
				"gavel.outcome": outcome,
			},
			error?.code,
		);
		const decisionId = logs ? id : undefined;
		if (error) {
			throw Object.assign(new Error(error.message), { code: error.code, decision_id: decisionId });
		}
		return {
			decision_id: decisionId,
			result,
			revision: active.revision,
			timer_server_handler_ns: Math.round(seconds * 1e9),
		};
	}

	private document(path: string, input: unknown): unknown {
		const active = this.engine.current();
		if (!active) return undefined;
		// A path names a rule only spelled with slashes: hasEntrypoint also accepts dotted
		// names, and "a.b" in a URL is one key, as in OPA.
		const rule =
			path !== "" &&
			(path.includes(".") ? active.entrypoints.includes(path) : active.hasEntrypoint(path));
		if (rule) return active.evaluate(path, input);
		const segs = path === "" ? [] : path.split("/");
		let base: unknown = active.data;
		for (const s of segs) base = childOf(base, s);
		const prefix = path === "" ? "" : `${path}/`;
		const below = active.entrypoints.filter((e) => e.startsWith(prefix));
		if (below.length === 0) return base;
		// Copied only along the paths the rules' values are written to: a deep clone of the
		// whole base document (structuredClone recurses) overflows the stack on deep data.
		const isRecord = (v: unknown): v is Record<string, unknown> =>
			v !== null && typeof v === "object" && !Array.isArray(v);
		const out: Record<string, unknown> = isRecord(base) ? { ...base } : {};
		const copied = new WeakSet<object>([out]);
		for (const ep of below) {
			const value = active.evaluate(ep, input);
			if (value === undefined) continue;
			const keys = ep.slice(prefix.length).split("/");
			let node = out;
			for (const k of keys.slice(0, -1)) {
				const child = node[k];
				if (!isRecord(child) || !copied.has(child)) {
					const copy = isRecord(child) ? { ...child } : {};
					copied.add(copy);
					node[k] = copy;
				}
				node = node[k] as Record<string, unknown>;
			}
			node[keys[keys.length - 1]] = value;
		}
		return out;
	}
}

/**
 * Whether a data path lies strictly inside a rule document (`test/p/b/r` under the entrypoint
 * `test/p`, a document whose keys are computed): no entrypoint of its own or below it, so the
 * document's value cannot be assembled from entrypoints. Walking the rule's JSON value would
 * be wrong: a set and an array, the key 1 and the key "1" are the same in JSON.
 */
export function insideRuleDocument(entrypoints: readonly string[], path: string): boolean {
	if (path === "") return false;
	const prefix = `${path}/`;
	if (entrypoints.some((e) => e === path || e.startsWith(prefix))) return false;
	return entrypoints.some((e) => path.startsWith(`${e}/`));
}

/** What a decision's span says of it: ids and labels, never the input or the token. */
function traceAttributes(d: Decision, outcome: DecisionOutcome): Record<string, string | boolean> {
	const a: Record<string, string | boolean> = {
		"gavel.decision_id": d.decision_id,
		"gavel.policy": d.policy,
		"gavel.outcome": outcome,
		"gavel.cached": d.cached,
	};
	if (d.revision !== null) a["gavel.revision"] = d.revision;
	if (d.error) a["gavel.error.code"] = d.error.code;
	return a;
}

/** One step down a JSON document: an object's own key, or an array's index (as OPA's paths). */
function childOf(doc: unknown, segment: string): unknown {
	if (Array.isArray(doc)) return /^(0|[1-9]\d*)$/.test(segment) ? doc[Number(segment)] : undefined;
	// Own keys only: "constructor" or "__proto__" are not documents.
	if (doc !== null && typeof doc === "object" && Object.hasOwn(doc, segment)) {
		return (doc as Record<string, unknown>)[segment];
	}
	return undefined;
}
