// regex.* builtins with Go's regexp semantics on a linear-time RE2 engine; see re2.ts.

import type { RE2JS } from "re2js";
import { BuiltinError, expectInteger, expectString } from "./builtin-error.ts";
import { globsIntersect } from "./glob-intersect.ts";
import { compileRe2, expandGoTemplate, findAllGo, Re2SyntaxError } from "./re2.ts";

function compile(builtin: string, pattern: string): RE2JS {
	try {
		return compileRe2(pattern);
	} catch (e) {
		if (e instanceof Re2SyntaxError) {
			throw new BuiltinError(builtin, `error parsing regexp: ${e.message}`);
		}
		throw e;
	}
}

function matches(re: RE2JS, s: string): boolean {
	// Unanchored search without captures: re2js runs it on its DFA.
	return re.test(s);
}

export const regexBuiltins = {
	"regex.match"(pattern: unknown, value: unknown): boolean {
		const p = expectString("regex.match", pattern, 1);
		const v = expectString("regex.match", value, 2);
		return matches(compile("regex.match", p), v);
	},
	// Deprecated alias still used by older policies (and the conformance suite).
	re_match(pattern: unknown, value: unknown): boolean {
		const p = expectString("re_match", pattern, 1);
		const v = expectString("re_match", value, 2);
		return matches(compile("re_match", p), v);
	},
	"regex.is_valid"(pattern: unknown): boolean {
		if (typeof pattern !== "string") return false;
		try {
			compileRe2(pattern);
			return true;
		} catch {
			return false;
		}
	},
	"regex.split"(pattern: unknown, value: unknown): string[] {
		const p = expectString("regex.split", pattern, 1);
		const s = expectString("regex.split", value, 2);
		const re = compile("regex.split", p);
		// Go's Regexp.Split(s, -1).
		if (p.length > 0 && s.length === 0) return [""];
		const out: string[] = [];
		let beg = 0;
		let end = 0;
		for (const m of findAllGo(re, s, -1)) {
			end = m.start;
			if (m.end !== 0) out.push(s.slice(beg, end));
			beg = m.end;
		}
		if (end !== s.length) out.push(s.slice(beg));
		return out;
	},
	"regex.find_n"(pattern: unknown, value: unknown, n: unknown): string[] {
		const p = expectString("regex.find_n", pattern, 1);
		const s = expectString("regex.find_n", value, 2);
		const k = expectInteger("regex.find_n", n, 3);
		return findAllGo(compile("regex.find_n", p), s, k).map((m) => m.groups[0]);
	},
	"regex.find_all_string_submatch_n"(pattern: unknown, value: unknown, n: unknown): string[][] {
		const name = "regex.find_all_string_submatch_n";
		const p = expectString(name, pattern, 1);
		const s = expectString(name, value, 2);
		const k = expectInteger(name, n, 3);
		return findAllGo(compile(name, p), s, k).map((m) => m.groups);
	},
	"regex.replace"(value: unknown, pattern: unknown, replacement: unknown): string {
		const s = expectString("regex.replace", value, 1);
		const p = expectString("regex.replace", pattern, 2);
		const r = expectString("regex.replace", replacement, 3);
		const re = compile("regex.replace", p);
		let out = "";
		let last = 0;
		for (const m of findAllGo(re, s, -1)) {
			out += s.slice(last, m.start) + expandGoTemplate(r, m, re);
			last = m.end;
		}
		return out + s.slice(last);
	},
	"regex.template_match"(
		template: unknown,
		value: unknown,
		delimStart: unknown,
		delimEnd: unknown,
	): boolean {
		const name = "regex.template_match";
		const t = expectString(name, template, 1);
		const s = expectString(name, value, 2);
		const open = expectString(name, delimStart, 3);
		const close = expectString(name, delimEnd, 4);
		const re = compile(name, templateToPattern(name, t, open, close));
		return matches(re, s);
	},
	"regex.globs_match"(glob1: unknown, glob2: unknown): boolean {
		const a = expectString("regex.globs_match", glob1, 1);
		const b = expectString("regex.globs_match", glob2, 2);
		try {
			return globsIntersect(a, b);
		} catch (e) {
			throw new BuiltinError("regex.globs_match", (e as Error).message);
		}
	},
};

/**
 * A template is literal text with regexes between delimiters ("urn:<.*>:x"): the literal
 * parts are quoted and the whole is anchored. Delimiters nest, as in OPA, so a regex may
 * contain the delimiter characters in balanced pairs.
 */
function templateToPattern(builtin: string, t: string, open: string, close: string): string {
	if (open.length === 0 || close.length === 0) {
		throw new BuiltinError(builtin, "delimiters must not be empty");
	}
	let out = "^";
	let i = 0;
	while (i < t.length) {
		const start = t.indexOf(open, i);
		if (start < 0) {
			out += quoteMeta(t.slice(i));
			break;
		}
		out += quoteMeta(t.slice(i, start));
		let depth = 0;
		let j = start;
		let end = -1;
		while (j < t.length) {
			if (t.startsWith(open, j)) {
				depth++;
				j += open.length;
			} else if (t.startsWith(close, j)) {
				depth--;
				if (depth === 0) {
					end = j;
					break;
				}
				j += close.length;
			} else j++;
		}
		if (end < 0) throw new BuiltinError(builtin, `unbalanced braces in "${t}"`);
		out += `(?:${t.slice(start + open.length, end)})`;
		i = end + close.length;
	}
	return `${out}$`;
}

function quoteMeta(s: string): string {
	return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
