// What the service counts. The app talks to this interface only; on Node it is backed by
// prom-client (prom-metrics.ts), at the edge by whatever the Worker can offer.

export type DecisionOutcome = "allow" | "deny" | "error";

export interface Metrics {
	decision(policy: string, outcome: DecisionOutcome, seconds: number): void;
	cache(hit: boolean): void;
	tokenVerification(outcome: string): void;
	bundleActivation(outcome: "success" | "failure", revision?: string): void;
	/** status "aborted": the client closed before its request body arrived (not a 5xx). */
	httpRequest(route: string, method: string, status: number | "aborted"): void;
	/** Prometheus text exposition and its content type. */
	render(): Promise<{ contentType: string; body: string }>;
}
