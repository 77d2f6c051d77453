package tenancy_test

import data.tenancy

alice := {"sub": "alice", "tenant": "acme", "roles": ["member"]}

bob := {"sub": "bob", "tenant": "acme", "roles": ["member"]}

mallory := {"sub": "mallory", "tenant": "globex", "roles": ["member"]}

root := {"sub": "root", "tenant": "ops", "roles": ["platform-admin"]}

doc := {"type": "document", "id": "d1", "owner": "alice", "tenant": "acme"}

req(subject, action) := {"subject": subject, "action": action, "resource": doc}

test_owner_may_update if {
	d := tenancy.decision with input as req(alice, "update")
	d.allow
	d.reasons == {"owner"}
	d.obligations == set()
}

test_owner_may_delete if tenancy.allow with input as req(alice, "delete")

test_same_tenant_member_may_read if {
	d := tenancy.decision with input as req(bob, "read")
	d.allow
	d.reasons == {"same tenant"}
}

test_same_tenant_member_may_not_update if {
	d := tenancy.decision with input as req(bob, "update")
	not d.allow
	d.reasons == {"only the owner may update"}
}

test_other_tenant_may_not_read if {
	d := tenancy.decision with input as req(mallory, "read")
	not d.allow
	d.reasons == {"cross-tenant access to tenant acme denied"}
}

test_same_name_in_other_tenant_is_not_the_owner if {
	impostor := {"sub": "alice", "tenant": "globex", "roles": ["member"]}
	not tenancy.allow with input as req(impostor, "update")
}

test_subject_without_tenant_is_denied if {
	not tenancy.allow with input as req({"sub": "alice"}, "read")
}

test_admin_is_allowed_and_audited if {
	d := tenancy.decision with input as req(root, "delete")
	d.allow
	d.reasons == {"administrator"}
	d.obligations == {{
		"type": "audit",
		"reason": "administrator root: delete on document d1 of tenant acme",
	}}
}

test_admin_acting_as_owner_is_not_audited if {
	own := object.union(doc, {"owner": "root", "tenant": "ops"})
	d := tenancy.decision with input as {"subject": root, "action": "update", "resource": own}
	d.allow
	d.obligations == set()
}

test_admin_role_may_be_a_string if {
	tenancy.allow with input as req({"sub": "root", "tenant": "ops", "roles": "platform-admin"}, "delete")
}

test_admin_roles_come_from_data if {
	not tenancy.allow with input as req(root, "read") with data.tenancy.admin_roles as []
}

test_unknown_action_is_denied if not tenancy.allow with input as req(alice, "transfer")
