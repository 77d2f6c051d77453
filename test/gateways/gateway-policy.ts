// The policy the gateway tests put behind /v1/authz: admins may do anything, anyone signed
// in may GET under /public/; an allow carries the subject's tenant to the upstream as a
// header (obligations.headers), which the gateways pass on.

export const GATEWAY_POLICY = `package gateway
import rego.v1

default decision := {"allow": false}

decision := {"allow": true, "obligations": {"headers": {"X-Auth-Tenant": tenant}}} if allowed

default tenant := "none"

tenant := input.subject.tenant if is_string(input.subject.tenant)

allowed if "admin" in input.subject.roles

allowed if {
	input.action == "GET"
	startswith(input.resource.path, "/public/")
}
`;
