// One error type for every way a bundle can be unusable, so callers can tell "bad bundle" from
// their own bugs and show the message as it is.

export class BundleError extends Error {
	override name = "BundleError";
}
