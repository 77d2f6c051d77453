// deploy/ against the real service: the container's config file starts `gavel serve` (as the
// Dockerfile's entry point does), the Kubernetes probes answer, and every metric name the
// Grafana dashboard and the Prometheus alert rules use is one this server exports at /metrics.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/server/config-file.ts";
import { type JwksServer, serveJwks } from "../../src/server/dev-identity.ts";
import { alertRules, dashboardExprs } from "../deploy/deploy-files.ts";
import { type Replica, startReplica } from "../deploy/replica.ts";
import { buildBundle, repoPolicies } from "./build-bundle.ts";
import { AUDIENCE, ISSUER, makeSigner, type Signer, sign } from "./helpers.ts";

const PROMQL_WORDS = new Set([
	"by",
	"without",
	"on",
	"ignoring",
	"group_left",
	"group_right",
	"and",
	"or",
	"unless",
	"bool",
	"offset",
	"inf",
	"nan",
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not inside label
 * matchers, strings, grouping clauses or ranges, are not functions (followed by "(") and are
 * not keywords. Grafana's $variables are not names.
 */
function metricNames(expr: string): string[] {
	const stripped = expr
		.replace(/"(?:[^"\\]|\\.)*"/g, '""')
		.replace(/\{[^}]*\}/g, " ")
		.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
		.replace(/\[[^\]]*\]/g, " ")
		.replace(/\$\w+/g, " ")
		// Numbers and durations (0.99, 1e3, offset 5m).
		.replace(/\b\d[\d.]*(?:e[+-]?\d+)?[a-z]*\b/gi, " ");
	const names: string[] = [];
	for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
		const after = stripped.slice((m.index ?? 0) + m[0].length).trimStart();
		if (after.startsWith("(")) continue; // a function
		if (PROMQL_WORDS.has(m[0].toLowerCase())) continue;
		names.push(m[0]);
	}
	return names;
}

/** Queryable series names from a Prometheus text exposition, by each family's TYPE. */
function exportedSeries(exposition: string): Set<string> {
	const out = new Set<string>();
	for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
		const [, name, type] = m;
		if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) out.add(name + s);
		else if (type === "summary") for (const s of ["", "_sum", "_count"]) out.add(name + s);
		else out.add(name);
	}
	return out;
}

let jwks: JwksServer;
let signer: Signer;
let replica: Replica;
let url = "";

beforeAll(async () => {
	signer = await makeSigner("ES256", "deploy-1");
	jwks = await serveJwks([signer.publicJwk]);
	const dir = mkdtempSync(join(tmpdir(), "gavel-deploy-"));
	const { sources, data } = repoPolicies();
	const bundle = join(dir, "example.tar.gz");
	writeFileSync(
		bundle,
		buildBundle({ sources, data, entrypoints: ["example/allow"], revision: "deploy-1" }),
	);
	// The image's own config file; what differs here comes through GAVEL_* as in a container.
	replica = await startReplica({
		GAVEL_BUNDLE_PATH: bundle,
		GAVEL_JWKS_URL: jwks.url,
		GAVEL_ISSUER: ISSUER,
		GAVEL_AUDIENCE: AUDIENCE,
		GAVEL_STATE_DIR: dir,
	});
	url = replica.url;
	// Traffic of every kind the dashboard shows: decisions (a miss, then a hit) and a bad token.
	const token = await sign(signer, { roles: ["admin"] });
	for (let i = 0; i < 2; i++) {
		const res = await fetch(`${url}/v1/decide`, {
			method: "POST",
			headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
			body: JSON.stringify({ action: "delete" }),
		});
		expect(res.status).toBe(200);
	}
	await fetch(`${url}/v1/decide`, { method: "POST", headers: { authorization: "Bearer x.y.z" } });
}, 60_000);

afterAll(async () => {
	await replica?.stop();
	await jwks?.close();
});

describe("deploy/", () => {
	it("finds metric names in PromQL the way Prometheus reads them", () => {
		expect(
			metricNames(
				'histogram_quantile(0.99, sum by (le) (rate(a_bucket{job=~"$job",x="y(z)"}[5m]))) / on(i) group_left b offset 5m',
			),
		).toEqual(["a_bucket", "b"]);
		expect(metricNames("absent(up == 1)")).toEqual(["up"]);
	});

	it("uses in the dashboard and alert rules only metric names the server exports", async () => {
		const exposition = await (await fetch(`${url}/metrics`)).text();
		const exported = exportedSeries(exposition);
		const used = new Set(
			[...dashboardExprs(), ...alertRules().map((r) => r.expr)].flatMap(metricNames),
		);
		expect(used.size).toBeGreaterThan(10);
		expect(used).toContain("gavel_decision_duration_seconds_bucket");
		expect([...used].filter((n) => !exported.has(n)).sort()).toEqual([]);
		// The families with labels really have samples after the traffic above.
		for (const n of ["gavel_decisions_total", "gavel_token_verifications_total"]) {
			expect(exposition).toMatch(new RegExp(`^${n}\\{`, "m"));
		}
	});

	it("serves what the Kubernetes probes and the Docker healthcheck ask for", async () => {
		const docs = parseAllDocuments(readFileSync("deploy/kubernetes/deployment.yaml", "utf8"));
		const deployment = docs[0].toJSON() as {
			spec: {
				template: {
					spec: {
						securityContext: { runAsNonRoot: boolean };
						containers: {
							readinessProbe: { httpGet: { path: string } };
							livenessProbe: { httpGet: { path: string } };
							securityContext: { readOnlyRootFilesystem: boolean };
						}[];
					};
				};
			};
		};
		const pod = deployment.spec.template.spec;
		expect(pod.securityContext.runAsNonRoot).toBe(true);
		const container = pod.containers[0];
		expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
		expect(container.readinessProbe.httpGet.path).toBe("/ready");
		expect(container.livenessProbe.httpGet.path).toBe("/health");
		const dockerfile = readFileSync("deploy/Dockerfile", "utf8");
		expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health/);
		for (const path of ["/ready", "/health"]) {
			expect((await fetch(`${url}${path}`)).status).toBe(200);
		}
	});

	it("scales the Deployment with an HPA and guards it with a PodDisruptionBudget", () => {
		const kustomization = parseYaml(
			readFileSync("deploy/kubernetes/kustomization.yaml", "utf8"),
		) as {
			resources: string[];
		};
		expect(kustomization.resources).toEqual(expect.arrayContaining(["hpa.yaml", "pdb.yaml"]));
		const deployment = parseAllDocuments(
			readFileSync("deploy/kubernetes/deployment.yaml", "utf8"),
		)[0].toJSON() as {
			metadata: { name: string };
			spec: {
				selector: { matchLabels: Record<string, string> };
				template: { spec: { containers: { resources: { requests: { cpu: string } } }[] } };
			};
		};
		const hpa = parseYaml(readFileSync("deploy/kubernetes/hpa.yaml", "utf8")) as {
			spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
		};
		expect(hpa.spec.scaleTargetRef).toMatchObject({
			kind: "Deployment",
			name: deployment.metadata.name,
		});
		expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
		// A CPU utilisation target needs a CPU request to be a percentage of.
		expect(deployment.spec.template.spec.containers[0].resources.requests.cpu).toBeTruthy();
		const pdb = parseYaml(readFileSync("deploy/kubernetes/pdb.yaml", "utf8")) as {
			spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
		};
		expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
		expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
	});

	it("ships a ConfigMap whose config file is valid", () => {
		const cm = parseYaml(readFileSync("deploy/kubernetes/configmap.yaml", "utf8")) as {
			data: Record<string, string>;
		};
		const dir = mkdtempSync(join(tmpdir(), "gavel-cm-"));
		const file = join(dir, "config.yaml");
		writeFileSync(file, cm.data["config.yaml"]);
		const config = loadConfig(file, {});
		expect(config.bundle.url).toMatch(/^https:/);
		expect(config.server.host).toBe("0.0.0.0");
		expect(config.stateDir).toBe("/var/lib/gavel");
	});
});
