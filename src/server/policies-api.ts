// OPA's Policy API (`/v1/policies`): list, read, upload and delete Rego modules at run time.
// An upload is parsed and compiled with the active bundle's sources by Gavel's compiler
// (src/engine/policy-modules.ts) before it replaces anything, so a bad module is a 400 with
// OPA's located errors and the running policy stays as it was. Modules under a bundle root
// belong to the bundle and are refused, as OPA refuses them.

import type { Context, Hono } from "hono";
import { type Engine, PolicyNotFoundError } from "../engine/index.ts";
import type { RegoError } from "../rego/index.ts";
import type { GavelConfig } from "./config.ts";
import { opaError, opaJson, readBody } from "./data-api.ts";
import { ClientAbortedError, HttpError } from "./http-errors.ts";

export interface PoliciesApiDeps {
	config: GavelConfig;
	engine: Engine;
	callerCheck: (c: Context) => Promise<Response | undefined>;
}

/** A Rego error as OPA's API lists it: {code, message, location: {file, row, col}}. */
function apiError(e: RegoError): Record<string, unknown> {
	// A type error's have/want lines are OPA's `details` there, not part of the message.
	const out: Record<string, unknown> = { code: e.code, message: e.message.split("\n")[0] };
	if (e.loc) out.location = { file: e.loc.file, row: e.loc.row, col: e.loc.col };
	return out;
}

const json = (c: Context, status: number, value: unknown, pretty: boolean) =>
	c.body(opaJson(value, pretty), status as 200, { "Content-Type": "application/json" });

export function registerPoliciesApi(app: Hono, deps: PoliciesApiDeps): void {
	const { engine, config } = deps;
	const pretty = (c: Context) => {
		const v = c.req.queries("pretty");
		return v !== undefined && v[v.length - 1] !== "false";
	};
	// The id is the rest of the path, decoded ("a/b c.rego" for /v1/policies/a/b%20c.rego).
	const idOf = (c: Context) => {
		const raw = c.req.path.slice("/v1/policies/".length);
		try {
			return decodeURIComponent(raw);
		} catch {
			return raw;
		}
	};
	const list = (c: Context) =>
		json(c, 200, { result: engine.policies().map(({ id, raw }) => ({ id, raw })) }, pretty(c));

	app.get("/v1/policies", async (c) => (await deps.callerCheck(c)) ?? list(c));

	app.get("/v1/policies/*", async (c) => {
		const denied = await deps.callerCheck(c);
		if (denied) return denied;
		try {
			const { id, raw } = engine.policy(idOf(c));
			return json(c, 200, { result: { id, raw } }, pretty(c));
		} catch (e) {
			if (e instanceof PolicyNotFoundError)
				return opaError(c, 404, "resource_not_found", e.message, {}, false);
			throw e;
		}
	});

	app.put("/v1/policies/*", async (c) => {
		const denied = await deps.callerCheck(c);
		if (denied) return denied;
		const started = performance.now();
		let text: string;
		try {
			text = await readBody(c, config.server.bodyLimitBytes);
		} catch (e) {
			if (e instanceof HttpError) return opaError(c, e.status, e.code, e.message, e.extra, false);
			if (e instanceof ClientAbortedError) throw e;
			throw e;
		}
		const readNs = Math.round((performance.now() - started) * 1e6);
		if (idOf(c) === "") {
			return opaError(
				c,
				400,
				"invalid_parameter",
				"a policy id is needed: PUT /v1/policies/<id>",
				{},
				false,
			);
		}
		const compileStarted = performance.now();
		try {
			await engine.putPolicy(idOf(c), text);
		} catch (e) {
			return policyRefusal(c, e);
		}
		const body: Record<string, unknown> = {};
		const metrics = c.req.queries("metrics");
		if (metrics !== undefined && metrics[metrics.length - 1] !== "false") {
			body.metrics = {
				timer_rego_module_compile_ns: Math.round((performance.now() - compileStarted) * 1e6),
				timer_server_read_bytes_ns: readNs,
			};
		}
		return json(c, 200, body, pretty(c));
	});

	app.delete("/v1/policies/*", async (c) => {
		const denied = await deps.callerCheck(c);
		if (denied) return denied;
		try {
			await engine.deletePolicy(idOf(c));
		} catch (e) {
			if (e instanceof PolicyNotFoundError)
				return opaError(c, 404, "resource_not_found", e.message, {}, false);
			return policyRefusal(c, e);
		}
		return json(c, 200, {}, pretty(c));
	});
}

/** A refused upload or delete: OPA's 400 invalid_parameter, with errors[] when there are some. */
function policyRefusal(c: Context, e: unknown): Promise<Response> {
	const err = e as { name?: string; message?: string; errors?: RegoError[] };
	if (err.name === "PolicyModuleError") {
		const extra = err.errors && err.errors.length > 0 ? { errors: err.errors.map(apiError) } : {};
		return opaError(c, 400, "invalid_parameter", err.message ?? "", extra, false);
	}
	// The compiled module failed to load (the back end's own fault): not the caller's.
	return opaError(
		c,
		500,
		"internal_error",
		`the policy could not be loaded: ${err.message ?? String(e)}`,
		{},
		false,
	);
}
