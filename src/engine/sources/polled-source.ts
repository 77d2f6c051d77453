// What the remote bundle sources (HTTP, OCI) share: the first poll at start-up, falling back
// to the persisted last good archive, then polls at a jittered interval (so replicas do not
// stampede) until stopped. Each source says how one poll downloads and activates.

import type { BundleLimits } from "../../bundle/index.ts";
import type { SigningConfig } from "../bundle-signature.ts";
import type { ActivationEvent, Engine } from "../engine.ts";
import { activatePersisted } from "./persisted-bundle.ts";

export interface PollingOptions {
	/** Poll delay bounds in seconds (OPA's min_delay_seconds / max_delay_seconds). */
	minDelaySeconds?: number;
	maxDelaySeconds?: number;
	/** The last good archive, activated at start-up when the first poll activates nothing. */
	persistPath?: string;
	signing?: SigningConfig;
	limits?: Partial<BundleLimits>;
}

export abstract class PolledBundleSource {
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;

	constructor(
		protected readonly engine: Engine,
		private readonly polling: PollingOptions,
	) {}

	abstract get name(): string;

	/** One download and activation; undefined when there was nothing new. */
	abstract poll(): Promise<ActivationEvent | undefined>;

	async start(): Promise<ActivationEvent | undefined> {
		let first = await this.poll();
		if (!this.engine.current() && this.polling.persistPath)
			first = await activatePersisted(this.engine, this.polling.persistPath, this.polling);
		this.scheduleNext();
		return first;
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
	}

	private scheduleNext(): void {
		if (this.stopped) return;
		const min = this.polling.minDelaySeconds ?? 60;
		const max = Math.max(min, this.polling.maxDelaySeconds ?? 120);
		const delay = (min + Math.random() * (max - min)) * 1000;
		this.timer = setTimeout(async () => {
			try {
				await this.poll();
			} catch (e) {
				// poll reports its own failures; anything else must not stop the polling.
				this.engine.reportFailure(this.name, `poll failed: ${(e as Error).message}`);
			}
			this.scheduleNext();
		}, delay);
		this.timer.unref();
	}
}
