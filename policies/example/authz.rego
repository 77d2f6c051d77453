# The quick-start policy: who may do what to a resource.
# input.subject is the verified token's claims; action and resource come from the request.
package example

import rego.v1

# METADATA
# title: May the subject do this?
# description: The decision /v1/decide asks for by default.
# entrypoint: true
default allow := false

# Admins may do anything. `roles` may be a list of roles or a single role.
allow if "admin" in input.subject.roles

allow if input.subject.roles == "admin"

# Users may read their own resources.
allow if {
	input.action == "read"
	input.resource.owner == input.subject.sub
}

# Anyone signed in may read a public document (listed in data.json).
allow if {
	input.action == "read"
	some id in data.example.public_documents
	id == input.resource.id
}
