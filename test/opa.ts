// Finds the reference OPA binary (the oracle): $OPA_BIN, else the cache folder that
// scripts/install-opa.sh fills, else PATH. Test code only: the product never runs OPA.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const OPA_VERSION = "1.22.3";
export const OPA_INSTALL_HINT =
	"npm run opa:install (go install of OPA v1.22.3 into the cache folder)";

export function opaCacheDir(): string {
	const cache = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
	return process.env.GAVEL_OPA_DIR || join(cache, "gavel", `opa-${OPA_VERSION}`);
}

let found: string | null | undefined;

/** The path of an `opa` that reports v1.22.3, or null when there is none. */
export function findOpa(): string | null {
	if (found !== undefined) return found;
	const candidates = [process.env.OPA_BIN, join(opaCacheDir(), "opa"), whichOpa()];
	found = null;
	for (const c of candidates) {
		if (c && existsSync(c) && reportsVersion(c)) {
			found = c;
			break;
		}
	}
	return found;
}

function whichOpa(): string | undefined {
	const r = spawnSync("sh", ["-c", "command -v opa"], { encoding: "utf8" });
	return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

function reportsVersion(bin: string): boolean {
	try {
		const out = execFileSync(bin, ["version"], { encoding: "utf8", timeout: 10_000 });
		return new RegExp(`^Version: ${OPA_VERSION.replaceAll(".", "\\.")}$`, "m").test(out);
	} catch {
		return false;
	}
}

/**
 * For a suite that needs OPA: outside CI a missing OPA skips it with one line saying how to
 * install it; with CI set it is a failure (the caller adds a failing test when this is "fail").
 */
export function opaRequirement(suite: string): {
	opa: string | null;
	missing: "skip" | "fail" | null;
} {
	const opa = findOpa();
	if (opa) return { opa, missing: null };
	if (process.env.CI) return { opa: null, missing: "fail" };
	console.warn(
		`${suite}: skipped, OPA ${OPA_VERSION} not found ($OPA_BIN, cache, PATH); ${OPA_INSTALL_HINT}`,
	);
	return { opa: null, missing: "skip" };
}
