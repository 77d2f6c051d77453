// A bundle's data handed to the module as its own JSON text (PolicyBundle.dataJson) rather
// than as the parsed document the SDK would JSON.stringify: the policy must answer the same
// from either, after a rebuild, with uploaded modules compiled in, and when the module refuses
// the text the parsed document goes in as before.

import { gzipSync } from "node:zlib";
import * as opaWasm from "@open-policy-agent/opa-wasm";
import { describe, expect, it } from "vitest";
import { writeTar } from "../bundle/index.ts";
import { loadActivePolicy } from "./active-policy.ts";
import { policyBundleFromArchive } from "./bundle-loading.ts";
import { Engine } from "./engine.ts";
import type { PolicyBundle } from "./policy-bundle.ts";
import { setBundleData } from "./sdk-data.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const REGO = `package t
allow if {
	user := data.users[input.user]
	input.role in user.roles
	data.config.limits.max >= 3
}
flag := data.config.flags.beta
spin := count([x | some x in numbers.range(1, input.n)])
`;

async function bundle(files: Record<string, string>): Promise<PolicyBundle> {
	const entries = [
		{
			name: "/.manifest",
			data: enc(JSON.stringify({ revision: "r1", roots: ["t", "users", "config"] })),
		},
		{ name: "/t/policy.rego", data: enc(REGO) },
		...Object.entries(files).map(([name, text]) => ({ name, data: enc(text) })),
	];
	return policyBundleFromArchive(new Uint8Array(gzipSync(writeTar(entries))));
}

const FILES = {
	"/users/data.json": '{"alice": {"roles": ["admin", "dev"]}, "bob": {"roles": []}}',
	"/config/limits/data.json": '{"max": 3.0}',
	"/config/flags/data.json": '{"beta": "on"}',
};

function answers(p: Awaited<ReturnType<typeof loadActivePolicy>>) {
	return [
		p.evaluate("t/allow", { user: "alice", role: "dev" }),
		p.evaluate("t/allow", { user: "bob", role: "dev" }),
		p.evaluate("t/flag", {}),
	];
}

describe("setBundleData", () => {
	it("loads the bundle's text, and the policy answers as from the parsed document", async () => {
		const b = await bundle(FILES);
		expect(b.dataJson).toBeInstanceOf(Uint8Array);
		const sdk = await opaWasm.loadPolicy(b.wasm);
		expect(setBundleData(sdk, b)).toBe("text");

		const fromText = await loadActivePolicy(b);
		const fromObject = await loadActivePolicy({ ...b, dataJson: undefined });
		expect(answers(fromText)).toEqual([true, undefined, "on"]);
		expect(answers(fromText)).toEqual(answers(fromObject));
		expect(fromText.data).toEqual({
			users: { alice: { roles: ["admin", "dev"] }, bob: { roles: [] } },
			config: { limits: { max: 3 }, flags: { beta: "on" } },
		});
	});

	it("keeps the data through a rebuild after a fatal error", async () => {
		const p = await loadActivePolicy(await bundle(FILES), { evalLimits: { steps: 10_000 } });
		expect(() => p.evaluate("t/spin", { n: 1_000_000 })).toThrow();
		expect(p.rebuilds).toBe(1);
		expect(answers(p)).toEqual([true, undefined, "on"]);
	});

	it("carries the text into a policy recompiled with uploaded modules", async () => {
		const engine = new Engine();
		const event = await engine.activate(await bundle(FILES), "test");
		expect(event.outcome).toBe("success");
		await engine.putPolicy("extra.rego", "package extra\nmax := data.config.limits.max\n");
		const p = engine.current();
		expect(p?.evaluate("extra/max", {})).toBe(3);
		expect(p && answers(p)).toEqual([true, undefined, "on"]);
	});

	it("falls back to the parsed document when the module refuses the text", async () => {
		const b = await bundle(FILES);
		const refused = { ...b, dataJson: enc('{"users": ') };
		const sdk = await opaWasm.loadPolicy(b.wasm);
		expect(setBundleData(sdk, refused)).toBe("object");
		expect(answers(await loadActivePolicy(refused))).toEqual([true, undefined, "on"]);
	});

	it("is not given where the files' objects must be merged", async () => {
		const b = await bundle({ ...FILES, "/config/data.json": '{"other": 1}' });
		expect(b.dataJson).toBeUndefined();
		expect(answers(await loadActivePolicy(b))).toEqual([true, undefined, "on"]);
	});
});
