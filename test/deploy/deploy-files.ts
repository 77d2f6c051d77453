// The PromQL that deploy/ ships: the Grafana dashboard's queries and the alert rules.

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

export const ALERTS_FILE = "deploy/prometheus/gavel-alerts.yaml";
export const DASHBOARD_FILE = "deploy/grafana/gavel-dashboard.json";

/** Every panel target's expression, and the metric each label_values() variable reads. */
export function dashboardExprs(): string[] {
	const dash = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as {
		panels: { targets?: { expr: string }[] }[];
		templating: { list: { query?: unknown }[] };
	};
	const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
	for (const v of dash.templating.list) {
		const q = v.query as { query?: string } | string | undefined;
		const text = typeof q === "string" ? q : q?.query;
		// label_values(metric, label): the metric is the first argument.
		const lv = text && /^label_values\((\w+)/.exec(text);
		if (lv) exprs.push(lv[1]);
	}
	return exprs;
}

export interface AlertRule {
	alert: string;
	expr: string;
}

export function alertRules(): AlertRule[] {
	const rules = parseYaml(readFileSync(ALERTS_FILE, "utf8")) as {
		groups: { rules: AlertRule[] }[];
	};
	return rules.groups.flatMap((g) => g.rules);
}
