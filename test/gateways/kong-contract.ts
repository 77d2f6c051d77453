// What Kong's OPA plugin does with an answer from the Data API, as its documentation states
// it (developer.konghq.com/plugins/opa): a non-200 or a result that is neither a boolean nor
// an object with a boolean `allow` is a 500 to the client; `true` forwards; `false` is a 403;
// an object forwards with `headers` added to the upstream request when allowed, and when
// denied answers `status` (default 403) with `headers` and `message`. Kong itself cannot run
// here; this reads Gavel's real HTTP answers by those rules.

export type KongOutcome =
	| { kind: "forward"; upstreamHeaders: Record<string, string> }
	| { kind: "reject"; status: number; headers: Record<string, string>; message: unknown }
	| { kind: "error"; status: 500; why: string };

/** The input Kong's plugin POSTs (`{"input": …}`), for a request it is about to proxy. */
export function kongInput(req: {
	method: string;
	path: string;
	headers: Record<string, string>;
	query?: Record<string, string>;
	host?: string;
}): { input: unknown } {
	return {
		input: {
			request: {
				http: {
					host: req.host ?? "api.example.test",
					port: 8000,
					tls: {},
					method: req.method,
					scheme: "http",
					path: req.path,
					querystring: req.query ?? {},
					headers: req.headers,
				},
			},
			client_ip: "127.0.0.1",
		},
	};
}

export async function kongReads(res: Response): Promise<KongOutcome> {
	if (res.status !== 200) return { kind: "error", status: 500, why: `OPA answered ${res.status}` };
	const body = (await res.json()) as { result?: unknown };
	const r = body.result;
	if (typeof r === "boolean") {
		return r
			? { kind: "forward", upstreamHeaders: {} }
			: { kind: "reject", status: 403, headers: {}, message: "unauthorized" };
	}
	if (r !== null && typeof r === "object" && !Array.isArray(r)) {
		const o = r as { allow?: unknown; status?: unknown; headers?: unknown; message?: unknown };
		if (typeof o.allow !== "boolean")
			return { kind: "error", status: 500, why: "allow is not a boolean" };
		const headers = (o.headers ?? {}) as Record<string, string>;
		if (o.allow) return { kind: "forward", upstreamHeaders: headers };
		return {
			kind: "reject",
			status: typeof o.status === "number" ? o.status : 403,
			headers,
			message: o.message ?? "unauthorized",
		};
	}
	return { kind: "error", status: 500, why: "result is neither a boolean nor an object" };
}
