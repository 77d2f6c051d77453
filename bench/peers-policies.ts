// The policies npm run bench:peers puts before every target, each written once in Rego (for
// Gavel and OPA) and once as a Cerbos resource policy with the same meaning, and the requests
// each target is asked. The HTTP policies read the input /v1/decide builds (subject = the
// token's claims, action, resource), so /v1/decide, /v1/data, OPA and Cerbos decide the same
// question on the same rules.

import { rbacData } from "./measure.ts";

/** Grants by role: data.peers.grants in Rego, one Cerbos rule per role. */
export const GRANTS: Record<string, string[]> = {
	editor: ["read", "write"],
	viewer: ["read"],
	auditor: ["read", "audit"],
};

export const RBAC_REGO = `package peers

default allow := false

# Admins may do anything.
allow if "admin" in input.subject.roles

# What each of the subject's roles grants (data.peers.grants).
allow if {
	some role in input.subject.roles
	input.action in data.peers.grants[role]
}

# Anyone may read what they own.
allow if {
	input.action == "read"
	input.resource.owner == input.subject.sub
}
`;

export function rbacCerbos(): string {
	const grants = Object.entries(GRANTS).map(
		([role, actions]) =>
			`    - actions: ${JSON.stringify(actions)}\n      effect: EFFECT_ALLOW\n      roles: ["${role}"]\n`,
	);
	return `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: document
  rules:
    - actions: ["*"]
      effect: EFFECT_ALLOW
      roles: ["admin"]
${grants.join("")}    - actions: ["read"]
      effect: EFFECT_ALLOW
      roles: ["*"]
      condition:
        match:
          expr: request.resource.attr.owner == request.principal.id
`;
}

/**
 * Issue 12's rule shape (method, path, role equality tests) in /v1/decide's input: the
 * method is the action, the path a resource attribute, the role a token claim.
 */
export function manyRulesRego(n: number): string {
	const parts = ["package rules\n\ndefault allow := false\n"];
	for (let i = 0; i < n; i++) {
		parts.push(
			`allow if {\n\tinput.action == "GET"\n\tinput.resource.path == "/api/v${i}/items"\n\tinput.subject.role == "r${i % 7}"\n}\n`,
		);
	}
	return parts.join("\n");
}

export function manyRulesCerbos(n: number): string {
	const rules: string[] = [];
	for (let i = 0; i < n; i++) {
		rules.push(
			`    - actions: ["GET"]\n      effect: EFFECT_ALLOW\n      roles: ["r${i % 7}"]\n      condition:\n        match:\n          expr: request.resource.attr.path == "/api/v${i}/items"\n`,
		);
	}
	return `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: route
  rules:
${rules.join("")}`;
}

/** One question in the shape every target understands. */
export interface Question {
	subject: { sub: string; roles?: string[]; role?: string };
	action: string;
	resource: Record<string, string>;
}

export interface PolicyCase {
	name: string;
	/** Entrypoint, slash-separated. */
	entrypoint: string;
	/** Cerbos resource kind. */
	kind: string;
	/** The question measured: it is allowed. */
	allowed: Question;
	/** A close question that is denied: checked on every target before measuring. */
	denied: Question;
}

export function httpCases(rules: number): PolicyCase[] {
	const last = rules - 1;
	return [
		{
			name: "RBAC",
			entrypoint: "peers/allow",
			kind: "document",
			// Allowed by the viewer grant: the owner rule does not apply (bob owns it).
			allowed: {
				subject: { sub: "alice", roles: ["viewer"] },
				action: "read",
				resource: { id: "doc-1", owner: "bob" },
			},
			denied: {
				subject: { sub: "alice", roles: ["viewer"] },
				action: "write",
				resource: { id: "doc-1", owner: "bob" },
			},
		},
		{
			name: `${rules} rules`,
			entrypoint: "rules/allow",
			kind: "route",
			// The last rule: a policy evaluated in order visits them all.
			allowed: {
				subject: { sub: "alice", role: `r${last % 7}` },
				action: "GET",
				resource: { id: "route", path: `/api/v${last}/items` },
			},
			denied: {
				subject: { sub: "alice", role: `r${(last + 1) % 7}` },
				action: "GET",
				resource: { id: "route", path: `/api/v${last}/items` },
			},
		},
	];
}

/** The body of Cerbos's POST /api/check/resources for a question. */
export function cerbosCheck(kind: string, q: Question): string {
	const roles = q.subject.roles ?? (q.subject.role ? [q.subject.role] : []);
	const { id, ...attr } = q.resource;
	return JSON.stringify({
		principal: { id: q.subject.sub, roles },
		resources: [{ actions: [q.action], resource: { kind, id, attr } }],
	});
}

// In-process cases: the same Rego to `opa bench` and to Gavel through the SDK.

export const RBAC_ROLES_REGO = `package rbac

default allow := false

allow if {
	some role in data.user_roles[input.user]
	some perm in data.roles[role].permissions
	perm.action == input.action
	perm.resource == input.resource
}
`;

/** bench/eval-rbac.ts's question: user42's third role grants write on this document. */
export function rbacRolesInput() {
	const resource = `doc${(((42 * 13) % 1000) * 10 + 9) % 5000}`;
	return { user: "user42", action: "write", resource };
}

export { rbacData };

export const USERS_REGO = `package directory

default allow := false

allow if {
	user := data.users[input.user]
	user.active
	input.role in user.roles
}
`;

/** n users, the data document of the 100k-entry case and of the memory figures. */
export function usersData(n: number) {
	const users: Record<string, { active: boolean; roles: string[]; dept: string }> = {};
	for (let i = 0; i < n; i++) {
		users[`user${i}`] = {
			active: i % 10 !== 0,
			roles: [`r${i % 7}`, `r${(i * 3) % 11}`],
			dept: `d${i % 50}`,
		};
	}
	return { users };
}

export function usersInput(n: number) {
	const i = n - 1 - ((n - 1) % 10 === 0 ? 1 : 0);
	return { user: `user${i}`, role: `r${i % 7}` };
}
