# METADATA
# title: Resource ownership and tenant isolation
# description: |
#   Owners may read, update and delete what they own; members of the same tenant may read;
#   anything across tenants is denied, except for platform administrators, whose every
#   access carries an audit obligation the calling service must honour.
package tenancy

# METADATA
# entrypoint: true
default allow := false

# METADATA
# entrypoint: true
decision := {"allow": allow, "reasons": reasons, "obligations": obligations}

subject := input.subject

resource := input.resource

same_tenant if {
	subject.tenant
	subject.tenant == resource.tenant
}

owner if {
	same_tenant
	resource.owner == subject.sub
}

# Roles from the token: a list of roles, or a single role as a string.
roles contains role if some role in subject.roles

roles contains subject.roles if is_string(subject.roles)

admin if {
	some role in roles
	role in data.tenancy.admin_roles
}

allow if {
	owner
	input.action in data.tenancy.owner_actions
}

allow if {
	same_tenant
	input.action in data.tenancy.member_actions
}

allow if admin

# What an ordinary member would be allowed: admins are audited when they go beyond it.
member_allowed if {
	owner
	input.action in data.tenancy.owner_actions
}

member_allowed if {
	same_tenant
	input.action in data.tenancy.member_actions
}

obligations contains {
	"type": "audit",
	"reason": sprintf("administrator %s: %s on %s %s of tenant %s", [subject.sub, input.action, resource.type, resource.id, resource.tenant]),
} if {
	admin
	not member_allowed
}

reasons contains "owner" if {
	owner
	input.action in data.tenancy.owner_actions
}

reasons contains "same tenant" if {
	same_tenant
	input.action in data.tenancy.member_actions
}

reasons contains "administrator" if {
	admin
	not member_allowed
}

reasons contains sprintf("cross-tenant access to tenant %s denied", [resource.tenant]) if {
	not same_tenant
	not admin
}

reasons contains sprintf("only the owner may %s", [input.action]) if {
	same_tenant
	not owner
	not admin
	not input.action in data.tenancy.member_actions
}
