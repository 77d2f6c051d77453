// Identity headers carry claim values to the upstream, and a claim can hold anything JSON
// can: CR/LF (header injection), NUL, characters beyond Latin-1 (which Node refuses to
// write, turning an allow into a 500), or commas inside one role of a comma-joined list.
// Such characters are percent-encoded as UTF-8, and so is "%" itself so the encoding stays
// reversible; a plain ASCII value passes unchanged.

const PLAIN = /^[\x21-\x24\x26-\x7e](?:[\x20-\x24\x26-\x7e]*[\x21-\x24\x26-\x7e])?$/;

/** `extra`: further characters to encode (e.g. "," for one element of a joined list). */
export function encodeHeaderValue(value: string, extra = ""): string {
	if (value === "" || (PLAIN.test(value) && !hasAny(value, extra))) return value;
	// Spaces are safe inside a value, not at its ends (Node trims those).
	let first = 0;
	while (value[first] === " ") first++;
	let last = value.length - 1;
	while (last >= 0 && value[last] === " ") last--;
	let out = "";
	let at = 0;
	for (const ch of value) {
		const code = ch.codePointAt(0) as number;
		const plain = code >= 0x21 && code <= 0x7e && ch !== "%" && !extra.includes(ch);
		const innerSpace = ch === " " && at > first && at < last;
		out += plain || innerSpace ? ch : percentEncode(ch);
		at += ch.length;
	}
	return out;
}

function hasAny(value: string, chars: string): boolean {
	for (const ch of chars) if (value.includes(ch)) return true;
	return false;
}

function percentEncode(ch: string): string {
	let out = "";
	for (const byte of new TextEncoder().encode(ch)) {
		out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
	}
	return out;
}
