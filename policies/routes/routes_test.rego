package routes_test

import data.routes

viewer := {"sub": "vera", "roles": ["viewer"], "tenant": "acme"}

manager := {"sub": "max", "roles": ["manager"], "tenant": "acme"}

req(method, path) := {"method": method, "path": path, "host": "api.acme.test", "headers": {}}

test_viewer_reads_an_order if {
	routes.allow with input as {"subject": viewer, "request": req("GET", "/orders/42")}
}

test_allow_names_the_route if {
	d := routes.decision with input as {"subject": viewer, "request": req("GET", "/orders/42")}
	d.allow
	d.reasons == {"GET /orders/42: allowed by GET /orders/{id}"}
}

test_a_single_role_may_be_a_string if {
	routes.allow with input as {"subject": {"sub": "vera", "roles": "viewer"}, "request": req("GET", "/orders")}
}

test_viewer_lists_orders if {
	routes.allow with input as {"subject": viewer, "request": req("GET", "/orders")}
}

test_viewer_cannot_create_an_order if {
	not routes.allow with input as {"subject": viewer, "request": req("POST", "/orders")}
}

test_denial_names_the_missing_permission if {
	d := routes.decision with input as {"subject": viewer, "request": req("POST", "/orders")}
	d.allow == false
	d.reasons == {"POST /orders: needs permission orders:create"}
}

test_method_is_case_insensitive if {
	routes.allow with input as {"subject": viewer, "request": req("get", "/orders/42")}
}

test_unknown_route_is_denied if {
	d := routes.decision with input as {"subject": manager, "request": req("GET", "/payments")}
	not d.allow
	d.reasons == {"GET /payments: no route matches"}
}

test_deeper_path_does_not_match_a_one_segment_pattern if {
	not routes.allow with input as {"subject": viewer, "request": req("GET", "/orders/42/lines")}
}

test_public_route_needs_no_token if {
	routes.allow with input as {"request": req("GET", "/health")}
}

test_delete_needs_mfa if {
	d := routes.decision with input as {"subject": manager, "request": req("DELETE", "/orders/7")}
	not d.allow
	d.reasons == {"DELETE /orders/7: needs multi-factor authentication"}
}

test_delete_with_mfa_is_allowed if {
	mfa_manager := object.union(manager, {"amr": ["pwd", "mfa"]})
	routes.allow with input as {"subject": mfa_manager, "request": req("DELETE", "/orders/7")}
}

test_own_tenant_invoices_are_readable if {
	routes.allow with input as {"subject": manager, "request": req("GET", "/tenants/acme/invoices/2024/03")}
}

test_other_tenant_invoices_are_denied if {
	d := routes.decision with input as {"subject": manager, "request": req("GET", "/tenants/globex/invoices/1")}
	not d.allow
	d.reasons == {"GET /tenants/globex/invoices/1: only for tenant globex"}
}

test_admin_area_any_method if {
	admin := {"sub": "ada", "roles": ["admin"], "tenant": "acme"}
	routes.allow with input as {"subject": admin, "request": req("PUT", "/admin/users/9")}
}

test_admin_area_denied_to_managers if {
	not routes.allow with input as {"subject": manager, "request": req("GET", "/admin")}
}

test_route_from_decide_resource if {
	# /v1/decide: the service names the route it asks about in the resource.
	routes.allow with input as {
		"subject": viewer,
		"resource": {"method": "GET", "path": "/orders/1"},
		"request": req("POST", "/v1/decide"),
	}
}

test_roles_without_permissions_grant_nothing if {
	not routes.allow with input as {"subject": {"sub": "x", "roles": ["intern"]}, "request": req("GET", "/orders")}
}

test_permissions_come_from_data if {
	routes.allow with input as {"subject": {"sub": "x", "roles": ["intern"]}, "request": req("GET", "/orders")} with data.routes.role_permissions as {"intern": ["orders:read"]}
}

test_path_params_bind_named_segments if {
	routes.path_params("/tenants/{tenant}/orders/{id}", "/tenants/acme/orders/7") == {"tenant": "acme", "id": "7"}
}

test_double_star_matches_any_rest if {
	routes.path_params("/files/**", "/files/a/b/c") == {}
	routes.path_params("/files/**", "/files") == {}
	not routes.path_params("/files/**", "/other/a")
}
