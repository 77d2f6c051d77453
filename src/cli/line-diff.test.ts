import { describe, expect, it } from "vitest";
import { unifiedDiff } from "./line-diff.ts";

describe("unifiedDiff", () => {
	it("is empty for equal texts", () => {
		expect(unifiedDiff("a\nb\n", "a\nb\n", "f")).toBe("");
	});

	it("shows changed lines with three lines of context and hunk positions", () => {
		const old = ["1", "2", "3", "4", "x", "6", "7", "8", "9", "10", "11", "12", "y", "14"].join(
			"\n",
		);
		const now = ["1", "2", "3", "4", "X", "6", "7", "8", "9", "10", "11", "12", "14"].join("\n");
		expect(unifiedDiff(old, now, "f.rego")).toBe(
			[
				"--- f.rego",
				"+++ f.rego (formatted)",
				"@@ -2,7 +2,7 @@",
				" 2",
				" 3",
				" 4",
				"-x",
				"+X",
				" 6",
				" 7",
				" 8",
				"@@ -10,5 +10,4 @@",
				" 10",
				" 11",
				" 12",
				"-y",
				" 14",
				"",
			].join("\n"),
		);
	});

	it("merges changes whose context overlaps into one hunk", () => {
		const out = unifiedDiff("a\nb\nc\nd\n", "A\nb\nc\nD\n", "f");
		expect(out.match(/^@@/gm)).toHaveLength(1);
		expect(out).toContain("@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n-d\n+D\n");
	});
});
