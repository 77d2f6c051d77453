// The OpenAPI 3.1 description of every route the app registers, served at GET /openapi.json.
// openapi.test.ts walks the Hono app's routes and fails when this document and the app
// disagree, so a route cannot be added or removed without the document following.

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({
	description,
	content: json(ref("Error")),
});

const BODY_ERRORS = {
	"400": errorResponse("Malformed JSON, a body that is not an object, or nesting too deep."),
	"413": errorResponse("The body is larger than server.bodyLimitBytes."),
	"415": errorResponse("The body is not JSON (content type)."),
};

const UNAUTHORIZED = {
	description:
		"Missing or invalid bearer token (or caller credentials): nothing was evaluated. Carries WWW-Authenticate.",
	headers: {
		"WWW-Authenticate": { schema: { type: "string" }, description: "RFC 6750 Bearer challenge" },
	},
	content: json(ref("Unauthorized")),
};

const NO_BUNDLE = errorResponse("No policy bundle is active.");

const dataParameters = [
	{
		name: "pretty",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "Indent the JSON response (any value but false).",
	},
	{
		name: "metrics",
		in: "query",
		required: false,
		schema: { type: "string" },
		description:
			"Add a metrics object: timer_rego_input_parse_ns, timer_rego_query_eval_ns, timer_server_handler_ns.",
	},
	{
		name: "instrument",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "As metrics (Gavel has no finer instrumentation).",
	},
	{
		name: "provenance",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "Add a provenance object: Gavel's version and the bundle's revision.",
	},
	{
		name: "explain",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "off is accepted; notes, fails, full and debug are refused with 400 (no traces).",
	},
	{
		name: "strict-builtin-errors",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "Refused with 400: strictness is a property of the bundle in Gavel.",
	},
];

// The Data API reads any content type as JSON (as OPA does), gzip-encoded or not.
const DATA_BODY_ERRORS = {
	"400": errorResponse(
		"Malformed JSON, a body that is not an object, nesting too deep, or a body that is not valid gzip.",
	),
	"413": errorResponse("The body (also once decompressed) is larger than server.bodyLimitBytes."),
};

const dataWrite = (withPath: boolean, method: string) => ({
	summary: "OPA Data API writes: refused, all data belongs to the bundle",
	operationId: `${method}Data${withPath ? "Path" : ""}`,
	tags: ["opa"],
	parameters: withPath ? [pathParameter("Document path below data, slash-separated.")] : [],
	responses: { "400": errorResponse('all paths owned by bundle "gavel", as OPA answers.') },
});

const batchPost = (withPath: boolean) => ({
	summary: "Enterprise OPA's batch API: one evaluation per input",
	operationId: withPath ? "postBatchDataPath" : "postBatchData",
	tags: ["opa"],
	parameters: [
		...(withPath ? [pathParameter("Document path below data, slash-separated.")] : []),
		...dataParameters,
	],
	requestBody: { required: false, content: json(ref("BatchRequest")) },
	responses: {
		"200": { description: "Every evaluation succeeded.", content: json(ref("BatchResponse")) },
		"207": {
			description: "Some failed: each response carries http_status_code (200 or 500).",
			content: json(ref("BatchResponse")),
		},
		"401": UNAUTHORIZED,
		...DATA_BODY_ERRORS,
		"503": NO_BUNDLE,
	},
});

const queryParameters = [
	dataParameters[0],
	{
		name: "metrics",
		in: "query",
		required: false,
		schema: { type: "string" },
		description: "Add a metrics object: timer_rego_query_compile_ns, timer_rego_query_eval_ns.",
	},
	dataParameters[4],
];
const queryResponses = {
	"200": {
		description:
			"One object of variable bindings per solution; result is absent when the query is undefined.",
		content: json(ref("QueryResponse")),
	},
	"400": errorResponse(
		"invalid_parameter: missing or empty query, a query that does not parse or compile (errors[] with locations), a query over 16 KiB, a bundle without .rego sources, or a malformed body.",
	),
	"401": UNAUTHORIZED,
	"413": errorResponse("The body is larger than server.bodyLimitBytes."),
	"500": {
		description: "Evaluation failed (for example a conflict or an evaluation limit).",
		content: json(ref("DataError")),
	},
	"503": NO_BUNDLE,
};
const queryOps = {
	get: {
		summary: "OPA Query API: evaluate an ad-hoc Rego query (no input)",
		operationId: "getQuery",
		tags: ["opa"],
		parameters: [
			{
				name: "q",
				in: "query",
				required: true,
				schema: { type: "string" },
				description: "The Rego query.",
			},
			...queryParameters,
		],
		responses: queryResponses,
	},
	post: {
		summary: "OPA Query API: evaluate an ad-hoc Rego query with an input",
		operationId: "postQuery",
		tags: ["opa"],
		parameters: queryParameters,
		requestBody: { required: true, content: json(ref("QueryRequest")) },
		responses: queryResponses,
	},
};

const policyId = pathParameter("The policy's id (any text, slashes included).");
const policyModule = {
	type: "object",
	required: ["id", "raw"],
	properties: { id: { type: "string" }, raw: { type: "string", description: "The Rego text." } },
};
const POLICY_REFUSED = {
	description:
		"invalid_parameter: the module does not parse or compile (errors[] with locations), or its package is owned by the active bundle.",
	content: json(ref("DataError")),
};
const POLICY_NOT_FOUND = errorResponse("resource_not_found: no policy with this id.");
const policyOps = {
	get: {
		summary: "OPA Policy API: one module (id and Rego text)",
		operationId: "getPolicy",
		tags: ["opa"],
		parameters: [policyId],
		responses: {
			"200": {
				description: "The module.",
				content: json({ type: "object", properties: { result: policyModule } }),
			},
			"401": UNAUTHORIZED,
			"404": POLICY_NOT_FOUND,
		},
	},
	put: {
		summary: "OPA Policy API: add or replace a module, compiled with the bundle's sources",
		operationId: "putPolicy",
		tags: ["opa"],
		parameters: [policyId],
		requestBody: { required: true, content: { "text/plain": { schema: { type: "string" } } } },
		responses: {
			"200": { description: "Compiled and serving.", content: json({ type: "object" }) },
			"400": POLICY_REFUSED,
			"401": UNAUTHORIZED,
			"413": errorResponse("The body is larger than server.bodyLimitBytes."),
			"500": errorResponse("The compiled policy could not be loaded."),
		},
	},
	delete: {
		summary: "OPA Policy API: remove an uploaded module",
		operationId: "deletePolicy",
		tags: ["opa"],
		parameters: [policyId],
		responses: {
			"200": { description: "Removed.", content: json({ type: "object" }) },
			"400": POLICY_REFUSED,
			"401": UNAUTHORIZED,
			"404": POLICY_NOT_FOUND,
			"500": errorResponse("The recompiled policy could not be loaded."),
		},
	},
};

const dataGet = (withPath: boolean) => ({
	summary: "OPA Data API: the document at a path, input from the query string",
	operationId: withPath ? "getDataPath" : "getData",
	tags: ["opa"],
	parameters: [
		...(withPath ? [pathParameter("Document path below data, slash-separated.")] : []),
		...dataParameters,
		{
			name: "input",
			in: "query",
			required: false,
			schema: { type: "string" },
			description: "The input document as JSON text.",
		},
	],
	responses: {
		...dataResponses,
		"400": errorResponse(
			"The input query parameter is not JSON or is nested deeper than server.maxJsonDepth, or a refused option.",
		),
	},
});

const dataPost = (withPath: boolean) => ({
	summary: "OPA Data API: the document at a path for an input",
	operationId: withPath ? "postDataPath" : "postData",
	tags: ["opa"],
	parameters: [
		...(withPath ? [pathParameter("Document path below data, slash-separated.")] : []),
		...dataParameters,
	],
	requestBody: { required: false, content: json(ref("DataRequest")) },
	responses: { ...dataResponses, ...DATA_BODY_ERRORS },
});

const dataResponses = {
	"200": {
		description: "The document; result is absent when it is undefined.",
		content: json(ref("DataResponse")),
	},
	"401": UNAUTHORIZED,
	"500": {
		description: "Evaluation failed (for example a conflict).",
		content: json(ref("DataError")),
	},
	"503": NO_BUNDLE,
};

function pathParameter(description: string) {
	return { name: "path", in: "path", required: true, schema: { type: "string" }, description };
}

const forwardAuth = (withPath: boolean) => {
	const op = (method: string) => ({
		summary: "Forward-auth for gateways (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz)",
		operationId: `forwardAuth${method}${withPath ? "Path" : ""}`,
		tags: ["gateways"],
		security: [{ bearer: [] }],
		parameters: [
			...(withPath
				? [pathParameter("The original request path (Envoy ext_authz HTTP mode).")]
				: []),
			...["X-Original-URI", "X-Original-Method", "X-Forwarded-Method", "X-Forwarded-Uri"].map(
				(name) => ({
					name,
					in: "header",
					required: false,
					schema: { type: "string" },
					description: "Believed only from forwardAuth.trustedProxies.",
				}),
			),
		],
		responses: {
			"200": {
				description:
					"Allowed. Identity headers for the upstream: X-Auth-Subject, X-Auth-Roles and the policy's obligations.headers.",
				headers: {
					"X-Auth-Subject": { schema: { type: "string" } },
					"X-Auth-Roles": { schema: { type: "string" } },
				},
			},
			"400": errorResponse(
				"invalid_path: the forwarded path has malformed percent-encoding, or an encoded / or \\ (input.escapedSlashesAction: reject).",
			),
			"401": UNAUTHORIZED,
			"403": { description: "Denied, or the decision failed (fail closed)." },
		},
	});
	return {
		get: op("Get"),
		post: op("Post"),
		put: op("Put"),
		patch: op("Patch"),
		delete: op("Delete"),
		head: op("Head"),
		options: op("Options"),
	};
};

export const OPENAPI_DOCUMENT = {
	openapi: "3.1.0",
	info: {
		title: "Gavel decision service",
		version: "1",
		description:
			"Policy decisions from Rego compiled to WebAssembly. Every decision fails closed. See docs/api.md.",
	},
	tags: [
		{ name: "gavel", description: "Gavel's own decision contract" },
		{ name: "authzen", description: "AuthZEN Authorization API 1.0" },
		{ name: "opa", description: "OPA's Data API" },
		{ name: "gateways", description: "Forward-auth" },
		{ name: "operations", description: "Health, readiness, metrics, this document" },
	],
	paths: {
		"/v1/decide": {
			post: {
				summary: "Decide for the bearer token's subject",
				operationId: "decide",
				tags: ["gavel"],
				security: [{ bearer: [] }],
				parameters: [
					{
						name: "X-Gavel-No-Cache",
						in: "header",
						required: false,
						schema: { type: "string" },
						description: "Bypass the decision cache (the name is cache.bypassHeader).",
					},
				],
				requestBody: { required: false, content: json(ref("DecideRequest")) },
				responses: {
					"200": {
						description: "A decision: allow or deny (a failed evaluation is a deny with error).",
						content: json(ref("Decision")),
					},
					"401": UNAUTHORIZED,
					...BODY_ERRORS,
					"403": errorResponse(
						"policy names an entrypoint not listed in policy.decideEntrypoints (the body's setting field names it).",
					),
					"404": errorResponse("policy is not an entrypoint of the active bundle."),
					"503": {
						description: "No bundle is active: a deny, counted and logged.",
						content: json(ref("Decision")),
					},
				},
			},
		},
		"/": {
			post: {
				summary: "OPA's default decision: the body is the input, the bare result comes back",
				operationId: "defaultDecision",
				tags: ["opa"],
				requestBody: {
					required: false,
					description: "Any JSON value (any content type, gzip or not); empty: no input.",
					content: json({}),
				},
				responses: {
					"200": { description: "The value of policy.default.", content: json({}) },
					"401": UNAUTHORIZED,
					...DATA_BODY_ERRORS,
					"404": errorResponse("undefined_document: policy.default is undefined for this input."),
					"500": {
						description: "Evaluation failed (for example a conflict).",
						content: json(ref("DataError")),
					},
					"503": NO_BUNDLE,
				},
			},
		},
		"/v1/data": {
			get: dataGet(false),
			post: dataPost(false),
			put: dataWrite(false, "put"),
			patch: dataWrite(false, "patch"),
			delete: dataWrite(false, "delete"),
		},
		"/v1/data/{path}": {
			get: dataGet(true),
			post: dataPost(true),
			put: dataWrite(true, "put"),
			patch: dataWrite(true, "patch"),
			delete: dataWrite(true, "delete"),
		},
		"/v1/batch/data": { post: batchPost(false) },
		"/v1/batch/data/{path}": { post: batchPost(true) },
		"/v1/query": queryOps,
		"/v1/policies": {
			get: {
				summary: "OPA Policy API: every module (the bundle's and the uploaded ones)",
				operationId: "listPolicies",
				tags: ["opa"],
				responses: {
					"200": {
						description: "The modules.",
						content: json({
							type: "object",
							properties: { result: { type: "array", items: policyModule } },
						}),
					},
					"401": UNAUTHORIZED,
				},
			},
		},
		"/v1/policies/{path}": policyOps,
		"/health/{path}": {
			get: {
				summary: "OPA's custom health check: 200 when data.system.health.<path> is true",
				operationId: "healthCheck",
				tags: ["operations"],
				parameters: [pathParameter("The rule below data.system.health, slash-separated.")],
				responses: {
					"200": { description: "The rule is true.", content: json({ type: "object" }) },
					"500": {
						description: "The rule is undefined, not true, or failed.",
						content: json({
							type: "object",
							required: ["error"],
							properties: { error: { type: "string" } },
						}),
					},
					"503": {
						description: "No policy bundle is active.",
						content: json({ type: "object", properties: { error: { type: "string" } } }),
					},
				},
			},
		},
		"/access/v1/evaluation": {
			post: {
				summary: "AuthZEN access evaluation",
				operationId: "authzenEvaluation",
				tags: ["authzen"],
				parameters: [
					{
						name: "X-Request-ID",
						in: "header",
						required: false,
						schema: { type: "string" },
						description: "Echoed in the response.",
					},
				],
				requestBody: { required: true, content: json(ref("AuthzenEvaluationRequest")) },
				responses: {
					"200": { description: "The decision.", content: json(ref("AuthzenDecision")) },
					"400": errorResponse("Missing or mistyped required fields, or not JSON."),
					"401": UNAUTHORIZED,
					"413": BODY_ERRORS["413"],
					"415": BODY_ERRORS["415"],
					"503": NO_BUNDLE,
				},
			},
		},
		"/access/v1/evaluations": {
			post: {
				summary: "AuthZEN access evaluations (batch)",
				operationId: "authzenEvaluations",
				tags: ["authzen"],
				requestBody: { required: true, content: json(ref("AuthzenEvaluationsRequest")) },
				responses: {
					"200": {
						description:
							"One decision per evaluation, in order (fewer with a short-circuit semantic); without evaluations, a single decision.",
						content: json({
							oneOf: [
								{
									type: "object",
									required: ["evaluations"],
									properties: { evaluations: { type: "array", items: ref("AuthzenDecision") } },
								},
								ref("AuthzenDecision"),
							],
						}),
					},
					"400": errorResponse("Malformed request."),
					"401": UNAUTHORIZED,
					"413": BODY_ERRORS["413"],
					"415": BODY_ERRORS["415"],
					"503": NO_BUNDLE,
				},
			},
		},
		"/.well-known/authzen-configuration": {
			get: {
				summary: "AuthZEN PDP metadata (discovery)",
				operationId: "authzenConfiguration",
				tags: ["authzen"],
				responses: {
					"200": {
						description: "The PDP's endpoints.",
						content: json({
							type: "object",
							required: ["policy_decision_point"],
							properties: {
								policy_decision_point: { type: "string", format: "uri" },
								access_evaluation_endpoint: { type: "string", format: "uri" },
								access_evaluations_endpoint: { type: "string", format: "uri" },
							},
						}),
					},
				},
			},
		},
		"/v1/authz": forwardAuth(false),
		"/v1/authz/{path}": forwardAuth(true),
		"/health": {
			get: {
				summary: "Liveness: 200 once a bundle is active",
				operationId: "health",
				tags: ["operations"],
				parameters: [
					{
						name: "bundles",
						in: "query",
						required: false,
						schema: { type: "string" },
						description: "Include the active bundle's revision, as OPA does.",
					},
				],
				responses: {
					"200": {
						description: "Healthy.",
						content: json({
							type: "object",
							properties: {
								bundles: {
									type: "object",
									additionalProperties: {
										type: "object",
										properties: { revision: { type: "string" } },
									},
								},
							},
						}),
					},
					"503": errorResponse("No bundle is active."),
				},
			},
		},
		"/ready": {
			get: {
				summary: "Readiness: a bundle is active",
				operationId: "ready",
				tags: ["operations"],
				responses: {
					"200": { description: "Ready.", content: json(ref("Ready")) },
					"503": { description: "Not ready.", content: json(ref("Ready")) },
				},
			},
		},
		"/metrics": {
			get: {
				summary: "Prometheus metrics (text exposition format)",
				operationId: "metrics",
				tags: ["operations"],
				responses: {
					"200": {
						description: "gavel_* metrics; see docs/api.md.",
						content: { "text/plain": { schema: { type: "string" } } },
					},
				},
			},
		},
		"/openapi.json": {
			get: {
				summary: "This document",
				operationId: "openapi",
				tags: ["operations"],
				responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } },
			},
		},
	},
	components: {
		securitySchemes: {
			bearer: {
				type: "http",
				scheme: "bearer",
				bearerFormat: "JWT",
				description:
					"The subject's JWT on /v1/decide and /v1/authz; on AuthZEN and the Data API the caller's credentials per callerAuth.mode (API key, JWT or mTLS).",
			},
		},
		schemas: {
			Error: {
				type: "object",
				required: ["code", "message"],
				properties: { code: { type: "string" }, message: { type: "string" } },
			},
			Unauthorized: {
				type: "object",
				required: ["code", "message"],
				properties: {
					code: { const: "unauthorized" },
					reason: {
						type: "string",
						enum: [
							"missing",
							"malformed",
							"too_large",
							"algorithm_not_allowed",
							"unknown_key",
							"bad_signature",
							"expired",
							"not_yet_valid",
							"too_old",
							"wrong_issuer",
							"wrong_audience",
							"missing_claim",
							"invalid_claim",
							"keys_unavailable",
						],
					},
					message: { type: "string" },
					detail: { type: "string" },
				},
			},
			DecideRequest: {
				type: "object",
				properties: {
					action: { description: "Any JSON; input.action." },
					resource: { description: "Any JSON; input.resource." },
					context: { description: "Any JSON; input.context." },
					policy: {
						type: "string",
						minLength: 1,
						description: "An entrypoint such as example/allow (default policy.default).",
					},
				},
			},
			Decision: {
				type: "object",
				required: ["decision_id", "allow", "policy", "revision", "cached"],
				properties: {
					decision_id: { type: "string", format: "uuid" },
					allow: { type: "boolean" },
					reasons: { description: "As the policy returned them." },
					obligations: { description: "As the policy returned them." },
					policy: { type: "string" },
					revision: { type: ["string", "null"] },
					cached: { type: "boolean" },
					error: ref("Error"),
				},
				additionalProperties: false,
			},
			QueryRequest: {
				type: "object",
				required: ["query"],
				properties: {
					query: { type: "string", description: "The Rego query." },
					input: { description: "The input document." },
				},
			},
			QueryResponse: {
				type: "object",
				properties: {
					metrics: {
						type: "object",
						properties: {
							timer_rego_query_compile_ns: { type: "integer" },
							timer_rego_query_eval_ns: { type: "integer" },
						},
					},
					result: { type: "array", items: { type: "object" } },
				},
			},
			DataRequest: {
				type: "object",
				properties: { input: { description: "The input document." } },
			},
			DataResponse: {
				type: "object",
				properties: {
					decision_id: {
						type: "string",
						format: "uuid",
						description: "Present when decisions are logged (decisionLog.enabled), as in OPA.",
					},
					metrics: {
						type: "object",
						properties: {
							timer_rego_input_parse_ns: { type: "integer" },
							timer_rego_query_eval_ns: { type: "integer" },
							timer_server_handler_ns: { type: "integer" },
						},
					},
					provenance: {
						type: "object",
						properties: {
							version: { type: "string" },
							build_commit: { type: "string" },
							build_timestamp: { type: "string" },
							build_hostname: { type: "string" },
							bundles: {
								type: "object",
								additionalProperties: {
									type: "object",
									properties: { revision: { type: "string" } },
								},
							},
						},
					},
					result: { description: "Absent when the document is undefined." },
					warning: {
						description: "api_usage_warning when a POST carried no input.",
						...ref("Error"),
					},
				},
			},
			DataError: {
				type: "object",
				required: ["code"],
				properties: {
					decision_id: { type: "string" },
					code: { type: "string", description: "internal_error for a failed evaluation." },
					message: { type: "string" },
					errors: {
						type: "array",
						items: {
							type: "object",
							required: ["code", "message"],
							properties: {
								code: { type: "string" },
								message: { type: "string" },
								location: {
									type: "object",
									properties: {
										file: { type: "string" },
										row: { type: "integer" },
										col: { type: "integer" },
									},
								},
							},
						},
					},
				},
			},
			BatchRequest: {
				type: "object",
				properties: {
					inputs: { type: "object", description: "id → input document." },
					common_input: { description: "Deep-merged under each input (the input wins)." },
				},
			},
			BatchResponse: {
				type: "object",
				required: ["batch_decision_id", "responses"],
				properties: {
					batch_decision_id: { type: "string", format: "uuid" },
					metrics: { type: "object" },
					responses: {
						type: "object",
						additionalProperties: {
							oneOf: [ref("DataResponse"), ref("DataError")],
						},
					},
				},
			},
			AuthzenEntity: {
				type: "object",
				required: ["type", "id"],
				properties: {
					type: { type: "string" },
					id: { type: "string" },
					properties: { type: "object" },
				},
			},
			AuthzenAction: {
				type: "object",
				required: ["name"],
				properties: { name: { type: "string" }, properties: { type: "object" } },
			},
			AuthzenEvaluationRequest: {
				type: "object",
				required: ["subject", "action", "resource"],
				properties: {
					subject: ref("AuthzenEntity"),
					action: ref("AuthzenAction"),
					resource: ref("AuthzenEntity"),
					context: { type: "object" },
				},
			},
			AuthzenEvaluationsRequest: {
				type: "object",
				description: "Top-level subject/action/resource/context are defaults for each item.",
				properties: {
					subject: ref("AuthzenEntity"),
					action: ref("AuthzenAction"),
					resource: ref("AuthzenEntity"),
					context: { type: "object" },
					evaluations: {
						type: "array",
						items: {
							type: "object",
							properties: {
								subject: { type: "object" },
								action: { type: "object" },
								resource: { type: "object" },
								context: { type: "object" },
							},
						},
					},
					options: {
						type: "object",
						properties: {
							evaluations_semantic: {
								type: "string",
								enum: ["execute_all", "deny_on_first_deny", "permit_on_first_permit"],
							},
						},
					},
				},
			},
			AuthzenDecision: {
				type: "object",
				required: ["decision"],
				properties: {
					decision: { type: "boolean" },
					context: {
						type: "object",
						properties: {
							reasons: {},
							obligations: {},
							error: ref("Error"),
						},
					},
				},
			},
			Ready: {
				type: "object",
				required: ["ready"],
				properties: { ready: { type: "boolean" } },
			},
		},
	},
} as const;
