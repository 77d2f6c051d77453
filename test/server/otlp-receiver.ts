// An OTLP/HTTP trace receiver on loopback for tests: it reads each POSTed
// ExportTraceServiceRequest (protobuf, as opentelemetry-proto defines it) with its own small
// wire-format decoder, so what a test checks is what a collector would get, decoded by code
// that shares nothing with the exporter.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type AnyValue =
	| string
	| boolean
	| number
	| AnyValue[]
	| { [key: string]: AnyValue }
	| Uint8Array;

export interface ReceivedSpan {
	traceId: string;
	spanId: string;
	/** "" for a root span. */
	parentSpanId: string;
	traceState: string;
	name: string;
	/** 1 internal, 2 server, 3 client (opentelemetry-proto's SpanKind). */
	kind: number;
	startNs: bigint;
	endNs: bigint;
	attributes: Record<string, AnyValue>;
	/** 0 unset, 1 ok, 2 error. */
	status: { code: number; message: string };
	resource: Record<string, AnyValue>;
	scope: string;
}

export interface OtlpReceiver {
	url: string;
	spans: ReceivedSpan[];
	/** Every body as received, to search for what must never be sent. */
	bodies: Buffer[];
	/** Content types of the requests, in order. */
	contentTypes: string[];
	close(): Promise<void>;
}

/** One protobuf field: number, wire type and its raw value. */
interface Field {
	no: number;
	wire: number;
	varint: bigint;
	bytes: Uint8Array;
}

function readVarint(buf: Uint8Array, at: { i: number }): bigint {
	let v = 0n;
	let shift = 0n;
	for (;;) {
		if (at.i >= buf.length) throw new Error("truncated varint");
		const b = buf[at.i++];
		v |= BigInt(b & 0x7f) << shift;
		if ((b & 0x80) === 0) return v;
		shift += 7n;
		if (shift > 63n) throw new Error("varint too long");
	}
}

function fields(buf: Uint8Array): Field[] {
	const out: Field[] = [];
	const at = { i: 0 };
	while (at.i < buf.length) {
		const key = Number(readVarint(buf, at));
		const no = key >>> 3;
		const wire = key & 7;
		const f: Field = { no, wire, varint: 0n, bytes: new Uint8Array() };
		if (wire === 0) f.varint = readVarint(buf, at);
		else if (wire === 1 || wire === 5) {
			const n = wire === 1 ? 8 : 4;
			f.bytes = buf.subarray(at.i, at.i + n);
			if (f.bytes.length !== n) throw new Error("truncated fixed field");
			at.i += n;
		} else if (wire === 2) {
			const n = Number(readVarint(buf, at));
			f.bytes = buf.subarray(at.i, at.i + n);
			if (f.bytes.length !== n) throw new Error("truncated length-delimited field");
			at.i += n;
		} else throw new Error(`unsupported wire type ${wire}`);
		out.push(f);
	}
	return out;
}

const text = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(b);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fixed64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

function anyValue(buf: Uint8Array): AnyValue {
	for (const f of fields(buf)) {
		switch (f.no) {
			case 1:
				return text(f.bytes);
			case 2:
				return f.varint !== 0n;
			case 3:
				return Number(BigInt.asIntN(64, f.varint));
			case 4:
				return new DataView(f.bytes.buffer, f.bytes.byteOffset, 8).getFloat64(0, true);
			case 5:
				return fields(f.bytes)
					.filter((v) => v.no === 1)
					.map((v) => anyValue(v.bytes));
			case 6:
				return keyValues(fields(f.bytes).filter((v) => v.no === 1));
			case 7:
				return f.bytes;
		}
	}
	return "";
}

function keyValues(list: Field[]): Record<string, AnyValue> {
	const out: Record<string, AnyValue> = {};
	for (const kv of list) {
		let key = "";
		let value: AnyValue = "";
		for (const f of fields(kv.bytes)) {
			if (f.no === 1) key = text(f.bytes);
			if (f.no === 2) value = anyValue(f.bytes);
		}
		out[key] = value;
	}
	return out;
}

/** The spans of one ExportTraceServiceRequest. */
export function decodeTraceRequest(body: Uint8Array): ReceivedSpan[] {
	const spans: ReceivedSpan[] = [];
	for (const rs of fields(body).filter((f) => f.no === 1)) {
		let resource: Record<string, AnyValue> = {};
		const scopeSpans: Field[] = [];
		for (const f of fields(rs.bytes)) {
			if (f.no === 1) resource = keyValues(fields(f.bytes).filter((a) => a.no === 1));
			if (f.no === 2) scopeSpans.push(f);
		}
		for (const ss of scopeSpans) {
			let scope = "";
			for (const f of fields(ss.bytes)) {
				if (f.no === 1) {
					for (const s of fields(f.bytes)) if (s.no === 1) scope = text(s.bytes);
				}
				if (f.no !== 2) continue;
				const span: ReceivedSpan = {
					traceId: "",
					spanId: "",
					parentSpanId: "",
					traceState: "",
					name: "",
					kind: 0,
					startNs: 0n,
					endNs: 0n,
					attributes: {},
					status: { code: 0, message: "" },
					resource,
					scope: "",
				};
				const attrs: Field[] = [];
				for (const p of fields(f.bytes)) {
					if (p.no === 1) span.traceId = hex(p.bytes);
					else if (p.no === 2) span.spanId = hex(p.bytes);
					else if (p.no === 3) span.traceState = text(p.bytes);
					else if (p.no === 4) span.parentSpanId = hex(p.bytes);
					else if (p.no === 5) span.name = text(p.bytes);
					else if (p.no === 6) span.kind = Number(p.varint);
					else if (p.no === 7) span.startNs = fixed64(p.bytes);
					else if (p.no === 8) span.endNs = fixed64(p.bytes);
					else if (p.no === 9) attrs.push(p);
					else if (p.no === 15) {
						for (const s of fields(p.bytes)) {
							if (s.no === 2) span.status.message = text(s.bytes);
							if (s.no === 3) span.status.code = Number(s.varint);
						}
					}
				}
				span.attributes = keyValues(attrs);
				span.scope = scope;
				spans.push(span);
			}
		}
	}
	return spans;
}

/** Listens on 127.0.0.1; answers each export with an empty ExportTraceServiceResponse. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
	const spans: ReceivedSpan[] = [];
	const bodies: Buffer[] = [];
	const contentTypes: string[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (c: Buffer) => chunks.push(c));
		req.on("end", () => {
			const body = Buffer.concat(chunks);
			const type = req.headers["content-type"] ?? "";
			contentTypes.push(type);
			if (req.method !== "POST" || req.url !== "/v1/traces") {
				res.writeHead(404).end();
				return;
			}
			if (type !== "application/x-protobuf") {
				res.writeHead(415).end();
				return;
			}
			bodies.push(body);
			try {
				spans.push(...decodeTraceRequest(body));
			} catch (e) {
				res.writeHead(400, { "content-type": "text/plain" }).end(String(e));
				return;
			}
			res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
		});
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
		spans,
		bodies,
		contentTypes,
		close: () =>
			new Promise<void>((r) => {
				server.closeAllConnections();
				server.close(() => r());
			}),
	};
}
