// Public face of src/engine: load bundles, keep the active policy, evaluate.

export type { ActivePolicy, LoadOptions } from "./active-policy.ts";
export { loadActivePolicy } from "./active-policy.ts";
export { policyBundleFromArchive } from "./bundle-loading.ts";
export {
	type SigningConfig,
	type VerificationKey,
	verifyBundleSignature,
} from "./bundle-signature.ts";
export {
	type ActivationEvent,
	type ActivationListener,
	Engine,
	type PolicyModule,
	PolicyNotFoundError,
} from "./engine.ts";
export { type EvalErrorCode, PolicyEvalError } from "./eval-error.ts";
export {
	BuiltinError,
	createHostBuiltins,
	type HostBuiltin,
	type HostBuiltinOptions,
	type HostBuiltins,
} from "./host-builtins.ts";
export {
	type BundleManifest,
	normalizeEntrypoint,
	type PolicyBundle,
	readBundleDirectory,
} from "./policy-bundle.ts";
export { signatureHash } from "./signature-hash.ts";
export { FileBundleSource, type FileSourceOptions } from "./sources/file-source.ts";
export { FilesSource, type FilesSourceOptions } from "./sources/files-source.ts";
export { HttpBundleSource, type HttpSourceOptions } from "./sources/http-source.ts";
export {
	OCI_BUNDLE_LAYER_TYPE,
	OciBundleSource,
	type OciCredentials,
	type OciReference,
	type OciSourceOptions,
	parseOciReference,
} from "./sources/oci-source.ts";
