// Rego's regex builtins follow Go's regexp package: RE2 syntax and linear-time matching.
// Patterns come from policies but inputs come from callers (headers, paths), so a
// backtracking engine would let one request stall the single-threaded server; re2js is a
// pure-JS RE2 port (no native code, so it runs in Workers too) with Go's syntax and error
// texts. This module adds what Go's regexp does on top of the engine: its rules for
// iterating over matches and its template expansion for ReplaceAllString.
//
// Known gaps (documented in docs/api.md): strings are matched as UTF-16, not Go's UTF-8
// bytes, which can differ only for strings holding lone surrogates; Unicode class tables
// are re2js's, whose Unicode version may differ from the Go release OPA was built with.

import { LRUCache } from "lru-cache";
import { type Matcher, RE2JS, RE2JSException } from "re2js";

export class Re2SyntaxError extends Error {}

// Policies reuse a few patterns on every evaluation; bounded so that patterns built from
// input cannot grow memory without limit. The count alone is not a bound: 500 patterns
// of a megabyte each would be kept, so entries are also charged by pattern length (a
// compiled program grows with its pattern) plus a per-entry overhead, and a pattern larger
// than the whole budget is compiled but not kept.
export const RE2_CACHE_MAX_ENTRIES = 500;
export const RE2_CACHE_MAX_SIZE = 1024 * 1024;
const ENTRY_OVERHEAD = 256;
const compiled = new LRUCache<string, RE2JS>({
	max: RE2_CACHE_MAX_ENTRIES,
	maxSize: RE2_CACHE_MAX_SIZE,
	sizeCalculation: (_re, pattern) => pattern.length + ENTRY_OVERHEAD,
});

/** What the compiled-pattern cache holds now (for tests and diagnostics). */
export function re2CacheUsage(): { entries: number; size: number } {
	return { entries: compiled.size, size: compiled.calculatedSize };
}

/** Compile with Go's RE2 syntax; cached. Throws Re2SyntaxError with Go's message. */
export function compileRe2(pattern: string): RE2JS {
	const hit = compiled.get(pattern);
	if (hit) return hit;
	let re: RE2JS;
	try {
		re = RE2JS.compile(pattern);
	} catch (e) {
		if (e instanceof RE2JSException) {
			// re2js already says "error parsing regexp: …" like Go; keep only the reason.
			throw new Re2SyntaxError(e.message.replace(/^error parsing regexp: /, ""));
		}
		throw e;
	}
	compiled.set(pattern, re);
	return re;
}

/** One match: its span and every group's text ("" for a group that did not take part, as Go). */
export interface Re2Match {
	start: number;
	end: number;
	groups: string[];
}

function readMatch(m: Matcher, groupCount: number): Re2Match {
	const groups: string[] = [];
	for (let g = 0; g <= groupCount; g++) groups.push(m.group(g) ?? "");
	return { start: m.start(), end: m.end(), groups };
}

/**
 * All matches as Go's FindAll* returns them: at most n (n < 0 means all), and an empty
 * match that ends where the previous match ended is skipped.
 */
export function findAllGo(re: RE2JS, s: string, n: number): Re2Match[] {
	const out: Re2Match[] = [];
	if (n === 0) return out;
	const m = re.matcher(s);
	const groupCount = re.groupCount();
	let pos = 0;
	let prevEnd = -1;
	while ((n < 0 || out.length < n) && pos <= s.length) {
		if (!m.find(pos)) break;
		const start = m.start();
		const end = m.end();
		let accept = true;
		if (end === pos) {
			// Empty match at the search position: step over one code point so it cannot repeat.
			if (start === prevEnd) accept = false;
			const cp = s.codePointAt(pos);
			pos += cp !== undefined && cp > 0xffff ? 2 : 1;
		} else {
			pos = end;
		}
		prevEnd = end;
		if (accept) out.push(readMatch(m, groupCount));
	}
	return out;
}

/** Go's template expansion for ReplaceAllString: $1, ${1}, $name, ${name}, $$. */
export function expandGoTemplate(template: string, m: Re2Match, re: RE2JS): string {
	let out = "";
	for (let i = 0; i < template.length; i++) {
		const c = template[i];
		if (c !== "$") {
			out += c;
			continue;
		}
		if (template[i + 1] === "$") {
			out += "$";
			i++;
			continue;
		}
		let name: string;
		if (template[i + 1] === "{") {
			const end = template.indexOf("}", i + 2);
			if (end < 0) {
				out += c;
				continue;
			}
			name = template.slice(i + 2, end);
			i = end;
		} else {
			const nm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
			if (!nm) {
				out += c;
				continue;
			}
			name = nm[0];
			i += name.length;
		}
		// Go reads the longest name, so "$1x" names group "1x", which does not exist.
		const index = /^\d+$/.test(name) ? Number(name) : re.namedGroups()[name];
		out += (index !== undefined && m.groups[index]) || "";
	}
	return out;
}
