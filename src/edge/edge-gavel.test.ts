// The adapter's failure paths, in Node (the happy paths run under workerd in test/edge).

import { describe, expect, it } from "vitest";
import { edgeWorker } from "./edge-gavel.ts";

const JWKS = '{"keys":[]}';

describe("edge adapter", () => {
	it("answers a configuration error with 500 naming the field, and retries on the next request", async () => {
		const worker = edgeWorker({ policy: {} as WebAssembly.Module, manifest: {}, data: {} });
		const res = await worker.fetch(new Request("http://edge.test/health"), {}, {});
		expect(res.status).toBe(500);
		const body = (await res.json()) as { code: string; message: string };
		expect(body.code).toBe("edge_config_error");
		expect(body.message).toMatch(/GAVEL_JWKS_URL/);
		// Fixing the secret takes effect without a new isolate.
		const fixed = await worker.fetch(
			new Request("http://edge.test/ready"),
			{ GAVEL_JWKS: JWKS },
			{},
		);
		expect(fixed.status).not.toBe(500);
	});

	it("fails closed when the built-in policy cannot be instantiated", async () => {
		const errors: unknown[] = [];
		const original = console.error;
		console.error = (...a: unknown[]) => errors.push(a);
		try {
			// Not a WebAssembly.Module: instantiation fails, the isolate keeps no policy.
			const worker = edgeWorker({
				policy: { not: "a module" } as unknown as WebAssembly.Module,
				manifest: { revision: "x" },
				data: {},
			});
			const env = { GAVEL_JWKS: JWKS };
			expect((await worker.fetch(new Request("http://edge.test/health"), env, {})).status).toBe(
				503,
			);
			const data = await worker.fetch(
				new Request("http://edge.test/v1/data/a/allow", {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: '{"input":{}}',
				}),
				env,
				{},
			);
			expect(data.status).toBe(503);
		} finally {
			console.error = original;
		}
		expect(String(errors[0])).toMatch(/bundle failed to load/);
	});
});
