// What the shared server code (app, decision service) sees of tracing: types only, so the
// Worker bundle never pulls in OpenTelemetry. The implementation, tracing-otel.ts, is loaded
// by the Node entry point only when `tracing.enabled` is set; without it every hook is an
// `undefined?.` that creates nothing.

import type { TokenVerifier } from "./token-verifier.ts";

/** Attribute values as OTLP carries them (no token contents, no input: ids and labels). */
export type TraceAttributes = Record<string, string | number | boolean>;

/** One timed step below a decision: token verification, cache lookup, evaluation, logging. */
export interface TraceStep {
	/** `error` names what went wrong by code only (messages may quote the input). */
	end(attributes?: TraceAttributes, error?: string): void;
}

/** The span of one decision. */
export interface DecisionTrace {
	/** 32 hex digits, for the decision log entry. */
	readonly traceId: string;
	readonly spanId: string;
	step(name: string): TraceStep;
	/** The decision's attributes; ends the span unless it is the request's own span. */
	end(attributes: TraceAttributes, error?: string): void;
}

export interface Tracing {
	/**
	 * Runs one HTTP request in its span (a child of the caller's W3C `traceparent`, when it
	 * sent one), and returns the response with Gavel's `traceparent` on it. `batch`: the
	 * request holds many decisions, each gets a span of its own below the request's, which
	 * has this name (else the request's span is its one decision's, "gavel.decision").
	 */
	request(
		request: Request,
		route: string,
		batch: string | undefined,
		run: () => Response | Promise<Response>,
	): Promise<Response>;
	/** The span for a decision being made now: the request's span, or a new child (or root). */
	decision(): DecisionTrace;
	/** The same verifier, each verification a step of the current span. */
	wrapVerifier(verifier: TokenVerifier): TokenVerifier;
	/** Export what is still queued, then stop. */
	shutdown(): Promise<void>;
}
