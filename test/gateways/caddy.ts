// A real Caddy (Debian's binary) for the gateway tests, run in the foreground with a
// Caddyfile rendered from Caddyfile.template, its state in a temporary folder.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./nginx.ts";

export interface RunningCaddy {
	url: string;
	config: string;
	close(): Promise<void>;
}

export async function startCaddy(
	binary: string,
	upstreams: { gavel: string; app: string },
): Promise<RunningCaddy> {
	const prefix = mkdtempSync(join(tmpdir(), "gavel-caddy-"));
	const port = await freePort();
	const template = readFileSync(join(import.meta.dirname, "Caddyfile.template"), "utf8");
	const values: Record<string, string> = {
		PREFIX: prefix,
		GAVEL: upstreams.gavel,
		APP: upstreams.app,
		LISTEN: `127.0.0.1:${port}`,
	};
	const config = template.replace(/\$\{([A-Z]+)\}/g, (_, k: string) => values[k] ?? `\${${k}}`);
	const file = join(prefix, "Caddyfile");
	writeFileSync(file, config);
	// Caddy writes its own state under XDG folders: keep them in the prefix.
	const env = {
		...process.env,
		HOME: prefix,
		XDG_DATA_HOME: join(prefix, "data"),
		XDG_CONFIG_HOME: join(prefix, "config"),
	};
	const check = spawnSync(binary, ["validate", "--config", file, "--adapter", "caddyfile"], {
		encoding: "utf8",
		env,
	});
	if (check.status !== 0) throw new Error(`caddy validate failed:\n${check.stderr}`);
	const child: ChildProcess = spawn(binary, ["run", "--config", file, "--adapter", "caddyfile"], {
		env,
		stdio: ["ignore", "ignore", "pipe"],
	});
	let log = "";
	child.stderr?.on("data", (d) => {
		log += String(d);
	});
	await waitForPort(port, child, () => log, "caddy");
	return {
		url: `http://127.0.0.1:${port}`,
		config,
		async close() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once("exit", r));
				child.kill("SIGTERM");
				await exited;
			}
			rmSync(prefix, { recursive: true, force: true });
		},
	};
}
