// The hot routes' common requests answered on node:http directly, not through Hono: POST
// /v1/decide, POST /v1/data/<entrypoint> without a query, AuthZEN's single evaluation and
// forward auth (/v1/authz) without a body. Why: Hono's Node adapter
// makes a Request, a Context and a Response and chains promises for every request, which
// under load costs about as much as the decision itself (`npm run bench:http`). The
// answers come from the routes' own code (decide-route.ts, data-api.ts); a request out of
// the common case (another route, a query string, no Content-Length, a compressed body, a
// token not yet verified or refused, ...) is handed to the app before any of it is read.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gzipSync } from "node:zlib";
import type { DirectRoute, DirectRoutes } from "./app.ts";
import { evaluationRefused } from "./authzen.ts";
import { GZIP_MIN_LENGTH } from "./data-api.ts";
import type { DecideCall } from "./decide-route.ts";
import type { ForwardAnswer } from "./forward-auth.ts";
import { bearerOf, plainBearer } from "./headers.ts";
import { checkJsonText, errorAnswer, HttpError, type JsonAnswer } from "./http-errors.ts";
import type { PeerIdentity } from "./input.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

// As the adapter decodes a body: UTF-8, malformed bytes replaced, a leading BOM dropped.
const decoder = new TextDecoder();
const INTERNAL: JsonAnswer = {
	status: 500,
	json: JSON.stringify({ code: "internal_error", message: "internal error" }),
};
const DATA_PREFIX = "/v1/data/";
const EVALUATION = "/access/v1/evaluation";
const FORWARD = "/v1/authz";
/** /v1/authz and what is under it, as the app routes it (no regular expression per request). */
function isForwardUrl(url: string): boolean {
	if (!url.startsWith(FORWARD)) return false;
	const next = url.charCodeAt(FORWARD.length);
	return Number.isNaN(next) || next === 0x2f || next === 0x3f; // end, "/" or "?"
}
// The methods gateways ask with (the original request's); HEAD and the rest go to the app.
const FORWARD_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

type Headers = IncomingMessage["headers"];

function headerValue(h: Headers, name: string): string | undefined {
	const v = h[name];
	return Array.isArray(v) ? v.join(", ") : v;
}

/** A decide request as the route reads it (a class: no closures made per request). */
class NodeCall implements DecideCall {
	constructor(
		private readonly req: IncomingMessage,
		readonly path: string,
		readonly peer: PeerIdentity | undefined,
		readonly method = "POST",
	) {}
	header(name: string): string | undefined {
		return headerValue(this.req.headers, name);
	}
	urlHost(): string {
		return this.req.headers.host as string;
	}
	url(): string {
		// The scheme is not read by any route (only the path, query and host are).
		return `http://${this.req.headers.host}${this.req.url}`;
	}
	remoteAddr(): string | undefined {
		return this.req.socket.remoteAddress;
	}
}

function send(
	res: ServerResponse,
	status: number,
	body: string | Buffer,
	requestId: string | undefined,
	extra?: Record<string, string>,
): void {
	const length = Buffer.byteLength(body);
	// No spread for the common answer without extra headers: a generic copy per request.
	const headers: Record<string, string | number> =
		extra === undefined
			? { "Content-Type": "application/json", "Content-Length": length }
			: { "Content-Type": "application/json", ...extra, "Content-Length": length };
	// Every response carries the caller's request id back, as the app's do (unless the
	// answer names one itself).
	if (requestId !== undefined && extra?.["x-request-id"] === undefined) {
		headers["X-Request-ID"] = requestId;
	}
	res.writeHead(status, headers).end(body);
}

/**
 * Reads the body and calls `then` with its text, or answers a client that left mid-body
 * (to a closed socket, if at all) and counts it as aborted, as the app does.
 */
function readThen(
	req: IncomingMessage,
	res: ServerResponse,
	requestId: string | undefined,
	direct: DirectRoutes,
	route: DirectRoute,
	then: (body: Buffer) => void,
): void {
	const chunks: Buffer[] = [];
	let settled = false;
	req.on("data", (chunk: Buffer) => chunks.push(chunk));
	req.on("error", (e) => {
		if (settled) return;
		settled = true;
		if (!res.headersSent && !res.destroyed) {
			const message = `request body not received: ${e.message}`;
			send(res, 400, JSON.stringify({ code: "request_aborted", message }), requestId);
		}
		direct.answered(route, "aborted");
	});
	req.on("end", () => {
		if (settled) return;
		settled = true;
		then(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
	});
}

/** Whether the headers allow answering without the app: a plain body of a known length. */
function plainBody(h: Headers, limit: number): boolean {
	const length = h["content-length"];
	return (
		length !== undefined &&
		h["transfer-encoding"] === undefined &&
		h["content-encoding"] === undefined &&
		Number(length) <= limit
	);
}

/**
 * `app` wrapped so that the hot routes' common requests are answered directly; `peerOf`
 * reads a verified client certificate off the socket when the server is TLS.
 */
export function directListener(
	direct: DirectRoutes,
	app: Listener,
	peerOf?: (socket: Socket) => PeerIdentity | undefined,
): Listener {
	const limits = direct.limits;
	const decide = (req: IncomingMessage, res: ServerResponse): boolean => {
		const h = req.headers;
		if (h.host === undefined) return false;
		const claims = direct.verifiedClaims(plainBearer(h.authorization));
		if (claims === undefined) return false;
		direct.arrived();
		const requestId = headerValue(h, "x-request-id");
		readThen(req, res, requestId, direct, "/v1/decide", (body) => {
			const call = new NodeCall(req, "/v1/decide", peerOf?.(req.socket));
			let answer: JsonAnswer;
			try {
				const text = checkJsonText(decoder.decode(body), h["content-type"], limits);
				answer = direct.decide(call, claims, text);
			} catch (e) {
				answer = e instanceof HttpError ? errorAnswer(e) : INTERNAL;
			}
			send(res, answer.status, answer.json, requestId);
			direct.answered("/v1/decide", answer.status);
		});
		return true;
	};
	const data = (req: IncomingMessage, res: ServerResponse, url: string): boolean => {
		const path = url.slice(DATA_PREFIX.length);
		// Percent-escapes and dot segments are the router's to read; other paths (inside a
		// rule's document, not an entrypoint) are compiled on demand by the app.
		if (/[%?#]|(^|\/)\.\.?(\/|$)|\/\//.test(path) || !direct.isEntrypoint(path)) return false;
		const h = req.headers;
		if (!direct.callerPasses(bearerOf(h.authorization))) return false;
		const requestNumber = direct.arrived();
		const requestId = headerValue(h, "x-request-id");
		readThen(req, res, requestId, direct, "/v1/data/*", (body) => {
			let answer: JsonAnswer;
			try {
				answer = direct.data(path, decoder.decode(body), req.socket.remoteAddress, requestNumber);
			} catch {
				answer = INTERNAL;
			}
			// Compressed as the app compresses: when asked for and long enough (as OPA does).
			const gzip =
				answer.json.length >= GZIP_MIN_LENGTH &&
				/\bgzip\b/i.test(headerValue(h, "accept-encoding") ?? "");
			send(
				res,
				answer.status,
				gzip ? gzipSync(answer.json) : answer.json,
				requestId,
				gzip
					? { Vary: "Accept-Encoding", "Content-Encoding": "gzip" }
					: { Vary: "Accept-Encoding" },
			);
			direct.answered("/v1/data/*", answer.status);
		});
		return true;
	};
	const evaluation = (req: IncomingMessage, res: ServerResponse): boolean => {
		const h = req.headers;
		if (!direct.callerPasses(bearerOf(h.authorization))) return false;
		direct.arrived();
		const requestId = headerValue(h, "x-request-id");
		readThen(req, res, requestId, direct, EVALUATION, (body) => {
			const call = new NodeCall(req, EVALUATION, peerOf?.(req.socket));
			let answer: JsonAnswer;
			try {
				const text = checkJsonText(decoder.decode(body), h["content-type"], limits);
				answer = direct.evaluation(call, text);
			} catch (e) {
				answer = evaluationRefused(e) ?? INTERNAL;
			}
			send(res, answer.status, answer.json, requestId);
			direct.answered(EVALUATION, answer.status);
		});
		return true;
	};
	const forward = (req: IncomingMessage, res: ServerResponse): boolean => {
		const h = req.headers;
		// No body (forward auth reads none), and a Host the URL can be built from as is.
		const length = h["content-length"];
		if ((length !== undefined && length !== "0") || h["transfer-encoding"] !== undefined) {
			return false;
		}
		if (h.host === undefined || !PLAIN_HOST.test(h.host)) return false;
		const claims = direct.verifiedClaims(plainBearer(h.authorization));
		if (claims === undefined) return false;
		direct.arrived();
		const method = req.method as string;
		const requestId = headerValue(h, "x-request-id");
		let answer: ForwardAnswer;
		try {
			answer = direct.forward(new NodeCall(req, FORWARD, peerOf?.(req.socket), method), claims);
		} catch (e) {
			const a = e instanceof HttpError ? errorAnswer(e) : INTERNAL;
			answer = { ...a, headers: {} };
		}
		send(res, answer.status, answer.json, requestId, answer.headers);
		direct.answered("/v1/authz/*", answer.status, method);
		return true;
	};
	return (req, res) => {
		const url = req.url ?? "";
		if (isForwardUrl(url) && FORWARD_METHODS.has(req.method as string)) {
			if (forward(req, res)) return;
			return app(req, res);
		}
		if (req.method === "POST" && plainBody(req.headers, limits.bodyLimitBytes)) {
			const answered =
				url === "/v1/decide"
					? decide(req, res)
					: url === EVALUATION
						? evaluation(req, res)
						: url.startsWith(DATA_PREFIX) && data(req, res, url);
			if (answered) return;
		}
		app(req, res);
	};
}
