import { describe, expect, it } from "vitest";
import { ipMatches, isTrusted } from "./ip-match.ts";

describe("proxy address matching", () => {
	it("matches exact addresses, IPv4 CIDRs and IPv4-mapped IPv6", () => {
		expect(ipMatches("127.0.0.1", "127.0.0.1")).toBe(true);
		expect(ipMatches("::ffff:127.0.0.1", "127.0.0.1")).toBe(true);
		expect(ipMatches("::1", "::1")).toBe(true);
		expect(ipMatches("10.1.2.3", "10.0.0.0/8")).toBe(true);
		expect(ipMatches("11.1.2.3", "10.0.0.0/8")).toBe(false);
		expect(ipMatches("192.168.1.77", "192.168.1.64/26")).toBe(true);
		expect(ipMatches("192.168.1.130", "192.168.1.64/26")).toBe(false);
		expect(ipMatches("1.2.3.4", "0.0.0.0/0")).toBe(true);
		expect(isTrusted(undefined, ["127.0.0.1"])).toBe(false);
		expect(isTrusted("10.0.0.9", ["127.0.0.1", "10.0.0.0/24"])).toBe(true);
	});
});
