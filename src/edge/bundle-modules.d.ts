// The compiled bundle the Worker is built with. `wrangler.toml` aliases these names to the
// files `src/edge/prepare-bundle.ts` writes (.edge/), so the type checker never needs them
// to exist. "gavel-edge/policy" is a one-line module importing ./policy.wasm beside it:
// wrangler's CompiledWasm rule sees that relative .wasm import (it does not see through an
// alias) and turns it into a WebAssembly.Module.

declare module "gavel-edge/policy" {
	const policy: import("./edge-gavel.ts").CompiledWasmModule;
	export default policy;
}

declare module "gavel-edge/runtime" {
	const runtime: import("./edge-gavel.ts").CompiledWasmModule | undefined;
	export default runtime;
}

declare module "gavel-edge/bundle.json" {
	const bundle: { manifest: import("../engine/index.ts").BundleManifest; data: unknown };
	export default bundle;
}
