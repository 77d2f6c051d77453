// The compiled bundle the Worker is built with. `wrangler.toml` aliases these names to the
// files `src/edge/prepare-bundle.ts` writes (.edge/), so the type checker never needs them
// to exist; wrangler's CompiledWasm rule turns the .wasm into a WebAssembly.Module.

declare module "*/.edge/policy.wasm" {
	const policy: import("./edge-gavel.ts").CompiledWasmModule;
	export default policy;
}

declare module "gavel-edge/bundle.json" {
	const bundle: { manifest: import("../engine/index.ts").BundleManifest; data: unknown };
	export default bundle;
}
