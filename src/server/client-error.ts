// Requests Node's HTTP parser refuses before any route sees them (headers too large,
// malformed request line, bad Content-Length, header timeout) would get Node's bare status
// line with no body. Answer them like every other refusal: a JSON error naming the problem,
// counted by status in the HTTP metrics.

import type { Duplex } from "node:stream";

interface ParserRefusal {
	status: 400 | 408 | 431;
	text: string;
	code: string;
	message: string;
}

export function refusalFor(err: { code?: string }): ParserRefusal {
	switch (err.code) {
		case "HPE_HEADER_OVERFLOW":
			return {
				status: 431,
				text: "Request Header Fields Too Large",
				code: "headers_too_large",
				message: "request headers exceed the server's limit",
			};
		case "ERR_HTTP_REQUEST_TIMEOUT":
			return {
				status: 408,
				text: "Request Timeout",
				code: "request_timeout",
				message: "the request was not received in time",
			};
		default:
			return {
				status: 400,
				text: "Bad Request",
				code: "bad_request",
				message: `malformed HTTP request${err.code ? ` (${err.code})` : ""}`,
			};
	}
}

/** A handler for the server's "clientError" event. */
export function answerClientError(
	onRefusal: (status: number) => void,
): (err: Error & { code?: string }, socket: Duplex) => void {
	return (err, socket) => {
		// As Node's default: nothing to say on a reset or once a response has begun.
		const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
			?.headersSent;
		if (err.code === "ECONNRESET" || !socket.writable || started) {
			socket.destroy();
			return;
		}
		const r = refusalFor(err);
		const body = JSON.stringify({ code: r.code, message: r.message });
		socket.end(
			`HTTP/1.1 ${r.status} ${r.text}\r\nContent-Type: application/json\r\n` +
				`Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
		);
		onRefusal(r.status);
	};
}
