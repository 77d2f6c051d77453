// yaml.unmarshal's errors as OPA words them (go-yaml's libyaml messages and line numbers),
// compared with OPA's binary on malformed documents: unterminated flow collections and
// quotes, bad escapes, nested implicit keys, tabs, stray closers, version directives, errors
// in a later document, tagged scalars that do not decode. Skipped outside CI without OPA.

import { describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { gavelAnswer, opaAnswer } from "./oracle.ts";

const DOCS = [
	"[1,2,3",
	"{a: 1",
	"{a: 1, b",
	"a: b: c",
	"a:\n  b\n c: 1",
	"- a\nb: 1",
	"a: 1\n- b",
	'"abc',
	"'abc",
	'a: "\\q"',
	"@foo",
	"`x",
	"a: [1, 2",
	"key: value\n  bad: indent",
	"a:\n\t- b",
	"[1, 2]]",
	"{a: 1}}",
	"a: &x 1\nb: *y",
	"!!int foo",
	"- [a, b\n- c",
	"a: |\n  x\n y",
	"? a\n? b\n:",
	"a: 1\na: 2",
	"%YAML 1.3\n---\na",
	"a: b\n---\nc: [",
	"[a: 1, b]",
	"x: {",
	'"a\nb',
	"a: 'it''s",
	"a, b: c",
	"%YAML 1.2\n---\na",
	"%YAML 1.1\n---\na",
	"[",
	"{",
	"a: [",
	"[1, [",
	"- a\n- b\nc",
	"a:\n  - b\n c: d",
	'a: "\\u12"',
	'x: "a" b',
	"a: *",
	"&",
	"!!float x",
	"!!int 1.5",
	"a: !!bool yes",
	"a: b\n---\nc: d",
	"[1,2,3\n",
	"a:\n  b: [1,\n  2",
];

const REGO = "package t\n\np := yaml.unmarshal(input.d)\n";

describe("yaml.unmarshal errors agree with OPA 1.22.3", () => {
	const { opa, missing } = opaRequirement("yaml.unmarshal errors vs OPA");
	it.skipIf(missing === "skip")(
		`${DOCS.length} documents: same values and error messages`,
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const diffs: string[] = [];
			for (const d of DOCS) {
				const want = opaAnswer(opa, REGO, { d });
				const got = await gavelAnswer(REGO, { d });
				if (JSON.stringify(got) !== JSON.stringify(want)) {
					diffs.push(
						`${JSON.stringify(d)}: OPA ${JSON.stringify(want)}, Gavel ${JSON.stringify(got)}`,
					);
				}
			}
			expect(diffs).toEqual([]);
		},
		300_000,
	);
});
