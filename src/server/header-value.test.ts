import { describe, expect, it } from "vitest";
import { encodeHeaderValue } from "./header-value.ts";

describe("encodeHeaderValue", () => {
	it("passes plain ASCII values unchanged, inner spaces included", () => {
		expect(encodeHeaderValue("alice")).toBe("alice");
		expect(encodeHeaderValue("Alice Smith <a@b.c>")).toBe("Alice Smith <a@b.c>");
		expect(encodeHeaderValue("")).toBe("");
	});

	it("percent-encodes CR, LF and NUL so no header can be injected", () => {
		expect(encodeHeaderValue("alice\r\nx-admin: true")).toBe("alice%0D%0Ax-admin: true");
		expect(encodeHeaderValue("a\u0000b")).toBe("a%00b");
	});

	it("percent-encodes non-ASCII as UTF-8, and % itself so decoding is exact", () => {
		expect(encodeHeaderValue("日本")).toBe("%E6%97%A5%E6%9C%AC");
		expect(encodeHeaderValue("ä%")).toBe("%C3%A4%25");
		expect(decodeURIComponent(encodeHeaderValue("x 日%\n y"))).toBe("x 日%\n y");
	});

	it("encodes spaces at the ends (Node would trim them) and the extra characters asked for", () => {
		expect(encodeHeaderValue(" alice  ")).toBe("%20alice%20%20");
		expect(encodeHeaderValue("user,admin", ",")).toBe("user%2Cadmin");
		expect(encodeHeaderValue("user,admin")).toBe("user,admin");
	});
});
