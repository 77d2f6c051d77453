// Location-free copies of AST nodes, for comparing trees that came from different sources
// (the round-trip tests compare parse(print(ast)) with ast this way).

/** A deep copy of `node` without any `loc` property. */
export function stripLocations<T>(node: T): T {
	if (Array.isArray(node)) return node.map((x) => stripLocations(x)) as T;
	if (node === null || typeof node !== "object") return node;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(node)) {
		if (k === "loc") continue;
		out[k] = stripLocations(v);
	}
	return out as T;
}
