import { describe, expect, it } from "vitest";
import { conformanceDir, loadCases } from "../../test/rego/conformance-cases.ts";
import type { Module } from "./ast.ts";
import { formatMeaning, formatModule } from "./format.ts";
import { formatError, parseModule } from "./index.ts";

/** What formatting must preserve (the formatter's own definition, see formatMeaning). */
const comparable = (m: Module) => formatMeaning(m);

function parse(text: string, regoVersion: 0 | 1 = 1): Module {
	const r = parseModule(text, "f.rego", { regoVersion });
	if (!r.module) throw new Error(`${text}\n${r.errors.map(formatError).join("\n")}`);
	return r.module;
}

const fmt = (text: string) => formatModule(parse(text), { source: text });

describe("formatModule", () => {
	it("sorts and groups imports and separates statements", () => {
		const text = `package a.b
import data.z
import input.req
import rego.v1
import data.y as yy
p := 1
q contains x if { x := 1 }
`;
		// As opa fmt prints it: adjacent imports sorted as one group, adjacent one-line rules kept
		// together.
		expect(fmt(text)).toBe(`package a.b

import data.y as yy
import data.z
import input.req
import rego.v1

p := 1
q contains x if x := 1
`);
	});

	it("keeps comments in place: leading, trailing, inside bodies, at the end", () => {
		const text = `# Package doc.
package c # the package

# Why p.
p if {
  # first
  input.a == 1 # trailing
  every x in input.xs {
    # inner
    x > 0
    # inner end
  }
  # body end
}

q if {
  # lead of a single literal
  input.b
}

# the end
`;
		const out = fmt(text);
		expect(out).toBe(`# Package doc.
package c # the package

# Why p.
p if {
	# first
	input.a == 1 # trailing
	every x in input.xs {
		# inner
		x > 0
		# inner end
	}
	# body end
}

q if {
	# lead of a single literal
	input.b
}

# the end
`);
		expect(fmt(out)).toBe(out);
	});

	it("keeps collections the author broke across lines broken, one line per source row", () => {
		const text = `package k

x := {
  "a": [1, 2],
  "b": f(
    1, [
      3]
  )
}

y := {"a": 1}

f(a, b) := [a, b]
`;
		const out = fmt(text);
		expect(out).toBe(`package k

x := {
	"a": [1, 2],
	"b": f(1, [
		3,
	]),
}

y := {"a": 1}

f(a, b) := [a, b]
`);
		expect(fmt(out)).toBe(out);
	});

	it("keeps blank lines between comment groups (two METADATA blocks stay two)", () => {
		const text = `# file note

# about the package
package g

# METADATA
# title: one

# METADATA
# scope: document
# title: two
p := 1

# a separate note

# p's note
q := 2
`;
		expect(fmt(text)).toBe(text);
		expect(parse(fmt(text)).rules[0].annotations).toHaveLength(2);
	});

	it("keeps METADATA blocks exactly as written", () => {
		const out = fmt(`package m

# METADATA
# title: Allow
# description: |
#   Two lines
#   of text.
# entrypoint: true
allow if true
`);
		expect(out).toBe(`package m

# METADATA
# title: Allow
# description: |
#   Two lines
#   of text.
# entrypoint: true
allow := true
`);
		expect(fmt(out)).toBe(out);
	});

	it("moves comments it cannot keep inside an expression in front of it, never drops them", () => {
		const out = fmt(`package k

x := {
  "a": 1, # the a
  "b": 2,
}
`);
		expect(out).toContain("# the a");
		expect(fmt(out)).toBe(out);
	});

	it("writes v0 modules in v1 syntax with import rego.v1 when asked (as opa fmt --v0-v1)", () => {
		const v0 = parse('package l\n\ndeny[msg] { msg := "no" }\nallow { true }\n', 0);
		const out = formatModule(v0, { addRegoV1Import: true });
		expect(out).toBe(
			'package l\n\nimport rego.v1\n\ndeny contains msg if msg := "no"\nallow := true\n',
		);
		// It still reads as the same module in v0 mode (which honours import rego.v1) and in v1.
		const again = parse(out, 0);
		const rules = (m: Module) => (formatMeaning(m) as Module).rules;
		expect(rules(again)).toEqual(rules(v0));
		expect(formatModule(again, { addRegoV1Import: true })).toBe(out);
	});

	const dir = conformanceDir();
	it.skipIf(!dir)("is meaning-preserving and idempotent over every conformance module", () => {
		let checked = 0;
		for (const c of loadCases(dir as string)) {
			for (const source of c.modules) {
				const r = parseModule(source, "case.rego", { regoVersion: 1 });
				if (!r.module) continue;
				const once = formatModule(r.module);
				const again = parseModule(once, "case.rego", { regoVersion: 1 });
				if (!again.module) {
					throw new Error(
						`${c.file} ${c.note}: formatted module does not parse\n${once}\n${again.errors.map(formatError).join("\n")}`,
					);
				}
				expect(comparable(again.module), `${c.file} ${c.note}`).toEqual(comparable(r.module));
				expect(
					again.module.comments.map((x) => x.text),
					`${c.file} ${c.note}`,
				).toEqual(r.module.comments.map((x) => x.text));
				expect(formatModule(again.module), `${c.file} ${c.note}`).toBe(once);
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(500);
	});

	it.skipIf(!dir)("keeps every comment, in order, when comments are added to every line", () => {
		let checked = 0;
		for (const c of loadCases(dir as string)) {
			for (const source of c.modules) {
				const original = parseModule(source, "case.rego", { regoVersion: 1 });
				if (!original.module) continue;
				// A comment after every line and a comment line before each: where that changes
				// the module (inside a multi-line string) or breaks it, the module is skipped.
				const lines = source.split("\n");
				const withComments = lines
					.map((l, i) => (l.trim() === "" ? l : `# above ${i}\n${l} # after ${i}`))
					.join("\n");
				const commented = parseModule(withComments, "case.rego", { regoVersion: 1 });
				if (!commented.module) continue;
				if (
					JSON.stringify(comparable(commented.module)) !==
					JSON.stringify(comparable(original.module))
				)
					continue;
				const once = formatModule(commented.module);
				const again = parseModule(once, "case.rego", { regoVersion: 1 });
				if (!again.module) throw new Error(`${c.file} ${c.note}: does not parse\n${once}`);
				expect(comparable(again.module), `${c.file} ${c.note}`).toEqual(
					comparable(original.module),
				);
				const texts = (m: Module) => m.comments.map((x) => x.text);
				expect(texts(again.module), `${c.file} ${c.note}`).toEqual(texts(commented.module));
				expect(formatModule(again.module), `${c.file} ${c.note}`).toBe(once);
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(300);
	});
});
