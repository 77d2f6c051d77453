// forward-auth's urlParts reads a request URL's pathname and search without parsing it when
// the text is plain; whatever it returns must be what WHATWG's URL parser gives.
import { describe, expect, it } from "vitest";
import { urlParts } from "./forward-auth.ts";

describe("urlParts", () => {
	it("agrees with URL on paths and queries of every two-character ASCII combination", () => {
		const chars: string[] = [];
		for (let i = 0x20; i < 0x7f; i++) chars.push(String.fromCharCode(i));
		chars.push("é", "%2e", "%2E", "%", "%zz", "//");
		const segments = ["", "a", "..", ".", "%2e", "%2E%2e", ".%2E"];
		let compared = 0;
		for (const a of chars)
			for (const b of chars)
				for (const s of segments) {
					for (const url of [
						`http://127.0.0.1:8181/v1/authz/${a}${b}/${s}`,
						`http://127.0.0.1:8181/v1/authz/x${s}?${a}${b}`,
						`https://h/${s}/${a}?q=${b}`,
					]) {
						let u: URL;
						try {
							u = new URL(url);
						} catch {
							continue;
						}
						const p = urlParts(url);
						if (p.pathname !== u.pathname || p.search !== u.search) {
							expect({ url, ...p }).toEqual({ url, pathname: u.pathname, search: u.search });
						}
						compared++;
					}
				}
		expect(compared).toBeGreaterThan(100_000);
	});

	it("reads an empty query as no search, as URL does", () => {
		expect(urlParts("http://h/v1/authz/a?")).toEqual({ pathname: "/v1/authz/a", search: "" });
		expect(urlParts("http://h/v1/authz/a?x=1")).toEqual({
			pathname: "/v1/authz/a",
			search: "?x=1",
		});
	});
});
