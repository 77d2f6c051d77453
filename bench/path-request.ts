// One whole HTTP request through a Node request listener (@hono/node-server's, or Gavel's
// direct listener in front of it) and Node's own IncomingMessage / ServerResponse, in this
// process, without a socket: everything a server does for a request except the HTTP parser
// and the read/writev system calls. Used by
// bench/path.ts to time a route end to end in CPU time.

import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";

// biome-ignore lint/suspicious/noExplicitAny: Hono's and Gavel's fetch differ only in the context type
type Fetch = (request: Request, env?: any, ctx?: any) => Response | Promise<Response>;

export interface RequestSpec {
	method: string;
	path: string;
	headers: Record<string, string>;
	body?: string;
}

/** A socket that accepts every write and sends nothing anywhere. */
function nullSocket(): Socket {
	const s = new Socket();
	// The response's bytes go nowhere; Node's HTTP layer only needs the write to succeed.
	s._write = (_c, _e, cb) => cb();
	s._writev = (_c, cb) => cb();
	Object.defineProperty(s, "remoteAddress", { value: "127.0.0.1" });
	return s;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** A function that performs `spec` against `fetch` and resolves with the status and body. */
export function inProcess(fetch: Fetch, spec: RequestSpec) {
	return inProcessListener(getRequestListener(fetch as never), spec);
}

/** The same against a Node request listener (Gavel's direct listener in front of the app). */
export function inProcessListener(listener: Listener, spec: RequestSpec) {
	const socket = nullSocket();
	const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
	const headers: Record<string, string> = { host: "127.0.0.1:8181", ...spec.headers };
	if (body) headers["content-length"] = String(body.length);
	const rawHeaders = Object.entries(headers).flat();
	let lastStatus = 0;
	let lastBody = "";
	const run = (capture: boolean): Promise<void> => {
		const req = new IncomingMessage(socket);
		req.method = spec.method;
		req.url = spec.path;
		req.httpVersionMajor = 1;
		req.httpVersionMinor = 1;
		req.httpVersion = "1.1";
		req.headers = { ...headers };
		req.rawHeaders = rawHeaders;
		const res = new ServerResponse(req);
		res.shouldKeepAlive = true;
		res.assignSocket(socket);
		const done = new Promise<void>((resolve) => {
			res.once("finish", () => {
				res.detachSocket(socket);
				resolve();
			});
		});
		if (capture) {
			const end = res.end.bind(res);
			res.end = ((chunk: unknown, ...rest: unknown[]) => {
				lastStatus = res.statusCode;
				if (typeof chunk === "string" || chunk instanceof Uint8Array)
					lastBody = Buffer.from(chunk).toString();
				return end(chunk as never, ...(rest as never[]));
			}) as typeof res.end;
		}
		listener(req, res);
		// As Node's parser does: the body follows the headers in the same tick.
		if (body) req.push(body);
		req.push(null);
		req.complete = true;
		return done;
	};
	return {
		run: () => run(false),
		/** One request with its answer kept, to check the route answers as the bench assumes. */
		async check(): Promise<{ status: number; body: string }> {
			await run(true);
			return { status: lastStatus, body: lastBody };
		},
	};
}
