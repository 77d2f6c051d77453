import { describe, expect, it } from "vitest";
import { normalizePath, type PathOptions, removeDotSegments } from "./request-path.ts";

const DEFAULTS: PathOptions = {
	normalizePath: true,
	mergeSlashes: true,
	escapedSlashesAction: "reject",
};
const norm = (p: string, o: Partial<PathOptions> = {}) => normalizePath(p, { ...DEFAULTS, ...o });

describe("removeDotSegments (RFC 3986 §5.2.4)", () => {
	it("resolves the RFC's examples and never climbs above the root", () => {
		expect(removeDotSegments("/a/b/c/./../../g")).toBe("/a/g");
		expect(removeDotSegments("/mid/content=5/../6")).toBe("/mid/6");
		expect(removeDotSegments("/../../x")).toBe("/x");
		expect(removeDotSegments("/a/b/..")).toBe("/a/");
		expect(removeDotSegments("/a/.")).toBe("/a/");
		expect(removeDotSegments("/a/..b/.c")).toBe("/a/..b/.c");
	});
});

describe("normalizePath", () => {
	it("leaves ordinary paths alone", () => {
		expect(norm("/orders/7")).toEqual({ ok: true, path: "/orders/7" });
		expect(norm("orders")).toEqual({ ok: true, path: "/orders" });
	});
	it("decodes unreserved escapes only, upper-casing the rest", () => {
		expect(norm("/%7euser/%41%2d%5f")).toEqual({ ok: true, path: "/~user/A-_" });
		expect(norm("/a%20b/%c3%a9/%3f")).toEqual({ ok: true, path: "/a%20b/%C3%A9/%3F" });
	});
	it("removes dot segments after decoding, merges slashes, reads \\ as /", () => {
		expect(norm("/a/%2e%2E/b")).toEqual({ ok: true, path: "/b" });
		expect(norm("//a///b//")).toEqual({ ok: true, path: "/a/b/" });
		expect(norm("/a\\..\\b")).toEqual({ ok: true, path: "/b" });
		expect(norm("//a//../b", { mergeSlashes: false })).toEqual({ ok: true, path: "//a/b" });
	});
	it("escaped slashes: reject by default, keep or unescape on request", () => {
		for (const p of ["/a%2fb", "/a%2Fb", "/a%5cb", "/a%5Cb"]) expect(norm(p).ok).toBe(false);
		expect(norm("/a/..%2f..%2fb", { escapedSlashesAction: "keep" })).toEqual({
			ok: true,
			path: "/a/..%2F..%2Fb",
		});
		expect(norm("/a/b/..%2f..%2fc", { escapedSlashesAction: "unescape" })).toEqual({
			ok: true,
			path: "/c",
		});
	});
	it("a malformed escape is refused", () => {
		expect(norm("/a%zz").ok).toBe(false);
		expect(norm("/a%2").ok).toBe(false);
	});
	it("normalizePath off keeps the spelling (still merging slashes, still refusing %2F)", () => {
		expect(norm("/a/../%2e", { normalizePath: false })).toEqual({ ok: true, path: "/a/../%2e" });
		expect(norm("/a//b", { normalizePath: false })).toEqual({ ok: true, path: "/a/b" });
		expect(norm("/a%2fb", { normalizePath: false }).ok).toBe(false);
	});
});
