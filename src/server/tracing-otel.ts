// Tracing with OpenTelemetry (Node only): a span per decision request, child of the caller's
// W3C traceparent, with steps below it; spans go out in batches as OTLP/HTTP protobuf.
// The packages are imported dynamically, so a build that bundles this file still loads them
// only when tracing is switched on. The request's span reaches the decision service through
// an AsyncLocalStorage, so no route has to pass it along.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Span, TextMapGetter, Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { TokenResult, TokenVerifier } from "./token-verifier.ts";
import type { DecisionTrace, TraceAttributes, TraceStep, Tracing } from "./tracing.ts";

export interface TracingSettings {
	/** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
	endpoint: string;
	serviceName: string;
	/** Fraction of new traces recorded; a caller's sampled flag is followed as it is. */
	sampleRatio: number;
	/** Extra headers for the collector, e.g. an API key. */
	headers?: Record<string, string>;
	/** Spans wait at most this long before they are exported. */
	flushIntervalMs: number;
	/** Spans queued for export past this are dropped (a collector that is down costs memory). */
	maxQueueSize: number;
}

const EXPORT_TIMEOUT_MS = 5000;

const headerGetter: TextMapGetter<Headers> = {
	keys: (h) => [...h.keys()],
	get: (h, k) => h.get(k) ?? undefined,
};

export async function createOtelTracing(
	settings: TracingSettings,
	info: (message: string) => void = () => {},
): Promise<Tracing> {
	const [api, core, sdk, resources, otlp] = await Promise.all([
		import("@opentelemetry/api"),
		import("@opentelemetry/core"),
		import("@opentelemetry/sdk-trace"),
		import("@opentelemetry/resources"),
		import("@opentelemetry/exporter-trace-otlp-proto"),
	]);
	const { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, defaultTextMapSetter } = api;
	// Bounded: a collector that does not answer holds up shutdown by this much at most.
	const inner = new otlp.OTLPTraceExporter({
		url: settings.endpoint,
		headers: settings.headers,
		timeoutMillis: EXPORT_TIMEOUT_MS,
	});
	// The SDK drops a failed batch silently; say so, at most once a minute.
	let lastReport = Number.NEGATIVE_INFINITY;
	const exporter: SpanExporter = {
		export(spans, done) {
			inner.export(spans, (result) => {
				if (result.code !== core.ExportResultCode.SUCCESS && Date.now() - lastReport > 60_000) {
					lastReport = Date.now();
					info(
						`gavel: tracing: export of ${spans.length} spans to ${settings.endpoint} failed: ${result.error?.message ?? "unknown error"}`,
					);
				}
				done(result);
			});
		},
		shutdown: () => inner.shutdown(),
		forceFlush: () => inner.forceFlush(),
	};
	const provider = new sdk.TracerProvider({
		resource: resources.resourceFromAttributes({ "service.name": settings.serviceName }),
		sampler: new sdk.ParentBasedSampler({
			root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio),
		}),
		spanProcessors: [
			new sdk.BatchSpanProcessor({
				exporter,
				scheduledDelayMillis: settings.flushIntervalMs,
				maxQueueSize: settings.maxQueueSize,
				maxExportBatchSize: Math.min(512, settings.maxQueueSize),
				exportTimeoutMillis: EXPORT_TIMEOUT_MS,
			}),
		],
	});
	const tracer: Tracer = provider.getTracer("gavel");
	const propagator = new core.W3CTraceContextPropagator();

	class Step implements TraceStep {
		constructor(private readonly span: Span) {}
		end(attributes?: TraceAttributes, error?: string): void {
			if (attributes) this.span.setAttributes(attributes);
			if (error !== undefined) this.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
			this.span.end();
		}
	}

	class Decision implements DecisionTrace {
		readonly traceId: string;
		readonly spanId: string;
		ended = false;
		constructor(
			private readonly span: Span,
			readonly ctx: Context,
			/** The span is this decision's own (not the request's), so ending it is ours. */
			private readonly own: boolean,
		) {
			const sc = span.spanContext();
			this.traceId = sc.traceId;
			this.spanId = sc.spanId;
		}
		step(name: string): TraceStep {
			return new Step(tracer.startSpan(name, undefined, this.ctx));
		}
		end(attributes: TraceAttributes, error?: string): void {
			this.ended = true;
			this.span.setAttributes(attributes);
			if (error !== undefined) this.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
			if (this.own) this.span.end();
		}
	}

	interface Scope {
		span: Span;
		ctx: Context;
		/** One decision, whose span is the request's: the first decision takes it. */
		single: boolean;
		decision?: Decision;
	}
	const scopes = new AsyncLocalStorage<Scope>();

	/** A step of the decision under way in this request, else of the request's span. */
	const stepOfScope = (name: string, startTime?: number): Step | undefined => {
		const scope = scopes.getStore();
		if (!scope) return undefined;
		const ctx = scope.decision && !scope.decision.ended ? scope.decision.ctx : scope.ctx;
		return new Step(tracer.startSpan(name, { startTime }, ctx));
	};
	const tokenAttributes = (r: TokenResult, cached: boolean): TraceAttributes => ({
		"gavel.token.outcome": r.ok ? "valid" : r.reason,
		"gavel.token.cached": cached || (r.ok && r.cached),
	});

	return {
		async request(request, route, batch, run) {
			const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
			const span = tracer.startSpan(
				batch ?? "gavel.decision",
				{
					kind: SpanKind.SERVER,
					attributes: { "http.request.method": request.method, "http.route": route },
				},
				parent,
			);
			const ctx = trace.setSpan(parent, span);
			let res: Response;
			try {
				res = await scopes.run({ span, ctx, single: batch === undefined }, run);
			} catch (e) {
				span.setStatus({ code: SpanStatusCode.ERROR, message: "exception" });
				span.end();
				throw e;
			}
			span.setAttribute("http.response.status_code", res.status);
			if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
			span.end();
			// The caller (or, on forward auth, the proxy for its upstream) learns Gavel's span.
			const carrier: Record<string, string> = {};
			propagator.inject(ctx, carrier, defaultTextMapSetter);
			for (const [k, v] of Object.entries(carrier)) {
				try {
					res.headers.set(k, v);
				} catch {
					// An immutable Response (e.g. one from fetch): copy it to add the header.
					res = new Response(res.body, res);
					res.headers.set(k, v);
				}
			}
			return res;
		},
		decision() {
			const scope = scopes.getStore();
			if (scope?.single && scope.decision === undefined) {
				scope.decision = new Decision(scope.span, scope.ctx, false);
				return scope.decision;
			}
			// A request-key cache miss goes on to a full decision: still the same one.
			if (scope?.decision && !scope.decision.ended) return scope.decision;
			const parent = scope?.ctx ?? ROOT_CONTEXT;
			const span = tracer.startSpan(
				"gavel.decision",
				{ kind: scope ? SpanKind.INTERNAL : SpanKind.SERVER },
				parent,
			);
			return new Decision(span, trace.setSpan(parent, span), true);
		},
		wrapVerifier(verifier) {
			const wrapped: TokenVerifier = {
				async verify(token) {
					const step = stepOfScope("gavel.token.verify");
					const r = await verifier.verify(token);
					step?.end(tokenAttributes(r, false), r.ok ? undefined : r.reason);
					return r;
				},
			};
			if (verifier.cached) {
				const cached = verifier.cached.bind(verifier);
				wrapped.cached = (token) => {
					const started = performance.timeOrigin + performance.now();
					const r = cached(token);
					// A miss goes on to verify(), which is the step that counts.
					if (r !== undefined)
						stepOfScope("gavel.token.verify", started)?.end(
							tokenAttributes(r, true),
							r.ok ? undefined : r.reason,
						);
					return r;
				};
			}
			if (verifier.cacheUsage) wrapped.cacheUsage = verifier.cacheUsage.bind(verifier);
			return wrapped;
		},
		shutdown: () => provider.shutdown(),
	};
}
