// Go's encoding/json syntax errors, for builtins whose OPA error messages quote them
// (`invalid character 'J' after object key`). JSON.parse says the same thing in other words;
// policies and OPA's tests match on Go's wording.

/** Go's quoting of the offending character in a syntax error. */
function quoteChar(c: string): string {
	if (c === "'") return "'\\''";
	if (c === '"') return "'\"'";
	const q = JSON.stringify(c);
	return `'${q.slice(1, -1)}'`;
}

class SyntaxErr extends Error {}

const fail = (c: string, context: string): never => {
	throw new SyntaxErr(`invalid character ${quoteChar(c)} ${context}`);
};

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r";
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** undefined when `text` is valid JSON, else the message Go's json.Unmarshal gives. */
export function goJsonSyntaxError(text: string): string | undefined {
	let i = 0;
	const eof = () => {
		throw new SyntaxErr("unexpected end of JSON input");
	};
	const peek = () => text[i];
	const skip = () => {
		while (i < text.length && isSpace(text[i])) i++;
	};
	const value = (): void => {
		skip();
		const c = peek();
		if (c === undefined) eof();
		if (c === "{") {
			i++;
			skip();
			if (peek() === "}") {
				i++;
				return;
			}
			for (;;) {
				skip();
				const k = peek();
				if (k === undefined) eof();
				if (k !== '"') fail(k, "looking for beginning of object key string");
				string();
				skip();
				const colon = peek();
				if (colon === undefined) eof();
				if (colon !== ":") fail(colon, "after object key");
				i++;
				value();
				skip();
				const next = peek();
				if (next === undefined) eof();
				if (next === "}") {
					i++;
					return;
				}
				if (next !== ",") fail(next, "after object key:value pair");
				i++;
			}
		}
		if (c === "[") {
			i++;
			skip();
			if (peek() === "]") {
				i++;
				return;
			}
			for (;;) {
				value();
				skip();
				const next = peek();
				if (next === undefined) eof();
				if (next === "]") {
					i++;
					return;
				}
				if (next !== ",") fail(next, "after array element");
				i++;
			}
		}
		if (c === '"') {
			string();
			return;
		}
		if (c === "-" || isDigit(c)) {
			number();
			return;
		}
		for (const lit of ["true", "false", "null"]) {
			if (c === lit[0]) {
				i++;
				for (let j = 1; j < lit.length; j++) {
					const x = peek();
					if (x === undefined) eof();
					if (x !== lit[j]) fail(x, `in literal ${lit} (expecting ${quoteChar(lit[j])})`);
					i++;
				}
				return;
			}
		}
		fail(c, "looking for beginning of value");
	};
	const string = (): void => {
		i++; // the opening quote
		for (;;) {
			const c = peek();
			if (c === undefined) eof();
			i++;
			if (c === '"') return;
			if (c === "\\") {
				const e = peek();
				if (e === undefined) eof();
				i++;
				if (e === "u") {
					for (let j = 0; j < 4; j++) {
						const h = peek();
						if (h === undefined) eof();
						if (!isHex(h)) fail(h, "in \\u hexadecimal character escape");
						i++;
					}
				} else if (!'"\\/bfnrt'.includes(e)) fail(e, "in string escape code");
			} else if (c < " ") fail(c, "in string literal");
		}
	};
	const number = (): void => {
		if (peek() === "-") {
			i++;
			const d = peek();
			if (d === undefined) eof();
			if (!isDigit(d)) fail(d, "in numeric literal");
		}
		if (peek() === "0") i++;
		else while (isDigit(peek())) i++;
		if (peek() === ".") {
			i++;
			const d = peek();
			if (d === undefined) eof();
			if (!isDigit(d)) fail(d, "after decimal point in numeric literal");
			while (isDigit(peek())) i++;
		}
		if (peek() === "e" || peek() === "E") {
			i++;
			if (peek() === "+" || peek() === "-") i++;
			const d = peek();
			if (d === undefined) eof();
			if (!isDigit(d)) fail(d, "in exponent of numeric literal");
			while (isDigit(peek())) i++;
		}
	};
	try {
		value();
		skip();
		const rest = peek();
		if (rest !== undefined) fail(rest, "after top-level value");
		return undefined;
	} catch (e) {
		if (e instanceof SyntaxErr) return e.message;
		throw e;
	}
}
