// The digest OPA puts in a bundle signature for each file. Structured files (.json, .yaml,
// .manifest) are hashed over a canonical encoding — objects with keys sorted, no spaces,
// numbers exactly as written — so reformatting a data file does not break its signature;
// anything else is hashed as raw bytes.

import { createHash } from "node:crypto";
import { parse as parseYaml } from "yaml";

/** A JSON value whose numbers keep their source text. */
type Canon = { num: string } | string | boolean | null | Canon[] | { obj: [string, Canon][] };

class JsonReader {
	private i = 0;
	constructor(private readonly s: string) {}

	read(): Canon {
		const v = this.value();
		this.ws();
		if (this.i !== this.s.length) throw new Error("trailing characters after JSON value");
		return v;
	}

	private ws(): void {
		while (/[ \t\n\r]/.test(this.s[this.i] ?? "")) this.i++;
	}

	private value(): Canon {
		this.ws();
		const c = this.s[this.i];
		if (c === "{") {
			this.i++;
			const entries: [string, Canon][] = [];
			this.ws();
			if (this.s[this.i] === "}") {
				this.i++;
				return { obj: entries };
			}
			for (;;) {
				this.ws();
				const key = this.string();
				this.ws();
				if (this.s[this.i++] !== ":") throw new Error("expected ':' in JSON object");
				entries.push([key, this.value()]);
				this.ws();
				const sep = this.s[this.i++];
				if (sep === "}") return { obj: entries };
				if (sep !== ",") throw new Error("expected ',' or '}' in JSON object");
			}
		}
		if (c === "[") {
			this.i++;
			const items: Canon[] = [];
			this.ws();
			if (this.s[this.i] === "]") {
				this.i++;
				return items;
			}
			for (;;) {
				items.push(this.value());
				this.ws();
				const sep = this.s[this.i++];
				if (sep === "]") return items;
				if (sep !== ",") throw new Error("expected ',' or ']' in JSON array");
			}
		}
		if (c === '"') return this.string();
		const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(
			this.s.slice(this.i),
		);
		if (!lit) throw new Error(`unexpected character in JSON at ${this.i}`);
		this.i += lit[0].length;
		if (lit[0] === "true") return true;
		if (lit[0] === "false") return false;
		if (lit[0] === "null") return null;
		return { num: lit[0] };
	}

	private string(): string {
		// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
		const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(
			this.s.slice(this.i),
		);
		if (!m) throw new Error(`bad JSON string at ${this.i}`);
		this.i += m[0].length;
		return JSON.parse(m[0]) as string;
	}
}

/** Go's encoding/json string form (without HTML escaping), which OPA hashes. */
function goString(s: string): string {
	return JSON.stringify(s).replace(/[\u2028\u2029]/g, (ch) =>
		ch === "\u2028" ? "\\u2028" : "\\u2029",
	);
}

function encode(v: Canon): string {
	if (v === null) return "null";
	if (typeof v === "boolean") return String(v);
	if (typeof v === "string") return goString(v);
	if (Array.isArray(v)) return `[${v.map(encode).join(",")}]`;
	if ("num" in v) return v.num;
	const sorted = [...v.obj].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	// A repeated key keeps its last value, as a decoder would.
	const dedup = new Map(sorted);
	return `{${[...dedup].map(([k, x]) => `${goString(k)}:${encode(x)}`).join(",")}}`;
}

function fromPlain(v: unknown): Canon {
	if (v === null || typeof v === "string" || typeof v === "boolean") return v;
	if (typeof v === "number") return { num: JSON.stringify(v) };
	if (Array.isArray(v)) return v.map(fromPlain);
	return { obj: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromPlain(x)]) };
}

export function isStructured(path: string): boolean {
	return /\.(json|ya?ml)$/.test(path) || path === ".manifest" || path.endsWith("/.manifest");
}

/** Hex SHA-256 of a bundle file as OPA computes it for signatures. */
export function signatureHash(path: string, bytes: Uint8Array): string {
	const h = createHash("sha256");
	if (!isStructured(path)) return h.update(bytes).digest("hex");
	const text = new TextDecoder().decode(bytes);
	const canon = /\.ya?ml$/.test(path) ? fromPlain(parseYaml(text)) : new JsonReader(text).read();
	return h.update(encode(canon)).digest("hex");
}
