# The AuthZEN Authorization API 1.0 certification fixture (openid/authzen,
# certification/authorization-api-1_0-scenario.md, "Required Policy Behaviour").
# Gavel's AuthZEN routes evaluate data.authzen.allow with the request's subject, action,
# resource and context in input.
package authzen

import rego.v1

# METADATA
# title: AuthZEN access evaluation
# entrypoint: true
default allow := false

# Rules 1 and 3: every user may read.
allow if input.action.name == "read"

# Rules 2, 4 and 5: alice may write records that are not archived; bob may not write.
allow if {
	input.action.name == "write"
	input.subject.id == "alice"
	not archived
}

# Rule 6: an admin may write, archived or not.
allow if {
	input.action.name == "write"
	input.subject.properties.role == "admin"
}

# Rules 7 and 8: soft deletes only.
allow if {
	input.action.name == "delete"
	input.action.properties.soft == true
}

archived if input.resource.properties.status == "archived"
