// The last good bundle archive on disk, shared by the remote sources (HTTP, OCI): written
// after each successful activation, activated at start-up when the remote cannot be reached.

import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { BundleLimits } from "../../bundle/index.ts";
import { policyBundleFromArchive } from "../bundle-loading.ts";
import type { SigningConfig } from "../bundle-signature.ts";
import type { ActivationEvent, Engine } from "../engine.ts";

/** Keeps `bytes` as the last good archive at `path` (nothing without a path). */
export async function persistBundle(path: string | undefined, bytes: Uint8Array): Promise<void> {
	if (!path) return;
	try {
		await mkdir(dirname(path), { recursive: true });
		// Write then rename, so a crash never leaves a half-written last-good bundle.
		await writeFile(`${path}.tmp`, bytes);
		await rename(`${path}.tmp`, path);
	} catch {
		// Persistence is best effort; serving continues without it.
	}
}

/** Activates the archive kept at `path`; undefined when there is none. */
export async function activatePersisted(
	engine: Engine,
	path: string,
	options: { signing?: SigningConfig; limits?: Partial<BundleLimits> },
): Promise<ActivationEvent | undefined> {
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(await readFile(path));
	} catch {
		return undefined;
	}
	try {
		return await engine.activate(
			await policyBundleFromArchive(bytes, { signing: options.signing, limits: options.limits }),
			`persisted:${path}`,
		);
	} catch (e) {
		return engine.reportFailure(`persisted:${path}`, (e as Error).message);
	}
}
