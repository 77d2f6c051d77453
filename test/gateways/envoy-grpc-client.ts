// The Go ext_authz client (test/envoy-grpc/client, on go-control-plane's Envoy types): built
// once into the cache under a name carrying a hash of its sources and of the Go toolchain, so
// an edited main.go, go.mod or go.sum builds a new binary and an unchanged one is reused.

import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const SOURCE = join(import.meta.dirname, "../envoy-grpc/client");
const NAME = "envoy-grpc-client";

/** One answer the client prints: the gRPC status code and the CheckResponse as protojson. */
export interface Line {
	code: number;
	error?: string;
	response?: {
		status?: { code?: number; message?: string };
		okResponse?: {
			headers?: { header: { key: string; value: string }; appendAction?: string }[];
			headersToRemove?: string[];
			responseHeadersToAdd?: { header: { key: string; value: string } }[];
		};
		deniedResponse?: {
			status?: { code?: string };
			headers?: { header: { key: string; value: string } }[];
			body?: string;
		};
	};
}

/** A CheckRequest for an HTTP request, with the attributes Envoy fills in. */
export const checkRequest = (
	method: string,
	path: string,
	headers: Record<string, string>,
	body?: string,
) => ({
	attributes: {
		source: { address: { socketAddress: { address: "10.1.2.3", portValue: 51234 } } },
		destination: { address: { socketAddress: { address: "10.0.0.9", portValue: 8080 } } },
		request: {
			time: "2026-12-02T09:00:00.250Z",
			http: {
				id: "req-1",
				method,
				path,
				host: "app.example",
				scheme: "http",
				protocol: "HTTP/1.1",
				headers: { ":authority": "app.example", ":method": method, ":path": path, ...headers },
				...(body === undefined ? {} : { body, size: String(body.length) }),
			},
		},
		contextExtensions: { virtual_host: "app" },
	},
});

function sourceHash(): string {
	const h = createHash("sha256");
	h.update(execFileSync("go", ["version"], { encoding: "utf8" }));
	const files = readdirSync(SOURCE)
		.filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum")
		.sort();
	for (const f of files)
		h.update(`${f}\0`)
			.update(readFileSync(join(SOURCE, f)))
			.update("\0");
	return h.digest("hex").slice(0, 16);
}

/** The client's path, built if this version of its sources has not been built yet. */
export function buildClient(): string {
	const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "gavel");
	const name = `${NAME}-${sourceHash()}`;
	const out = join(cache, name);
	if (existsSync(out)) return out;
	mkdirSync(cache, { recursive: true });
	// Built under a temporary name and renamed: test files building at once never run a half-written binary.
	const tmp = `${out}.tmp-${process.pid}`;
	execFileSync("go", ["build", "-o", tmp, "."], {
		cwd: SOURCE,
		stdio: ["ignore", "ignore", "inherit"],
		timeout: 600_000,
	});
	renameSync(tmp, out);
	// Older builds are 20 MB each and never used again.
	for (const f of readdirSync(cache))
		if ((f === NAME || f.startsWith(`${NAME}-`)) && f !== name && !f.includes(".tmp-"))
			rmSync(join(cache, f), { force: true });
	return out;
}

/**
 * Sends the CheckRequests (written to a file in dir) and returns one Line per request.
 * Asynchronous: the server answering it usually runs in the calling process.
 */
export async function runClient(
	client: string,
	dir: string,
	args: string[],
	requests: unknown[],
): Promise<Line[]> {
	const file = join(dir, `req-${Math.random().toString(36).slice(2)}.json`);
	writeFileSync(file, JSON.stringify(requests));
	const { stdout } = await execFileAsync(client, [...args, "-requests", file], {
		encoding: "utf8",
		timeout: 60_000,
	});
	return stdout
		.trim()
		.split("\n")
		.map((l) => JSON.parse(l) as Line);
}
