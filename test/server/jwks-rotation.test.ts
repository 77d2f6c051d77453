// The remote JWKS: keys rotate in without a restart, and tokens with unknown kids cannot
// make Gavel hammer the identity provider (refetches are bounded by a cooldown).

import type { JWK } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { startGavel } from "../../src/node.ts";
import { validateConfig } from "../../src/server/config.ts";
import { serveJwks } from "../../src/server/dev-identity.ts";
import { AUDIENCE, ISSUER, makeSigner, sign } from "./helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
	for (const c of cleanups) await c();
});

async function setup(cooldownSeconds: number, keys: () => JWK[]) {
	const jwks = await serveJwks(keys);
	const running = await startGavel(
		validateConfig({
			server: { port: 0 },
			auth: {
				jwksUrl: jwks.url,
				issuer: ISSUER,
				audience: AUDIENCE,
				jwksCooldownSeconds: cooldownSeconds,
			},
		}),
		{ info: () => {}, writeLog: () => {}, processMetrics: false },
	);
	cleanups.push(async () => {
		await running.close();
		await jwks.close();
	});
	const decide = async (token: string) => {
		const res = await fetch(`${running.url}/v1/decide`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}` },
		});
		return { status: res.status, body: (await res.json()) as { reason?: string } };
	};
	return { jwks, decide };
}

describe("remote JWKS", () => {
	it("picks up a rotated-in key on the next token that names it", async () => {
		const oldKey = await makeSigner("ES256", "2025");
		const newKey = await makeSigner("ES256", "2026");
		const published = [oldKey.publicJwk];
		const { decide } = await setup(0, () => published);
		expect((await decide(await sign(oldKey))).status).toBe(503); // verified; no bundle
		expect((await decide(await sign(newKey))).body.reason).toBe("unknown_key");
		published.push(newKey.publicJwk);
		expect((await decide(await sign(newKey))).status).toBe(503);
	});

	it("bounds refetches caused by unknown kids with the cooldown", async () => {
		const known = await makeSigner("ES256", "known");
		const { jwks, decide } = await setup(3600, () => [known.publicJwk]);
		expect((await decide(await sign(known))).status).toBe(503);
		const before = jwks.fetches;
		for (let i = 0; i < 10; i++) {
			expect(
				(await decide(await sign(await makeSigner("ES256", `stranger-${i}`)))).body.reason,
			).toBe("unknown_key");
		}
		expect(jwks.fetches - before).toBeLessThanOrEqual(1);
	});
});
