// Rego's regex builtins follow Go's RE2 syntax and matching rules; the host only has
// ECMAScript regexes. This module translates the RE2 constructs JS spells differently and
// rejects the ones RE2 forbids, and reproduces Go's rules for iterating over matches.
//
// Known gaps (documented in docs/api.md): JS matching is backtracking, not linear-time;
// RE2 is leftmost-first like JS, so results agree except for these: `(?U)` (ungreedy) is
// rejected; inline flags are honoured only as a prefix of the whole pattern (`(?i)abc`),
// not mid-pattern; Unicode classes use JS's `\p{…}` tables, which may differ in version.

const POSIX_CLASSES: Record<string, string> = {
	alnum: "0-9A-Za-z",
	alpha: "A-Za-z",
	ascii: "\\x00-\\x7F",
	blank: "\\t ",
	cntrl: "\\x00-\\x1F\\x7F",
	digit: "0-9",
	graph: "!-~",
	lower: "a-z",
	print: " -~",
	punct: "!-\\/:-@\\[-`{-~",
	space: "\\t\\n\\v\\f\\r ",
	upper: "A-Z",
	word: "0-9A-Za-z_",
	xdigit: "0-9A-Fa-f",
};

export class Re2SyntaxError extends Error {}

/** Translate an RE2 pattern into a JS RegExp source and flags. Throws Re2SyntaxError. */
export function translateRe2(pattern: string): { source: string; flags: string } {
	let flags = "u";
	let i = 0;
	// Leading inline flag groups, the common RE2 idiom, map onto JS flags.
	for (;;) {
		const m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i));
		if (!m) break;
		for (const f of m[1]) {
			if (f === "U") throw new Re2SyntaxError("ungreedy flag (?U) is not supported");
			if (!flags.includes(f)) flags += f;
		}
		i += m[0].length;
	}
	let out = "";
	let inClass = false;
	while (i < pattern.length) {
		const c = pattern[i];
		if (c === "\\") {
			const n = pattern[i + 1];
			if (n === undefined) throw new Re2SyntaxError("trailing backslash at end of expression");
			if (n === "Q") {
				// \Q...\E quotes literally.
				const end = pattern.indexOf("\\E", i + 2);
				const lit = pattern.slice(i + 2, end < 0 ? undefined : end);
				out += escapeLiteral(lit, inClass);
				i = end < 0 ? pattern.length : end + 2;
				continue;
			}
			if (n === "A" && !inClass) {
				out += "(?<![\\s\\S])";
				i += 2;
				continue;
			}
			if (n === "z" && !inClass) {
				out += "(?![\\s\\S])";
				i += 2;
				continue;
			}
			if (/[1-9]/.test(n)) throw new Re2SyntaxError(`invalid escape sequence: \\${n}`);
			if (n === "C") throw new Re2SyntaxError("invalid escape sequence: \\C");
			if (n === "p" || n === "P") {
				// RE2 allows \pL as well as \p{L}; JS only the braced form.
				if (pattern[i + 2] !== "{") {
					out += `\\${n}{${pattern[i + 2] ?? ""}}`;
					i += 3;
					continue;
				}
			}
			out += c + n;
			i += 2;
			continue;
		}
		if (inClass) {
			if (c === "[" && pattern[i + 1] === ":") {
				const end = pattern.indexOf(":]", i + 2);
				if (end > 0) {
					let name = pattern.slice(i + 2, end);
					const negated = name.startsWith("^");
					if (negated) name = name.slice(1);
					const cls = POSIX_CLASSES[name];
					if (!cls) throw new Re2SyntaxError(`invalid character class range: [:${name}:]`);
					if (negated) throw new Re2SyntaxError("negated POSIX classes are not supported");
					out += cls;
					i = end + 2;
					continue;
				}
			}
			if (c === "[") {
				// A literal '[' inside a class needs escaping under the JS `u` flag.
				out += "\\[";
				i++;
				continue;
			}
			if (c === "]") inClass = false;
			out += c;
			i++;
			continue;
		}
		if (c === "[") {
			inClass = true;
			out += c;
			i++;
			// A ']' right after '[' or '[^' is a literal in RE2.
			if (pattern[i] === "^") {
				out += "^";
				i++;
			}
			if (pattern[i] === "]") {
				out += "\\]";
				i++;
			}
			continue;
		}
		if (c === "(" && pattern[i + 1] === "?") {
			const rest = pattern.slice(i + 2);
			if (rest.startsWith("P<")) {
				out += "(?<";
				i += 4;
				continue;
			}
			if (rest.startsWith("<") && !rest.startsWith("<=") && !rest.startsWith("<!")) {
				out += "(?<";
				i += 3;
				continue;
			}
			if (rest.startsWith(":")) {
				out += "(?:";
				i += 3;
				continue;
			}
			throw new Re2SyntaxError(`invalid or unsupported Perl syntax: (?${rest.slice(0, 2)}`);
		}
		if (c === "{") {
			const q = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
			if (q) {
				out += q[0];
				i += q[0].length;
				continue;
			}
			// RE2 treats a brace that does not start a repetition as a literal.
			out += "\\{";
			i++;
			continue;
		}
		if (c === "}") {
			out += "\\}";
			i++;
			continue;
		}
		out += c;
		i++;
	}
	if (inClass) throw new Re2SyntaxError("missing closing ]");
	return { source: out, flags };
}

function escapeLiteral(s: string, inClass: boolean): string {
	return inClass ? s.replace(/[\\\][^-]/g, "\\$&") : s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

const compiled = new Map<string, RegExp>();
const MAX_CACHED = 1000;

/** Compile with RE2 semantics; cached, because policies reuse a few patterns on every call. */
export function compileRe2(pattern: string): RegExp {
	const hit = compiled.get(pattern);
	if (hit) return hit;
	const { source, flags } = translateRe2(pattern);
	let re: RegExp;
	try {
		re = new RegExp(source, `${flags}g`);
	} catch (e) {
		throw new Re2SyntaxError((e as Error).message);
	}
	if (compiled.size >= MAX_CACHED) compiled.clear();
	compiled.set(pattern, re);
	return re;
}

/**
 * All matches like Go's FindAll*: at most n (n < 0 means all), and an empty match right
 * after the previous match is skipped, which JS's matchAll does not do.
 */
export function findAllGo(re: RegExp, s: string, n: number): RegExpExecArray[] {
	const out: RegExpExecArray[] = [];
	if (n === 0) return out;
	let pos = 0;
	let prevEnd = -1;
	while ((n < 0 || out.length < n) && pos <= s.length) {
		re.lastIndex = pos;
		const m = re.exec(s);
		if (!m) break;
		const start = m.index;
		const end = start + m[0].length;
		let accept = true;
		if (end === start) {
			if (start === prevEnd) accept = false;
			// Step over one code point so an empty match cannot loop forever.
			const cp = s.codePointAt(start);
			pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
		} else {
			pos = end;
		}
		prevEnd = end;
		if (accept) out.push(m);
	}
	return out;
}

/** Go's template expansion for ReplaceAllString: $1, ${1}, $name, ${name}, $$. */
export function expandGoTemplate(template: string, m: RegExpExecArray): string {
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
		if (/^\d+$/.test(name)) out += m[Number(name)] ?? "";
		else out += m.groups?.[name] ?? "";
	}
	return out;
}
