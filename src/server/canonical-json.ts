// JSON with object keys sorted at every level, so equal inputs give equal cache keys
// whatever order the client wrote them in.

export function canonicalJson(v: unknown): string {
	if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
	if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
	const keys = Object.keys(v).sort();
	const parts: string[] = [];
	for (const k of keys) {
		const x = (v as Record<string, unknown>)[k];
		if (x === undefined) continue;
		parts.push(`${JSON.stringify(k)}:${canonicalJson(x)}`);
	}
	return `{${parts.join(",")}}`;
}

/** Nesting depth of a parsed JSON value (a scalar is 0). */
export function jsonDepth(v: unknown, limit: number, depth = 0): number {
	if (v === null || typeof v !== "object") return depth;
	if (depth >= limit) return depth + 1;
	let max = depth + 1;
	// Indexed and for-in loops: no array of values is made for every object on the way.
	if (Array.isArray(v)) {
		for (let i = 0; i < v.length && max <= limit; i++) {
			const d = jsonDepth(v[i], limit, depth + 1);
			if (d > max) max = d;
		}
		return max;
	}
	for (const k in v) {
		const d = jsonDepth((v as Record<string, unknown>)[k], limit, depth + 1);
		if (d > max) max = d;
		if (max > limit) break;
	}
	return max;
}
