// What running one conformance case produces.

export type Status = "passed" | "failed" | "skipped";

export interface Outcome {
	status: Status;
	/** Why it failed or was skipped. */
	reason?: string;
	/** Some module only parsed in OPA 0.x syntax (a few upstream v1 cases still use it). */
	v0Fallback?: boolean;
}
