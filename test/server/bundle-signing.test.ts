// Signed bundles in OPA's format (.signatures.json: one JWS listing every file and its
// SHA-256): a correctly signed bundle activates; tampering, a wrong key, an unlisted file,
// an unsigned bundle when signing is required, or a signed one when it is not, never do.

import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompactSign } from "jose";
import { describe, expect, it } from "vitest";
import { gunzip, gzip, readTar, writeTar } from "../../src/bundle/index.ts";
import { Engine, policyBundleFromArchive, type SigningConfig } from "../../src/engine/index.ts";
import { buildBundle } from "./build-bundle.ts";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const dir = mkdtempSync(join(tmpdir(), "gavel-sign-"));
const pubFile = join(dir, "pub.pem");
writeFileSync(pubFile, rsa.publicKey.export({ type: "spki", format: "pem" }));
const signing: SigningConfig = {
	keys: [{ id: "release", algorithm: "RS256", keyFile: pubFile }],
	scope: "write",
};

const unsigned = buildBundle({
	sources: { "p.rego": "package p\n\nimport rego.v1\n\nallow if data.p.open\n" },
	data: { p: { open: true } },
	entrypoints: ["p/allow"],
	revision: "s-1",
});

// Written independently of the implementation: JSON files hashed with sorted keys, compact.
function sortDeep(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(sortDeep);
	if (v && typeof v === "object") {
		return Object.fromEntries(
			Object.keys(v)
				.sort()
				.map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
		);
	}
	return v;
}
function fileHash(name: string, data: Uint8Array): string {
	const structured = name.endsWith(".json") || name.endsWith(".manifest");
	const bytes = structured
		? JSON.stringify(sortDeep(JSON.parse(new TextDecoder().decode(data))))
		: data;
	return createHash("sha256").update(bytes).digest("hex");
}

async function signed(
	archive: Uint8Array,
	opts: { key?: typeof rsa.privateKey; skip?: string; tamper?: boolean; scope?: string } = {},
): Promise<Uint8Array> {
	const entries = readTar(gunzip(archive, 1e9), { maxFileBytes: 1e9, maxFiles: 1000 });
	const files = entries
		.filter((e) => e.name.replace(/^\//, "") !== opts.skip)
		.map((e) => ({
			name: e.name.replace(/^\//, ""),
			hash: fileHash(e.name, e.data),
			algorithm: "SHA-256",
		}));
	const payload = { files, keyid: "release", scope: opts.scope ?? "write" };
	const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
		.setProtectedHeader({ alg: "RS256" })
		.sign(opts.key ?? rsa.privateKey);
	const out = entries.map((e) =>
		opts.tamper && e.name.endsWith("data.json")
			? { ...e, data: new TextEncoder().encode('{"p":{"open":false}}') }
			: e,
	);
	out.push({
		name: "/.signatures.json",
		data: new TextEncoder().encode(JSON.stringify({ signatures: [jws] })),
	});
	return gzip(writeTar(out));
}

describe("bundle signatures", () => {
	it("activates a correctly signed bundle", async () => {
		const engine = new Engine();
		const e = await engine.activate(
			await policyBundleFromArchive(await signed(unsigned), { signing }),
		);
		expect(e).toMatchObject({ outcome: "success", revision: "s-1" });
		expect(engine.current()?.evaluate("p/allow", {})).toBe(true);
	});

	const refusals: [string, () => Promise<Uint8Array>, SigningConfig | undefined, RegExp][] = [
		[
			"a tampered data.json",
			() => signed(unsigned, { tamper: true }),
			signing,
			/digest does not match/,
		],
		[
			"a signature by another key",
			() => signed(unsigned, { key: other.privateKey }),
			signing,
			/signature invalid/,
		],
		[
			"a file missing from the signature",
			() => signed(unsigned, { skip: "p.rego" }),
			signing,
			/p.rego is not included/,
		],
		["the wrong scope", () => signed(unsigned, { scope: "read" }), signing, /scope/],
		["an unsigned bundle when signing is configured", async () => unsigned, signing, /not signed/],
		[
			"a signed bundle when no key is configured",
			() => signed(unsigned),
			undefined,
			/no verification key is configured/,
		],
	];
	for (const [name, make, config, reason] of refusals) {
		it(`refuses ${name}`, async () => {
			await expect(policyBundleFromArchive(await make(), { signing: config })).rejects.toThrow(
				reason,
			);
		});
	}
});
