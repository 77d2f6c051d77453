// One long-lived `opa run --server` on 127.0.0.1 for parts that ask OPA thousands of small
// questions: starting `opa eval` per program costs far more than the question. Each program is
// PUT as a policy, its data written, the package read with POST /v1/data/…, then deleted;
// OPA answers errors per request, so one bad program never disturbs the next.

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { OpaError } from "./opa-cli.ts";

export type OpaAnswer =
	| { kind: "result"; defined: boolean; value?: unknown }
	| { kind: "error"; stage: "compile" | "eval"; errors: OpaError[] };

/** A port the kernel just handed out on 127.0.0.1 (free again once this returns). */
function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const s = createServer();
		s.once("error", fail);
		s.listen(0, "127.0.0.1", () => {
			const addr = s.address();
			s.close(() =>
				typeof addr === "object" && addr ? done(addr.port) : fail(new Error("no port")),
			);
		});
	});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OpaServer {
	private constructor(
		private readonly child: ChildProcess,
		readonly base: string,
		private readonly log: () => string,
	) {}

	/** Starts OPA's server on an ephemeral loopback port; resolves once /health answers. */
	static async start(opa: string, extraArgs: string[] = []): Promise<OpaServer> {
		for (let attempt = 0; ; attempt++) {
			const port = await freePort();
			const child = spawn(
				opa,
				[
					"run",
					"--server",
					"--addr",
					`127.0.0.1:${port}`,
					"--disable-telemetry",
					"--log-level",
					"error",
					...extraArgs,
				],
				{ stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
			);
			let out = "";
			child.stdout?.on("data", (b) => {
				out = (out + b).slice(-4000);
			});
			child.stderr?.on("data", (b) => {
				out = (out + b).slice(-4000);
			});
			let exited = false;
			child.once("exit", () => {
				exited = true;
			});
			const server = new OpaServer(child, `http://127.0.0.1:${port}`, () => out);
			const deadline = Date.now() + 30_000;
			while (!exited && Date.now() < deadline) {
				try {
					const r = await fetch(`${server.base}/health`);
					if (r.ok) return server;
				} catch {
					// not listening yet
				}
				await sleep(50);
			}
			await server.stop();
			// Another process may have taken the port between freePort() and OPA's bind.
			if (attempt >= 2) throw new Error(`opa run --server did not start:\n${out}`);
		}
	}

	private async request(
		method: string,
		path: string,
		body?: string,
	): Promise<{ status: number; json: unknown }> {
		const r = await fetch(`${this.base}${path}`, {
			method,
			body,
			headers: body === undefined ? undefined : { "content-type": "application/json" },
		});
		const text = await r.text();
		let json: unknown;
		try {
			json = text === "" ? {} : JSON.parse(text);
		} catch {
			throw new Error(`OPA ${method} ${path}: ${r.status} not JSON: ${text.slice(0, 500)}`);
		}
		return { status: r.status, json };
	}

	/** Replaces the whole base document (data) with `data`. */
	async putData(data: unknown): Promise<void> {
		const r = await this.request("PUT", "/v1/data", JSON.stringify(data ?? {}));
		if (r.status !== 204 && r.status !== 200)
			throw new Error(`OPA PUT /v1/data: ${r.status} ${JSON.stringify(r.json)}`);
	}

	/** Installs a module; OPA's compile errors come back as the answer. */
	async putPolicy(id: string, source: string): Promise<OpaError[]> {
		const r = await fetch(`${this.base}/v1/policies/${encodeURIComponent(id)}`, {
			method: "PUT",
			body: source,
			headers: { "content-type": "text/plain" },
		});
		const json = (await r.json().catch(() => ({}))) as { errors?: OpaError[]; message?: string };
		if (r.ok) return [];
		if (json.errors && json.errors.length > 0) return json.errors;
		throw new Error(`OPA PUT policy: ${r.status} ${JSON.stringify(json)}`);
	}

	async deletePolicy(id: string): Promise<void> {
		await this.request("DELETE", `/v1/policies/${encodeURIComponent(id)}`);
	}

	/** POST /v1/data/<path> with the input: the document's value, undefined, or OPA's errors. */
	async evalData(
		path: string[],
		input: unknown,
		opts: { strictBuiltinErrors?: boolean } = {},
	): Promise<OpaAnswer> {
		const q = opts.strictBuiltinErrors ? "?strict-builtin-errors" : "";
		const r = await this.request(
			"POST",
			`/v1/data/${path.map(encodeURIComponent).join("/")}${q}`,
			JSON.stringify(input === undefined ? {} : { input }),
		);
		const json = r.json as {
			result?: unknown;
			errors?: OpaError[];
			code?: string;
			message?: string;
		};
		if (r.status === 200) {
			return "result" in json
				? { kind: "result", defined: true, value: json.result }
				: { kind: "result", defined: false };
		}
		const errors = json.errors ?? [{ code: json.code ?? "unknown", message: json.message ?? "" }];
		return { kind: "error", stage: "eval", errors };
	}

	/** A module, its data and input, the package's value: the whole question in one call. */
	async evaluate(
		id: string,
		source: string,
		data: unknown,
		input: unknown,
		path: string[],
		opts: { strictBuiltinErrors?: boolean } = {},
	): Promise<OpaAnswer> {
		await this.putData(data);
		const errors = await this.putPolicy(id, source);
		if (errors.length > 0) return { kind: "error", stage: "compile", errors };
		try {
			return await this.evalData(path, input, opts);
		} finally {
			await this.deletePolicy(id);
		}
	}

	/** The last lines OPA printed (for failures). */
	output(): string {
		return this.log();
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
		this.child.kill("SIGTERM");
		const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
		await exited;
		clearTimeout(t);
	}
}
