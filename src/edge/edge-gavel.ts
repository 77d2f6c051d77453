// The Worker's adapter: the same Hono app as on Node (src/server/app.ts), wired with what an
// isolate has. Everything is built once per isolate, on its first request (Workers forbid
// I/O and timers at module scope), and then shared: the loaded policy, the JWKS that jose
// fetches and caches, the verified-token cache and the decision cache all live as long as
// the isolate does.

import type { Context } from "hono";
import { Engine } from "../engine/engine.ts";
import type { BundleManifest, PolicyBundle } from "../engine/policy-bundle.ts";
import { createApp, type GavelApp } from "../server/app.ts";
import { DecisionCache } from "../server/decision-cache.ts";
import { createJsonLineLogger, nullLogger } from "../server/decision-log.ts";
import {
	createTokenVerifier,
	type KeySource,
	localKeySource,
	remoteKeySource,
} from "../server/token-verifier.ts";
import { type EdgeEnv, edgeSettings } from "./edge-config.ts";
import { createEdgeMetrics, type EdgeMetrics } from "./edge-metrics.ts";

/**
 * A WebAssembly.Module, compiled by the platform at deploy time (Workers cannot compile Wasm
 * from bytes at run time).
 */
export type CompiledWasmModule = WebAssembly.Module;

/** The compiled bundle as the Worker imports it. */
export interface EdgeBundle {
	policy: CompiledWasmModule;
	manifest: BundleManifest;
	data: unknown;
	/**
	 * Gavel's runtime, for a module built by `opa build -t wasm`: the host answers the builtins
	 * it imports that Gavel implements natively with it. Absent for a Gavel-built module.
	 */
	runtime?: CompiledWasmModule;
}

export interface EdgeGavel {
	gavel: GavelApp;
	metrics: EdgeMetrics;
}

/** Cloudflare puts the client's address here; the TCP peer itself is not visible to a Worker. */
export const edgeRemoteAddr = (c: Context): string | undefined =>
	c.req.header("cf-connecting-ip") ?? undefined;

export async function createEdgeGavel(env: EdgeEnv, bundle: EdgeBundle): Promise<EdgeGavel> {
	const { config, jwks } = edgeSettings(env);
	const metrics = createEdgeMetrics(env.GAVEL_ANALYTICS);
	const sources: KeySource[] = [];
	if (config.auth.jwksUrl) sources.push(remoteKeySource(config.auth.jwksUrl, config.auth));
	if (jwks) sources.push(localKeySource(jwks));
	const verifier = createTokenVerifier(config.auth, sources, {
		onResult: (outcome) => metrics.tokenVerification(outcome),
	});
	const cache = config.cache.enabled
		? new DecisionCache({
				maxEntries: config.cache.maxEntries,
				maxBytes: config.cache.maxBytes,
				ttlSeconds: config.cache.ttlSeconds,
			})
		: undefined;
	// One JSON line per decision on the console: Workers Logs / `wrangler tail` collect it.
	const logger = config.decisionLog.enabled
		? createJsonLineLogger((line) => console.log(line.trimEnd()), config.decisionLog.mask)
		: nullLogger;
	const runtime = bundle.runtime;
	const engine = new Engine({
		...(runtime ? { nativeRuntime: () => runtime } : {}),
		evalLimits: {
			steps: config.policy.maxEvalSteps,
			memoryBytes: config.policy.maxEvalMemoryBytes,
		},
	});
	const gavel = createApp({
		config,
		engine,
		verifier,
		metrics,
		logger,
		cache,
		remoteAddrOf: edgeRemoteAddr,
	});
	const policyBundle: PolicyBundle = {
		manifest: bundle.manifest,
		// No bytes at the edge: the engine instantiates the imported module instead.
		wasm: new Uint8Array(0),
		module: bundle.policy,
		data: bundle.data,
	};
	const event = await engine.activate(policyBundle, "worker");
	if (event.outcome === "failure") {
		// Keep serving: every route then answers as with no bundle (fail closed, 503).
		console.error(`gavel: bundle failed to load: ${event.error}`);
	}
	return { gavel, metrics };
}

/** A Worker's module export: one EdgeGavel per isolate, built on the first request. */
export function edgeWorker(bundle: EdgeBundle): {
	fetch(request: Request, env: EdgeEnv, ctx: unknown): Promise<Response>;
} {
	let ready: Promise<EdgeGavel> | undefined;
	return {
		async fetch(request, env, ctx) {
			ready ??= createEdgeGavel(env, bundle);
			let edge: EdgeGavel;
			try {
				edge = await ready;
			} catch (e) {
				// A configuration error: answer, fail closed, and try again on the next request
				// (a fixed secret takes effect without waiting for a new isolate).
				ready = undefined;
				return Response.json(
					{ code: "edge_config_error", message: (e as Error).message },
					{ status: 500 },
				);
			}
			// gavel.fetch, not app.fetch: it counts the request in gavel_http_requests_total.
			return edge.gavel.fetch(request, env, ctx);
		},
	};
}
