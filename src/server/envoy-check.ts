// Envoy ext_authz over gRPC, the contract opa-envoy-plugin serves: a CheckRequest becomes the
// policy's input (the request's attributes as protojson, plus parsed_path, parsed_query,
// parsed_body, truncated_body and version), and the policy's result — a boolean, or an
// object with `allowed`, headers, body and status — becomes the CheckResponse. Pure data
// mapping: the gRPC server is in ext-authz-grpc.ts.

/** gRPC status codes Envoy reads from CheckResponse.status. */
export const GRPC_OK = 0;
export const GRPC_PERMISSION_DENIED = 7;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

// ---- google.protobuf.Struct / Value / Timestamp, between proto-loader's objects and JSON ----

export function valueToJson(v: unknown): Json {
	if (!isObj(v)) return null;
	if ("nullValue" in v) return null;
	if ("numberValue" in v) return Number(v.numberValue);
	if ("stringValue" in v) return String(v.stringValue);
	if ("boolValue" in v) return Boolean(v.boolValue);
	if ("structValue" in v) return structToJson(v.structValue);
	if ("listValue" in v) {
		const values =
			isObj(v.listValue) && Array.isArray(v.listValue.values) ? v.listValue.values : [];
		return values.map(valueToJson);
	}
	return null;
}

export function structToJson(s: unknown): { [k: string]: Json } {
	const out: { [k: string]: Json } = {};
	const fields = isObj(s) && isObj(s.fields) ? s.fields : {};
	for (const [k, v] of Object.entries(fields)) out[k] = valueToJson(v);
	return out;
}

export function jsonToValue(v: unknown): Obj {
	if (v === null || v === undefined) return { nullValue: "NULL_VALUE" };
	if (typeof v === "number") return { numberValue: v };
	if (typeof v === "string") return { stringValue: v };
	if (typeof v === "boolean") return { boolValue: v };
	if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
	return { structValue: jsonToStruct(v) };
}

export function jsonToStruct(v: unknown): Obj {
	const fields: Obj = {};
	if (isObj(v)) for (const [k, x] of Object.entries(v)) fields[k] = jsonToValue(x);
	return { fields };
}

/** RFC 3339 with nanoseconds trimmed to what is set, as protojson writes a Timestamp. */
function timestampToJson(t: unknown): string | undefined {
	if (!isObj(t)) return undefined;
	const seconds = Number(t.seconds ?? 0);
	const nanos = Number(t.nanos ?? 0);
	const base = new Date(seconds * 1000).toISOString().slice(0, 19);
	if (nanos === 0) return `${base}Z`;
	let frac = String(nanos).padStart(9, "0");
	while (frac.endsWith("000")) frac = frac.slice(0, -3);
	return `${base}.${frac}Z`;
}

/** proto-loader's CheckRequest.attributes as protojson shows them (camelCase, defaults left out). */
function attributesToJson(attributes: unknown): Obj {
	if (!isObj(attributes)) return {};
	const out: Obj = { ...attributes };
	const request = isObj(out.request) ? { ...out.request } : undefined;
	if (request) {
		const time = timestampToJson(request.time);
		if (time === undefined) delete request.time;
		else request.time = time;
		out.request = request;
	}
	for (const key of ["metadataContext", "routeMetadataContext"]) {
		const md = out[key];
		if (isObj(md) && isObj(md.filterMetadata)) {
			const filterMetadata: Obj = {};
			for (const [k, v] of Object.entries(md.filterMetadata)) filterMetadata[k] = structToJson(v);
			out[key] = { filterMetadata };
		}
	}
	return out;
}

// ---- CheckRequest → input ----

function parseQuery(query: string): Record<string, string[]> {
	const out: Record<string, string[]> = {};
	for (const [k, v] of new URLSearchParams(query)) {
		out[k] ??= [];
		out[k].push(v);
	}
	return out;
}

function decode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

function parseBody(http: Obj): { body: unknown; error?: string } {
	const headers = isObj(http.headers) ? (http.headers as Record<string, string>) : {};
	const type = (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
	let text = typeof http.body === "string" ? http.body : "";
	if (text === "" && typeof http.rawBody === "string" && http.rawBody !== "")
		text = Buffer.from(http.rawBody, "base64").toString("utf8");
	if (text === "") return { body: null };
	if (type === "application/json") {
		if (headers["x-envoy-auth-partial-body"] === "true") return { body: null };
		try {
			return { body: JSON.parse(text) };
		} catch (e) {
			return { body: null, error: `request body is not JSON: ${(e as Error).message}` };
		}
	}
	if (type === "application/x-www-form-urlencoded") return { body: parseQuery(text) };
	return { body: null };
}

export interface CheckInput {
	input: Obj;
	/** A body Envoy sent as JSON that does not parse: a deny, as it cannot be judged. */
	error?: string;
}

/** The policy input for a CheckRequest (proto-loader object, camelCase fields). */
export function checkInput(request: unknown): CheckInput {
	const attributes = attributesToJson(isObj(request) ? request.attributes : undefined);
	const http =
		isObj(attributes.request) && isObj(attributes.request.http) ? attributes.request.http : {};
	const rawPath = typeof http.path === "string" ? http.path : "";
	const q = rawPath.indexOf("?");
	const pathOnly = q < 0 ? rawPath : rawPath.slice(0, q);
	const query = q < 0 ? "" : rawPath.slice(q + 1);
	const parsedPath = pathOnly.replace(/^\//, "").split("/").map(decode);
	const { body, error } = parseBody(http);
	const headers = isObj(http.headers) ? (http.headers as Record<string, string>) : {};
	return {
		input: {
			attributes,
			parsed_path: parsedPath,
			parsed_query: parseQuery(query),
			parsed_body: body,
			truncated_body: headers["x-envoy-auth-partial-body"] === "true",
			version: { encoding: "protojson", ext_authz: "v3" },
		},
		error,
	};
}

// ---- policy result → CheckResponse ----

export interface CheckAnswer {
	allowed: boolean;
	/** The CheckResponse, in proto-loader's camelCase object form. */
	response: Obj;
	/** Why the result could not be used (the answer is then a deny). */
	error?: string;
}

type HeaderOption = { header: { key: string; value: string }; appendAction: string };

function headerOptions(v: unknown, appendAction: string): HeaderOption[] | string {
	if (v === undefined) return [];
	if (!isObj(v)) return "headers must be an object";
	const out: HeaderOption[] = [];
	for (const [key, value] of Object.entries(v)) {
		for (const one of Array.isArray(value) ? value : [value]) {
			if (typeof one !== "string") return `header ${key}: values must be strings`;
			out.push({ header: { key, value: one }, appendAction });
		}
	}
	return out;
}

/** A deny that carries only a status: what any failure answers, so Envoy never lets it pass. */
export function deniedAnswer(httpStatus: number, message: string, error?: string): CheckAnswer {
	return {
		allowed: false,
		error,
		response: {
			status: { code: GRPC_PERMISSION_DENIED, message },
			deniedResponse: { status: { code: httpStatus } },
		},
	};
}

/** The CheckResponse for a policy result (boolean, or opa-envoy-plugin's object form). */
export function checkAnswer(result: unknown): CheckAnswer {
	if (typeof result === "boolean") {
		return result
			? { allowed: true, response: { status: { code: GRPC_OK }, okResponse: {} } }
			: deniedAnswer(403, "denied by policy");
	}
	if (result === undefined) return deniedAnswer(403, "policy result is undefined", "undefined");
	if (!isObj(result) || typeof result.allowed !== "boolean") {
		return deniedAnswer(
			403,
			"policy result is neither a boolean nor an object with a boolean allowed",
			"bad_result",
		);
	}
	const bad = (why: string) => deniedAnswer(403, `policy result: ${why}`, "bad_result");
	// Headers on the request to the upstream replace what is there; response headers add.
	const headers = headerOptions(result.headers, "OVERWRITE_IF_EXISTS_OR_ADD");
	if (typeof headers === "string") return bad(headers);
	const responseHeaders = headerOptions(result.response_headers_to_add, "APPEND_IF_EXISTS_OR_ADD");
	if (typeof responseHeaders === "string")
		return bad(`response_headers_to_add: ${responseHeaders}`);
	const remove = result.request_headers_to_remove ?? [];
	if (!Array.isArray(remove) || !remove.every((h) => typeof h === "string"))
		return bad("request_headers_to_remove must be a list of strings");
	if (result.body !== undefined && typeof result.body !== "string")
		return bad("body must be a string");
	const status = result.http_status;
	if (
		status !== undefined &&
		!(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
	)
		return bad("http_status must be an HTTP status code");
	if (result.dynamic_metadata !== undefined && !isObj(result.dynamic_metadata))
		return bad("dynamic_metadata must be an object");
	const dynamicMetadata =
		result.dynamic_metadata === undefined
			? {}
			: { dynamicMetadata: jsonToStruct(result.dynamic_metadata) };
	if (result.allowed) {
		return {
			allowed: true,
			response: {
				status: { code: GRPC_OK },
				okResponse: {
					headers,
					headersToRemove: remove,
					responseHeadersToAdd: responseHeaders,
				},
				...dynamicMetadata,
			},
		};
	}
	return {
		allowed: false,
		response: {
			status: { code: GRPC_PERMISSION_DENIED, message: "denied by policy" },
			deniedResponse: {
				status: { code: (status as number | undefined) ?? 403 },
				headers,
				body: (result.body as string | undefined) ?? "",
			},
			...dynamicMetadata,
		},
	};
}
