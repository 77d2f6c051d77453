// What running one conformance case produces.

export type Status = "passed" | "failed" | "skipped";

/** What Gavel answered (for the differential runner, which compares it with OPA's answer). */
export type Answer =
	| { kind: "result"; bindings: Record<string, unknown>[] }
	| { kind: "error"; code: string; message: string };

export interface Outcome {
	status: Status;
	/** Why it failed or was skipped. */
	reason?: string;
	/** Some module only parsed in OPA 0.x syntax (a few upstream v1 cases still use it). */
	v0Fallback?: boolean;
	/** Gavel's own answer, when it got as far as one (absent on a crash or timeout). */
	answer?: Answer;
}
