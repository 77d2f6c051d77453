// From bundle bytes to what the engine loads: OPA's tar.gz via src/bundle, and the checks
// that a bundle can be served: a compiled module, or .rego sources we compile here.

import { type BundleLimits, readBundle } from "../bundle/index.ts";
import { type SigningConfig, verifyBundleSignature } from "./bundle-signature.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

/** Read a .tar.gz bundle into the engine's shape. Rejects with a reason on any defect. */
export async function policyBundleFromArchive(
	bytes: Uint8Array,
	options: { signing?: SigningConfig; limits?: Partial<BundleLimits> } = {},
): Promise<PolicyBundle> {
	// The reader's limits bound the inflated size too, so a small gzip bomb is refused while
	// inflating rather than after it has filled memory.
	const b = readBundle(bytes, options.limits);
	await verifyBundleSignature(b.files, b.signatures, options.signing);
	const module = b.wasm[0];
	if (!module) {
		// A bundle of .rego sources only: compile it now, with Gavel's own compiler.
		if (b.rego.size === 0) throw new Error("bundle has neither policy.wasm nor .rego sources");
		// Loaded only when needed: the compiler and back end are heavy to start.
		const { compileSources } = await import("./compile-sources.ts");
		const compiled = compileSources({
			rego: b.rego,
			data: b.data,
			revision: b.manifest.revision,
			regoVersion: b.manifest.rego_version,
		});
		compiled.manifest = {
			...compiled.manifest,
			roots: b.manifest.roots,
			metadata: b.manifest.metadata,
		};
		return {
			...compiled,
			// The compiled bundle carries the reader's data as it is, so its text still holds.
			...(compiled.data === b.data && b.dataJson ? { dataJson: b.dataJson } : {}),
			rego: b.rego,
			regoVersion: b.manifest.rego_version === 0 ? 0 : 1,
		};
	}
	return {
		manifest: {
			revision: b.manifest.revision,
			roots: b.manifest.roots,
			wasm: b.manifest.wasm,
			rego_version: b.manifest.rego_version,
			metadata: b.manifest.metadata,
		},
		wasm: module.bytes,
		data: b.data,
		...(b.dataJson ? { dataJson: b.dataJson } : {}),
		rego: b.rego.size > 0 ? b.rego : undefined,
		regoVersion: b.manifest.rego_version === 0 ? 0 : 1,
	};
}
