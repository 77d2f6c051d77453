// Holds the active policy and swaps it atomically: a new bundle is loaded completely before
// it replaces the old one, and a bundle that fails to load never replaces anything, so the
// last good revision keeps answering.

import type { Module } from "../rego/index.ts";
import { type ActivePolicy, type LoadOptions, loadActivePolicy } from "./active-policy.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

/** One policy module as the Policy API lists it. */
export interface PolicyModule {
	id: string;
	raw: string;
	/** Set for a module of the active bundle (its name), absent for an uploaded one. */
	bundle?: string;
}

/** A policy id the Policy API does not know: OPA's 404 resource_not_found. */
export class PolicyNotFoundError extends Error {
	constructor(readonly id: string) {
		super(`storage_not_found_error: policy id ${JSON.stringify(id)}`);
		this.name = "PolicyNotFoundError";
	}
}

/** How OPA names a bundle: the name it was given (here the source without its kind). */
function bundleName(source: string): string {
	// Several plain files have no bundle name: their modules are listed by their own paths.
	if (source.startsWith("files:")) return "";
	return source.replace(/^(file|http|oci|persisted):/, "");
}

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
	/** The last bundle activated as given (without uploaded modules), and its name. */
	private base: { bundle: PolicyBundle; name: string } | undefined;
	/** Modules uploaded through the Policy API, by id, compiled in with every bundle. */
	private readonly uploaded = new Map<string, { raw: string; module: Module }>();
	/** Rego version of uploads when no bundle is active (a bundle's sources decide otherwise). */
	uploadRegoVersion: 0 | 1 = 1;
	/** Activations and policy changes run one at a time, in order. */
	private queue: Promise<unknown> = Promise.resolve();

	constructor(private readonly loadOptions: LoadOptions = {}) {}

	private serial<T>(work: () => Promise<T>): Promise<T> {
		const next = this.queue.then(work, work);
		this.queue = next.catch(() => {});
		return next;
	}

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

	/**
	 * Load and swap in a bundle (compiled with the uploaded modules, if any). Resolves to the
	 * event; never throws for a bad bundle.
	 */
	activate(bundle: PolicyBundle, source = "manual"): Promise<ActivationEvent> {
		return this.serial(async () => {
			let event: ActivationEvent;
			try {
				const effective =
					this.uploaded.size === 0 ? bundle : await this.combine(bundle, this.uploaded);
				const policy = await loadActivePolicy(effective, this.loadOptions);
				this.active = policy;
				this.base = { bundle, name: bundleName(source) };
				event = { outcome: "success", source, revision: policy.revision, at: new Date() };
			} catch (e) {
				event = { outcome: "failure", source, error: (e as Error).message, at: new Date() };
			}
			this.report(event);
			return event;
		});
	}

	private async combine(
		bundle: PolicyBundle | undefined,
		uploaded: ReadonlyMap<string, { module: Module }>,
	): Promise<PolicyBundle> {
		// Loaded only when policies are uploaded: the compiler is heavy to start.
		const { compileWithModules } = await import("./policy-modules.ts");
		return compileWithModules(bundle, new Map([...uploaded].map(([id, m]) => [id, m.module])));
	}

	/** The active bundle's modules, then the uploaded ones, each group by id. */
	policies(): PolicyModule[] {
		const out: PolicyModule[] = [];
		if (this.base?.bundle.rego) {
			const name = this.base.name;
			// Plain files by their path, without a leading slash, as OPA lists them.
			for (const [path, raw] of [...this.base.bundle.rego].sort(([a], [b]) => (a < b ? -1 : 1)))
				out.push({
					id: name === "" ? path.replace(/^\/+/, "") : `${name}/${path}`,
					raw,
					bundle: name,
				});
		}
		for (const id of [...this.uploaded.keys()].sort())
			out.push({ id, raw: this.uploaded.get(id)?.raw ?? "" });
		return out;
	}

	/**
	 * What an ad-hoc query (/v1/query) compiles against: the running policy, the active
	 * bundle's .rego sources and the uploaded modules, and how policies are loaded here.
	 */
	querySources():
		| {
				active: ActivePolicy;
				bundle: PolicyBundle | undefined;
				uploaded: Module[];
				regoVersion: 0 | 1;
				loadOptions: LoadOptions;
		  }
		| undefined {
		if (!this.active) return undefined;
		return {
			active: this.active,
			bundle: this.base?.bundle,
			uploaded: [...this.uploaded.values()].map((u) => u.module),
			regoVersion: this.base?.bundle.regoVersion ?? this.uploadRegoVersion,
			loadOptions: this.loadOptions,
		};
	}

	/** One module by id; throws PolicyNotFoundError. */
	policy(id: string): PolicyModule {
		const found = this.policies().find((p) => p.id === id);
		if (!found) throw new PolicyNotFoundError(id);
		return found;
	}

	/**
	 * Add or replace an uploaded module and swap in the recompiled policy. Throws
	 * PolicyModuleError (parse, compile, ownership); the running policy is then unchanged.
	 */
	putPolicy(id: string, raw: string): Promise<void> {
		return this.serial(async () => {
			const { parseUploaded, checkOwnership } = await import("./policy-modules.ts");
			const module = parseUploaded(
				id,
				raw,
				this.base?.bundle.regoVersion ?? this.uploadRegoVersion,
			);
			checkOwnership(module, this.base?.bundle, this.base?.name ?? "");
			const next = new Map(this.uploaded);
			next.set(id, { raw, module });
			await this.swapModules(next, `policy-api:PUT ${id}`);
		});
	}

	/** Remove an uploaded module; a bundle's own is refused, an unknown id is PolicyNotFoundError. */
	deletePolicy(id: string): Promise<void> {
		return this.serial(async () => {
			if (!this.uploaded.has(id)) {
				const own = this.policies().find((p) => p.id === id && p.bundle !== undefined);
				if (!own) throw new PolicyNotFoundError(id);
				if (this.base?.bundle.manifest.roots?.length === 0) {
					const { PolicyModuleError } = await import("./policy-modules.ts");
					throw new PolicyModuleError(
						`${id} is a file of the served source folder: remove it from the folder (Gavel re-reads it)`,
					);
				}
				const { PolicyModuleError, parseUploaded } = await import("./policy-modules.ts");
				let pkg = "";
				try {
					const m = parseUploaded(id, own.raw);
					pkg = m.package.path.path.map((t) => (t.type === "string" ? t.value : "")).join("/");
				} catch {}
				throw new PolicyModuleError(
					`path ${pkg} is owned by bundle ${JSON.stringify(this.base?.name ?? "")}`,
				);
			}
			const next = new Map(this.uploaded);
			next.delete(id);
			await this.swapModules(next, `policy-api:DELETE ${id}`);
		});
	}

	private async swapModules(
		next: Map<string, { raw: string; module: Module }>,
		source: string,
	): Promise<void> {
		const base = this.base?.bundle;
		const effective = next.size === 0 && base ? base : await this.combine(base, next);
		const policy = await loadActivePolicy(effective, this.loadOptions);
		this.uploaded.clear();
		for (const [k, v] of next) this.uploaded.set(k, v);
		this.active = policy;
		// A new running policy like any activation: listeners clear caches and count it.
		this.report({ outcome: "success", source, revision: policy.revision, at: new Date() });
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
