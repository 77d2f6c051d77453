// The OpenAPI document against the app itself: every registered route is described, and
// nothing is described that the app does not serve.

import { describe, expect, it } from "vitest";
import { Engine } from "../engine/index.ts";
import { createApp } from "./app.ts";
import { validateConfig } from "./config.ts";
import { nullLogger } from "./decision-log.ts";
import { OPENAPI_DOCUMENT } from "./openapi.ts";
import { createPromMetrics } from "./prom-metrics.ts";
import { createTokenVerifier } from "./token-verifier.ts";

const ALL_METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

function app() {
	const config = validateConfig({});
	return createApp({
		config,
		engine: new Engine(),
		verifier: createTokenVerifier(config.auth, []),
		metrics: createPromMetrics({ processMetrics: false }),
		logger: nullLogger,
	});
}

/** Hono's path syntax to OpenAPI's: a trailing wildcard is the {path} parameter. */
function openapiPath(honoPath: string): string {
	return honoPath.replace(/\/\*$/, "/{path}").replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** "METHOD path" for every operation the app registers (ALL stands for every method). */
function registered(): Set<string> {
	const out = new Set<string>();
	for (const r of app().app.routes) {
		const methods = r.method === "ALL" ? ALL_METHODS : [r.method.toLowerCase()];
		for (const m of methods) out.add(`${m} ${openapiPath(r.path)}`);
	}
	return out;
}

function documented(doc: { paths: Record<string, Record<string, unknown>> }): Set<string> {
	const out = new Set<string>();
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const m of Object.keys(item)) if (ALL_METHODS.includes(m)) out.add(`${m} ${path}`);
	}
	return out;
}

function refs(v: unknown, found: string[] = []): string[] {
	if (Array.isArray(v)) for (const x of v) refs(x, found);
	else if (v !== null && typeof v === "object") {
		for (const [k, x] of Object.entries(v)) {
			if (k === "$ref" && typeof x === "string") found.push(x);
			else refs(x, found);
		}
	}
	return found;
}

describe("the OpenAPI document", () => {
	it("describes exactly the routes the app registers", () => {
		const routes = registered();
		const doc = documented(OPENAPI_DOCUMENT as never);
		expect(routes.size).toBeGreaterThan(10);
		expect([...routes].filter((r) => !doc.has(r)).sort()).toEqual([]);
		expect([...doc].filter((r) => !routes.has(r)).sort()).toEqual([]);
	});

	it("gives every operation a response and resolves every $ref", () => {
		const schemas = OPENAPI_DOCUMENT.components.schemas as Record<string, unknown>;
		for (const r of refs(OPENAPI_DOCUMENT)) {
			expect(r).toMatch(/^#\/components\/schemas\//);
			expect(schemas[r.slice("#/components/schemas/".length)], r).toBeDefined();
		}
		const ids = new Set<string>();
		for (const item of Object.values(OPENAPI_DOCUMENT.paths)) {
			for (const op of Object.values(item) as { operationId: string; responses: object }[]) {
				expect(Object.keys(op.responses).length).toBeGreaterThan(0);
				expect(ids.has(op.operationId), op.operationId).toBe(false);
				ids.add(op.operationId);
			}
		}
	});

	it("is served at GET /openapi.json", async () => {
		const res = await app().fetch(new Request("http://gavel.test/openapi.json"));
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/application\/json/);
		const body = (await res.json()) as { openapi: string; paths: object };
		expect(body.openapi).toBe("3.1.0");
		expect(body).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
	});
});
