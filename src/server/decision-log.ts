// One JSON line per decision, in OPA's decision-log shape (decision_id, timestamp, path,
// input, result, bundles, requested_by, metrics), with configured JSON pointers erased from
// the entry the way OPA's system.log.mask "remove" does, and listed under `erased`.

export interface DecisionLogEntry {
	decision_id: string;
	timestamp: string;
	path: string;
	input?: unknown;
	result?: unknown;
	bundles?: Record<string, { revision: string }>;
	requested_by?: string;
	/** The server's number for the HTTP request (OPA's req_id: every request counts). */
	req_id?: number;
	error?: { code: string; message: string };
	cached?: boolean;
	metrics: { timer_server_handler_ns: number };
	/** The decision's trace and span (32 and 16 hex digits), when tracing is on. */
	trace_id?: string;
	span_id?: string;
	erased?: string[];
}

export interface DecisionLogger {
	log(entry: DecisionLogEntry): void;
}

function unescapePointer(seg: string): string {
	return seg.replaceAll("~1", "/").replaceAll("~0", "~");
}

function escapePointer(seg: string): string {
	return seg.replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * A mask pointer's segments. `*` stands for any one key or array index, `**` for any run of
 * them (none included), so one mask reaches every element of an array or a field wherever
 * a route's input shape puts it.
 */
function segmentsOf(pointer: string): string[] {
	return pointer.split("/").slice(1).map(unescapePointer);
}

type Node = Record<string, unknown> | unknown[];

const isNode = (v: unknown): v is Node => v !== null && typeof v === "object";

/** The keys of a node, as pointer segments (array indexes as decimal strings). */
function keysOf(node: Node): string[] {
	return Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node);
}

function has(node: Node, key: string): boolean {
	if (Array.isArray(node)) {
		const i = Number(key);
		return /^(0|[1-9]\d*)$/.test(key) && i < node.length;
	}
	return Object.hasOwn(node, key);
}

/**
 * Collect the concrete paths (segment lists) a mask names in `node`. `**` tries the rest of
 * the mask here and at every node below; `seen` keeps a path reached twice (e.g. through `**` and `*`) once.
 */
function matches(
	node: unknown,
	segs: readonly string[],
	i: number,
	prefix: string[],
	out: string[][],
	seen: Set<string>,
): void {
	if (!isNode(node)) return;
	const seg = segs[i];
	const last = i === segs.length - 1;
	if (seg === "**") {
		// A trailing ** is "everything below": the same as a trailing *.
		if (last) {
			matches(node, [...segs.slice(0, i), "*"], i, prefix, out, seen);
			return;
		}
		matches(node, segs, i + 1, prefix, out, seen);
		for (const k of keysOf(node)) {
			matches((node as Record<string, unknown>)[k], segs, i, [...prefix, k], out, seen);
		}
		return;
	}
	const keys = seg === "*" ? keysOf(node) : has(node, seg) ? [seg] : [];
	for (const k of keys) {
		const path = [...prefix, k];
		if (last) {
			const id = path.map(escapePointer).join("/");
			if (!seen.has(id)) {
				seen.add(id);
				out.push(path);
			}
		} else matches((node as Record<string, unknown>)[k], segs, i + 1, path, out, seen);
	}
}

/**
 * Remove what the masks name from `root` (a structured clone), and return the concrete
 * pointers removed. All matches are found before anything is removed, and array elements go
 * from the highest index down, so removing one never shifts another that is still to go.
 */
function erase(root: Record<string, unknown>, masks: readonly (readonly string[])[]): string[] {
	const paths: string[][] = [];
	const seen = new Set<string>();
	for (const segs of masks) if (segs.length > 0) matches(root, segs, 0, [], paths, seen);
	// Deepest first, then by parent, and within one parent by descending index: a total order.
	const ids = paths.map((p) => `/${p.map(escapePointer).join("/")}`);
	const parentOf = (p: string[]) => p.slice(0, -1).map(escapePointer).join("/");
	const order = paths
		.map((p, n) => ({ p, n, parent: parentOf(p), key: p[p.length - 1] }))
		.sort((a, b) => {
			if (a.p.length !== b.p.length) return b.p.length - a.p.length;
			if (a.parent !== b.parent) return a.parent < b.parent ? -1 : 1;
			const an = Number(a.key);
			const bn = Number(b.key);
			if (Number.isInteger(an) && Number.isInteger(bn)) return bn - an;
			return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
		});
	const removed = new Set<number>();
	for (const { p, n } of order) {
		let node: unknown = root;
		for (const seg of p.slice(0, -1)) {
			if (!isNode(node)) break;
			node = (node as Record<string, unknown>)[seg];
		}
		const key = p[p.length - 1];
		if (!isNode(node) || !has(node, key)) continue;
		if (Array.isArray(node)) node.splice(Number(key), 1);
		else delete node[key];
		removed.add(n);
	}
	// Listed in the order the masks name them.
	const erased = ids.filter((_, n) => removed.has(n));
	return erased;
}

/** A masking function for a list of pointers, parsed once. */
export function createMasker(
	mask: readonly string[],
): (entry: DecisionLogEntry) => DecisionLogEntry {
	if (mask.length === 0) return (entry) => entry;
	const masks = mask.map(segmentsOf);
	return (entry) => {
		const copy = structuredClone(entry) as unknown as Record<string, unknown>;
		const erased = erase(copy, masks);
		if (erased.length > 0) copy.erased = erased;
		return copy as unknown as DecisionLogEntry;
	};
}

export function maskEntry(entry: DecisionLogEntry, mask: readonly string[]): DecisionLogEntry {
	return createMasker(mask)(entry);
}

export function createJsonLineLogger(
	write: (line: string) => void,
	mask: readonly string[] = [],
): DecisionLogger {
	const masked = createMasker(mask);
	return {
		log(entry) {
			write(`${JSON.stringify(masked(entry))}\n`);
		},
	};
}

export const nullLogger: DecisionLogger = { log() {} };
