// Public face of src/bundle: OPA bundles (.tar.gz) in and out.
// readBundleTar and the tar/manifest code use no Node APIs; readBundle/writeBundle gzip via
// node:zlib. This module does not verify signatures: readBundle exposes the raw
// .signatures.json as `signatures` and every file in `files`, and the engine checks them
// (src/engine/bundle-signature.ts) before activating a bundle.

export { dataPathOf, isDataFile, type JsonObject, mergeAt } from "./data.ts";
export { BundleError } from "./errors.ts";
export { gunzip, gzip, isGzip } from "./gzip.ts";
export { type Manifest, parseManifest, type WasmResolver, withinRoots } from "./manifest.ts";
export {
	type Bundle,
	type BundleLimits,
	DEFAULT_LIMITS,
	normaliseMemberName,
	readBundle,
	readBundleTar,
	type WasmModule,
} from "./read.ts";
export { readTar, type TarEntry, writeTar } from "./tar.ts";
export { type BundleContents, bundleTar, writeBundle } from "./write.ts";
