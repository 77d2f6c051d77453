// A real nginx for the gateway tests: the Debian binary, run in the foreground from a
// temporary prefix with a config rendered from nginx.conf.template, on a loopback port.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
	chmodSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary } from "../binaries.ts";

/** The nginx binary, or undefined when none is installed. */
export function findNginx(): string | undefined {
	return findBinary("nginx");
}

/** A port nothing listens on right now (nginx needs a fixed one in its config). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once("error", reject);
		s.listen(0, "127.0.0.1", () => {
			const { port } = s.address() as { port: number };
			s.close(() => resolve(port));
		});
	});
}

/** Resolves once something listens on the loopback port; fails if `child` (`name`) exits first. */
export async function waitForPort(
	port: number,
	child: ChildProcess,
	log: () => string,
	name = "nginx",
): Promise<void> {
	for (let i = 0; i < 200; i++) {
		if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${log()}`);
		const open = await new Promise<boolean>((resolve) => {
			const sock = connect(port, "127.0.0.1");
			sock.once("connect", () => {
				sock.destroy();
				resolve(true);
			});
			sock.once("error", () => resolve(false));
		});
		if (open) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`${name} did not listen on ${port}:\n${log()}`);
}

export interface RunningNginx {
	url: string;
	config: string;
	close(): Promise<void>;
}

export async function startNginx(
	binary: string,
	upstreams: { gavel: string; app: string },
): Promise<RunningNginx> {
	const template = readFileSync(join(import.meta.dirname, "nginx.conf.template"), "utf8");
	return launchNginx(binary, (prefix, listen) => {
		const values: Record<string, string> = {
			PREFIX: prefix,
			GAVEL: upstreams.gavel,
			APP: upstreams.app,
			LISTEN: listen,
		};
		return template.replace(/\$\{([A-Z]+)\}/g, (_, k: string) => values[k] ?? `\${${k}}`);
	});
}

/**
 * Runs nginx in the foreground from a fresh temporary prefix with the config that `render`
 * writes for that prefix and a free loopback `listen` address; resolves once it listens.
 */
export async function launchNginx(
	binary: string,
	render: (prefix: string, listen: string) => string,
): Promise<RunningNginx> {
	const prefix = mkdtempSync(join(tmpdir(), "gavel-nginx-"));
	// Worker processes drop to an unprivileged user when nginx starts as root.
	chmodSync(prefix, 0o755);
	mkdirSync(join(prefix, "tmp"));
	const port = await freePort();
	const config = render(prefix, `127.0.0.1:${port}`);
	const confFile = join(prefix, "nginx.conf");
	writeFileSync(confFile, config);
	const args = ["-p", prefix, "-c", confFile, "-e", join(prefix, "error.log")];
	const test = spawnSync(binary, [...args, "-t"], { encoding: "utf8" });
	if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`);
	const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
	let stderr = "";
	child.stderr?.on("data", (d) => {
		stderr += String(d);
	});
	const log = () => {
		const file = join(prefix, "error.log");
		return `${stderr}${existsSync(file) ? readFileSync(file, "utf8") : ""}`;
	};
	await waitForPort(port, child, log);
	return {
		url: `http://127.0.0.1:${port}`,
		config,
		async close() {
			if (child.exitCode === null) {
				const exited = new Promise((r) => child.once("exit", r));
				child.kill("SIGQUIT"); // graceful: finish open requests, then stop
				await exited;
			}
			rmSync(prefix, { recursive: true, force: true });
		},
	};
}
