// Several policy and data files served together, as `opa run -s a.rego b.rego data.json`
// loads them: .rego files and folders of them are compiled in-process as one policy, .json
// and .yaml files are data merged at the root. Plain files, not a bundle: they own no path
// (/v1/policies may add modules). Watched like a sources folder.

import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ActivationEvent, Engine } from "../engine.ts";

export interface FilesSourceOptions {
	paths: string[];
	watch?: boolean;
	debounceMs?: number;
	/** 0: the .rego files are OPA 0.x syntax. */
	regoVersion?: 0 | 1;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
	typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` merged into `into`; two values at one path that are not both objects conflict. */
function mergeData(into: Json, over: unknown, file: string, at: string[] = []): void {
	if (!isObject(over)) {
		throw new Error(`${file}: data must be an object at the root, not ${JSON.stringify(over)}`);
	}
	for (const [k, v] of Object.entries(over)) {
		const here = [...at, k];
		if (!(k in into)) {
			Object.defineProperty(into, k, {
				value: v,
				enumerable: true,
				writable: true,
				configurable: true,
			});
		} else if (isObject(into[k]) && isObject(v)) mergeData(into[k] as Json, v, file, here);
		else throw new Error(`${file}: data.${here.join(".")} is also defined by another file`);
	}
}

export class FilesSource {
	private watchers: FSWatcher[] = [];
	private timer: NodeJS.Timeout | undefined;
	private lastHash: string | undefined;
	private loading: Promise<ActivationEvent | undefined> = Promise.resolve(undefined);

	constructor(
		private readonly engine: Engine,
		private readonly options: FilesSourceOptions,
	) {}

	get name(): string {
		return `files:${this.options.paths.join(",")}`;
	}

	async start(): Promise<ActivationEvent | undefined> {
		const first = await this.reload();
		if (this.options.watch !== false) {
			for (const p of this.options.paths) {
				try {
					// Files through their folder, so a rename-replace is seen (as the file source does).
					const isDir = (await stat(p)).isDirectory();
					this.watchers.push(
						watch(isDir ? p : dirname(p), { recursive: isDir }, () => this.schedule()),
					);
				} catch {
					// Not there (yet): nothing to watch for it.
				}
			}
		}
		return first;
	}

	stop(): void {
		for (const w of this.watchers) w.close();
		if (this.timer) clearTimeout(this.timer);
	}

	private schedule(): void {
		if (this.timer) clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 150);
	}

	reload(): Promise<ActivationEvent | undefined> {
		this.loading = this.loading.then(() => this.load());
		return this.loading;
	}

	/** The Rego texts by path and the merged data of every path. */
	private async read(): Promise<{ rego: Map<string, string>; data: Json }> {
		const { readSourceDirectory } = await import("../compile-sources.ts");
		const rego = new Map<string, string>();
		const data: Json = {};
		for (const p of this.options.paths) {
			if ((await stat(p)).isDirectory()) {
				const names = await readdir(p, { recursive: true });
				if (names.includes(".manifest") || names.some((n) => n.endsWith(".tar.gz"))) {
					throw new Error(`${p}: a bundle is served alone, not with other paths`);
				}
				const dir = readSourceDirectory(p);
				for (const [file, text] of dir.rego) rego.set(join(p, file), text);
				mergeData(data, dir.data, p);
			} else if (p.endsWith(".rego")) rego.set(p, await readFile(p, "utf8"));
			else if (p.endsWith(".json")) mergeData(data, JSON.parse(await readFile(p, "utf8")), p);
			else if (p.endsWith(".yaml") || p.endsWith(".yml"))
				mergeData(data, parseYaml(await readFile(p, "utf8")) ?? {}, p);
			else
				throw new Error(
					`${p}: not a .rego, .json or .yaml file or a folder of them (a bundle is served alone)`,
				);
		}
		if (rego.size === 0) throw new Error(`${this.options.paths.join(", ")}: no .rego file`);
		return { rego, data };
	}

	private async load(): Promise<ActivationEvent | undefined> {
		let rego: Map<string, string>;
		let data: Json;
		try {
			({ rego, data } = await this.read());
		} catch (e) {
			return this.engine.reportFailure(this.name, (e as Error).message);
		}
		const h = createHash("sha256");
		for (const [p, text] of rego) h.update(p).update("\0").update(text).update("\0");
		const hash = h.update(JSON.stringify(data)).digest("hex");
		if (hash === this.lastHash) return undefined;
		let bundle: Awaited<ReturnType<typeof import("../compile-sources.ts").compileSources>>;
		try {
			const { compileSources } = await import("../compile-sources.ts");
			bundle = compileSources({
				rego,
				data,
				revision: `src-${hash.slice(0, 12)}`,
				regoVersion: this.options.regoVersion,
			});
		} catch (e) {
			return this.engine.reportFailure(this.name, (e as Error).message);
		}
		bundle.manifest.roots = [];
		const event = await this.engine.activate(bundle, this.name);
		if (event.outcome === "success") this.lastHash = hash;
		return event;
	}
}
