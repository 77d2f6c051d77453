// Comparing a query's result set with a case's want_result the way OPA's runner does: both sides
// are sets of binding objects (order of solutions does not matter, duplicates collapse), values
// compare as Rego values (1 == 1.0), and with sort_bindings each array bound in the actual
// results is sorted first (sets come back from Wasm as arrays in no promised order).

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const typeRank = (v: unknown): number => {
	if (v === null || v === undefined) return 0;
	switch (typeof v) {
		case "boolean":
			return 1;
		case "number":
		case "bigint":
			return 2;
		case "string":
			return 3;
		default:
			return Array.isArray(v) ? 4 : 5;
	}
};

/** Rego's total order on JSON values: null < boolean < number < string < array < object. */
export function compareValues(a: unknown, b: unknown): number {
	const ra = typeRank(a);
	const rb = typeRank(b);
	if (ra !== rb) return ra - rb;
	switch (ra) {
		case 0:
			return 0;
		case 1:
		case 2:
			return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
		case 3:
			return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
		case 4: {
			const x = a as unknown[];
			const y = b as unknown[];
			for (let i = 0; i < Math.min(x.length, y.length); i++) {
				const c = compareValues(x[i], y[i]);
				if (c !== 0) return c;
			}
			return x.length - y.length;
		}
		default: {
			const x = a as Record<string, unknown>;
			const y = b as Record<string, unknown>;
			const kx = Object.keys(x).sort();
			const ky = Object.keys(y).sort();
			for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
				const c = compareValues(kx[i], ky[i]) || compareValues(x[kx[i]], y[ky[i]]);
				if (c !== 0) return c;
			}
			return kx.length - ky.length;
		}
	}
}

export const valuesEqual = (a: unknown, b: unknown) => compareValues(a, b) === 0;

/** Distinct elements in Rego order, so two collections compare as sets. */
function asSet(values: unknown[]): unknown[] {
	const sorted = [...values].sort(compareValues);
	return sorted.filter((v, i) => i === 0 || compareValues(sorted[i - 1], v) !== 0);
}

export function normaliseActual(
	results: Record<string, unknown>[],
	sortBindings: boolean,
): Record<string, unknown>[] {
	if (!sortBindings) return results;
	return results.map((bindings) => {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(bindings)) {
			out[k] = Array.isArray(v) ? [...v].sort(compareValues) : v;
		}
		return out;
	});
}

/** Undefined when they match; otherwise a short description of the difference. */
export function resultSetMismatch(
	want: Record<string, unknown>[],
	got: Record<string, unknown>[],
	sortBindings: boolean,
): string | undefined {
	const w = asSet(want);
	const g = asSet(normaliseActual(got, sortBindings));
	if (w.length === g.length && w.every((v, i) => valuesEqual(v, g[i]))) return undefined;
	return `want ${stringify(want)}, got ${stringify(got)}`;
}

export function stringify(v: unknown, max = 300): string {
	const text = JSON.stringify(v as Json) ?? "undefined";
	return text.length > max ? `${text.slice(0, max)}…` : text;
}
