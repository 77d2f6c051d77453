// The checks every part of OPA's configuration is read with: each problem named as
// `file: key.path: problem`, refusals and warnings worded one way (opa-config.ts says which).

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json =>
	typeof v === "object" && v !== null && !Array.isArray(v);

export type Checks = ReturnType<typeof createChecks>;

export function createChecks(file: string) {
	const problems: string[] = [];
	const warnings: string[] = [];
	const bad = (path: string, msg: string) => problems.push(`${file}: ${path}: ${msg}`);
	const refuse = (path: string, why: string) =>
		problems.push(`${file}: ${path}: not supported by Gavel (${why})`);
	const warn = (path: string, why: string) =>
		warnings.push(`${file}: ${path}: accepted but not applied (${why})`);

	const str = (o: Json, k: string, path: string, required = false): string | undefined => {
		const v = o[k];
		if (v === undefined || v === null) {
			if (required) bad(`${path}.${k}`, "required");
			return undefined;
		}
		if (typeof v !== "string" || (required && v === "")) {
			bad(`${path}.${k}`, "must be a string");
			return undefined;
		}
		return v;
	};
	const int = (o: Json, k: string, path: string, def: number, min = 0): number => {
		const v = o[k];
		if (v === undefined || v === null) return def;
		if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
			bad(`${path}.${k}`, `must be a whole number of at least ${min}`);
			return def;
		}
		return v;
	};
	const bool = (o: Json, k: string, path: string, def = false): boolean => {
		const v = o[k];
		if (v === undefined || v === null) return def;
		if (typeof v !== "boolean") {
			bad(`${path}.${k}`, "must be true or false");
			return def;
		}
		return v;
	};
	const obj = (v: unknown, path: string): Json | undefined => {
		if (v === undefined || v === null) return undefined;
		if (!isObject(v)) {
			bad(path, "must be an object");
			return undefined;
		}
		return v;
	};
	const unknownKeys = (o: Json, path: string, known: readonly string[]) => {
		for (const k of Object.keys(o)) if (!known.includes(k)) bad(`${path}.${k}`, "unknown field");
	};
	return { problems, warnings, bad, refuse, warn, str, int, bool, obj, unknownKeys };
}
