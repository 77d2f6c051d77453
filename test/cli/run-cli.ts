// Runs the real `gavel` command (node bin/gavel.js) in a child process, as a user would.

import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const bin = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "gavel.js");

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

export function gavel(
	args: string[],
	opts: { cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, [bin, ...args], {
			cwd: opts.cwd,
			stdio: ["pipe", "pipe", "pipe"],
		});
		let stdout = "";
		let stderr = "";
		child.stdout.setEncoding("utf8").on("data", (d: string) => {
			stdout += d;
		});
		child.stderr.setEncoding("utf8").on("data", (d: string) => {
			stderr += d;
		});
		child.on("error", fail);
		child.on("close", (code) => done({ code, stdout, stderr }));
		child.stdin.end(opts.stdin ?? "");
	});
}
