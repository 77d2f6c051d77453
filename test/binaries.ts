// External programs the tests run for real (nginx, caddy): found on PATH or in the usual
// system folders. Outside CI a missing one skips its suite with the reason; with CI set it is
// a failure, since .ci/run installs them (the same rule as test/opa.ts for OPA).

import { existsSync } from "node:fs";
import { join } from "node:path";

const SYSTEM_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];

/** The program's path, or undefined when it is not installed. */
export function findBinary(name: string): string | undefined {
	for (const dir of [...(process.env.PATH ?? "").split(":"), ...SYSTEM_DIRS]) {
		const p = join(dir, name);
		if (dir && existsSync(p)) return p;
	}
	return undefined;
}

/** The binary, or how its absence is handled: "skip" (warned once), "fail" (CI), null (found). */
export function binaryRequirement(
	name: string,
	suite: string,
	installHint: string,
): { binary: string | undefined; missing: "skip" | "fail" | null } {
	const binary = findBinary(name);
	if (binary) return { binary, missing: null };
	if (process.env.CI) return { binary: undefined, missing: "fail" };
	console.warn(`${suite}: skipped, ${name} is not installed (${installHint})`);
	return { binary: undefined, missing: "skip" };
}
