// yaml.unmarshal, yaml.is_valid and yaml.marshal, served by the host instead of the SDK's own
// table: the SDK's old `yaml` spent 93 s and the whole heap on one 200 KB input. Here the input
// is bounded (size, nesting depth, values after alias expansion) before anything big is built,
// and the `yaml` package is used only for its parser: its CST is built without recursion, its
// unique-key check (quadratic) is off, and aliases are resolved here in one pass.
//
// Values are read as OPA reads them (go-yaml v3, then JSON): plain scalars resolve as Go does
// (null/~, true/false in three spellings, ints in base 0 notation with underscores, floats;
// yes/no/on/off and timestamps stay strings), `<<` merges, keys become strings, only the first
// document counts, and .inf/.nan are errors because JSON has no such numbers. marshal writes
// what OPA writes: keys sorted, two-space indents with sequences indented under their key,
// strings quoted only when plain text would read back as something else.

import {
	Composer,
	type Document,
	isAlias,
	isMap,
	isScalar,
	isSeq,
	Lexer,
	type Node,
	Parser,
	type Scalar,
	type YAMLError,
} from "yaml";
import { BuiltinError, expectString } from "./builtin-error.ts";

/** Input bytes yaml.unmarshal / yaml.is_valid read (UTF-16 units, a close upper bound). */
export const YAML_MAX_INPUT = 1024 * 1024;
/** Collections nested deeper than this are refused (the composer recurses per level). */
export const YAML_MAX_DEPTH = 1000;
/** Values the document may hold once its aliases are expanded (a billion laughs stops here). */
export const YAML_MAX_VALUES = 1_000_000;

class YamlError extends Error {}

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

// ---------------------------------------------------------------------------------------------
// Reading.

/**
 * Whether flow collections (`[`, `{`) nest deeper than the limit. Checked on the lexer's tokens
 * before the parser runs: the parser's CST of 100,000 nested `[` alone outgrows a 128 MiB heap,
 * while lexing keeps nothing. Skipped when the text has too few brackets to get there.
 */
function flowTooDeep(text: string): boolean {
	let opens = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x5b || c === 0x7b) opens++;
	}
	if (opens <= YAML_MAX_DEPTH) return false;
	let depth = 0;
	for (const lexeme of new Lexer().lex(text)) {
		if (lexeme === "[" || lexeme === "{") {
			if (++depth > YAML_MAX_DEPTH) return true;
		} else if ((lexeme === "]" || lexeme === "}") && depth > 0) depth--;
	}
	return false;
}

/** The CST's nesting depth, walked with an explicit stack. */
function cstDepth(tokens: unknown[]): number {
	let max = 0;
	const stack: [unknown, number][] = tokens.map((t) => [t, 0]);
	while (stack.length > 0) {
		const [t, depth] = stack.pop() as [unknown, number];
		if (!t || typeof t !== "object") continue;
		const tok = t as { type?: string; value?: unknown; items?: unknown[] };
		const collection =
			tok.type === "block-map" || tok.type === "block-seq" || tok.type === "flow-collection";
		const d = collection ? depth + 1 : depth;
		if (d > max) {
			max = d;
			if (max > YAML_MAX_DEPTH) return max;
		}
		if (tok.type === "document") stack.push([tok.value, d]);
		if (tok.items) {
			for (const item of tok.items as { key?: unknown; value?: unknown }[]) {
				if (item.key) stack.push([item.key, d]);
				if (item.value) stack.push([item.value, d]);
			}
		}
	}
	return max;
}

const INT_RE = /^[-+]?(?:0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt / ParseUint with base 0, within int64 or uint64; undefined otherwise. */
function goInt(text: string): bigint | undefined {
	if (!INT_RE.test(text)) return undefined;
	const neg = text.startsWith("-");
	let body = text.replace(/^[-+]/, "");
	let v: bigint;
	if (/^0[bB]/.test(body)) v = BigInt(`0b${body.slice(2)}`);
	else if (/^0[oO]/.test(body)) v = BigInt(`0o${body.slice(2)}`);
	else if (/^0[xX]/.test(body)) v = BigInt(body);
	else if (body.length > 1 && body.startsWith("0")) {
		body = body.slice(1);
		v = BigInt(`0o${body}`);
	} else v = BigInt(body);
	if (neg) v = -v;
	return v >= INT64_MIN && v <= UINT64_MAX ? v : undefined;
}

function intValue(v: bigint): number | bigint {
	return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
		? Number(v)
		: v;
}

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const TRUES = new Set(["true", "True", "TRUE"]);
const FALSES = new Set(["false", "False", "FALSE"]);
const INFS = new Set([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]);
const NEG_INFS = new Set(["-.inf", "-.Inf", "-.INF"]);
const NANS = new Set([".nan", ".NaN", ".NAN"]);

/** A plain scalar as go-yaml v3 resolves it, then as JSON can hold it. */
function resolvePlain(text: string): Json {
	if (NULLS.has(text)) return null;
	if (TRUES.has(text)) return true;
	if (FALSES.has(text)) return false;
	if (INFS.has(text)) throw new YamlError("json: unsupported value: +Inf");
	if (NEG_INFS.has(text)) throw new YamlError("json: unsupported value: -Inf");
	if (NANS.has(text)) throw new YamlError("json: unsupported value: NaN");
	if (/^[-+0-9.]/.test(text)) {
		const plain = text.replaceAll("_", "");
		const i = goInt(plain);
		if (i !== undefined) return intValue(i);
		if (FLOAT_RE.test(plain)) {
			const f = Number(plain);
			// Out of float64's range Go's ParseFloat fails, and the text stays a string.
			return Number.isFinite(f) ? f : text;
		}
	}
	return text;
}

const TAG = "tag:yaml.org,2002:";

/** The tag go-yaml resolves a plain scalar to, for its "cannot decode" message. */
function resolvedTag(v: Json, text: string): string {
	if (v === null) return "null";
	if (typeof v === "boolean") return "bool";
	if (typeof v === "bigint") return "int";
	if (typeof v === "number")
		return /[.eE]/.test(text) || /^[-+]?\.?(inf|nan)$/i.test(text) ? "float" : "int";
	return "str";
}

function scalarValue(node: Scalar): Json {
	// The parser decodes !!binary itself (in every schema); Go gives the bytes as a string.
	if (node.value instanceof Uint8Array) return new TextDecoder().decode(node.value);
	const text = String(node.value);
	const tag = node.tag?.startsWith(TAG) ? node.tag.slice(TAG.length) : undefined;
	switch (tag) {
		case "str":
			return text;
		case "binary": {
			const clean = text.replace(/\s+/g, "");
			if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
				throw new YamlError(`yaml: cannot decode !!binary data: illegal base64 data`);
			}
			// atob: available in Workers as in Node.
			const bytes = Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
			return new TextDecoder().decode(bytes);
		}
		case "null":
		case "bool":
		case "int":
		case "float": {
			const v = resolvePlain(text);
			const ok =
				(tag === "null" && v === null) ||
				(tag === "bool" && typeof v === "boolean") ||
				(tag === "int" &&
					(typeof v === "number" || typeof v === "bigint") &&
					!/[.eE]/.test(text)) ||
				(tag === "float" && (typeof v === "number" || typeof v === "bigint"));
			if (!ok) {
				throw new YamlError(
					`yaml: cannot decode !!${resolvedTag(v, text)} \`${text}\` as a !!${tag}`,
				);
			}
			return v;
		}
		default:
			return node.type === "PLAIN" ? resolvePlain(text) : text;
	}
}

/** A key as sigs.k8s.io/yaml writes it into JSON: scalars as text, null and collections refused. */
function keyText(key: Json, source: Node | null): string {
	if (typeof key === "string") return key;
	if (typeof key === "boolean") return String(key);
	if (typeof key === "number" || typeof key === "bigint") {
		return typeof key === "number" && !Number.isInteger(key) ? goFloat(key) : String(key);
	}
	if (key === null) {
		throw new YamlError(`unsupported map key of type %!s(<nil>), key: <nil>`);
	}
	throw new YamlError(`yaml: invalid map key: ${String(source)}`);
}

interface Reader {
	anchors: Map<string, { value: Json; size: number }>;
	pending: Set<string>;
	values: number;
}

function count(r: Reader, n: number): void {
	r.values += n;
	if (r.values > YAML_MAX_VALUES) {
		throw new YamlError(
			`document holds more than ${YAML_MAX_VALUES} values once aliases are expanded`,
		);
	}
}

/** One node to JSON, in document order (an alias means the last anchor of that name before it). */
function toJson(node: Node | null, r: Reader): Json {
	if (node === null) {
		count(r, 1);
		return null;
	}
	if (isAlias(node)) {
		const name = node.source;
		if (r.pending.has(name)) throw new YamlError(`yaml: anchor '${name}' value contains itself`);
		const found = r.anchors.get(name);
		if (!found) throw new YamlError(`yaml: unknown anchor '${name}' referenced`);
		count(r, found.size);
		return found.value;
	}
	const anchor = (node as { anchor?: string }).anchor;
	if (anchor) r.pending.add(anchor);
	const before = r.values;
	let value: Json;
	if (isScalar(node)) {
		count(r, 1);
		value = scalarValue(node);
	} else if (isSeq(node)) {
		count(r, 1);
		value = node.items.map((item) => toJson(item as Node | null, r));
	} else if (isMap(node)) {
		count(r, 1);
		const explicit: Record<string, Json> = {};
		const merged: Record<string, Json>[] = [];
		for (const pair of node.items) {
			const k = pair.key as Node | null;
			if (k && isScalar(k) && k.type === "PLAIN" && k.value === "<<" && !k.tag) {
				const v = toJson(pair.value as Node | null, r);
				const sources = Array.isArray(v) ? v : [v];
				for (const s of sources) {
					if (s === null || typeof s !== "object" || Array.isArray(s)) {
						throw new YamlError("yaml: map merge requires map or sequence of maps as the value");
					}
					merged.push(s as Record<string, Json>);
				}
				continue;
			}
			const key = keyText(toJson(k, r), k);
			explicit[key] = toJson(pair.value as Node | null, r);
		}
		// Explicit keys win over merged ones; of several merged maps the first wins.
		const out: Record<string, Json> = {};
		for (let i = merged.length - 1; i >= 0; i--) Object.assign(out, merged[i]);
		value = Object.assign(out, explicit);
	} else {
		throw new YamlError("yaml: unexpected node");
	}
	if (anchor) {
		r.pending.delete(anchor);
		r.anchors.set(anchor, { value, size: r.values - before });
	}
	return value;
}

/** The first document of `text` as JSON; throws YamlError. */
export function readYaml(text: string): Json {
	if (text.length > YAML_MAX_INPUT) {
		throw new YamlError(`input of ${text.length} characters exceeds the ${YAML_MAX_INPUT} limit`);
	}
	if (flowTooDeep(text))
		throw new YamlError(`document nested deeper than ${YAML_MAX_DEPTH} levels`);
	const tokens = [...new Parser().parse(text)];
	if (cstDepth(tokens) > YAML_MAX_DEPTH) {
		throw new YamlError(`document nested deeper than ${YAML_MAX_DEPTH} levels`);
	}
	// Plain scalars are kept as text (failsafe) and resolved as Go does, above.
	const composer = new Composer({ schema: "failsafe", uniqueKeys: false, strict: false });
	let doc: Document.Parsed | undefined;
	for (const d of composer.compose(tokens)) {
		doc = d;
		break;
	}
	if (doc === undefined) return null;
	// go-yaml reads the whole stream: a syntax error in a later document fails the call too.
	const first = doc;
	const errors = [...first.errors];
	if (errors.length === 0 && tokens.filter((t) => t.type === "document").length > 1) {
		const all = new Composer({ schema: "failsafe", uniqueKeys: false, strict: false });
		for (const d of all.compose(tokens)) errors.push(...d.errors);
	}
	const version = /^%YAML[ \t]+(\S+)/m.exec(text);
	if (version && version[1] !== "1.1")
		throw new YamlError("yaml: found incompatible YAML document");
	if (errors.length > 0) throw new YamlError(goYamlSyntaxError(errors[0], text));
	return toJson(first.contents, { anchors: new Map(), pending: new Set(), values: 0 });
}

/**
 * The yaml package's syntax error in go-yaml's (libyaml's) words and line numbering: a scanner
 * error names the 1-based line of the offending character (none on the first line), a parser
 * error the 0-based line of the token it stopped at (none when 0), where the end of the stream
 * sits on the line after unterminated text. Errors without a known counterpart keep the yaml
 * package's wording.
 */
function goYamlSyntaxError(e: YAMLError, text: string): string {
	const [at, end] = e.pos;
	const lineOf = (offset: number) => (text.slice(0, offset).match(/\r\n|\r|\n/g) ?? []).length;
	const breaks = lineOf(text.length);
	const streamEnd = text.length > 0 && !/[\r\n]$/.test(text) ? breaks + 1 : breaks;
	const scanner = (m: string, line: number) =>
		line > 0 ? `yaml: line ${line + 1}: ${m}` : `yaml: ${m}`;
	const parser = (m: string, line: number) =>
		line > 0 ? `yaml: line ${line}: ${m}` : `yaml: ${m}`;
	const msg = e.message.split("\n")[0];
	const flow = /^Flow (sequence|map) (?:in block collection )?must .*end with an? ([\]}])/.exec(
		msg,
	);
	if (flow) {
		const open = text.lastIndexOf(flow[2] === "]" ? "[" : "{");
		if (/^\s*$/.test(text.slice(open + 1)))
			return parser("did not find expected node content", streamEnd);
		// The parser names the line the collection opened on, unless that is the first.
		const line = lineOf(open) > 0 ? lineOf(open) : streamEnd;
		return parser(`did not find expected ',' or '${flow[2]}'`, line);
	}
	if (/^Missing closing .quote/.test(msg)) return scanner("found unexpected end of stream", breaks);
	if (e.code === "BAD_DQ_ESCAPE") {
		const hex = /^Invalid escape sequence \\[uUx]/.test(msg);
		const what = hex ? "did not find expected hexdecimal number" : "found unknown escape character";
		return scanner(what, lineOf(at));
	}
	if (e.code === "BAD_SCALAR_START" || e.code === "TAB_AS_INDENT") {
		return scanner("found character that cannot start any token", lineOf(at));
	}
	if (e.code === "MULTILINE_IMPLICIT_KEY" && text[at] === "-") {
		return parser("did not find expected key", lineOf(at));
	}
	if (e.code === "BLOCK_AS_IMPLICIT_KEY" || e.code === "MULTILINE_IMPLICIT_KEY") {
		const colon = /:(?=[ \t\r\n]|$)/g;
		colon.lastIndex = e.code === "MULTILINE_IMPLICIT_KEY" ? end : at;
		const c = colon.exec(text);
		return scanner("mapping values are not allowed in this context", lineOf(c ? c.index : at));
	}
	if (/^Unexpected flow-(seq|map)-end token/.test(msg)) {
		return parser("did not find expected <document start>", lineOf(at));
	}
	if (/^All mapping items must start at the same column/.test(msg)) {
		return parser("did not find expected key", lineOf(at));
	}
	if (/^(Alias|Anchor) cannot be an empty string/.test(msg)) {
		return scanner("did not find expected alphabetic or numeric character", lineOf(at));
	}
	if (/^Unexpected .* at node end/.test(msg)) {
		const lineText = text.slice(at).split(/\r\n|\r|\n/)[0];
		// A lone scalar where a key was due: libyaml's scanner wants its ':'.
		const lineStart = Math.max(text.lastIndexOf("\n", at - 1), text.lastIndexOf("\r", at - 1)) + 1;
		const startsLine = /^[ \t]*$/.test(text.slice(lineStart, at));
		if (startsLine && !/:(?=[ \t]|$)/.test(lineText)) {
			return scanner("could not find expected ':'", lineOf(at));
		}
		const before = text
			.slice(0, at)
			.split(/\r\n|\r|\n/)
			.filter((l) => l.trim() !== "");
		const inSequence = before.at(-1)?.trimStart().startsWith("-") === true;
		return parser(
			inSequence ? "did not find expected '-' indicator" : "did not find expected key",
			lineOf(at),
		);
	}
	const line = e.linePos?.[0]?.line;
	return line ? `yaml: line ${line}: ${msg}` : `yaml: ${msg}`;
}

// ---------------------------------------------------------------------------------------------
// Writing.

/**
 * Go's strconv.FormatFloat(f, 'g', -1, 64), which go-yaml writes floats with: the shortest
 * digits, in exponent form (two exponent digits at least) below 1e-4 or from 1e6 up.
 */
function goFloat(f: number): string {
	if (f === 0) return "0";
	const [mant, expText] = f.toExponential().split("e");
	const exp = Number(expText);
	if (exp < -4 || exp >= 6) {
		return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
	}
	return String(f);
}

/** A number as go-yaml writes what JSON gave it: integers as integers, others as Go floats. */
function numberText(n: number | bigint): string {
	if (typeof n === "bigint") return n.toString();
	if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
	return goFloat(n);
}

const OLD_BOOLS = new Set(
	"y Y yes Yes YES n N no No NO on On ON off Off OFF true True TRUE false False FALSE".split(" "),
);
const TIMESTAMP_RE = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?$/;

/** Would plain text read back as something other than this string? */
function readsAsOther(s: string): boolean {
	if (OLD_BOOLS.has(s) || TIMESTAMP_RE.test(s) || s === "<<") return true;
	if (INFS.has(s) || NEG_INFS.has(s) || NANS.has(s)) return true;
	try {
		return resolvePlain(s) !== s;
	} catch {
		return true;
	}
}

/** libyaml's check for a plain scalar in block context. */
function plainAllowed(s: string): boolean {
	if (s.startsWith(" ") || s.endsWith(" ")) return false;
	// Line and paragraph separators are breaks to YAML: never plain (single quotes keep them).
	if (/[\u0085\u2028\u2029]/.test(s)) return false;
	const first = s[0];
	const next = s[1];
	if ("-?:".includes(first)) {
		if (next === undefined || next === " ") return false;
	} else if (",[]{}#&*!|>'\"%@`".includes(first)) return false;
	if (s.includes(": ") || s.endsWith(":") || s.includes(" #")) return false;
	if (s.startsWith("---") || s.startsWith("...")) return false;
	return true;
}

/** Characters go-yaml writes only inside double quotes, escaped (tab and controls but \n). */
function needsEscape(s: string): boolean {
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if ((c < 0x20 && c !== 0x0a) || c === 0x7f || c === 0xfeff) {
			return true;
		}
	}
	return false;
}

function doubleQuoted(s: string): string {
	let out = '"';
	for (const ch of s) {
		const c = ch.codePointAt(0) as number;
		if (ch === '"') out += '\\"';
		else if (ch === "\\") out += "\\\\";
		else if (ch === "\t") out += "\\t";
		else if (ch === "\n") out += "\\n";
		else if (ch === "\r") out += "\\r";
		else if (c === 0) out += "\\0";
		else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
		else if (c === 0x85) out += "\\N";
		else if (c === 0x2028) out += "\\L";
		else if (c === 0x2029) out += "\\P";
		else if (c === 0xfeff) out += "\\ufeff";
		else out += ch;
	}
	return `${out}"`;
}

/** A string scalar inline (keys, flow positions), or undefined when it needs a literal block. */
function inlineString(s: string, indent = "  "): string {
	if (s === "" || readsAsOther(s)) return doubleQuoted(s);
	if (needsEscape(s)) return doubleQuoted(s);
	if (plainAllowed(s)) return s;
	// A separator inside single quotes is a break: the text goes on at the next indentation.
	const quoted = s.replaceAll("'", "''").replace(/[\u0085\u2028\u2029]/g, (c) => c + indent);
	return `'${quoted}'`;
}

/** A literal block for a multi-line string, as libyaml writes it, its lines at `indent`. */
function literalBlock(s: string, indent: string): string {
	// An indentation indicator when the text starts with a space or a break; chomping "-" with
	// no final break, "+" when the final break follows another break (or is all there is).
	const indicator = s[0] === " " || s[0] === "\n" ? "2" : "";
	const chomp = !s.endsWith("\n") ? "-" : s.length === 1 || s.endsWith("\n\n") ? "+" : "";
	const content = chomp === "-" ? s : s.slice(0, -1);
	const lines = content.split("\n").map((l) => (l === "" ? "" : indent + l));
	return `|${indicator}${chomp}\n${lines.join("\n")}`;
}

function isBlockString(s: string): boolean {
	return s.includes("\n") && !needsEscape(s);
}

function scalarText(v: unknown, indent: string): string {
	if (v === null || v === undefined) return "null";
	if (typeof v === "boolean") return String(v);
	if (typeof v === "number" || typeof v === "bigint") return numberText(v);
	const s = String(v);
	return isBlockString(s) ? literalBlock(s, indent) : inlineString(s, indent);
}

function isEmptyCollection(v: unknown): string | undefined {
	if (Array.isArray(v) && v.length === 0) return "[]";
	if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)
		return "{}";
	return undefined;
}

function isCollection(v: unknown): boolean {
	return v !== null && typeof v === "object" && isEmptyCollection(v) === undefined;
}

/** Lines of a block collection at `indent`; the first line's indent is left to the caller. */
function block(v: unknown, indent: string, out: string[], depth: number): void {
	if (depth > YAML_MAX_DEPTH)
		throw new YamlError(`value nested deeper than ${YAML_MAX_DEPTH} levels`);
	if (Array.isArray(v)) {
		v.forEach((item, i) => {
			const lead = i === 0 ? "" : indent;
			if (isCollection(item)) {
				const inner: string[] = [];
				block(item, `${indent}  `, inner, depth + 1);
				out.push(`${lead}- ${inner.join("\n")}`);
			} else {
				out.push(`${lead}- ${isEmptyCollection(item) ?? scalarText(item, `${indent}  `)}`);
			}
		});
		return;
	}
	const obj = v as Record<string, unknown>;
	const keys = Object.keys(obj).sort(byGoKeyOrder);
	keys.forEach((k, i) => {
		const lead = i === 0 ? "" : indent;
		const key = inlineString(k);
		const value = obj[k];
		if (isCollection(value)) {
			const inner: string[] = [];
			block(value, `${indent}  `, inner, depth + 1);
			out.push(`${lead}${key}:\n${indent}  ${inner.join("\n")}`);
		} else {
			out.push(`${lead}${key}: ${isEmptyCollection(value) ?? scalarText(value, `${indent}  `)}`);
		}
	});
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => /\p{Nd}/u.test(c);

/**
 * go-yaml's key order: letters by code point, anything else before a letter (after one when
 * following digits), runs of digits by their numeric value, then the shorter key first.
 */
function byGoKeyOrder(x: string, y: string): number {
	const a = [...x];
	const b = [...y];
	let digits = false;
	for (let i = 0; i < a.length && i < b.length; i++) {
		if (a[i] === b[i]) {
			digits = isDigit(a[i]);
			continue;
		}
		const al = isLetter(a[i]);
		const bl = isLetter(b[i]);
		if (al && bl) return a[i] < b[i] ? -1 : 1;
		if (al || bl) return (digits ? al : bl) ? -1 : 1;
		let an = 0;
		let bn = 0;
		if (a[i] === "0" || b[i] === "0") {
			for (let j = i - 1; j >= 0 && isDigit(a[j]); j--) {
				if (a[j] !== "0") {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		let ai = i;
		let bi = i;
		for (; ai < a.length && isDigit(a[ai]); ai++) an = an * 10 + Number(a[ai]);
		for (; bi < b.length && isDigit(b[bi]); bi++) bn = bn * 10 + Number(b[bi]);
		if (an !== bn) return an < bn ? -1 : 1;
		if (ai !== bi) return ai < bi ? -1 : 1;
		return a[i] < b[i] ? -1 : 1;
	}
	return a.length - b.length;
}

export function writeYaml(v: unknown): string {
	const empty = isEmptyCollection(v);
	if (empty) return `${empty}\n`;
	if (!isCollection(v)) return `${scalarText(v, "  ")}\n`;
	const out: string[] = [];
	block(v, "", out, 1);
	return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------

export const yamlBuiltins = {
	"yaml.unmarshal"(text: unknown): Json {
		const s = expectString("yaml.unmarshal", text, 1);
		try {
			return readYaml(s);
		} catch (e) {
			if (e instanceof YamlError) throw new BuiltinError("yaml.unmarshal", e.message);
			throw e;
		}
	},
	"yaml.is_valid"(text: unknown): boolean {
		// OPA answers false for anything but a string, rather than failing.
		if (typeof text !== "string") return false;
		try {
			readYaml(text);
			return true;
		} catch (e) {
			if (e instanceof YamlError) return false;
			throw e;
		}
	},
	"yaml.marshal"(value: unknown): string {
		try {
			return writeYaml(value);
		} catch (e) {
			if (e instanceof YamlError) throw new BuiltinError("yaml.marshal", e.message);
			throw e;
		}
	},
};
