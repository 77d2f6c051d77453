// opa.runtime: what OPA reports about the process it runs in (config, env, version). Gavel
// is not an OPA runtime and does not hand its environment or configuration to policies, so
// it answers as OPA does when evaluated without runtime information: an empty object.

export function runtimeBuiltins(): Record<string, () => unknown> {
	return {
		"opa.runtime": () => ({}),
	};
}
