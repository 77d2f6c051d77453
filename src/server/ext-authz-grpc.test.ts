import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { DecisionService } from "./decision-service.ts";
import { startExtAuthzGrpc } from "./ext-authz-grpc.ts";

describe("ext_authz gRPC server", () => {
	it("answers a Check over a real connection", async () => {
		const decisions = {
			query: () => ({ decision_id: "d", result: true, revision: "r", timer_server_handler_ns: 1 }),
		} as unknown as DecisionService;
		const s = await startExtAuthzGrpc(decisions, { host: "127.0.0.1", port: 0, path: "p" });
		const client = new grpc.Client(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure());
		const res = await new Promise<Buffer>((resolve, reject) =>
			client.makeUnaryRequest(
				"/envoy.service.auth.v3.Authorization/Check",
				(x: Buffer) => x,
				(b: Buffer) => b,
				Buffer.alloc(0),
				(err, value) => (err ? reject(err) : resolve(value as Buffer)),
			),
		);
		client.close();
		await s.close(100);
		// CheckResponse{ok_response: {}} encodes as field 3, length 0 (+ status field 1, empty).
		expect([...res]).toContain(0x1a);
	});
});
