# METADATA
# title: API route authorization
# description: |
#   RBAC and ABAC over HTTP method and path. Roles come from the token's claims
#   (input.subject.roles), the permissions each role grants and the permission each route
#   needs come from data.routes (data.json beside this file). Route paths are patterns:
#   "{name}" matches one segment and names it, a trailing "/**" matches any rest.
package routes

# The request being authorized: the route a service asks about through /v1/decide
# (input.resource.method / .path), else the request itself (forward-auth at /v1/authz).
method := upper(m) if {
	m := input.resource.method
} else := upper(input.request.method)

path := p if {
	p := input.resource.path
} else := input.request.path

# Roles from the token: a list of roles, or a single role as a string.
roles contains role if some role in input.subject.roles

roles contains input.subject.roles if is_string(input.subject.roles)

permissions contains perm if {
	some role in roles
	some perm in data.routes.role_permissions[role]
}

# Every route whose method and path pattern match the request.
matching contains route if {
	some route in data.routes.routes
	method_matches(route.method, method)
	path_params(route.path, path)
}

# METADATA
# entrypoint: true
default allow := false

allow if {
	some route in matching
	route_allows(route)
}

# METADATA
# entrypoint: true
decision := {"allow": allow, "reasons": reasons}

route_allows(route) if route.public == true

route_allows(route) if {
	route.permission in permissions
	conditions_hold(route)
}

conditions_hold(route) if {
	params := path_params(route.path, path)
	tenant_matches(route, params)
	mfa_satisfied(route)
}

# ABAC: a route may bind a path parameter to the caller's tenant claim.
tenant_matches(route, _) if not route.tenant_param

tenant_matches(route, params) if params[route.tenant_param] == input.subject.tenant

# ABAC: a route may require multi-factor authentication (the token's amr claim).
mfa_satisfied(route) if not route.mfa

mfa_satisfied(route) if has_mfa

# Its own rule so that `not has_mfa` holds for a token without an amr claim: inside a bare
# `not`, the undefined `input.subject.amr` would make the whole body fail, as in OPA.
has_mfa if "mfa" in input.subject.amr

reasons contains sprintf("%s %s: allowed by %s %s", [method, path, route.method, route.path]) if {
	some route in matching
	route_allows(route)
}

reasons contains sprintf("%s %s: no route matches", [method, path]) if count(matching) == 0

reasons contains sprintf("%s %s: needs permission %s", [method, path, route.permission]) if {
	some route in matching
	not route.public
	not route.permission in permissions
}

reasons contains sprintf("%s %s: only for tenant %s", [method, path, tenant]) if {
	some route in matching
	route.permission in permissions
	route.tenant_param
	tenant := path_params(route.path, path)[route.tenant_param]
	tenant != input.subject.tenant
}

reasons contains sprintf("%s %s: needs multi-factor authentication", [method, path]) if {
	some route in matching
	route.permission in permissions
	route.mfa
	not has_mfa
}

method_matches(pattern, _) if pattern == "*"

method_matches(pattern, actual) if upper(pattern) == actual

# The path parameters when `pattern` matches `actual`; undefined when it does not.
path_params(pattern, actual) := params if {
	not endswith(pattern, "/**")
	want := segments(pattern)
	have := segments(actual)
	count(want) == count(have)
	params := bind(want, have)
}

path_params(pattern, actual) := params if {
	endswith(pattern, "/**")
	want := segments(trim_suffix(pattern, "/**"))
	have := segments(actual)
	count(have) >= count(want)
	params := bind(want, have)
}

bind(want, have) := params if {
	every i, seg in want {
		segment_matches(seg, have[i])
	}
	params := {trim(seg, "{}"): have[i] | some i, seg in want; is_param(seg)}
}

segments(p) := [s | some s in split(p, "/"); s != ""]

is_param(seg) if {
	startswith(seg, "{")
	endswith(seg, "}")
}

segment_matches(seg, _) if is_param(seg)

segment_matches(seg, actual) if seg == actual
