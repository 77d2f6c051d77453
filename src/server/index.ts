// Public face of src/server: what a runtime adapter (src/node.ts, src/worker.ts) needs to
// build the app. Everything exported here is free of Node-only APIs; the Node pieces
// (prom-metrics.ts, config-file.ts, dev-identity.ts, tls-peer.ts) are imported by node.ts
// directly.

export { type AppDeps, createApp, type GavelApp } from "./app.ts";
export {
	type AuthConfig,
	ConfigError,
	DEFAULT_CONFIG,
	type GavelConfig,
	mergeConfig,
	validateConfig,
} from "./config.ts";
export { DecisionCache, type DecisionCacheOptions } from "./decision-cache.ts";
export {
	createJsonLineLogger,
	type DecisionLogEntry,
	type DecisionLogger,
	nullLogger,
} from "./decision-log.ts";
export { createHttpLogger, type HttpDecisionLogger } from "./decision-log-http.ts";
export { type Decision, DecisionService } from "./decision-service.ts";
export type { PeerIdentity, PolicyInput, RequestInfo } from "./input.ts";
export type { DecisionOutcome, Metrics } from "./metrics.ts";
export {
	createTokenVerifier,
	type KeySource,
	localKeySource,
	remoteKeySource,
	type TokenFailure,
	type TokenResult,
	type TokenVerifier,
} from "./token-verifier.ts";
