// A bundle on local disk: a .tar.gz file, a directory holding one (`bundles/*.tar.gz`), an
// unpacked bundle directory (has a .manifest), a folder of .rego sources or one .rego file
// (compiled here). Watched: on change the bundle is re-read and swapped in; unchanged
// content (same hash) is not re-activated.

import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { policyBundleFromArchive } from "../bundle-loading.ts";
import type { SigningConfig } from "../bundle-signature.ts";
import type { ActivationEvent, Engine } from "../engine.ts";
import { type PolicyBundle, readBundleDirectory } from "../policy-bundle.ts";

export interface FileSourceOptions {
	path: string;
	/** Re-read on change (default true). */
	watch?: boolean;
	/** Coalesce bursts of file events (editors write in several steps). */
	debounceMs?: number;
	/** Verify .signatures.json (archives only). */
	signing?: SigningConfig;
	/** The Rego version of a sources folder (0: OPA 0.x syntax). */
	regoVersion?: 0 | 1;
}

async function resolveArchive(
	path: string,
): Promise<{ kind: "archive" | "dir" | "sources" | "rego-file"; file: string }> {
	const st = await stat(path);
	// One policy file, as `opa run -s policy.rego` takes it.
	if (!st.isDirectory() && path.endsWith(".rego")) return { kind: "rego-file", file: path };
	if (!st.isDirectory()) return { kind: "archive", file: path };
	const names = await readdir(path, { recursive: true });
	if (names.includes(".manifest")) return { kind: "dir", file: path };
	const archives = names.filter((n) => n.endsWith(".tar.gz") && !n.includes("/")).sort();
	if (archives.length === 0 && names.some((n) => n.endsWith(".rego"))) {
		return { kind: "sources", file: path };
	}
	if (archives.length === 0)
		throw new Error(`${path}: no .tar.gz bundle, no .manifest, no .rego files`);
	if (archives.length > 1) {
		throw new Error(`${path}: several bundles (${archives.join(", ")}); name one in the config`);
	}
	return { kind: "archive", file: join(path, archives[0]) };
}

export class FileBundleSource {
	private watcher: FSWatcher | undefined;
	private timer: NodeJS.Timeout | undefined;
	private lastHash: string | undefined;
	private loading: Promise<ActivationEvent | undefined> = Promise.resolve(undefined);

	constructor(
		private readonly engine: Engine,
		private readonly options: FileSourceOptions,
	) {}

	get name(): string {
		return `file:${this.options.path}`;
	}

	/** Load once now, then watch if configured. Resolves to the first activation's event. */
	async start(): Promise<ActivationEvent | undefined> {
		const first = await this.reload();
		if (this.options.watch !== false) {
			try {
				// A bundle file is watched through its folder: deployments replace files by rename
				// (editors, Kubernetes ConfigMap symlink swaps), which a watch on the old inode misses.
				// Any event just triggers a re-read; the content hash decides whether to activate.
				const isDir = (await stat(this.options.path)).isDirectory();
				const target = isDir ? this.options.path : dirname(this.options.path);
				this.watcher = watch(target, { recursive: isDir }, () => this.schedule());
			} catch {
				// The path may not exist yet; nothing to watch then.
			}
		}
		return first;
	}

	stop(): void {
		this.watcher?.close();
		if (this.timer) clearTimeout(this.timer);
	}

	private schedule(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 150);
	}

	/** Serialised so two change events cannot activate out of order. */
	reload(): Promise<ActivationEvent | undefined> {
		this.loading = this.loading.then(() => this.load());
		return this.loading;
	}

	private async load(): Promise<ActivationEvent | undefined> {
		let bundle: PolicyBundle;
		let hash: string;
		try {
			const target = await resolveArchive(this.options.path);
			if (target.kind === "sources" || target.kind === "rego-file") {
				const { compileSources, readSourceDirectory } = await import("../compile-sources.ts");
				const { rego, data } =
					target.kind === "sources"
						? readSourceDirectory(target.file)
						: {
								rego: new Map([[basename(target.file), await readFile(target.file, "utf8")]]),
								data: {},
							};
				const h = createHash("sha256");
				for (const [p, text] of rego) h.update(p).update("\0").update(text).update("\0");
				hash = h.update(JSON.stringify(data)).digest("hex");
				if (hash === this.lastHash) return undefined;
				bundle = compileSources({
					rego,
					data,
					revision: `src-${hash.slice(0, 12)}`,
					regoVersion: this.options.regoVersion,
				});
				// Plain files, as `opa run -s <folder>` loads them, not a bundle: they own no path,
				// so /v1/policies may add modules next to them.
				bundle.manifest.roots = [];
			} else if (target.kind === "dir") {
				bundle = await readBundleDirectory(target.file);
				hash = createHash("sha256")
					.update(bundle.wasm)
					.update(JSON.stringify(bundle.data))
					.update(JSON.stringify(bundle.manifest))
					.digest("hex");
			} else {
				const bytes = new Uint8Array(await readFile(target.file));
				hash = createHash("sha256").update(bytes).digest("hex");
				if (hash === this.lastHash) return undefined;
				bundle = await policyBundleFromArchive(bytes, { signing: this.options.signing });
			}
		} catch (e) {
			return this.engine.reportFailure(this.name, (e as Error).message);
		}
		if (hash === this.lastHash) return undefined;
		const event = await this.engine.activate(bundle, this.name);
		if (event.outcome === "success") this.lastHash = hash;
		return event;
	}
}
