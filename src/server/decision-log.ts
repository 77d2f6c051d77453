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
	error?: { code: string; message: string };
	cached?: boolean;
	metrics: { timer_server_handler_ns: number };
	erased?: string[];
}

export interface DecisionLogger {
	log(entry: DecisionLogEntry): void;
}

function unescapePointer(seg: string): string {
	return seg.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** Remove the value a JSON pointer names, on a structured clone. True if something was removed. */
function erase(root: Record<string, unknown>, pointer: string): boolean {
	const segs = pointer.split("/").slice(1).map(unescapePointer);
	let node: unknown = root;
	for (const seg of segs.slice(0, -1)) {
		if (node === null || typeof node !== "object") return false;
		node = (node as Record<string, unknown>)[seg];
	}
	const last = segs[segs.length - 1];
	if (node === null || typeof node !== "object" || last === undefined) return false;
	if (Array.isArray(node)) {
		const i = Number(last);
		if (!Number.isInteger(i) || i < 0 || i >= node.length) return false;
		node.splice(i, 1);
		return true;
	}
	if (!(last in (node as object))) return false;
	delete (node as Record<string, unknown>)[last];
	return true;
}

export function maskEntry(entry: DecisionLogEntry, mask: readonly string[]): DecisionLogEntry {
	if (mask.length === 0) return entry;
	const copy = structuredClone(entry) as unknown as Record<string, unknown>;
	const erased = mask.filter((p) => erase(copy, p));
	if (erased.length > 0) copy.erased = erased;
	return copy as unknown as DecisionLogEntry;
}

export function createJsonLineLogger(
	write: (line: string) => void,
	mask: readonly string[] = [],
): DecisionLogger {
	return {
		log(entry) {
			write(`${JSON.stringify(maskEntry(entry, mask))}\n`);
		},
	};
}

export const nullLogger: DecisionLogger = { log() {} };
