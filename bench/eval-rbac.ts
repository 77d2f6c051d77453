// Compiler benchmark: an RBAC policy written in Rego (user → roles → permissions, 1,000 roles
// in data), compiled by Gavel's compiler and evaluated through the official SDK, against the
// SDK's floor (a policy whose entrypoint is just `true`), side by side in one run.
// bench/eval.ts measures the back end alone on hand-written IR; this one includes what the
// planner produces. Run: npx tsx bench/eval-rbac.ts [--ir]

import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import { compile, type Policy, printIr } from "../src/compiler/index.ts";
import { formatError, parseModule } from "../src/rego/index.ts";
import { emitWasm } from "../src/wasm/index.ts";
import { PERMS_PER_ROLE, ROLES, rbacData, sideBySide } from "./measure.ts";

const RBAC = `package rbac

default allow := false

allow if {
	some role in data.user_roles[input.user]
	some perm in data.roles[role].permissions
	perm.action == input.action
	perm.resource == input.resource
}
`;

// The same decision in the style policies are often written: helper rules for the user's
// roles and the permissions they grant.
const RBAC_RULES = `package rbac

default allow := false

user_roles contains role if some role in data.user_roles[input.user]

allow if {
	some role in user_roles
	some perm in data.roles[role].permissions
	perm == {"action": input.action, "resource": input.resource}
}
`;

const FLOOR = `package floor

allow := true
`;

function compileRego(source: string, entrypoint: string): Policy {
	const parsed = parseModule(source, "bench.rego", { regoVersion: 1 });
	if (!parsed.module) throw new Error(parsed.errors.map(formatError).join("\n"));
	const r = compile({ modules: [parsed.module], entrypoints: [entrypoint] });
	if (!r.policy) throw new Error(r.errors.map(formatError).join("\n"));
	return r.policy;
}

async function measure(name: string, source: string, data: object, input: object) {
	const rbac = compileRego(source, "rbac/allow");
	const floor = compileRego(FLOOR, "floor/allow");
	if (process.argv.includes("--ir")) console.log(printIr(rbac));
	const p: LoadedPolicy = await loadPolicy(emitWasm(rbac));
	const f: LoadedPolicy = await loadPolicy(emitWasm(floor));
	p.setData(data);
	f.setData(data);
	const allow = JSON.stringify(p.evaluate(input));
	const deny = JSON.stringify(p.evaluate({ ...input, action: "delete" }));
	if (allow !== '[{"result":true}]' || deny !== '[{"result":false}]') {
		throw new Error(`unexpected results ${allow} ${deny}`);
	}
	for (let i = 0; i < 20000; i++) {
		p.evaluate(input);
		f.evaluate(input);
	}
	const r = sideBySide(
		() => p.evaluate(input),
		() => f.evaluate(input),
		21,
		5000,
	);
	console.log(
		`evaluate() through the SDK: ${name} ${r.a.toFixed(2)} µs, floor (true) ${r.b.toFixed(2)} µs, ratio ${r.ratio.toFixed(2)}x (median of paired rounds)`,
	);
}

async function main() {
	const data = rbacData();
	const resource = `doc${(((42 * 13) % ROLES) * PERMS_PER_ROLE + 9) % 5000}`;
	const input = { user: "user42", action: "write", resource };
	await measure("RBAC (one rule)", RBAC, data, input);
	await measure("RBAC (helper rules)", RBAC_RULES, data, input);
}

await main();
