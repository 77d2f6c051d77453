// The Rego scanner: one pass over the source, producing every token up front (the parser
// needs cheap look-ahead and save/restore). Keywords are not decided here: whether `if`,
// `contains`, `in` and `every` are keywords depends on the module's Rego version and its
// imports, which only the parser knows, so words are all "ident" tokens.

import type { Comment } from "./ast.ts";

export type TokenKind = "ident" | "number" | "string" | "op" | "illegal" | "eof";

export interface Token {
	kind: TokenKind;
	/** Source text: the word, the operator, the number as written, the quoted string. */
	text: string;
	/** Decoded value of a string token. */
	value: string | undefined;
	/** Written as a backtick raw string. */
	raw: boolean;
	offset: number;
	end: number;
	row: number;
	col: number;
	endRow: number;
	endCol: number;
	/** Whitespace or a comment sits between the previous token and this one. */
	wsBefore: boolean;
	/** A line break sits between the previous token and this one. */
	nlBefore: boolean;
}

export interface LexError {
	message: string;
	row: number;
	col: number;
	offset: number;
}

export interface LexResult {
	tokens: Token[];
	comments: Comment[];
	errors: LexError[];
}

// Two-character operators are tried first, so `:=` wins over `:` and `<=` over `<`.
const TWO_CHAR_OPERATORS = new Set([":=", "==", "!=", "<=", ">="]);
const ONE_CHAR_OPERATORS = new Set([
	"<",
	">",
	"=",
	"+",
	"-",
	"*",
	"/",
	"%",
	"&",
	"|",
	"(",
	")",
	"[",
	"]",
	"{",
	"}",
	",",
	".",
	";",
	":",
]);

const LONE = "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const LONE_SURROGATE = new RegExp(LONE);
const LONE_SURROGATE_G = new RegExp(LONE, "g");

function isLetter(c: number): boolean {
	return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
	return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
	return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

export function lex(src: string, file: string): LexResult {
	const tokens: Token[] = [];
	const comments: Comment[] = [];
	const errors: LexError[] = [];
	let i = 0;
	let row = 1;
	let lineStart = 0;
	let ws = false;
	let nl = false;
	const n = src.length;

	// Columns count characters (code points, as OPA's scanner counts runes), not UTF-16 units.
	// Positions are asked for in increasing order within a line, so a cursor keeps this linear.
	let colLine = 0;
	let colIdx = 0;
	let colVal = 1;
	const colOf = (at: number): number => {
		if (colLine !== lineStart || at < colIdx) {
			colLine = lineStart;
			colIdx = lineStart;
			colVal = 1;
		}
		for (; colIdx < at; colIdx++) {
			const cc = src.charCodeAt(colIdx);
			if (cc < 0xdc00 || cc > 0xdfff) colVal++;
		}
		return colVal;
	};
	const err = (message: string, at: number, r = row, col = colOf(at)) =>
		errors.push({ message, row: r, col, offset: at });

	while (i < n) {
		const c = src.charCodeAt(i);
		// Whitespace; a BOM is tolerated like whitespace.
		if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
			i++;
			ws = true;
			continue;
		}
		if (c === 10) {
			i++;
			row++;
			lineStart = i;
			ws = true;
			nl = true;
			continue;
		}
		if (c === 35) {
			// `#` comment to end of line (the newline itself is handled above).
			let j = i + 1;
			while (j < n && src.charCodeAt(j) !== 10) j++;
			let text = src.slice(i + 1, j);
			if (text.endsWith("\r")) text = text.slice(0, -1);
			comments.push({
				text,
				loc: { file, row, col: colOf(i), endRow: row, endCol: colOf(j) },
			});
			i = j;
			ws = true;
			continue;
		}
		const start = i;
		const startRow = row;
		const startCol = colOf(i);
		let kind: TokenKind;
		let value: string | undefined;
		let raw = false;
		let opText: string | undefined;
		if (isLetter(c)) {
			i++;
			while (i < n) {
				const d = src.charCodeAt(i);
				if (!isLetter(d) && !isDigit(d)) break;
				i++;
			}
			kind = "ident";
		} else if (isDigit(c)) {
			i = scanNumber(src, i, (m, at) => err(m, at));
			kind = "number";
		} else if (c === 34) {
			const r = scanString(src, i, (m, at) => err(m, at));
			i = r.end;
			value = r.value;
			// As OPA's scanner: an unterminated string is an illegal token for the parser.
			kind = r.terminated ? "string" : "illegal";
		} else if (c === 96) {
			// Raw string: no escapes, may span lines.
			let j = i + 1;
			while (j < n && src.charCodeAt(j) !== 96) {
				if (src.charCodeAt(j) === 10) {
					row++;
					lineStart = j + 1;
				}
				j++;
			}
			raw = true;
			kind = "string";
			if (j >= n) {
				err("non-terminated string", start, startRow, startCol);
				value = src.slice(i + 1, j);
				i = j;
				kind = "illegal";
			} else {
				value = src.slice(i + 1, j);
				i = j + 1;
			}
		} else {
			let op: string | undefined;
			const two = src.slice(i, i + 2);
			if (TWO_CHAR_OPERATORS.has(two)) op = two;
			else if (ONE_CHAR_OPERATORS.has(src[i])) op = src[i];
			if (op === undefined) {
				// One illegal character becomes its own token so the parser reports it in place.
				const cp = src.codePointAt(i) ?? c;
				const len = cp > 0xffff ? 2 : 1;
				err("illegal token", i);
				tokens.push({
					kind: "illegal",
					text: src.slice(i, i + len),
					value: undefined,
					raw: false,
					offset: i,
					end: i + len,
					row,
					col: startCol,
					endRow: row,
					endCol: startCol + 1,
					wsBefore: ws,
					nlBefore: nl,
				});
				i += len;
				ws = false;
				nl = false;
				continue;
			}
			i += op.length;
			opText = op;
			kind = "op";
		}
		// Text decoded from UTF-8 never holds lone surrogates; a JS caller's string might. Make
		// them U+FFFD as escapes do, so a value always prints and re-reads the same.
		if (value !== undefined && LONE_SURROGATE.test(value))
			value = value.replace(LONE_SURROGATE_G, "\ufffd");
		// Every token has every field, in one order: one hidden class keeps the parser's reads fast.
		tokens.push({
			kind,
			text: opText ?? src.slice(start, i),
			value,
			raw,
			offset: start,
			end: i,
			row: startRow,
			col: startCol,
			endRow: row,
			endCol: colOf(i),
			wsBefore: ws,
			nlBefore: nl,
		});
		ws = false;
		nl = false;
	}
	tokens.push({
		kind: "eof",
		text: "",
		value: undefined,
		raw: false,
		offset: n,
		end: n,
		row,
		col: colOf(n),
		endRow: row,
		endCol: colOf(n),
		wsBefore: ws,
		nlBefore: nl,
	});
	return { tokens, comments, errors };
}

/** Digits, an optional fraction, an optional exponent, as JSON numbers are written. */
function scanNumber(src: string, i: number, err: (m: string, at: number) => void): number {
	const n = src.length;
	while (i < n && isDigit(src.charCodeAt(i))) i++;
	if (src.charCodeAt(i) === 46 && isDigit(src.charCodeAt(i + 1))) {
		i++;
		while (i < n && isDigit(src.charCodeAt(i))) i++;
	}
	const e = src.charCodeAt(i);
	if (e === 101 || e === 69) {
		let j = i + 1;
		const s = src.charCodeAt(j);
		if (s === 43 || s === 45) j++;
		if (isDigit(src.charCodeAt(j))) {
			while (j < n && isDigit(src.charCodeAt(j))) j++;
			i = j;
		} else {
			err("expected exponent", i);
			i = j;
		}
	}
	// `0a2b` is one bad number, not a number followed by an identifier.
	if (i < n && isLetter(src.charCodeAt(i))) {
		err("illegal number format", i);
		while (i < n && (isLetter(src.charCodeAt(i)) || isDigit(src.charCodeAt(i)))) i++;
	}
	return i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
	'"': '"',
	"\\": "\\",
	"/": "/",
	b: "\b",
	f: "\f",
	n: "\n",
	r: "\r",
	t: "\t",
};

/** A JSON-style string. Lone surrogates become U+FFFD, as Go's JSON decoder does. */
function scanString(
	src: string,
	i: number,
	err: (m: string, at: number) => void,
): { end: number; value: string; terminated: boolean } {
	const n = src.length;
	let j = i + 1;
	let out = "";
	let chunk = j;
	while (true) {
		if (j >= n || src.charCodeAt(j) === 10) {
			err("non-terminated string", i);
			out += src.slice(chunk, j);
			return { end: j, value: out, terminated: false };
		}
		const c = src.charCodeAt(j);
		if (c === 34) {
			out += src.slice(chunk, j);
			return { end: j + 1, value: out, terminated: true };
		}
		if (c !== 92) {
			j++;
			continue;
		}
		out += src.slice(chunk, j);
		const e = src[j + 1];
		if (e !== undefined && e in SIMPLE_ESCAPES) {
			out += SIMPLE_ESCAPES[e];
			j += 2;
		} else if (e === "u") {
			const u = readHex4(src, j + 2);
			if (u < 0) {
				err("illegal escape sequence", j);
				j += 2;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				const lo = src[j + 6] === "\\" && src[j + 7] === "u" ? readHex4(src, j + 8) : -1;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					out += String.fromCharCode(u, lo);
					j += 12;
				} else {
					out += "\ufffd";
					j += 6;
				}
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				out += "\ufffd";
				j += 6;
			} else {
				out += String.fromCharCode(u);
				j += 6;
			}
		} else {
			err("illegal escape sequence", j);
			j += e === undefined || e === "\n" ? 1 : 2;
		}
		chunk = j;
	}
}

function readHex4(src: string, at: number): number {
	if (at + 4 > src.length) return -1;
	for (let k = at; k < at + 4; k++) if (!isHex(src.charCodeAt(k))) return -1;
	return Number.parseInt(src.slice(at, at + 4), 16);
}
