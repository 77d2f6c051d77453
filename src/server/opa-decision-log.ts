// Decision logs in OPA's event format, for deployments configured with OPA's decision_logs:
// each decision becomes OPA's event (labels, decision_id, bundles, path, input, result,
// erased, masked, error, requested_by, timestamp, metrics), dropped when the policy's
// data.system.log.drop says so and masked by its data.system.log.mask, both evaluated with
// the event as input, as OPA does. Events go to the console as OPA's log lines and/or are
// uploaded as gzip JSON arrays to <service>/logs through the HTTP sink.

import type { Engine } from "../engine/index.ts";
import type { DecisionLogEntry, DecisionLogger } from "./decision-log.ts";
import type { HttpDecisionLogger } from "./decision-log-http.ts";

export interface OpaEvent {
	labels: Record<string, string>;
	decision_id: string;
	bundles?: Record<string, { revision: string }>;
	path: string;
	input?: unknown;
	result?: unknown;
	erased?: string[];
	masked?: string[];
	error?: { code: string; message: string };
	requested_by?: string;
	timestamp: string;
	metrics: Record<string, number>;
	req_id?: number;
	trace_id?: string;
	span_id?: string;
}

export interface OpaDecisionLoggerOptions {
	engine: Engine;
	/** id, version and the configured labels. */
	labels: Record<string, string>;
	/** The configured bundle's name, for `bundles` ({name: {revision}}). */
	bundleName?: string;
	maskDecision: string;
	dropDecision: string;
	/** Console lines (OPA's logger format); unset: no console logging. */
	console?: (line: string) => void;
	/** The upload sink (<service>/logs, gzip); unset: no uploads. */
	sink?: HttpDecisionLogger;
	onError?: (message: string) => void;
}

type Node = Record<string, unknown> | unknown[];
const isNode = (v: unknown): v is Node => v !== null && typeof v === "object";

function pointerSegments(p: string): string[] | undefined {
	if (!p.startsWith("/")) return undefined;
	return p
		.split("/")
		.slice(1)
		.map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Only the event's input and result may be masked (OPA's rule for mask paths). */
const MASKABLE = new Set(["input", "result"]);

/** Remove what a pointer names; true when there was something to remove. */
function removeAt(root: Record<string, unknown>, segs: string[]): boolean {
	let node: unknown = root;
	for (const s of segs.slice(0, -1)) {
		if (!isNode(node)) return false;
		node = Array.isArray(node) ? node[Number(s)] : (node as Record<string, unknown>)[s];
	}
	const last = segs[segs.length - 1];
	if (Array.isArray(node)) {
		if (!/^(0|[1-9]\d*)$/.test(last) || Number(last) >= node.length) return false;
		node.splice(Number(last), 1);
		return true;
	}
	if (!isNode(node) || !Object.hasOwn(node, last)) return false;
	delete (node as Record<string, unknown>)[last];
	return true;
}

/** Set what a pointer names, creating the objects on the way (as OPA's upsert does). */
function upsertAt(root: Record<string, unknown>, segs: string[], value: unknown): boolean {
	let node: Record<string, unknown> = root;
	for (const s of segs.slice(0, -1)) {
		const next = node[s];
		if (Array.isArray(next)) return false;
		if (!isNode(next)) node[s] = {};
		node = node[s] as Record<string, unknown>;
	}
	node[segs[segs.length - 1]] = value;
	return true;
}

/**
 * Apply a mask rule's value (a set: strings to erase, or {op: "remove"|"upsert", path, value})
 * to an event in place; returns what was erased and what was masked, in the rule's order.
 */
export function applyOpaMask(
	event: Record<string, unknown>,
	mask: unknown,
	onError?: (m: string) => void,
): { erased: string[]; masked: string[] } {
	const erased: string[] = [];
	const masked: string[] = [];
	const items = Array.isArray(mask) ? mask : [];
	for (const item of items) {
		let op = "remove";
		let path: unknown = item;
		let value: unknown;
		if (isNode(item) && !Array.isArray(item)) {
			op = typeof item.op === "string" ? item.op : "remove";
			path = item.path;
			value = item.value;
		}
		const segs = typeof path === "string" ? pointerSegments(path) : undefined;
		if (
			!segs ||
			segs.length === 0 ||
			!MASKABLE.has(segs[0]) ||
			(op !== "remove" && op !== "upsert")
		) {
			onError?.(
				`decision log mask: ignored ${JSON.stringify(item)} (a path under /input or /result, op remove or upsert)`,
			);
			continue;
		}
		if (op === "remove") {
			if (segs.length === 1) {
				if (segs[0] in event) {
					delete event[segs[0]];
					erased.push(path as string);
				}
			} else if (removeAt(event, segs)) erased.push(path as string);
		} else if (segs.length === 1) {
			event[segs[0]] = value;
			masked.push(path as string);
		} else {
			if (!isNode(event[segs[0]])) event[segs[0]] = {};
			if (upsertAt(event, segs, value)) masked.push(path as string);
		}
	}
	return { erased, masked };
}

/** Go's RFC3339Nano: fractional seconds without trailing zeros, none when whole. */
export function rfc3339Nano(d: Date): string {
	return d.toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : "Z"));
}

/** OPA's JSON log line: the fields sorted by name, as its logger writes them. */
function consoleLine(event: OpaEvent): string {
	const fields: Record<string, unknown> = {
		...event,
		error: event.error ? `${event.error.code}: ${event.error.message}` : undefined,
		level: "info",
		msg: "Decision Log",
		time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
		type: "openpolicyagent.org/decision_logs",
	};
	const sorted: Record<string, unknown> = {};
	for (const k of Object.keys(fields).sort()) if (fields[k] !== undefined) sorted[k] = fields[k];
	return `${JSON.stringify(sorted)}\n`;
}

export function createOpaDecisionLogger(options: OpaDecisionLoggerOptions): DecisionLogger {
	const { engine, labels } = options;
	/** Evaluate a log rule (drop or mask) with the event as input; undefined when absent or failing. */
	const rule = (path: string, event: unknown): unknown => {
		const active = engine.current();
		if (!active?.hasEntrypoint(path)) return undefined;
		try {
			return active.evaluate(path, event);
		} catch (e) {
			options.onError?.(`decision log: ${path} failed: ${(e as Error).message}`);
			return undefined;
		}
	};
	return {
		log(entry: DecisionLogEntry) {
			const metrics: Record<string, number> = {
				counter_server_query_cache_hit: entry.cached ? 1 : 0,
				timer_server_handler_ns: entry.metrics.timer_server_handler_ns,
			};
			const revision = entry.bundles ? Object.values(entry.bundles)[0]?.revision : undefined;
			const bundles =
				revision !== undefined ? { [options.bundleName ?? "gavel"]: { revision } } : undefined;
			// The event the rules see: OPA's fields, before masking.
			const draft: Record<string, unknown> = {
				labels,
				decision_id: entry.decision_id,
				bundles,
				path: entry.path,
				input: entry.input,
				result: entry.result,
				error: entry.error,
				requested_by: entry.requested_by,
				timestamp: rfc3339Nano(new Date(entry.timestamp)),
				metrics,
			};
			for (const k of Object.keys(draft)) if (draft[k] === undefined) delete draft[k];
			if (rule(options.dropDecision, draft) === true) return;
			const mask = rule(options.maskDecision, draft);
			let erased: string[] = [];
			let masked: string[] = [];
			const work = mask === undefined ? draft : structuredClone(draft);
			if (mask !== undefined) ({ erased, masked } = applyOpaMask(work, mask, options.onError));
			// OPA's field order.
			const event: OpaEvent = {
				labels,
				decision_id: entry.decision_id,
				bundles,
				path: entry.path,
				input: work.input,
				result: work.result,
				erased: erased.length > 0 ? erased : undefined,
				masked: masked.length > 0 ? masked : undefined,
				error: entry.error,
				requested_by: entry.requested_by,
				timestamp: draft.timestamp as string,
				metrics,
				req_id: entry.req_id,
				trace_id: entry.trace_id,
				span_id: entry.span_id,
			};
			for (const k of Object.keys(event) as (keyof OpaEvent)[])
				if (event[k] === undefined) delete event[k];
			options.console?.(consoleLine(event));
			options.sink?.send(event);
		},
	};
}
