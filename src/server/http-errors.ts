// Request-body handling shared by the routes, with OPA-shaped JSON errors ({code, message}):
// 415 for a non-JSON content type, 413 over the size limit, 400 for malformed or too deeply
// nested JSON.

import type { Context } from "hono";
import { jsonDepth } from "./canonical-json.ts";
import { headerOf } from "./headers.ts";

export class HttpError extends Error {
	constructor(
		readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 503,
		readonly code: string,
		message: string,
		readonly extra: Record<string, unknown> = {},
	) {
		super(message);
	}
}

/** The request body could not be read to its end: the client went away mid-body. */
export class ClientAbortedError extends Error {
	constructor(reason: string) {
		super(`request body not received: ${reason}`);
		this.name = "ClientAbortedError";
	}
}

/** A JSON answer: status and body text. */
export interface JsonAnswer {
	status: number;
	json: string;
}

/** An HttpError as the JSON answer every route gives for it ({code, message, ...}). */
export function errorAnswer(e: HttpError): JsonAnswer {
	return {
		status: e.status,
		json: JSON.stringify({ code: e.code, message: e.message, ...e.extra }),
	};
}

export function errorResponse(c: Context, e: HttpError): Response {
	const a = errorAnswer(e);
	return c.body(a.json, e.status, { "Content-Type": "application/json" });
}

export interface BodyLimits {
	bodyLimitBytes: number;
	maxJsonDepth: number;
}

/** Read a JSON object body. An empty body reads as {} (every field is optional). */
export async function readJsonObject(
	c: Context,
	limits: BodyLimits,
): Promise<Record<string, unknown>> {
	return parseJsonObject(await readJsonText(c, limits), limits);
}

/**
 * The body's text, checked for size and (when not empty) JSON content type but not parsed:
 * a cached decision is keyed by this text, so a hit needs no parse at all.
 */
export async function readJsonText(c: Context, limits: BodyLimits): Promise<string> {
	const length = headerOf(c, "content-length");
	if (length !== undefined && Number(length) > limits.bodyLimitBytes) {
		throw new HttpError(413, "request_too_large", `body exceeds ${limits.bodyLimitBytes} bytes`);
	}
	const streamed = length === undefined && headerOf(c, "transfer-encoding") !== undefined;
	let text: string;
	try {
		text = streamed ? await readStreamed(c, limits.bodyLimitBytes) : await c.req.text();
	} catch (e) {
		if (e instanceof HttpError) throw e;
		// The body stream failed: the client closed or reset mid-body, or the server's own
		// request deadline cut it off. Nobody is left to answer; not a server error.
		throw new ClientAbortedError((e as Error).message);
	}
	return checkJsonText(text, headerOf(c, "content-type"), limits);
}

/**
 * A body's text as readJsonText accepts it, whichever runtime read it: within the size
 * limit and, when not empty, of a JSON content type; else the 413 or 415 to answer.
 */
export function checkJsonText(
	text: string,
	contentType: string | undefined,
	limits: BodyLimits,
): string {
	// UTF-16 length is a lower bound on the UTF-8 size and a third of an upper bound, so the
	// exact byte count is only computed for bodies near the limit.
	const tooLarge =
		text.length > limits.bodyLimitBytes ||
		(text.length * 3 > limits.bodyLimitBytes &&
			new TextEncoder().encode(text).length > limits.bodyLimitBytes);
	if (tooLarge) {
		throw new HttpError(413, "request_too_large", `body exceeds ${limits.bodyLimitBytes} bytes`);
	}
	if (text.length === 0) return text;
	const header = contentType ?? "";
	// The common exact spelling needs no parsing.
	const type = header === "application/json" ? header : header.split(";")[0].trim().toLowerCase();
	if (type !== "application/json" && !type.endsWith("+json")) {
		throw new HttpError(415, "unsupported_media_type", "content type must be application/json");
	}
	return text;
}

/**
 * Whether JSON of this text could nest deeper than `limit`: each level takes an opening and
 * a closing bracket, so a text shorter than 2 × (limit + 1) cannot, and is not walked.
 */
export function mayNestDeeper(text: string, limit: number): boolean {
	return text.length >= 2 * (limit + 1);
}

/** Parse a body read by readJsonText: an object within the depth limit, or a 400. */
export function parseJsonObject(text: string, limits: BodyLimits): Record<string, unknown> {
	if (text.length === 0) return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		throw new HttpError(400, "invalid_parameter", `malformed JSON: ${(e as Error).message}`);
	}
	if (value === null || typeof value !== "object" || Array.isArray(value)) {
		throw new HttpError(400, "invalid_parameter", "body must be a JSON object");
	}
	if (
		mayNestDeeper(text, limits.maxJsonDepth) &&
		jsonDepth(value, limits.maxJsonDepth) > limits.maxJsonDepth
	) {
		throw new HttpError(400, "invalid_parameter", `JSON nested deeper than ${limits.maxJsonDepth}`);
	}
	return value as Record<string, unknown>;
}

/**
 * A body with no length to check up front (chunked, or decompressed): count it as it streams
 * in and stop at the limit, so an endless body is cut off instead of buffered whole.
 */
export async function readLimited(
	stream: ReadableStream<Uint8Array> | null,
	limit: number,
	tooLarge: () => HttpError,
): Promise<Uint8Array> {
	if (!stream) return new Uint8Array(0);
	const reader = stream.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			throw tooLarge();
		}
		chunks.push(value);
	}
	const all = new Uint8Array(size);
	let at = 0;
	for (const chunk of chunks) {
		all.set(chunk, at);
		at += chunk.byteLength;
	}
	return all;
}

async function readStreamed(c: Context, max: number): Promise<string> {
	const bytes = await readLimited(
		c.req.raw.body,
		max,
		() => new HttpError(413, "request_too_large", `body exceeds ${max} bytes`),
	);
	return new TextDecoder().decode(bytes);
}
