// POST /v1/decide's common request, answered on node:http without going through Hono. Why:
// Hono's Node adapter makes a Request, a Context and a Response and chains promises for
// every request, which under load costs about as much as the decision itself (see
// docs/performance.md). The answer comes from the same route code (decide-route.ts); any
// request out of the common case (another route, no Content-Length or Host, a token not
// yet verified or refused) is handed to the app before anything of it is read.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { DirectDecide } from "./app.ts";
import { type DecideCall, errorAnswer, type JsonAnswer } from "./decide-route.ts";
import { checkJsonText, HttpError } from "./http-errors.ts";
import type { PeerIdentity } from "./input.ts";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const BEARER = /^Bearer\s+(\S+)\s*$/i;
// As the adapter decodes a body: UTF-8, malformed bytes replaced, a leading BOM dropped.
const decoder = new TextDecoder();
const INTERNAL: JsonAnswer = {
	status: 500,
	json: JSON.stringify({ code: "internal_error", message: "internal error" }),
};

function send(res: ServerResponse, answer: JsonAnswer, requestId: string | undefined): void {
	const headers: Record<string, string | number> = {
		"Content-Type": "application/json",
		"Content-Length": Buffer.byteLength(answer.json),
	};
	// Every response carries the caller's request id back, as the app's do.
	if (requestId !== undefined) headers["X-Request-ID"] = requestId;
	res.writeHead(answer.status, headers).end(answer.json);
}

/**
 * `app` wrapped so that the common decide request is answered directly; `peerOf` reads a
 * verified client certificate off the socket when the server is TLS.
 */
export function directListener(
	direct: DirectDecide,
	app: Listener,
	peerOf?: (socket: Socket) => PeerIdentity | undefined,
): Listener {
	const limits = direct.limits;
	return (req, res) => {
		const h = req.headers;
		const length = h["content-length"];
		if (
			req.method !== "POST" ||
			req.url !== "/v1/decide" ||
			length === undefined ||
			h["transfer-encoding"] !== undefined ||
			Number(length) > limits.bodyLimitBytes ||
			h.host === undefined
		) {
			return app(req, res);
		}
		const auth = h.authorization;
		// As bearerToken reads it: no header, undefined; a header of another scheme, "".
		const claims = direct.verifiedClaims(auth ? (BEARER.exec(auth)?.[1] ?? "") : undefined);
		if (claims === undefined) return app(req, res);
		direct.arrived();
		const id = h["x-request-id"];
		const requestId = Array.isArray(id) ? id.join(", ") : id;
		const chunks: Buffer[] = [];
		let settled = false;
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("error", (e) => {
			if (settled) return;
			settled = true;
			// The client left mid-body: answered to a closed socket, if at all, and counted
			// as aborted, as the app does.
			const message = `request body not received: ${e.message}`;
			if (!res.headersSent && !res.destroyed) {
				send(
					res,
					{ status: 400, json: JSON.stringify({ code: "request_aborted", message }) },
					requestId,
				);
			}
			direct.answered("aborted");
		});
		req.on("end", () => {
			if (settled) return;
			settled = true;
			const call: DecideCall = {
				method: "POST",
				path: "/v1/decide",
				header: (name) => {
					const v = h[name];
					return Array.isArray(v) ? v.join(", ") : v;
				},
				urlHost: () => h.host as string,
				peer: peerOf?.(req.socket),
				remoteAddr: () => req.socket.remoteAddress,
			};
			let answer: JsonAnswer;
			try {
				const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
				const text = checkJsonText(decoder.decode(body), h["content-type"], limits);
				answer = direct.answer(call, claims, text);
			} catch (e) {
				answer = e instanceof HttpError ? errorAnswer(e) : INTERNAL;
			}
			send(res, answer, requestId);
			direct.answered(answer.status);
		});
	};
}
