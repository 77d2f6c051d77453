# METADATA
# title: Service-to-service authorization
# description: |
#   A call between services is allowed when the caller's mTLS identity (its SPIFFE ID, in
#   input.peer.uris) has an edge to the called service in data.services.edges, for the
#   request's method and path. No client certificate, a foreign trust domain or a missing
#   edge is a deny.
package services

# METADATA
# entrypoint: true
default allow := false

# METADATA
# entrypoint: true
decision := {"allow": allow, "reasons": reasons}

# The caller's SPIFFE ID in our trust domain (a certificate may carry other URIs too).
caller := id if {
	some id in input.peer.uris
	domain_of(id) == data.services.trust_domain
}

domain_of(id) := split(trim_prefix(id, "spiffe://"), "/")[0] if startswith(id, "spiffe://")

# The service being called: named in the resource (/v1/decide) or the request's host
# (forward-auth), whose first label is the service name ("orders.shop.svc" → "orders").
callee := input.resource.service

callee := split(input.request.host, ".")[0] if not input.resource.service

method := upper(input.request.method)

path := input.request.path

caller_edges contains edge if {
	some edge in data.services.edges
	edge.from == caller
	edge.to in {"*", callee}
}

permits(edge) if {
	some m in edge.methods
	m in {"*", method}
	some pattern in edge.paths
	glob.match(pattern, ["/"], path)
}

allow if {
	some edge in caller_edges
	permits(edge)
}

reasons contains sprintf("%s may call %s", [caller, callee]) if allow

reasons contains "no client certificate" if not input.peer

reasons contains sprintf("no identity in trust domain %s", [data.services.trust_domain]) if {
	input.peer
	not caller
}

reasons contains sprintf("no edge from %s to %s", [caller, callee]) if count(caller_edges) == 0

reasons contains sprintf("%s may not %s %s on %s", [caller, method, path, callee]) if {
	count(caller_edges) > 0
	not allow
}
