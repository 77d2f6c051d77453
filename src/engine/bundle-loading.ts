// From bundle bytes to what the engine loads: OPA's tar.gz via src/bundle, and the checks
// that a bundle can be served (it must carry a compiled module).

import { readBundle } from "../bundle/index.ts";
import type { PolicyBundle } from "./policy-bundle.ts";

/** Read a .tar.gz bundle into the engine's shape. Throws with a reason on any defect. */
export function policyBundleFromArchive(bytes: Uint8Array): PolicyBundle {
	const b = readBundle(bytes);
	const module = b.wasm[0];
	if (!module) {
		// Rego-only bundles need the compiler at activation time; not wired yet.
		throw new Error(
			"bundle has no policy.wasm (rego-only bundles are not compiled on activation yet)",
		);
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
	};
}
