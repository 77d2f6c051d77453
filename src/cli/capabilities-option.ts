// `--capabilities FILE` for build and check: OPA's capabilities JSON, read as `opa build
// --capabilities` reads it. Calls to builtins outside the file are then compile errors.

import { readFileSync } from "node:fs";
import { CapabilitiesError, capabilityNames, parseCapabilities } from "../compiler/index.ts";
import type { RegoError } from "../rego/errors.ts";
import { UsageError } from "./command.ts";

export interface CapabilitiesOption {
	names: ReadonlySet<string>;
	/** What OPA reports before loading any module (a v1 policy needs the rego_v1 feature). */
	errors: RegoError[];
}

/** The capabilities a `--capabilities` value names; undefined when it was not given. */
export function readCapabilitiesOption(
	value: string | undefined,
	regoVersion: 0 | 1,
): CapabilitiesOption | undefined {
	if (value === undefined) return undefined;
	let text: string;
	try {
		text = readFileSync(value, "utf8");
	} catch {
		// OPA also takes a version name here (v1.0.0); Gavel reads files only.
		throw new UsageError(
			`invalid argument "${value}" for "--capabilities" flag: no such file or capabilities version found: ${value}`,
		);
	}
	let caps: ReturnType<typeof parseCapabilities>;
	try {
		caps = parseCapabilities(text, value);
	} catch (e) {
		if (!(e instanceof CapabilitiesError)) throw e;
		throw new UsageError(`invalid argument "${value}" for "--capabilities" flag: ${e.message}`);
	}
	const errors: RegoError[] = [];
	if (regoVersion === 1 && !(caps.features ?? []).includes("rego_v1")) {
		errors.push({
			code: "rego_parse_error",
			message: "illegal capabilities: rego_v1 feature required for parsing v1 Rego",
		});
	}
	return { names: capabilityNames(caps), errors };
}
