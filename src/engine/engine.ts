// Holds the active policy and swaps it atomically: a new bundle is loaded completely before
// it replaces the old one, and a bundle that fails to load never replaces anything, so the
// last good revision keeps answering.

import { type ActivePolicy, type LoadOptions, loadActivePolicy } from "./active-policy.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

export interface ActivationEvent {
	outcome: "success" | "failure";
	source: string;
	revision?: string;
	error?: string;
	at: Date;
}

export type ActivationListener = (event: ActivationEvent) => void;

export class Engine {
	private active: ActivePolicy | undefined;
	private readonly listeners: ActivationListener[] = [];
	private lastEvent: ActivationEvent | undefined;

	constructor(private readonly loadOptions: LoadOptions = {}) {}

	current(): ActivePolicy | undefined {
		return this.active;
	}

	lastActivation(): ActivationEvent | undefined {
		return this.lastEvent;
	}

	onActivation(listener: ActivationListener): () => void {
		this.listeners.push(listener);
		return () => {
			const i = this.listeners.indexOf(listener);
			if (i >= 0) this.listeners.splice(i, 1);
		};
	}

	/** Load and swap in a bundle. Resolves to the event; never throws for a bad bundle. */
	async activate(bundle: PolicyBundle, source = "manual"): Promise<ActivationEvent> {
		let event: ActivationEvent;
		try {
			const policy = await loadActivePolicy(bundle, this.loadOptions);
			this.active = policy;
			event = { outcome: "success", source, revision: policy.revision, at: new Date() };
		} catch (e) {
			event = { outcome: "failure", source, error: (e as Error).message, at: new Date() };
		}
		this.report(event);
		return event;
	}

	/** Record a failure that happened before loading (download, verification, compilation). */
	reportFailure(source: string, error: string): ActivationEvent {
		const event: ActivationEvent = { outcome: "failure", source, error, at: new Date() };
		this.report(event);
		return event;
	}

	private report(event: ActivationEvent): void {
		this.lastEvent = event;
		for (const l of this.listeners) {
			// A failing listener (a log sink, say) must not reject the caller's activation or
			// stop the other listeners: sources chain their reloads on these promises.
			try {
				l(event);
			} catch {}
		}
	}
}
