// A Gavel replica as a container runs it: `gavel serve --config deploy/config.yaml` in a child
// process, with what differs per environment given as GAVEL_* variables.

import { type ChildProcess, spawn } from "node:child_process";

export interface Replica {
	child: ChildProcess;
	url: string;
	stderr(): string;
	stop(): Promise<void>;
}

export async function startReplica(
	env: Record<string, string>,
	args: string[] = ["--config", "deploy/config.yaml"],
): Promise<Replica> {
	const child = spawn(process.execPath, ["bin/gavel.js", "serve", ...args], {
		env: { ...process.env, GAVEL_HOST: "127.0.0.1", GAVEL_PORT: "0", ...env },
		stdio: ["ignore", "ignore", "pipe"],
	});
	let stderr = "";
	child.stderr?.on("data", (d) => {
		stderr += d;
	});
	const url = await new Promise<string>((resolve, reject) => {
		child.stderr?.on("data", () => {
			const m = /serving on (https?:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
			if (m) resolve(m[1]);
		});
		child.once("exit", (code) => reject(new Error(`gavel serve exited (${code}): ${stderr}`)));
	});
	return {
		child,
		url,
		stderr: () => stderr,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
			child.kill("SIGTERM");
			await exited;
		},
	};
}
