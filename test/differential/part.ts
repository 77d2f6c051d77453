// The shape every part of the differential harness (`npm run differential`) returns, so the
// runner can print one summary line per part, write disagreements to --json and ratchet counts.

export interface Disagreement {
	/** A short name for the case: a conformance note, a program seed, a file path. */
	name: string;
	/** A minimal reproduction: modules, data, input, query (or the file and the command). */
	repro: Record<string, unknown>;
	gavel: unknown;
	opa: unknown;
	/** Why it is left, when it is a known and explained difference. */
	note?: string;
}

export interface PartResult {
	part: string;
	agree: number;
	disagree: number;
	skipped: number;
	disagreements: Disagreement[];
	/** Other findings worth reporting (e.g. OPA disagreeing with a conformance YAML). */
	extra?: Record<string, unknown>;
}

export interface PartOptions {
	/** The OPA binary (test/opa.ts findOpa()). */
	opa: string;
	seed?: number;
	programs?: number;
	/** A user's own policy folder to compare (instead of the project's samples). */
	policies?: string;
	/** With --policies: the entrypoints to compare decisions for (e.g. "authz/allow"). */
	entrypoints?: string[];
	/** With --policies: the inputs to evaluate each entrypoint with (--inputs FILE|DIR). */
	inputs?: unknown[];
	/** At most this many OPA processes at a time (default 2: the CI machine has 2 cores). */
	concurrency?: number;
	verbose?: boolean;
}

export type Part = (opts: PartOptions) => Promise<PartResult>;
