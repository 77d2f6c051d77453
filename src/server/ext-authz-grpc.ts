// Envoy's ext_authz over gRPC (envoy.service.auth.v3.Authorization/Check) on @grpc/grpc-js,
// so Envoy and Istio meshes (AuthorizationPolicy with action CUSTOM) can ask Gavel the way
// they ask opa-envoy-plugin. Each Check is a Data API-style evaluation of one entrypoint
// (default envoy/authz/allow): counted and logged like every decision, and a deny whenever
// anything goes wrong — an error is never a gRPC failure Envoy's failure_mode_allow could
// turn into an allow.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { DecisionService } from "./decision-service.ts";
import { type CheckAnswer, checkAnswer, checkInput, deniedAnswer } from "./envoy-check.ts";

const PROTO_DIR = fileURLToPath(new URL("./proto/", import.meta.url));

export interface ExtAuthzGrpcOptions {
	host: string;
	port: number;
	/** The entrypoint each Check evaluates ("envoy/authz/allow"). */
	path: string;
	tls?: { cert: string; key: string; ca?: string; requireClientCert: boolean };
	/** Called with each answer, e.g. for metrics (allowed, or the error kind). */
	onCheck?: (answer: CheckAnswer) => void;
}

export interface RunningExtAuthzGrpc {
	/** host:port it listens on. */
	address: string;
	port: number;
	close(graceMs: number): Promise<void>;
}

function loadService(): grpc.ServiceDefinition {
	const definition = protoLoader.loadSync("ext_authz.proto", {
		includeDirs: [PROTO_DIR],
		// protojson's view: camelCase names, 64-bit integers and enums as strings, defaults left out.
		keepCase: false,
		longs: String,
		enums: String,
		bytes: String,
		defaults: false,
		oneofs: false,
	});
	const pkg = grpc.loadPackageDefinition(definition) as unknown as {
		envoy: { service: { auth: { v3: { Authorization: { service: grpc.ServiceDefinition } } } } };
	};
	return pkg.envoy.service.auth.v3.Authorization.service;
}

/** What one CheckRequest is answered with; never throws. */
export function answerCheck(
	decisions: DecisionService,
	path: string,
	request: unknown,
): CheckAnswer {
	try {
		const { input, error } = checkInput(request);
		if (error) return deniedAnswer(400, error, "bad_request");
		const r = decisions.query(path, input, "envoy-grpc");
		if ("error" in r && r.error === "no_bundle")
			return deniedAnswer(503, "no policy bundle is active", "no_bundle");
		if ("error" in r) return deniedAnswer(403, `unknown policy ${path}`, "unknown_policy");
		return checkAnswer(r.result);
	} catch (e) {
		const err = e as { code?: string; message?: string };
		return deniedAnswer(
			403,
			`${err.code ?? "eval_internal_error"}: ${err.message ?? String(e)}`,
			err.code ?? "eval_internal_error",
		);
	}
}

export async function startExtAuthzGrpc(
	decisions: DecisionService,
	options: ExtAuthzGrpcOptions,
): Promise<RunningExtAuthzGrpc> {
	const server = new grpc.Server();
	server.addService(loadService(), {
		Check(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
			const answer = answerCheck(decisions, options.path, call.request);
			options.onCheck?.(answer);
			callback(null, answer.response);
		},
	});
	const tls = options.tls;
	const credentials = tls
		? grpc.ServerCredentials.createSsl(
				tls.ca ? readFileSync(tls.ca) : null,
				[{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }],
				tls.requireClientCert,
			)
		: grpc.ServerCredentials.createInsecure();
	const host = options.host.includes(":") ? `[${options.host}]` : options.host;
	const port = await new Promise<number>((resolve, reject) =>
		server.bindAsync(`${host}:${options.port}`, credentials, (err, p) =>
			err ? reject(err) : resolve(p),
		),
	);
	return {
		address: `${host}:${port}`,
		port,
		close(graceMs) {
			return new Promise<void>((resolve) => {
				const force = setTimeout(() => {
					server.forceShutdown();
					resolve();
				}, graceMs);
				force.unref();
				server.tryShutdown(() => {
					clearTimeout(force);
					resolve();
				});
			});
		},
	};
}
