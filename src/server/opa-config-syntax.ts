// OPA's configuration file as text and tree, before its meaning: telling OPA's file from
// Gavel's by its keys, OPA's ${VAR} substitution, and `--set` as `opa run --set` reads it.

import { ConfigError } from "./config.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
	typeof v === "object" && v !== null && !Array.isArray(v);

const OPA_TOP = new Set([
	"services",
	"bundles",
	"bundle",
	"decision_logs",
	"status",
	"discovery",
	"labels",
	"keys",
	"default_decision",
	"default_authorization_decision",
	"persistence_directory",
	"plugins",
	"caching",
	"nd_builtin_cache",
	"distributed_tracing",
	"server",
	"storage",
	"extra",
]);
/** Top-level keys only Gavel's own configuration has. */
const GAVEL_ONLY = new Set([
	"policy",
	"bundle",
	"auth",
	"callerAuth",
	"forwardAuth",
	"authzen",
	"envoyGrpc",
	"cache",
	"decisionLog",
	"tracing",
	"input",
	"dev",
	"stateDir",
]);

/**
 * Whether a parsed configuration document is OPA's shape: every top-level key is one of OPA's,
 * at least one is OPA's alone, and `server` (both have one) holds only OPA's `encoding`/`metrics`.
 */
export function isOpaConfig(doc: unknown): boolean {
	if (!isObject(doc)) return false;
	const keys = Object.keys(doc);
	if (keys.length === 0) return false;
	if (!keys.every((k) => OPA_TOP.has(k))) return false;
	if (
		isObject(doc.server) &&
		!Object.keys(doc.server).every((k) => k === "encoding" || k === "metrics")
	)
		return false;
	return keys.some((k) => !GAVEL_ONLY.has(k) && k !== "server") || isObject(doc.server);
}

/** OPA's `${NAME}` substitution in the file's text (an unset variable reads as empty, as in OPA). */
export function substituteEnv(text: string, env: Record<string, string | undefined>): string {
	return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
}

/** A --set value as OPA (Helm's strvals) types it: true/false/null, integers, else a string. */
function typedValue(v: string): unknown {
	if (v === "true") return true;
	if (v === "false") return false;
	if (v === "null") return null;
	if (/^-?(0|[1-9]\d*)$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
	return v;
}

/** Split on an unescaped separator; `\x` keeps x. */
function splitEscaped(s: string, sep: string): string[] {
	const out: string[] = [];
	let cur = "";
	let depth = 0;
	for (let i = 0; i < s.length; i++) {
		const ch = s[i];
		if (ch === "\\" && i + 1 < s.length) {
			cur += s[++i];
			continue;
		}
		if (ch === "{") depth++;
		if (ch === "}") depth = Math.max(0, depth - 1);
		if (ch === sep && depth === 0) {
			out.push(cur);
			cur = "";
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

/**
 * Apply one `--set` argument as OPA does: `a.b.c=v`, several separated by commas, `{x,y}` for a
 * list, `k[0]=v` for a list element. Throws a usage message for a malformed one.
 */
export function applyOpaSet(doc: Json, arg: string): void {
	for (const part of splitEscaped(arg, ",")) {
		if (part === "") continue;
		const eq = part.indexOf("=");
		if (eq <= 0) throw new ConfigError([`--set ${JSON.stringify(arg)}: expected KEY=VALUE`]);
		const key = part.slice(0, eq);
		const raw = part.slice(eq + 1);
		const value =
			raw.startsWith("{") && raw.endsWith("}")
				? splitEscaped(raw.slice(1, -1), ",").map(typedValue)
				: typedValue(raw);
		const segs: (string | number)[] = [];
		for (const s of key.split(".")) {
			const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(s);
			if (!m)
				throw new ConfigError([`--set ${JSON.stringify(arg)}: bad key ${JSON.stringify(key)}`]);
			segs.push(m[1]);
			for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
		}
		let node: Json | unknown[] = doc;
		for (let i = 0; i < segs.length - 1; i++) {
			const s = segs[i];
			const nextIsIndex = typeof segs[i + 1] === "number";
			const cur = (node as Record<string | number, unknown>)[s];
			if (nextIsIndex ? !Array.isArray(cur) : !isObject(cur))
				(node as Record<string | number, unknown>)[s] = nextIsIndex ? [] : {};
			node = (node as Record<string | number, unknown>)[s] as Json | unknown[];
		}
		(node as Record<string | number, unknown>)[segs[segs.length - 1]] = value;
	}
}
